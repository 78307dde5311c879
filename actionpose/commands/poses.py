"""Pose-file commands: ``extract``, ``render``, ``convert``, ``info``, ``list`` and ``demo``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from actionpose.commands.batch import add_batch_args
from actionpose.commands.options import add_backend_args, extract_options, progress_bar, source_arg
from actionpose.errors import InputError

FORMAT_SUFFIX = {"npz": ".npz", "table": ".parquet", "parquet": ".parquet", "csv": ".csv", "coco": ".json",
                 "openpose": ""}
WRITE_FORMAT = {"parquet": "table", "csv": "table"}


def cmd_extract(args: argparse.Namespace) -> int:
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import save_poses

    options = extract_options(args)
    fmt = WRITE_FORMAT.get(args.format, args.format)
    out = Path(args.output)
    many = len(args.inputs) > 1 or any(Path(i).is_dir() for i in args.inputs)
    if not many:
        source = source_arg(args.inputs[0])
        update, close = progress_bar("extract", args.quiet)
        try:
            seq = extract_poses(source, options, progress=update, max_frames=args.max_frames)
        finally:
            close()
        save_poses(seq, out, format=fmt)
        found = int(seq.present.any(axis=1).sum())
        print(f"{out}: {seq.num_frames} frames, {seq.num_people} track(s), person found in "
              f"{found}/{seq.num_frames} frames ({seq.layout.name}, {seq.fps:g} fps)")
        return 0

    from actionpose.commands.batch import batch_settings, print_report, run_with_progress

    suffix = FORMAT_SUFFIX.get(args.format or "npz", ".npz")
    report = run_with_progress(args, batch_settings(args, options, pose_format=fmt, pose_suffix=suffix))
    return print_report(report, out, "extracted")


def cmd_render(args: argparse.Namespace) -> int:
    from actionpose.skeleton.io import load_poses
    from actionpose.video.render import render_frame, render_video, save_png

    seq = load_poses(args.poses)
    out = Path(args.output)
    if out.suffix.lower() == ".png":
        save_png(render_frame(args.video, seq, args.frame, min_score=args.min_score), out)
        print(f"{out}: frame {args.frame}")
        return 0
    if out.suffix.lower() != ".mp4":
        raise InputError(out, "the rendered video must be an .mp4 (or a .png for one frame)")
    update, close = progress_bar("render", args.quiet)
    try:
        render_video(args.video, seq, out, min_score=args.min_score, progress=update)
    finally:
        close()
    print(f"{out}: H.264 video with {seq.num_people} track(s) drawn")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from actionpose.skeleton.io import load_poses, save_poses

    read_opts = {"fps": args.fps} if args.fps else {}
    seq = load_poses(args.input, **read_opts)
    if args.layout:
        seq = seq.convert(args.layout)
    if args.resample:
        seq = seq.resample(args.resample)
    save_poses(seq, args.output, format=WRITE_FORMAT.get(args.format, args.format))
    print(f"{args.output}: {seq.num_frames} frames, {seq.num_people} track(s), layout {seq.layout.name}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from actionpose.inputs import VIDEO_SUFFIXES

    path = Path(args.file)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        from dataclasses import asdict

        from actionpose.video.reader import probe_video
        info = {"video": str(path), **asdict(probe_video(path))}
    else:
        from actionpose.skeleton.io import load_poses
        info = {"poses": str(path), **load_poses(path).summary()}
    if args.json:
        print(json.dumps(info, default=str))
    else:
        for key, value in info.items():
            print(f"{key:>20}: {value}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from actionpose.pose import list_backends
    from actionpose.skeleton.layouts import get_layout, list_layouts

    if args.what == "backends":
        for name in list_backends():
            print(name)
    else:
        for name in list_layouts():
            layout = get_layout(name)
            print(f"{name:<14} {layout.num_joints:>3} joints  {layout.description}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from actionpose.demo import run_demo

    update, close = progress_bar("demo", args.quiet)
    try:
        report = run_demo(Path(args.output), progress=update)
    finally:
        close()
    for line in report:
        print(line)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the pose-file commands."""
    e = sub.add_parser("extract", help="video(s) -> tracked pose file(s)")
    e.add_argument("inputs", nargs="+", help="video file(s), folder(s), a camera index or a stream URL")
    e.add_argument("-o", "--output", required=True,
                   help="pose file (.npz .parquet .csv .json) or folder; a folder when several inputs are given")
    add_backend_args(e)
    e.add_argument("--format", choices=sorted(FORMAT_SUFFIX), help="output format (default: from the suffix)")
    add_batch_args(e)
    e.add_argument("--max-frames", type=int, help="stop after this many frames (cameras, quick tries)")
    e.set_defaults(func=cmd_extract)

    r = sub.add_parser("render", help="draw poses onto a video (H.264 MP4) or one frame (PNG)")
    r.add_argument("video")
    r.add_argument("poses")
    r.add_argument("-o", "--output", required=True, help="out.mp4, or out.png for one frame")
    r.add_argument("--frame", type=int, default=0, help="frame index for PNG output")
    r.add_argument("--min-score", type=float, default=0.3, help="hide joints below this score")
    r.set_defaults(func=cmd_render)

    c = sub.add_parser("convert", help="pose file -> another format, layout or frame rate")
    c.add_argument("input")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--layout", help="target keypoint layout (see `actionpose list layouts`)")
    c.add_argument("--resample", type=float, metavar="FPS", help="resample to this frame rate")
    c.add_argument("--fps", type=float, help="frame rate of an input format that stores none (OpenPose JSON)")
    c.add_argument("--format", choices=sorted(FORMAT_SUFFIX), help="output format (default: from the suffix)")
    c.set_defaults(func=cmd_convert)

    i = sub.add_parser("info", help="describe a pose file or a video")
    i.add_argument("file")
    i.add_argument("--json", action="store_true", help="one JSON document on stdout")
    i.set_defaults(func=cmd_info)

    ls = sub.add_parser("list", help="list layouts or backends")
    ls.add_argument("what", choices=("layouts", "backends"))
    ls.set_defaults(func=cmd_list)

    d = sub.add_parser("demo", help="extract and render the built-in example clip")
    d.add_argument("-o", "--output", default="actionpose-demo", help="output folder (default ./actionpose-demo)")
    d.set_defaults(func=cmd_demo)

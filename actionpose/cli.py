"""The ``actionpose`` command line. Only this module prints; the library logs.

Every command exits 0 on success, 2 with one line on stderr when the input is bad
(missing, empty, corrupt, wrong schema, no person), and 1 on an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

from actionpose import __version__
from actionpose.commands import add_task_parsers
from actionpose.commands.batch import add_batch_args
from actionpose.commands.options import (add_backend_args, extract_options, load_or_extract, progress_bar,
                                         source_arg)
from actionpose.errors import ActionPoseError, InputError

log = logging.getLogger("actionpose")

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
    from actionpose.batch import VIDEO_SUFFIXES

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


def _training_clips(path: str, args: argparse.Namespace) -> list:
    """Labelled clips from a folder (one sub-folder per class) or a pose table with a ``label`` column."""
    from actionpose.train.sources import clips_from_folder, clips_from_table

    data = Path(path)
    if data.is_dir():
        update, close = progress_bar("extract", args.quiet)
        try:
            return clips_from_folder(data)
        finally:
            close()
    if data.suffix.lower() in (".csv", ".parquet"):
        import pandas as pd

        try:
            table = pd.read_parquet(data) if data.suffix.lower() == ".parquet" else pd.read_csv(data, comment="#")
        except (OSError, ValueError) as exc:
            raise InputError(data, f"cannot read the table ({exc})") from None
        return clips_from_table(table)
    raise InputError(data, "training data must be a folder with one sub-folder per class, or a .csv/.parquet "
                           "pose table with a label column")


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from actionpose.models.classifier import ActionClassifier

    clips = _training_clips(args.data, args)
    clf = ActionClassifier(model=args.model, window=args.window, stride=args.stride, fps=args.fps,
                           people=args.people, epochs=args.epochs, seed=args.seed)
    with tqdm(total=args.epochs, desc="train", unit="epoch", disable=True if args.quiet else None,
              file=sys.stderr, leave=False) as bar:
        def epoch_line(epoch: int, epochs: int, stats: dict) -> None:
            bar.update(1)
            val = f"  val_loss {stats['val_loss']:.3f}  val_acc {stats['val_acc']:.3f}" if "val_acc" in stats else ""
            print(f"epoch {epoch}/{epochs}  train_loss {stats['train_loss']:.3f}{val}", flush=True)

        clf.fit(clips, progress=epoch_line)
    clf.save(args.output)
    kept = f", kept epoch {clf.history_.best_epoch}" if clf.history_ else ""
    print(f"{args.output}: {args.model} model, {len(clf.classes_)} classes ({', '.join(clf.classes_)}), "
          f"{len(clips)} clips{kept}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from actionpose.models.classifier import ActionClassifier
    from actionpose.train.evaluate import evaluate_predictions, save_report

    clf = ActionClassifier.load(args.model)
    windows = clf.windows(_training_clips(args.data, args))
    if not len(windows):
        raise InputError(args.data, "no windows to evaluate (clips too short or no person)")
    report = evaluate_predictions(windows.y, clf.predict(windows), classes=clf.classes_)
    print(report.summary())
    if args.report:
        for path in save_report(report, args.report, extra={"model": str(args.model), "data": str(args.data)}):
            print(f"wrote {path}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier.load(args.model)
    source = Path(args.input)
    seq = load_or_extract(source, args)
    steps = clf.predict_windows(seq)
    if args.json:
        print(json.dumps({"input": str(source), "model": str(args.model), "classes": clf.classes_.tolist(),
                          "windows": [{"start": round(w.start_s, 3), "end": round(w.end_s, 3), "label": w.label,
                                       "proba": [round(float(p), 4) for p in w.proba]} for w in steps]}))
    else:
        for w in steps:
            print(f"{w.start_s:7.2f}-{w.end_s:7.2f} s  {w.label:<16} {w.proba.max():.2f}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import torch

    from actionpose.models.classifier import ActionClassifier
    from actionpose.models.export import export_onnx

    clf = ActionClassifier.load(args.model)
    if clf._is_sklearn:
        raise InputError(args.model, f"only torch models export to ONNX; this is a {clf.model} model")
    example = torch.zeros((2, clf.window, clf.people, clf.layout_.num_joints, clf.channels_))  # batch axis stays dynamic
    diff = export_onnx(clf.estimator_, example, args.output)
    print(f"{args.output}: ONNX, checked with onnxruntime, max abs difference {diff:.2e}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="actionpose", description="Action recognition on human pose sequences.")
    p.add_argument("--version", action="version", version=f"actionpose {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

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

    t = sub.add_parser("train", help="train an action classifier on your own labelled clips")
    t.add_argument("data", help="folder with one sub-folder per class (videos or pose files), or a pose table")
    t.add_argument("-o", "--output", required=True, help="model file to write (e.g. my_actions.apm)")
    t.add_argument("--model", default="stgcn", help="stgcn | tcn | gru | rf | gb | logreg | knn")
    t.add_argument("--window", type=int, default=30, help="window length in frames")
    t.add_argument("--stride", type=int, help="window step in frames (default half the window)")
    t.add_argument("--epochs", type=int, default=60)
    t.add_argument("--fps", type=float, help="resample clips to this frame rate first")
    t.add_argument("--people", type=int, default=1, help="person slots per window")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="accuracy, macro-F1, per-class metrics and confusion matrix")
    ev.add_argument("model")
    ev.add_argument("data", help="folder with one sub-folder per class, or a pose table")
    ev.add_argument("--report", help="write the report as JSON (and the confusion matrix as PNG beside it)")
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="labels over time for a video or pose file")
    pr.add_argument("model")
    pr.add_argument("input")
    pr.add_argument("--json", action="store_true", help="one JSON document on stdout")
    add_backend_args(pr)
    pr.set_defaults(func=cmd_predict)

    ex = sub.add_parser("export", help="export a torch model to ONNX (checked with onnxruntime)")
    ex.add_argument("model")
    ex.add_argument("-o", "--output", required=True, help="model.onnx")
    ex.set_defaults(func=cmd_export)

    d = sub.add_parser("demo", help="extract and render the built-in example clip")
    d.add_argument("-o", "--output", default="actionpose-demo", help="output folder (default ./actionpose-demo)")
    d.set_defaults(func=cmd_demo)
    add_task_parsers(sub)
    return p


@contextlib.contextmanager
def _quiet_native_stderr(enabled: bool) -> Iterator[None]:
    """Send what native libraries write straight to file descriptor 2 to /dev/null.

    MediaPipe/TFLite (absl logging) and FFmpeg inside OpenCV print diagnostics on fd 2 that would
    bury the one-line error message; Python's own ``sys.stderr`` (our messages, logging, progress
    bars) keeps the real stderr. Spawned worker processes inherit the quiet fd 2.
    """
    if not enabled:
        yield
        return
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    real_stderr = sys.stderr
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=real_stderr.encoding or "utf-8",
                           errors="backslashreplace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = real_stderr
        os.dup2(saved, 2)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actionpose`` console script."""
    args = build_parser().parse_args(argv)
    quiet_native = args.verbose < 2 and _has_fileno(sys.stderr)
    with _quiet_native_stderr(quiet_native):
        level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
        log.setLevel(level)  # the command owns this process's logging, whatever configured "actionpose" before
        return _run(args)


def _has_fileno(stream: Any) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False  # captured (pytest, notebooks): nothing native to silence through it


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except ActionPoseError as exc:
        print(f"actionpose: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable output folder, disk full, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"actionpose: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("actionpose: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for users; --debug shows it
        if args.debug:
            raise
        print(f"actionpose: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

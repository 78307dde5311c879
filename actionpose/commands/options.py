"""Command-line pieces shared by the ``actionpose`` commands: backend options, progress bars, inputs.

Only the command modules (``actionpose.cli`` and ``actionpose.commands.*``) print; the library logs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actionpose.errors import InputError

ProgressPair = tuple[Callable[[int, "int | None"], None], Callable[[], None]]


def progress_bar(desc: str, quiet: bool) -> ProgressPair:
    """A tqdm bar driven by the library's ``progress(done, total)`` callbacks (silent off a terminal)."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="frame", disable=True if quiet else None, leave=False, file=sys.stderr)

    def update(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def add_backend_args(p: argparse.ArgumentParser) -> None:
    """The options that choose and configure the pose backend (``extract``, ``watch``, ``falls``, ``gait``)."""
    p.add_argument("--backend", default="mediapipe", help="pose backend (see `actionpose list backends`)")
    p.add_argument("--mode", help="backend mode, e.g. mediapipe: pose | holistic | hands")
    p.add_argument("--weights", "--model", dest="weights", help="model file (.task for MediaPipe several-person)")
    p.add_argument("--detector-model", metavar="TASK",
                   help="top-down backends (rsn): find people with this MediaPipe PoseLandmarker .task "
                        "model instead of OpenCV's HOG detector")
    p.add_argument("--max-people", type=int,
                   help="most people tracked at once (default: the backend's; 1 for MediaPipe Pose)")
    p.add_argument("--model-complexity", type=int, choices=(0, 1, 2), help="MediaPipe Pose complexity")
    p.add_argument("--fill-gap", type=float, default=0.25, help="interpolate gaps up to this many seconds")
    p.add_argument("--no-smooth", action="store_true", help="skip One-Euro smoothing")
    p.add_argument("--crop", type=_crop, metavar="X,Y,W,H",
                   help="give the backend only this region of each frame (coordinates stay full-frame)")


def _crop(text: str) -> tuple[int, int, int, int]:
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"crop must be X,Y,WIDTH,HEIGHT in pixels, got {text!r}") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise argparse.ArgumentTypeError(f"crop {text!r} needs x, y >= 0 and a positive width and height")
    return x, y, w, h


def extract_options(args: argparse.Namespace):
    """:class:`actionpose.pipeline.ExtractOptions` from the options of :func:`add_backend_args`."""
    from actionpose.pipeline import ExtractOptions

    backend_options: dict[str, Any] = {}
    if args.mode:
        backend_options["mode"] = args.mode
    if args.model_complexity is not None:
        backend_options["model_complexity"] = args.model_complexity
    if args.weights:
        weights = Path(args.weights)
        if not weights.is_file():
            raise InputError(weights, "no such model file")
        backend_options["model_path"] = weights
    if args.detector_model:
        task = Path(args.detector_model)
        if not task.is_file():
            raise InputError(task, "no such detector model file")
        # top-down backends: person boxes from MediaPipe Tasks skeletons instead of OpenCV HOG
        backend_options["detector"] = "backend"
        backend_options["detector_options"] = {"backend": "mediapipe", "model_path": task,
                                               "max_people": args.max_people or 4}
    return ExtractOptions(backend=args.backend, backend_options=backend_options, max_people=args.max_people,
                          fill_gap_s=args.fill_gap, smooth=not args.no_smooth, crop=args.crop)


def source_arg(text: str) -> str | int:
    """A camera index (``0``) unless a file of that name exists; otherwise the path or URL as given."""
    return int(text) if text.isdigit() and not Path(text).exists() else text


def load_or_extract(path: str | Path, args: argparse.Namespace, desc: str = "extract"):
    """The poses of ``path``: read a pose file, or extract and track a video with the backend options."""
    from actionpose.inputs import VIDEO_SUFFIXES
    from actionpose.skeleton.io import load_poses

    source = Path(path)
    if source.suffix.lower() not in VIDEO_SUFFIXES:
        return load_poses(source)
    from actionpose.pipeline import extract_poses

    update, close = progress_bar(desc, args.quiet)
    try:
        return extract_poses(source, extract_options(args), progress=update)
    finally:
        close()

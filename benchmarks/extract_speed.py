"""Extraction speed: the pipeline against a plain MediaPipe loop on one clip.

Run from the project root (the real-data folder must be at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/extract_speed.py [--repeats 5]

1. One clip, one process: the plain loop (OpenCV decode + ``mp.solutions.pose.Pose.process``) and
   ``extract_poses`` (threaded decode, backend, tracking, gap filling, smoothing) run alternately,
   ``--repeats`` times each; medians and the ratio of frame rates are printed. Goal >= 0.95x.
   (A folder of clips on all cores: ``benchmarks/batch_speed.py``.)
The machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import mediapipe as mp

from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.sample_data import DEFAULT_CLIP, require_data_dir


def plain_loop(path: Path) -> int:
    """Decode every frame and run legacy MediaPipe Pose on it, nothing else; returns the frame count."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    with mp.solutions.pose.Pose(model_complexity=1, static_image_mode=False) as pose:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            n += 1
    cap.release()
    return n


def pipeline(path: Path) -> int:
    return extract_poses(path, ExtractOptions()).num_frames


def timed(fn, *args) -> tuple[float, int]:
    start = time.perf_counter()
    frames = fn(*args)
    return time.perf_counter() - start, frames


def single_clip(clip: Path, repeats: int) -> float:
    plain, ours = [], []
    timed(plain_loop, clip)  # warm-up: model load, page cache
    for _ in range(repeats):
        s, n = timed(plain_loop, clip)
        plain.append(n / s)
        s, n = timed(pipeline, clip)
        ours.append(n / s)
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"single clip {clip.name} ({n} frames), median of {repeats}:")
    print(f"  plain MediaPipe loop   {p:7.1f} frames/s   runs: {', '.join(f'{v:.1f}' for v in plain)}")
    print(f"  actionpose extract     {o:7.1f} frames/s   runs: {', '.join(f'{v:.1f}' for v in ours)}")
    print(f"  ratio pipeline / plain {o / p:7.3f}  (goal >= 0.95)")
    return o / p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    data = require_data_dir()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; mediapipe {mp.__version__}")
    single_clip(data / DEFAULT_CLIP, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())

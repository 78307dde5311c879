"""Extraction speed: the pipeline against a plain MediaPipe loop, and a folder on all cores.

Run from the project root (the real-data folder must be at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/extract_speed.py [--repeats 5]

1. One clip, one process: the plain loop (OpenCV decode + ``mp.solutions.pose.Pose.process``) and
   ``extract_poses`` (threaded decode, backend, tracking, gap filling, smoothing) run alternately,
   ``--repeats`` times each; medians and the ratio of frame rates are printed. Goal >= 0.95x.
2. A folder of clips (every real clip under clips/, falls/gmdcsa24/ and exercise/clips/: 15 clips of
   4 sizes): one clip at a time in this process against ``extract_many`` with one worker per core;
   the ratio of frame rates is printed. Goal >= 1.7x on two cores.
The machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import mediapipe as mp

from actionpose.batch import extract_many, find_videos
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.sample_data import DEFAULT_CLIP, find_data_dir


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


def folder(clips: list[Path], repeats: int, workers: int) -> float:
    one, many = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            jobs = [(c, Path(tmp) / f"one{r}_{i}.npz") for i, c in enumerate(clips)]
            s, _ = timed(extract_many, jobs, ExtractOptions(), None, 1)
            frames = sum(cv2.VideoCapture(str(c)).get(cv2.CAP_PROP_FRAME_COUNT) for c in clips)
            one.append(frames / s)
            jobs = [(c, Path(tmp) / f"many{r}_{i}.npz") for i, c in enumerate(clips)]
            s, res = time.perf_counter(), extract_many(jobs, ExtractOptions(), None, workers)
            s = time.perf_counter() - s
            assert all(x.ok for x in res), [x.error for x in res if not x.ok]
            many.append(frames / s)
    a, b = statistics.median(one), statistics.median(many)
    print(f"folder of {len(clips)} clips ({int(frames)} frames), median of {repeats}:")
    print(f"  one clip at a time     {a:7.1f} frames/s   runs: {', '.join(f'{v:.1f}' for v in one)}")
    print(f"  {workers} workers              {b:7.1f} frames/s   runs: {', '.join(f'{v:.1f}' for v in many)}")
    print(f"  ratio folder / single  {b / a:7.3f}  (goal >= 1.7 on two cores)")
    return b / a


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--folder-repeats", type=int, default=2)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-folder", action="store_true")
    args = ap.parse_args()
    data = find_data_dir()
    if data is None:
        print("real-data folder not found (set ACTIONPOSE_DATA)", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; mediapipe {mp.__version__}")
    single_clip(data / DEFAULT_CLIP, args.repeats)
    if not args.skip_folder:
        folder(find_videos([data / "clips", data / "falls" / "gmdcsa24", data / "exercise" / "clips"]),
               args.folder_repeats, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cost per frame of several people: the shipped PoseLandmarker bundles against the single-person legacy path.

Run from the project root (the real-data folder must be at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/multi_person_cost.py [--frames 60] [--repeats 3]

Clips, decoded once into memory (decoding is not timed), the first ``--frames`` frames of each:

* 1 person: the example clip shipped in the package (GMDCSA24 fall, 320x240);
* 2 people: ``clips/two_people_demo_skeleton.mp4`` downscaled from 1920x1080 to 640x360;
* 4 people: ``clips/basketball_structuralize.mp4`` (426x240, several players).

For each model size (lite = ``model_complexity`` 0, full = 1), the backend as ``actionpose extract``
creates it, called frame after frame in video mode: the legacy single-person ``mp.solutions.pose``
path (``max_people=1``, the baseline), and the Tasks ``PoseLandmarker`` from the shipped bundle with
``max_people`` = 1 and = the people in the clip. Configurations alternate within each repeat;
the medians of the per-run ms/frame are printed with ratios against the legacy path on the same clip,
and the mean number of people found per frame. The machine is shared and noisy: read medians and ratios.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actionpose.pose import create_backend  # noqa: E402
from actionpose.sample_data import EXAMPLE_CLIP, require_data_dir  # noqa: E402
from actionpose.video.reader import VideoReader  # noqa: E402

CLIPS = [(1, None, None), (2, "clips/two_people_demo_skeleton.mp4", (640, 360)),
         (4, "clips/basketball_structuralize.mp4", None)]


def read_frames(path: Path, count: int, size: tuple[int, int] | None) -> list[np.ndarray]:
    """The first ``count`` BGR frames of ``path``, resized to ``size`` when given."""
    with VideoReader(path, threaded=False) as reader:
        frames = [f.image for f in islice(reader, count)]
    if not frames:
        raise SystemExit(f"{path}: no frames could be read")
    return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames] if size else frames


def run(frames: list[np.ndarray], fps: float, options: dict) -> tuple[float, float]:
    """``(ms per frame, mean people per frame)`` of one pass of a fresh backend over ``frames``."""
    with create_backend("mediapipe", **options) as backend:
        backend(frames[0], 0.0)  # graph start-up is not part of the per-frame cost
        found = 0
        start = time.perf_counter()
        for i, frame in enumerate(frames[1:], start=1):
            found += len(backend(frame, i / fps))
        took = time.perf_counter() - start
    return 1000.0 * took / (len(frames) - 1), found / (len(frames) - 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = require_data_dir()
    import mediapipe as mp

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; mediapipe {mp.__version__}; "
          f"first {args.frames} frames per clip, median of {args.repeats} runs")
    print("| people | clip | model | legacy 1 person ms/frame | bundle max_people=1 ms/frame (x legacy) | "
          "bundle max_people=N ms/frame (x legacy) | people found per frame (legacy / N) |")
    print("|---|---|---|---|---|---|---|")
    for people, rel, size in CLIPS:
        path = EXAMPLE_CLIP if rel is None else data / rel
        fps = cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FPS) or 30.0
        frames = read_frames(path, args.frames, size)
        h, w = frames[0].shape[:2]
        for name, complexity in (("lite", 0), ("full", 1)):
            configs = {"legacy": {"model_complexity": complexity},
                       "tasks1": {"mode": "tasks", "model_complexity": complexity},
                       "tasksN": {"model_complexity": complexity, "max_people": people}}
            if people == 1:
                configs.pop("tasksN")
            times: dict[str, list[float]] = {k: [] for k in configs}
            found: dict[str, list[float]] = {k: [] for k in configs}
            for _ in range(args.repeats):
                for key, options in configs.items():
                    ms, n = run(frames, fps, options)
                    times[key].append(ms)
                    found[key].append(n)
            med = {k: statistics.median(v) for k, v in times.items()}
            ppl = {k: statistics.median(v) for k, v in found.items()}
            n_key = "tasksN" if "tasksN" in med else "tasks1"
            print(f"| {people} | {path.name} ({w}x{h}) | {name} | {med['legacy']:.1f} | "
                  f"{med['tasks1']:.1f} ({med['tasks1'] / med['legacy']:.2f}x) | "
                  f"{med[n_key]:.1f} ({med[n_key] / med['legacy']:.2f}x) | "
                  f"{ppl['legacy']:.2f} / {ppl[n_key]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

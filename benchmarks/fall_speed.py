"""Fall detection speed: per-frame cost of the detector and alert manager, and ``watch`` end to end.

Run from the project root::

    .venv/bin/python benchmarks/fall_speed.py [--repeats 5] [--people 4]

1. Detector + alert manager for ``--people`` tracked people (synthetic COCO-17 people falling, sitting
   and walking, 30 fps, 60 s): median microseconds per frame over ``--repeats`` runs, next to a
   baseline run side by side: the pose tracker (the stage before) on the same frames; the ratio is
   printed.
2. ``watch`` end to end (decode, MediaPipe, tracking, live smoothing, fall detection, alerts) on a
   720p clip of the real-data folder (``gait/digigait_side_view/demo.mp4``, 1280x720, 30 fps), against
   the clip's own frame rate and against a plain MediaPipe loop on the same clip.
The machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fall_scenes import scene, sequence  # noqa: E402

from actionpose.alerts import AlertManager  # noqa: E402
from actionpose.pipeline import ExtractOptions  # noqa: E402
from actionpose.sample_data import find_data_dir  # noqa: E402
from actionpose.skeleton.tracking import PoseTracker  # noqa: E402
from actionpose.stream import stream_poses  # noqa: E402
from actionpose.tasks.falls import FallDetector  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_speed import plain_loop  # noqa: E402  (the same bare MediaPipe loop as the extraction benchmark)


def people_frames(people: int, seconds: float = 60.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, P, 17, 3) poses of ``people`` synthetic people repeating fall / sit / walk cycles."""
    scripts = [[("lying", 0.7, 3.0), ("floor_sit", 1.0, 0.5), ("stand", 1.5, 1.0)],
               [("seated", 1.0, 2.0), ("stand", 1.0, 1.0)], [("stand", 1.0, 4.0)],
               [("bent", 1.0, 1.0), ("stand", 1, 1)]]
    tracks = []
    for p in range(people):
        steps = scripts[p % len(scripts)] * 20
        tracks.append(scene(steps, x0=150 + 250 * p, seed=p, walk=0.1 * (p % 2))[: int(seconds * 30)])
    seq = sequence(*tracks)
    return seq.data, seq.timestamps, seq.track_ids


def baseline(data, times, ids) -> int:
    """The stage before: the pose tracker assigning ids to the same people, frame by frame."""
    tracker = PoseTracker("coco17")
    for t in range(len(times)):
        tracker.update(data[t], float(times[t]))
    return tracker.next_id


def detector(data, times, ids) -> int:
    det = FallDetector("coco17")
    with AlertManager() as manager:
        for t in range(len(times)):
            for status in det.update(float(times[t]), data[t], ids):
                manager.observe(status.observation())
    return len(manager.sent)


def per_frame(repeats: int, people: int) -> None:
    data, times, ids = people_frames(people)
    base, ours = [], []
    for _ in range(repeats):
        for fn, out in ((baseline, base), (detector, ours)):
            start = time.perf_counter()
            fn(data, times, ids)
            out.append((time.perf_counter() - start) / len(times) * 1e6)
    b, o = statistics.median(base), statistics.median(ours)
    print(f"detector + alert manager, {people} people, {len(times)} frames: median {o:.1f} us/frame "
          f"({o / people:.1f} us per person); pose tracker {b:.1f} us/frame; ratio detector/tracker {o / b:.2f}; "
          f"budget at 30 fps 33333 us/frame -> {o / 33333 * 100:.2f} % of it")


def watch(path: Path) -> int:
    det, n = None, 0
    with AlertManager() as manager:
        for frame in stream_poses(path, ExtractOptions()):
            det = det or FallDetector(frame.layout)
            for status in det.update(frame.time_s, frame.poses, frame.track_ids):
                manager.observe(status.observation())
            n += 1
    return n


def end_to_end(repeats: int) -> None:
    data = find_data_dir()
    clip = data / "gait" / "digigait_side_view" / "demo.mp4" if data else None
    if clip is None or not clip.is_file():
        print("watch end to end: skipped (real-data folder not found)")
        return
    import cv2

    fps = cv2.VideoCapture(str(clip)).get(cv2.CAP_PROP_FPS)
    plain, ours = [], []
    for _ in range(repeats):
        for fn, out in ((plain_loop, plain), (watch, ours)):
            start = time.perf_counter()
            frames = fn(clip)
            out.append(frames / (time.perf_counter() - start))
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"watch on {clip.name} (720p, {fps:g} fps): median {o:.1f} frames/s = {o / fps:.2f}x the clip's "
          f"frame rate; plain MediaPipe loop {p:.1f} frames/s; ratio watch/plain {o / p:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--people", type=int, default=4)
    ap.add_argument("--skip-video", action="store_true")
    args = ap.parse_args()
    per_frame(args.repeats, args.people)
    if not args.skip_video:
        end_to_end(max(1, args.repeats // 2))


if __name__ == "__main__":
    main()

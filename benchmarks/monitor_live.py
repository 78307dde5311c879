"""Speed of a live monitor's per-frame path at 720p, 30 fps, unpaced, against the bare MediaPipe loop.

Run from the project root (the real-data folder at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/monitor_live.py [--runs 3] [--max-fps 15] [--tasks falls] \
        [--clip gait/digigait_side_view/demo.mp4]

Four loops over the same 1280x720, 30 fps clip (600 frames), interleaved run by run so that load from other
programs on the machine falls on all of them alike:

- ``decode``: the threaded :class:`~actionpose.video.reader.VideoReader` alone;
- ``mediapipe``: decode + the MediaPipe backend on every frame (the baseline: the bare MediaPipe loop);
- ``live``: :func:`actionpose.monitor.worker.run_monitor` itself with ``pace=False`` -- decode, MediaPipe,
  tracker, One-Euro smoothing, the fall detector, the alert manager with its SQLite log, the status file and
  the snapshot with skeletons once a second -- exactly what a monitor's worker does per frame, minus the
  waiting that plays a file at its own rate;
- ``live@N`` (``--max-fps N``, default 15): the same with the monitor's ``max_fps`` set, so MediaPipe and the
  detectors see N frames a second of the 30 (the others are decoded and dropped); real time then needs N
  processed frames a second.

Frames per second are counted from the first processed frame to the last (model loading excluded; for
``live`` from the status file the worker rewrites once a second). Printed: each run, the median over the
runs, the ratio to real time (median fps / the frames a second real time needs; goal >= 1) and the ratio to
the bare MediaPipe loop.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from actionpose.sample_data import require_data_dir


def decode_fps(clip: Path) -> float:
    from actionpose.video.reader import VideoReader

    with VideoReader(clip) as reader:
        n, t0 = 0, None
        for _ in reader:
            t0 = time.perf_counter() if t0 is None else t0
            n += 1
        return (n - 1) / (time.perf_counter() - t0)


def mediapipe_fps(clip: Path) -> float:
    from actionpose.pose import create_backend
    from actionpose.video.reader import VideoReader

    with VideoReader(clip) as reader, create_backend("mediapipe") as backend:
        n, t0 = 0, None
        for frame in reader:
            t0 = time.perf_counter() if t0 is None else t0
            backend.process_batch([frame.image], [frame.timestamp_s])
            n += 1
        return (n - 1) / (time.perf_counter() - t0)


def live_fps(clip: Path, tasks: list[str], max_fps: float | None = None) -> tuple[float, int, int]:
    """``(fps, frames, alerts)`` of one unpaced run of a monitor's worker over ``clip``."""
    from actionpose.monitor.config import MonitorConfig
    from actionpose.monitor.status import read_one
    from actionpose.monitor.worker import run_monitor

    with tempfile.TemporaryDirectory(prefix="actionpose-live-") as tmp:
        state, db = Path(tmp) / "state", Path(tmp) / "alerts.sqlite"
        config = MonitorConfig("bench", str(clip), tasks=tasks, max_fps=max_fps)
        result: dict = {}
        thread = threading.Thread(target=lambda: result.update(status=run_monitor(config, state, str(db),
                                                                                   pace=False)))
        thread.start()
        seen: dict[float, int] = {}
        while thread.is_alive():
            st = read_one(state, config.slug)
            if st is not None and st.state == "running":
                seen[st.heartbeat_at] = st.frames
            time.sleep(0.05)
        thread.join()
        points = sorted(seen.items())
        if len(points) < 2:
            raise SystemExit("the worker wrote fewer than two running statuses; the clip is too short")
        (t0, f0), (t1, f1) = points[0], points[-1]
        status = result["status"]
        return (f1 - f0) / (t1 - t0), status.frames, status.alerts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default="gait/digigait_side_view/demo.mp4", help="relative to the data folder")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tasks", nargs="+", default=["falls"])
    ap.add_argument("--max-fps", type=float, default=15.0, help="the capped live run (0: leave it out)")
    args = ap.parse_args()
    import cv2

    from actionpose.video.reader import probe_video

    cv2.setNumThreads(1)  # as in the worker
    clip = require_data_dir() / args.clip
    info = probe_video(clip)
    print(f"{args.clip}: {info.frame_size[0]}x{info.frame_size[1]}, {info.fps:g} fps, {info.frame_count} frames; "
          f"live tasks: {' '.join(args.tasks)}", flush=True)
    capped = f"live@{args.max_fps:g}"
    runs: dict[str, list[float]] = {"decode": [], "mediapipe": [], "live": []}
    need = {"decode": info.fps, "mediapipe": info.fps, "live": info.fps}  # processed frames/s for real time
    if args.max_fps:
        runs[capped] = []
        need[capped] = min(info.fps, args.max_fps)
    for i in range(args.runs):
        runs["decode"].append(decode_fps(clip))
        runs["mediapipe"].append(mediapipe_fps(clip))
        fps, frames, alerts = live_fps(clip, args.tasks)
        runs["live"].append(fps)
        line = (f"run {i + 1}: decode {runs['decode'][-1]:.1f}  mediapipe {runs['mediapipe'][-1]:.1f}  "
                f"live {fps:.1f} frames/s ({frames} frames, {alerts} alerts)")
        if args.max_fps:
            fps, frames, alerts = live_fps(clip, args.tasks, args.max_fps)
            runs[capped].append(fps)
            line += f"  {capped} {fps:.1f} frames/s ({frames} frames, {alerts} alerts)"
        print(line, flush=True)
    base = statistics.median(runs["mediapipe"])
    print()
    print(f"{'loop':10s} {'median fps':>10s} {'x real time':>12s} {'vs mediapipe':>13s}  runs")
    for name, values in runs.items():
        med = statistics.median(values)
        print(f"{name:10s} {med:10.1f} {med / need[name]:12.2f} {med / base:13.2f}  "
              f"{' '.join(f'{v:.1f}' for v in values)}")
    for name in [n for n in runs if n.startswith("live")]:
        ratio = statistics.median(runs[name]) / need[name]
        print(f"{name} at {ratio:.2f}x real time: {'meets' if ratio >= 1 else 'BELOW'} the goal (>= 1x)")


if __name__ == "__main__":
    main()

"""Batch throughput: clips/minute with 1 worker against 2 workers, and Ray against the process pool.

Run from the project root (the real-data folder at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/batch_speed.py [--repeats 3] [--no-ray]

The folder is every real clip under clips/, falls/gmdcsa24/ and exercise/clips/ (15 clips, 4 sizes). Each
repeat runs, one after another and each into a fresh output folder (nothing skipped), ``run_batch`` with
the process pool and 1 worker (clips in this process), with 2 workers (spawned processes, pool start
included), and with ``engine="ray"`` on a local Ray with 2 CPUs (started before and shut down after the
run; its start is timed separately, the run includes Ray's worker start-up). Medians and ratios are
printed. Goals: 2 workers >= 1.7x the clips/minute of 1 worker on two cores; Ray close to the pool.
``--ceiling`` also measures what two processes gain on this machine at all, on bare MediaPipe loops with the
models loaded before the clock starts: the upper bound for the 2-worker ratio.
The machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from actionpose.inputs import find_videos
from actionpose.sample_data import require_data_dir
from actionpose.scale import BatchSettings, run_batch


def timed_batch(folders: list[Path], out: Path, **kwargs) -> tuple[float, int, int]:
    """``(seconds, clips done, frames)`` of one batch into ``out``."""
    start = time.perf_counter()
    report = run_batch(folders, out, BatchSettings(), **kwargs)
    seconds = time.perf_counter() - start
    done = [r for r in report.records if r.status == "done"]
    return seconds, len(done), sum(r.frames or 0 for r in done)


def _plain_loop(path: str, times: int, ready, go) -> None:
    """Decode + MediaPipe Pose over ``path``, ``times`` times, nothing else (the hardware-ceiling workload)."""
    import cv2
    import mediapipe as mp

    pose = mp.solutions.pose.Pose(model_complexity=1)
    ready.set()
    go.wait()
    for _ in range(times):
        cap = cv2.VideoCapture(path)
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        cap.release()


def ceiling(clip: Path, repeats: int) -> float:
    """What two processes can gain on this machine at all: the same plain MediaPipe work done twice by one
    process against once each by two processes at the same time (models loaded before the clock starts)."""
    ctx = multiprocessing.get_context("spawn")
    ratios = []
    for _ in range(repeats):
        walls = []
        for procs, times in ((1, 2), (2, 1)):
            go = ctx.Event()
            readies = [ctx.Event() for _ in range(procs)]
            workers = [ctx.Process(target=_plain_loop, args=(str(clip), times, r, go)) for r in readies]
            for w in workers:
                w.start()
            for r in readies:
                r.wait()
            t0 = time.perf_counter()
            go.set()
            for w in workers:
                w.join()
            walls.append(time.perf_counter() - t0)
        ratios.append(walls[0] / walls[1])
    return statistics.median(ratios)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray runs")
    ap.add_argument("--ceiling", action="store_true",
                    help="also measure the machine's 2-process ceiling on the same work (plain MediaPipe loops)")
    args = ap.parse_args()
    data = require_data_dir()
    folders = [data / "clips", data / "falls" / "gmdcsa24", data / "exercise" / "clips"]
    clips = find_videos(folders)
    print(f"{len(clips)} clips, {sum(c.stat().st_size for c in clips) / 2**20:.1f} MiB", flush=True)
    ray = None
    if not args.no_ray:
        import ray
    n = len(clips)
    times: dict[str, list[float]] = {"pool, 1 worker": [], "pool, 2 workers": [], "ray, 2 CPUs": []}
    ray_start: list[float] = []
    with tempfile.TemporaryDirectory(prefix="actionpose-batch-") as tmp:
        for rep in range(args.repeats):
            for name, kwargs in (("pool, 1 worker", {"workers": 1}), ("pool, 2 workers", {"workers": 2}),
                                 ("ray, 2 CPUs", {"engine": "ray"})):
                if name.startswith("ray"):
                    if ray is None:
                        continue
                    t0 = time.perf_counter()
                    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
                    ray_start.append(time.perf_counter() - t0)
                try:
                    seconds, done, frames = timed_batch(folders, Path(tmp) / f"{rep}-{name}", **kwargs)
                finally:
                    if name.startswith("ray"):
                        ray.shutdown()
                if done != n:
                    print(f"  warning: {n - done} clip(s) not done")
                n_done = done
                times[name].append(seconds)
                print(f"repeat {rep + 1}: {name:<16} {seconds:6.1f} s  {done} clips done  "
                      f"{60 * done / seconds:5.1f} clips/min  {frames / seconds:5.1f} frames/s", flush=True)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    n = n_done  # clips/minute counts the clips actually extracted
    print("\nmedians")
    for name, seconds in med.items():
        print(f"  {name:<16} {seconds:6.1f} s  {60 * n / seconds:5.1f} clips/min")
    print(f"  2 workers vs 1 worker: {med['pool, 1 worker'] / med['pool, 2 workers']:.2f}x clips/min (goal >= 1.7x)")
    if args.ceiling:
        clip = data / "falls" / "gmdcsa24" / "Subject_1" / "Fall" / "15.mp4"
        print(f"  machine ceiling: two plain MediaPipe loops in two processes do "
              f"{ceiling(clip, args.repeats):.2f}x the work of one process in the same time")
    if "ray, 2 CPUs" in med:
        over = med["ray, 2 CPUs"] - med["pool, 2 workers"]
        print(f"  ray vs pool (2 each): {med['ray, 2 CPUs'] / med['pool, 2 workers']:.2f}x the time, "
              f"{over:+.1f} s per batch ({over / n:+.2f} s per clip); ray.init median "
              f"{statistics.median(ray_start):.1f} s on top")


if __name__ == "__main__":
    main()

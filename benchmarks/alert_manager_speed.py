"""Per-frame cost of :meth:`AlertManager.observe` for 4 people, next to a bare loop building the Observations.

    .venv/bin/python benchmarks/alert_manager_speed.py [--frames 10000] [--people 4] [--repeats 5]

Each person falls now and then (down for a few seconds, with flicker), one ignore zone is set and a no-op
callback sink receives the alerts, so debounce, cooldown, escalation, recovery and zone checks all run.
Prints the median over the repeats of the mean microseconds per frame, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time

import numpy as np

from actionpose.alerts import AlertManager, Observation, Zone


def activity(frames: int, people: int, fps: float, seed: int = 0) -> np.ndarray:
    """``(frames, people)`` booleans: mostly up, with falls of 2-40 s and single-frame flicker."""
    rng = np.random.default_rng(seed)
    active = np.zeros((frames, people), bool)
    for p in range(people):
        f = int(rng.integers(0, 300))
        while f < frames:
            length = int(rng.uniform(2, 40) * fps)
            active[f:f + length, p] = True
            f += length + int(rng.uniform(5, 60) * fps)
    active ^= rng.random(active.shape) < 0.01
    return active


def run(frames: int, people: int, fps: float, use_manager: bool) -> tuple[float, int]:
    """Seconds for the whole loop, and alerts sent."""
    active = activity(frames, people, fps).tolist()
    points = [(float(50 + 120 * p), 200.0) for p in range(people)]
    manager = AlertManager(sinks=[lambda alert: None], ignore_zones=[
        Zone("bed", np.array([[0, 0], [100, 0], [100, 300], [0, 300]]))], escalate_after_s=10.0)
    observe = manager.observe
    start = time.perf_counter()
    for f in range(frames):
        t = f / fps
        row = active[f]
        for p in range(people):
            obs = Observation("fall", p, t, row[p], 0.9, points[p])
            if use_manager:
                observe(obs)
    took = time.perf_counter() - start
    manager.close()
    return took, len(manager.sent)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10_000)
    ap.add_argument("--people", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--fps", type=float, default=30.0)
    args = ap.parse_args()
    logging.disable(logging.INFO)   # the manager logs each alert at INFO; keep the console out of the timing
    base, full, sent = [], [], 0
    for _ in range(args.repeats):
        base.append(run(args.frames, args.people, args.fps, False)[0])
        took, sent = run(args.frames, args.people, args.fps, True)
        full.append(took)
    per = 1e6 / args.frames
    b, m = statistics.median(base) * per, statistics.median(full) * per
    print(f"{args.frames} frames x {args.people} people at {args.fps:g} fps, {sent} alerts sent, "
          f"median of {args.repeats} repeats")
    print(f"  baseline (build Observations)   {b:8.2f} us/frame")
    print(f"  + AlertManager.observe          {m:8.2f} us/frame  (x{m / b:.2f} of baseline, "
          f"observe alone {m - b:.2f} us/frame, {(m - b) / args.people:.2f} us per person)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

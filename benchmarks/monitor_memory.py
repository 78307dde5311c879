"""Resident memory of a live monitor (supervisor + worker) over a long looped run: it should stay flat.

Run from the project root (the real-data folder at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/monitor_memory.py [--minutes 30] [--every 30] [--warmup 120] \
        [--clip falls/gmdcsa24/Subject_2/Fall/13.mp4] [--tasks falls gait]

``actionpose monitor CONFIG --duration`` runs in a child process with one monitor on a real fall clip,
looped and played at its own frame rate (real-time pace, as a camera delivers it; no fast-forward), tasks
falls and gait, alerts into a SQLite log, status and snapshots into a state folder (all in a temporary
folder outside the repository). Every ``--every`` seconds the RSS of the supervisor and of its worker
process (from ``/proc``) is sampled. The first sample after the warm-up (``--warmup`` seconds: imports,
model load, first allocations) is the start; the slope is a least-squares line through the samples after
the warm-up, in MB per hour, with its standard error.

"Flat" criterion: the total's mean over the last third of the samples is within 50 MB of its mean over the
first third, and so is the last third's maximum of the first third's (a leak of one frame's copy per frame at
15 fps would be gigabytes per hour). A looped file reconnects at each end (a new MediaPipe graph every loop), so
the RSS saws up and down by about 100 MB; a single start and end sample, or a slope over a few minutes, says
little, means and maxima over thirds of the run do.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from actionpose.sample_data import require_data_dir

FLAT_DRIFT_MB = 50.0


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid``."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def worker_pid(state: Path) -> int | None:
    for path in state.glob("*.status.json"):
        try:
            return json.loads(path.read_text()).get("pid")
        except (OSError, ValueError):
            return None
    return None


def status(state: Path) -> dict:
    for path in state.glob("*.status.json"):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
    return {}


def slope_per_hour(t_s: list[float], mb: list[float]) -> tuple[float, float]:
    """Least-squares slope in MB per hour and its standard error."""
    if len(t_s) < 3:
        return float("nan"), float("nan")
    coef, cov = np.polyfit(np.asarray(t_s) / 3600.0, np.asarray(mb), 1, cov=True)
    return float(coef[0]), float(np.sqrt(cov[0, 0]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=120.0, help="seconds before the start sample")
    ap.add_argument("--clip", default="falls/gmdcsa24/Subject_2/Fall/13.mp4", help="relative to the data folder")
    ap.add_argument("--tasks", nargs="+", default=["falls", "gait"])
    args = ap.parse_args()
    clip = require_data_dir() / args.clip
    with tempfile.TemporaryDirectory(prefix="actionpose-monmem-") as tmp:
        tmp = Path(tmp)
        config = tmp / "monitors.json"
        config.write_text(json.dumps({"alert_db": "alerts.sqlite", "state_dir": "state", "monitors": [
            {"name": "memtest", "source": str(clip), "loop": True, "tasks": args.tasks}]}))
        duration = args.minutes * 60 + args.warmup
        proc = subprocess.Popen([sys.executable, "-m", "actionpose.cli", "monitor", str(config),
                                 "--duration", str(duration)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        began = time.monotonic()
        rows: list[tuple[float, float, float, int, int, int]] = []
        print(f"clip {args.clip}, tasks {' '.join(args.tasks)}, {args.minutes:g} min after a {args.warmup:g} s "
              f"warm-up, sample every {args.every:g} s", flush=True)
        print(" t_min  super_MB  worker_MB  total_MB  frames  alerts  restarts", flush=True)
        next_at = args.warmup
        while proc.poll() is None:
            now = time.monotonic() - began
            if now < next_at:
                time.sleep(min(1.0, next_at - now))
                continue
            next_at += args.every
            state = tmp / "state"
            wpid = worker_pid(state)
            kids = children(proc.pid)
            w = rss_mb(wpid) if wpid in kids else sum(rss_mb(k) for k in kids)
            s = rss_mb(proc.pid)
            st = status(state)
            rows.append((now, s, w, st.get("frames", 0), st.get("alerts", 0), st.get("restarts", 0)))
            print(f"{now / 60:6.1f}  {s:8.1f}  {w:9.1f}  {s + w:8.1f}  {rows[-1][3]:6d}  {rows[-1][4]:6d}  "
                  f"{rows[-1][5]:8d}", flush=True)
            if now >= duration - 1:
                break
        proc.wait(120)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode:
            print(err[-2000:], file=sys.stderr)
        from actionpose.alerts.sinks import read_alerts

        db = tmp / "alerts.sqlite"
        alerts = read_alerts(db) if db.exists() else None
    if not rows:
        print("no samples", file=sys.stderr)
        sys.exit(1)
    t = [r[0] - rows[0][0] for r in rows]
    total = [r[1] + r[2] for r in rows]
    worker = [r[2] for r in rows]
    print()
    print(f"samples {len(rows)} over {t[-1] / 60:.1f} min; worker frames {rows[-1][3]} "
          f"({rows[-1][3] / max(rows[-1][0] - rows[0][0], 1):.1f}/s incl. warm-up), restarts {rows[-1][5]}, "
          f"alerts logged {0 if alerts is None else len(alerts)} "
          f"(falls {0 if alerts is None else int((alerts['kind'] == 'fall').sum())})")
    third = max(len(t) // 3, 1)
    for name, series in (("worker", worker), ("total", total)):
        first, last = series[:third], series[-third:]
        slope, err = slope_per_hour(t, series)
        print(f"{name:6s} RSS MB: start {series[0]:.1f}  end {series[-1]:.1f}  max {max(series):.1f}  "
              f"slope {slope:+.1f} +- {err:.1f} MB/hour; first third mean {np.mean(first):.1f} max {max(first):.1f}, "
              f"last third mean {np.mean(last):.1f} max {max(last):.1f}")
    first, last = total[:third], total[-third:]
    growth = float(np.mean(last) - np.mean(first))
    peak = max(last) - max(first)
    flat = growth < FLAT_DRIFT_MB and peak < FLAT_DRIFT_MB
    print(f"flat (last third's mean and max within {FLAT_DRIFT_MB:g} MB of the first third's): "
          f"{'yes' if flat else 'NO'} (mean {growth:+.1f} MB, max {peak:+.1f} MB); exit {proc.returncode}")

if __name__ == "__main__":
    main()

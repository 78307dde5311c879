"""Dashboard speed: the Analyze page from upload to all results, on a real 20 s clip.

Run from the project root::

    .venv/bin/python benchmarks/dashboard_speed.py [--clip gait/digigait_side_view/demo.mp4] [--repeats 2]

Drives the real page script with ``streamlit.testing.v1.AppTest`` (a fresh private workspace per run, so
nothing is cached): upload, pose extraction, the falls/gait/reps tasks, the gait plots, the overlay video
and every table and chart of the page. Printed against the clip's length (the target: under it) and
against a bare :func:`actionpose.pipeline.extract_poses` of the same clip in the same process, then the
time to re-open the same clip (the result cache). The browser end-to-end time is printed by
``tests/test_dashboard_browser.py``. The machine is shared and noisy: read the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "actionpose" / "dashboard" / "app.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="gait/digigait_side_view/demo.mp4", help="path inside the data folder")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    from actionpose.dashboard import runs
    from actionpose.pipeline import extract_poses
    from actionpose.sample_data import data_file
    from actionpose.video.reader import probe_video

    clip = data_file(args.clip)
    if clip is None:
        print(f"{args.clip} not found in the data folder (set ACTIONPOSE_DATA)", file=sys.stderr)
        return 2
    info = probe_video(clip)
    content = clip.read_bytes()
    page, reopen, bare, parts = [], [], [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["ACTIONPOSE_DASHBOARD_DIR"] = tmp
            runs.forget()
            at = AppTest.from_file(str(APP), default_timeout=600)
            at.run()
            at.file_uploader[0].upload(clip.name, content, "video/mp4")
            t = time.perf_counter()
            at.run()
            page.append(time.perf_counter() - t)
            if at.exception or at.error:
                print("the page failed:", [e.value for e in at.error], at.exception, file=sys.stderr)
                return 1
            if not at.get("video"):
                print("no video element on the page", file=sys.stderr)
                return 1
            parts.append(next(iter(runs._memory.values())).seconds)
            t = time.perf_counter()
            at.run()
            reopen.append(time.perf_counter() - t)
        t = time.perf_counter()
        extract_poses(clip)
        bare.append(time.perf_counter() - t)
    med = statistics.median
    print(f"clip: {args.clip} ({info.frame_size[0]}x{info.frame_size[1]}, {info.frame_count} frames, "
          f"{info.duration_s:.1f} s)")
    print(f"Analyze page, upload to all results: median {med(page):.1f} s over {len(page)} runs "
          f"({', '.join(f'{v:.1f}' for v in page)}); {med(page) / info.duration_s:.2f}x the clip's length")
    last = parts[-1]
    print("  last run: " + ", ".join(f"{k} {v:.1f} s" for k, v in last.items())
          + " (video and tasks run side by side)")
    print(f"bare extract_poses on the same clip: median {med(bare):.1f} s; page / extraction = "
          f"{med(page) / med(bare):.2f}")
    print(f"re-opening the same clip (result cache): median {med(reopen):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Peak resident memory of batch extraction on a long clip: extraction streams frames, so memory stays flat.

Run from the project root (the real-data folder at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/batch_memory.py [--minutes 1 10] [--clip falls/gmdcsa24/Subject_1/Fall/13.mp4]

For each length, a real clip is looped (stream copy, no re-encoding) into a video of that many minutes in
a temporary folder outside the repository, then ``actionpose extract FOLDER -o OUT --workers 1`` runs in a
child process (one worker extracts in that process itself) and its peak RSS is read from ``os.wait4``'s
resource usage (``ru_maxrss``, the kernel's high-water mark). Goal: a 10-minute clip under 1.5 GB, and about
the same peak as a 1-minute clip.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

from actionpose.sample_data import require_data_dir


def looped_clip(clip: Path, minutes: float, dest: Path) -> Path:
    """``clip`` repeated until ``minutes`` long, written to ``dest`` without re-encoding."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1", "-i", str(clip),
                    "-t", str(minutes * 60), "-an", "-c", "copy", str(dest)], check=True)
    return dest


def peak_rss(argv: list[str]) -> tuple[float, float, int]:
    """``(peak RSS in MiB, wall seconds, exit code)`` of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode:
        print(out, err, file=sys.stderr)
    return usage.ru_maxrss / 1024, wall, proc.returncode  # Linux reports KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 10])
    ap.add_argument("--clip", default="falls/gmdcsa24/Subject_1/Fall/13.mp4", help="relative to the data folder")
    args = ap.parse_args()
    clip = require_data_dir() / args.clip
    with tempfile.TemporaryDirectory(prefix="actionpose-mem-") as tmp:
        for minutes in args.minutes:
            folder = Path(tmp) / f"in{minutes:g}"
            video = looped_clip(clip, minutes, folder / f"long_{minutes:g}min.mp4")
            out = Path(tmp) / f"out{minutes:g}"
            rss, wall, code = peak_rss([sys.executable, "-m", "actionpose.cli", "-q", "extract", str(folder),
                                        "-o", str(out), "--workers", "1"])
            import numpy as np

            frames = int(np.load(out / video.with_suffix(".npz").name)["data"].shape[0]) if code == 0 else 0
            print(f"{minutes:g} min clip ({video.stat().st_size / 2**20:.1f} MiB, {frames} frames): "
                  f"peak RSS {rss:.0f} MiB, {wall:.0f} s wall ({frames / wall:.0f} frames/s), exit {code}",
                  flush=True)


if __name__ == "__main__":
    main()

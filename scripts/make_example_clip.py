"""Re-encode the packaged example clip ``actionpose/examples/fall_gmdcsa24.mp4`` from the real-data folder.

Source: GMDCSA24 ``falls/gmdcsa24/Subject_2/Fall/13.mp4`` (MIT, (c) 2024 Ekram Alam; 640x480, 15 fps,
133 frames: standing, then a backward fall from 2.5 s). Written 320x240, 15 fps, H.264 (libx264, yuv420p,
``+faststart``) through imageio-ffmpeg, so it plays in browsers and stays about 150 kB.

    python scripts/make_example_clip.py            # writes actionpose/examples/fall_gmdcsa24.mp4
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import imageio_ffmpeg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actionpose.atomic import atomic_path  # noqa: E402
from actionpose.sample_data import require_data_dir  # noqa: E402

SOURCE = "falls/gmdcsa24/Subject_2/Fall/13.mp4"
TARGET = ROOT / "actionpose" / "examples" / "fall_gmdcsa24.mp4"
SIZE = (320, 240)
FPS = 15
CRF = 23


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", type=Path, default=TARGET)
    ap.add_argument("--crf", type=int, default=CRF, help="x264 quality (higher = smaller file)")
    args = ap.parse_args()
    source = require_data_dir() / SOURCE
    cap = cv2.VideoCapture(str(source))
    if not cap.isOpened():
        raise SystemExit(f"{source}: cannot open")
    frames = 0
    with atomic_path(args.output) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp), SIZE, fps=FPS, codec="libx264", pix_fmt_out="yuv420p", macro_block_size=1,
            output_params=["-crf", str(args.crf), "-preset", "slow", "-movflags", "+faststart"],
            ffmpeg_log_level="error")
        writer.send(None)
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            small = cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA)
            writer.send(cv2.cvtColor(small, cv2.COLOR_BGR2RGB).tobytes())
            frames += 1
        writer.close()
    cap.release()
    print(f"wrote {args.output}: {frames} frames, {SIZE[0]}x{SIZE[1]} at {FPS} fps, "
          f"{args.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

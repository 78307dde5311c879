"""Acceptance figures of extraction on the real clips: person found per frame, landmarks inside the
frame, two-person tracking with the Tasks backend, and the rendered video's codec and frame count.

    .venv/bin/python benchmarks/extract_coverage.py

The tests assert floors a little under these figures (tests/test_real_extract.py).
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from actionpose.inputs import find_videos
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.sample_data import require_data_dir
from actionpose.video.reader import probe_video
from actionpose.video.render import render_video


def coverage(seq) -> tuple[float, float]:
    """Share of frames with a person, and of confident landmarks (score > 0.5) inside the frame."""
    w, h = seq.frame_size
    xy = seq.xy[seq.scores > 0.5]
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    return float(seq.present.any(axis=1).mean()), float(inside.mean())


def identity_switches(seq, jump: float = 0.15) -> tuple[int, int]:
    """Tracks beyond two, and frames where a track's centre jumps more than ``jump`` of the width."""
    pts = np.where(seq.scores[..., None] > 0.3, seq.xy, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(pts, axis=2)
    step = np.linalg.norm(np.diff(centre, axis=0), axis=-1)
    return max(0, seq.num_people - 2), int(np.nansum(step > jump * seq.frame_size[0]))


def main() -> int:
    data = require_data_dir()
    clips = find_videos([data / "clips" / "stgcn", data / "falls" / "gmdcsa24"])
    print(f"{'clip':<42} {'frames':>6} {'person':>7} {'inside':>7}   (retry off: person)")
    for clip in clips:
        seq = extract_poses(clip)
        plain = extract_poses(clip, ExtractOptions(backend_options={"rotated_retry": False}))
        found, inside = coverage(seq)
        print(f"{str(clip.relative_to(data)):<42} {seq.num_frames:>6} {found:>7.1%} {inside:>7.1%}   "
              f"({coverage(plain)[0]:.1%})")

    two = data / "clips" / "two_people_demo_skeleton.mp4"
    model = data / "models" / "mediapipe" / "pose_landmarker_full_from_legacy_md.task"
    seq = extract_poses(two, ExtractOptions(max_people=2, backend_options={"model_path": model}))
    cover = np.sort(seq.present.mean(axis=0))[::-1]
    extra, jumps = identity_switches(seq)
    print(f"\n{two.name}, Tasks backend, --max-people 2: {seq.num_people} tracks, coverage of the two "
          f"longest {cover[0]:.1%} and {cover[1]:.1%}, identity switches {extra + jumps} "
          f"({extra} extra tracks, {jumps} jumps)")

    clip = data / "clips" / "stgcn" / "ta_chi.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        out = render_video(clip, extract_poses(clip), Path(tmp) / "overlay.mp4")
        got, src = probe_video(out), probe_video(clip)
        print(f"render {clip.name}: codec {got.codec}, {got.frame_count} frames (input {src.frame_count})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

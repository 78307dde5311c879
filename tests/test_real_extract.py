"""Acceptance on real clips nobody here made (skipped with a reason without the data folder).

- extraction finds a person in >= 90 % of the frames, with the landmarks inside the frame;
- two people with the Tasks backend: two tracks covering the clip, at most one identity switch;
- render writes H.264 with the input's frame count.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from actionpose.cli import main
from actionpose.skeleton.io import load_poses
from actionpose.video.reader import probe_video

CLIPS = ["clips/stgcn/ta_chi.mp4", "clips/stgcn/clean_and_jerk.mp4",
         "falls/gmdcsa24/Subject_1/ADL/10.mp4", "falls/gmdcsa24/Subject_1/ADL/16.mp4",
         "falls/gmdcsa24/Subject_1/Fall/13.mp4", "falls/gmdcsa24/Subject_1/Fall/14.mp4",
         "falls/gmdcsa24/Subject_1/Fall/15.mp4", "falls/gmdcsa24/Subject_2/ADL/23.mp4",
         "falls/gmdcsa24/Subject_2/Fall/12.mp4", "falls/gmdcsa24/Subject_2/Fall/13.mp4",
         "falls/gmdcsa24/Subject_2/Fall/14.mp4"]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, data_dir: Path) -> dict[str, Path]:
    """Every acceptance clip extracted once through the CLI's folder path (both cores)."""
    out = tmp_path_factory.mktemp("extracted")
    sources = [data_dir / c for c in CLIPS if (data_dir / c).exists()]
    assert main(["-q", "extract", *map(str, sources), "-o", str(out), "--workers", "2"]) == 0
    return {c: (out / c).with_suffix(".npz") for c in CLIPS if (data_dir / c).exists()}


def _name(clip: str) -> str:
    return clip.replace("/", "_")


@pytest.mark.slow
@pytest.mark.parametrize("clip", CLIPS, ids=_name)
def test_person_found_in_nine_of_ten_frames(clip: str, extracted: dict[str, Path]) -> None:
    if clip not in extracted:
        pytest.skip(f"{clip} not in the data folder")
    seq = load_poses(extracted[clip])
    found = seq.present.any(axis=1)
    assert found.mean() >= 0.90, f"person in {found.mean():.1%} of frames"
    w, h = seq.frame_size
    confident = seq.scores > 0.5
    xy = seq.xy[confident]
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    assert inside.mean() >= 0.93, f"{inside.mean():.1%} of confident landmarks inside the frame"


def test_two_people_tracked_with_tasks_backend(tmp_path: Path, data_file) -> None:
    clip = data_file("clips/two_people_demo_skeleton.mp4")
    model = data_file("models/mediapipe/pose_landmarker_full_from_legacy_md.task")
    out = tmp_path / "two.npz"
    assert main(["-q", "extract", str(clip), "-o", str(out), "--max-people", "2", "--model", str(model)]) == 0
    seq = load_poses(out)
    present = seq.present
    coverage = np.sort(present.mean(axis=0))[::-1]
    assert coverage[:2].min() >= 0.9, f"coverage of the two longest tracks: {coverage[:2]}"
    # identity switches: extra tracks beyond two, plus jumps of a track's centre between frames
    extra = max(0, seq.num_people - 2)
    pts = np.where(seq.scores[..., None] > 0.3, seq.xy, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # frames where a track is absent
        centre = np.nanmean(pts, axis=2)  # (T, P, 2)
    step = np.linalg.norm(np.diff(centre, axis=0), axis=-1)
    jumps = int(np.nansum(step > 0.15 * seq.frame_size[0]))
    assert extra + jumps <= 1, f"{extra} extra tracks, {jumps} jumps"


@pytest.mark.slow
def test_render_writes_browser_h264_with_all_frames(tmp_path: Path, data_file, extracted) -> None:
    clip = data_file("clips/stgcn/ta_chi.mp4")
    out = tmp_path / "overlay.mp4"
    assert main(["-q", "render", str(clip), str(extracted["clips/stgcn/ta_chi.mp4"]), "-o", str(out)]) == 0
    rendered, source = probe_video(out), probe_video(clip)
    assert rendered.codec == "h264"
    assert rendered.frame_count == source.frame_count == 300

"""PoseSequence: validation, slicing, resampling, conversion and normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence, SequenceError


def moving_people(T: int = 30, P: int = 2, fps: float = 30.0) -> PoseSequence:
    """People whose every joint moves at a constant velocity (so linear resampling is exact)."""
    t = np.arange(T) / fps
    rng = np.random.default_rng(0)
    base = rng.uniform(100, 300, (P, 17, 2))
    vel = rng.uniform(-50, 50, (P, 1, 2))
    xy = base[None] + vel[None] * t[:, None, None, None]
    data = np.concatenate([xy, np.full((T, P, 17, 1), 0.9)], axis=-1)
    return PoseSequence(data, COCO17, fps, track_ids=[4, 9], frame_size=(640, 480), meta={"source": "synthetic"})


def test_defaults_and_shape() -> None:
    seq = moving_people()
    assert (seq.num_frames, seq.num_people, seq.num_joints) == (30, 2, 17)
    assert seq.data.dtype == np.float32
    np.testing.assert_allclose(seq.timestamps[:3], [0, 1 / 30, 2 / 30])
    assert seq.duration == pytest.approx(1.0)
    assert not seq.has_z and seq.z is None


@pytest.mark.parametrize("kwargs", [
    {"data": np.zeros((5, 1, 16, 3))},            # wrong joint count
    {"data": np.zeros((5, 1, 17, 5))},            # wrong channels
    {"fps": 0}, {"fps": float("nan")},
    {"timestamps": np.array([0, 1, 0.5, 2, 3])},  # decreasing
    {"track_ids": [1, 1]},                          # duplicates
])
def test_inconsistent_parts_are_rejected(kwargs) -> None:
    args = {"data": np.zeros((5, 2, 17, 3)), "layout": COCO17, "fps": 30.0}
    args.update(kwargs)
    with pytest.raises(SequenceError):
        PoseSequence(**args)


def test_invalid_points_get_zero_score() -> None:
    data = np.ones((2, 1, 17, 3), dtype=np.float32)
    data[0, 0, 3, 0] = np.nan
    data[1, 0, 4, 2] = np.nan
    seq = PoseSequence(data, COCO17, 10)
    assert seq.scores[0, 0, 3] == 0 and np.isnan(seq.xy[0, 0, 3]).all()
    assert seq.scores[1, 0, 4] == 0 and np.isnan(seq.xy[1, 0, 4]).all()


def test_slicing_by_time_and_track() -> None:
    seq = moving_people()
    part = seq.slice_time(0.2, 0.5)
    assert part.num_frames == 9 and part.timestamps[0] == pytest.approx(0.2)
    one = seq.track(9)
    assert one.num_people == 1 and one.track_ids.tolist() == [9]
    np.testing.assert_array_equal(one.data[:, 0], seq.data[:, 1])
    with pytest.raises(SequenceError):
        seq.track(5)
    assert seq.slice_frames(5, 10).timestamps[0] == pytest.approx(5 / 30)


@pytest.mark.parametrize("fps", [10.0, 60.0, 25.0])
def test_resample_is_exact_on_linear_motion(fps: float) -> None:
    seq = moving_people()
    out = seq.resample(fps)
    assert out.fps == fps
    t = out.timestamps
    base = seq.xy[0].astype(np.float64)
    vel = (seq.xy[1] - seq.xy[0]).astype(np.float64) * 30
    np.testing.assert_allclose(out.xy, base[None] + vel[None] * t[:, None, None, None], atol=2e-3)


def test_resample_keeps_missing_joints_missing() -> None:
    seq = moving_people()
    seq.data[10, 0, 0] = [np.nan, np.nan, 0]
    out = seq.resample(60)
    near = np.abs(out.timestamps - 10 / 30) < 1 / 30 - 1e-6
    assert np.all(out.scores[near, 0, 0] == 0)
    assert np.all(out.scores[~near, 0, 0] > 0)


def test_convert_and_point() -> None:
    seq = moving_people()
    b25 = seq.convert("body25")
    assert b25.layout.name == "body25" and b25.meta["converted_from"] == "coco17"
    np.testing.assert_allclose(b25.xy[:, :, 8], seq.point("pelvis")[..., :2], rtol=1e-6)
    np.testing.assert_allclose(seq.point("neck")[..., :2], (seq.xy[:, :, 5] + seq.xy[:, :, 6]) / 2, rtol=1e-6)


def test_normalized_centres_on_pelvis_and_scales_by_torso() -> None:
    seq = moving_people()
    norm = seq.normalized()
    np.testing.assert_allclose(norm.point("pelvis")[..., :2], 0, atol=1e-5)
    np.testing.assert_allclose(norm.torso_length(), 1.0, rtol=1e-5)
    assert norm.frame_size is None


def test_mirror_twice_is_identity() -> None:
    seq = moving_people()
    twice = seq.mirrored().mirrored()
    np.testing.assert_allclose(twice.data, seq.data, atol=1e-4)
    once = seq.mirrored()
    np.testing.assert_allclose(once.xy[:, :, 5, 0], 640 - seq.xy[:, :, 6, 0], atol=1e-4)


def test_summary_counts_frames_per_track() -> None:
    seq = moving_people()
    seq.data[:10, 1] = np.nan
    seq = PoseSequence(seq.data, seq.layout, seq.fps, track_ids=seq.track_ids)
    info = seq.summary()
    assert info["frames_per_track"] == {4: 30, 9: 20}
    assert info["frames_with_person"] == 30


def test_copy_is_deep() -> None:
    seq = moving_people()
    c = seq.copy()
    c.data[0, 0, 0, 0] = -1
    c.meta["source"] = "other"
    assert seq.data[0, 0, 0, 0] != -1 and seq.meta["source"] == "synthetic"

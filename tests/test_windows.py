"""Windows: cutting, labelling, people slots and normalisation (synthetic poses only)."""

from __future__ import annotations

import numpy as np
import pytest

from actionpose.skeleton.layouts import COCO17, HAND21, HANDS
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip
from actionpose.train.windows import (
    cut,
    label_at,
    last_window,
    make_windows,
    normalize_windows,
    window_presence,
    windows_from_sequence,
)

#: a standing COCO-17 person in pixels: neck (100, 70), pelvis (100, 140), torso 70 px
STANDING = {
    "nose": (100, 40), "left_eye": (104, 36), "right_eye": (96, 36), "left_ear": (108, 38), "right_ear": (92, 38),
    "left_shoulder": (120, 70), "right_shoulder": (80, 70), "left_elbow": (125, 100), "right_elbow": (75, 100),
    "left_wrist": (128, 130), "right_wrist": (72, 130), "left_hip": (112, 140), "right_hip": (88, 140),
    "left_knee": (112, 180), "right_knee": (88, 180), "left_ankle": (112, 220), "right_ankle": (88, 220),
}
TORSO = 70.0


def walking(frames: int, fps: float = 10.0, people: int = 1, step: float = 3.0) -> PoseSequence:
    """People standing and moving right by ``step`` px per frame (person p shifted 200 px per slot)."""
    pose = np.array([STANDING[j] for j in COCO17.joints], dtype=np.float32)
    t = np.arange(frames, dtype=np.float32)[:, None, None, None]
    data = np.zeros((frames, people, 17, 3), dtype=np.float32)
    data[..., :2] = pose + np.array([step, 0], np.float32) * t + np.arange(people)[None, :, None, None] * 200
    data[..., 2] = 0.9
    return PoseSequence(data, COCO17, fps)


def test_window_count_and_clip_labels() -> None:
    clips = [LabelledClip(walking(50), label="walk", group="alice"),
             LabelledClip(walking(30), label="stand", group="bob")]
    ws = make_windows(clips, window=10, stride=5)
    assert ws.X.shape == (9 + 5, 10, 1, 17, 3) and ws.X.dtype == np.float32
    assert ws.y.tolist() == ["walk"] * 9 + ["stand"] * 5
    assert ws.groups.tolist() == ["alice"] * 9 + ["bob"] * 5
    assert ws.clip.tolist() == [0] * 9 + [1] * 5
    np.testing.assert_allclose(ws.start_s[:9], np.arange(9) * 0.5)
    assert ws.layout is COCO17 and ws.fps == 10
    assert len(ws.subset(ws.groups == "bob")) == 5


def test_segment_labels_use_the_last_frame() -> None:
    # windows end on frames 9, 14, ..., 39 = 0.9 s, 1.4 s, ..., 3.9 s
    clip = LabelledClip(walking(40), segments=[(0.0, 1.0, "a"), (2.0, 3.0, "b")])
    ws = make_windows([clip], window=10, stride=5)
    assert ws.y.tolist() == ["a", "none", "none", "b", "b", "none", "none"]
    dropped = make_windows([clip], window=10, stride=5, background=None)
    assert dropped.y.tolist() == ["a", "b", "b"]
    np.testing.assert_allclose(dropped.start_s, [0.0, 1.5, 2.0])


def test_overlapping_segments_latest_start_wins() -> None:
    labels = label_at([(0.0, 5.0, "long"), (1.0, 2.0, "inner"), (1.0, 2.0, "later")], np.array([0.5, 1.5, 3.0]),
                      "bg")
    assert labels.tolist() == ["long", "later", "long"]
    assert label_at([], np.array([1.0]), None).tolist() == [None]


def test_short_clip_is_padded_with_its_last_frame() -> None:
    ws = make_windows([LabelledClip(walking(4), label="x")], window=10, stride=5)
    assert ws.X.shape == (1, 10, 1, 17, 3)
    for t in range(4, 10):
        np.testing.assert_array_equal(ws.X[0, t], ws.X[0, 3])
    assert not np.array_equal(ws.X[0, 2], ws.X[0, 3])
    windows, starts = cut(np.arange(3), 5, 1)
    assert windows.tolist() == [[0, 1, 2, 2, 2]] and starts.tolist() == [0]
    assert cut(np.zeros((0, 2)), 5, 1)[0].shape == (0, 5, 2)


def test_people_slots_most_present_first_and_padded() -> None:
    seq = walking(20, people=3)
    seq.data[:15, 0] = np.nan     # track 0 present in 5 frames, track 1 in 20, track 2 in 12
    seq.data[:8, 2] = np.nan
    seq = PoseSequence(seq.data, COCO17, 10)
    ws = make_windows([LabelledClip(seq, label="x")], window=20, stride=20, people=4)
    present = (ws.X[0, ..., -1] > 0).any(axis=-1).sum(axis=0)
    assert present.tolist() == [20, 12, 5, 0]
    assert np.all(ws.X[0, :, 3] == 0)


def test_min_present_drops_windows_without_a_person() -> None:
    seq = walking(50)
    seq.data[:30] = np.nan
    seq = PoseSequence(seq.data, COCO17, 10)
    ws = make_windows([LabelledClip(seq, label="x")], window=10, stride=5, min_present=0.5)
    # windows start at 0, 5, ..., 40; present frames 30..49; keep >= 5 of 10 frames present
    np.testing.assert_allclose(ws.start_s, [2.5, 3.0, 3.5, 4.0])
    assert window_presence(ws.X).min() >= 0.5


def test_normalisation_centres_the_first_pelvis_and_scales_by_torso() -> None:
    ws = make_windows([LabelledClip(walking(20, step=7.0), label="x")], window=10, stride=10)
    X = ws.X
    pelvis = X[:, :, 0, [11, 12], :2].mean(axis=2)
    neck = X[:, :, 0, [5, 6], :2].mean(axis=2)
    np.testing.assert_allclose(pelvis[:, 0], 0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(neck - pelvis, axis=-1), 1, atol=1e-6)
    # global motion is kept: the pelvis moves 9 frames x 7 px = 0.9 torso
    np.testing.assert_allclose(pelvis[:, -1], [[0.9, 0.0]] * 2, atol=1e-5)
    np.testing.assert_allclose(X[..., -1], 0.9)


def test_normalisation_missing_joints_and_anchors() -> None:
    X = walking(6).data[None].copy()
    X[0, 0, 0, [11, 12]] = np.nan            # no pelvis in frame 0: the origin is frame 1's pelvis
    X[0, 2, 0, 9, -1] = 0                    # a joint with score 0
    out = normalize_windows(X, COCO17)
    assert np.isfinite(out).all() and out.dtype == np.float32
    assert np.all(out[0, 0, 0, [11, 12]] == 0) and np.all(out[0, 2, 0, 9] == 0)
    np.testing.assert_allclose(out[0, 1, 0, [11, 12], :2].mean(axis=0), 0, atol=1e-6)
    per_frame = normalize_windows(X, COCO17, anchor="frame")
    np.testing.assert_allclose(per_frame[0, 1:, 0, [11, 12], :2].mean(axis=0), 0, atol=1e-6)
    mean = normalize_windows(X, COCO17, anchor="mean")
    np.testing.assert_allclose(mean[0, 1:, 0, [11, 12], :2].mean(axis=(0, 1)), 0, atol=1e-6)
    empty = normalize_windows(np.full((2, 3, 1, 17, 3), np.nan, np.float32), COCO17)
    assert np.all(empty == 0)
    with pytest.raises(ValueError):
        normalize_windows(X, COCO17, anchor="nope")


def test_hand_layout_centres_on_the_wrist_and_scales_by_its_box() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.uniform(100, 150, (1, 3, 1, 21, 2)), np.ones((1, 3, 1, 21, 1))], axis=-1)
    out = normalize_windows(data, HAND21)
    np.testing.assert_allclose(out[0, 0, 0, 0, :2], 0, atol=1e-5)
    size = np.ptp(out[0, :, 0, :, :2], axis=1).max(axis=-1)
    np.testing.assert_allclose(np.median(size), 1, atol=1e-5)


def test_origin_falls_back_to_the_neck_then_a_wrist() -> None:
    X = walking(3).data[None].copy()
    X[..., 11:, :] = np.nan                  # upper body only: no hips
    out = normalize_windows(X, COCO17)
    np.testing.assert_allclose(out[0, 0, 0, [5, 6], :2].mean(axis=0), 0, atol=1e-6)
    hands = np.ones((1, 2, 1, 42, 3), np.float32)
    hands[..., :2] = np.random.default_rng(1).uniform(0, 50, (1, 2, 1, 42, 2))
    hands[..., :21, :] = np.nan              # only the right hand is seen
    out = normalize_windows(hands, HANDS)
    np.testing.assert_allclose(out[0, 0, 0, HANDS.index("right_hand_wrist"), :2], 0, atol=1e-5)


def test_channels_layout_and_fps() -> None:
    clip = LabelledClip(walking(30), label="x")
    ws = make_windows([clip], window=8, stride=4, channels="xyzs", layout="blazepose33", fps=20)
    assert ws.X.shape[2:] == (1, 33, 4) and ws.fps == 20 and ws.layout.name == "blazepose33"
    assert np.all(ws.X[..., 2] == 0) and np.isfinite(ws.X).all()
    with pytest.raises(ValueError, match="layout"):
        make_windows([clip, LabelledClip(walking(30).convert("blazepose33"), label="y")], 8, 4)
    with pytest.raises(ValueError, match="frame rates"):
        make_windows([clip, LabelledClip(walking(30, fps=25), label="y")], 8, 4)
    with pytest.raises(ValueError):
        make_windows([clip], 8, 4, channels="xy")


def test_streaming_windows_match_training_windows() -> None:
    seq = walking(33)
    ws = make_windows([LabelledClip(seq, label="x")], window=10, stride=3, min_present=0)
    X, start = windows_from_sequence(seq, 10, 3, align="start")
    np.testing.assert_array_equal(X, ws.X)
    np.testing.assert_allclose(start, ws.start_s)
    X_end, start_end = windows_from_sequence(seq, 10, 3)
    assert start_end[-1] == pytest.approx(2.3)
    np.testing.assert_array_equal(last_window(seq, 10), X_end[-1:])
    np.testing.assert_array_equal(last_window(seq, 10, fps=10, layout="coco17"), X_end[-1:])
    assert windows_from_sequence(seq.slice_frames(0, 0), 10)[0].shape == (0, 10, 1, 17, 3)

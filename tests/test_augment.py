"""Augmentation of normalised windows."""

from __future__ import annotations

import numpy as np
import pytest

from actionpose.skeleton.layouts import COCO17
from actionpose.train.augment import augment, mirror_windows, warp_time

NONE = dict(mirror=0.0, scale=None, rotation_deg=0.0, time_warp=None, joint_dropout=0.0)


@pytest.fixture
def X() -> np.ndarray:
    """``(6, 12, 2, 17, 3)`` random windows with a few missing joints."""
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(6, 12, 2, 17, 2)), rng.uniform(0.2, 1, (6, 12, 2, 17, 1))], axis=-1)
    X = X.astype(np.float32)
    X[rng.random(X.shape[:-1]) < 0.1] = 0
    return X


def test_shapes_dtype_and_input_untouched(X: np.ndarray) -> None:
    before = X.copy()
    out = augment(X, COCO17, 0)
    assert out.shape == X.shape and out.dtype == np.float32 and np.isfinite(out).all()
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(out, augment(X, COCO17, 0))          # same seed, same result
    np.testing.assert_array_equal(augment(X, COCO17, 1, **NONE), X)    # everything off: identity


def test_mirror_twice_is_identity_and_swaps_sides(X: np.ndarray) -> None:
    once = augment(X, COCO17, 0, **{**NONE, "mirror": 1.0})
    np.testing.assert_array_equal(augment(once, COCO17, 1, **{**NONE, "mirror": 1.0}), X)
    left, right = COCO17.index("left_wrist"), COCO17.index("right_wrist")
    np.testing.assert_array_equal(once[..., right, 0], -X[..., left, 0])
    np.testing.assert_array_equal(once[..., right, 1:], X[..., left, 1:])
    np.testing.assert_array_equal(mirror_windows(X, COCO17), once)


def test_scale_and_rotation_keep_missing_joints_and_lengths(X: np.ndarray) -> None:
    out = augment(X, COCO17, 0, **{**NONE, "rotation_deg": 30.0})
    missing = X[..., -1] == 0
    assert np.all(out[missing] == 0)
    np.testing.assert_allclose(np.linalg.norm(out[..., :2], axis=-1), np.linalg.norm(X[..., :2], axis=-1), rtol=1e-5,
                               atol=1e-6)
    scaled = augment(X, COCO17, 0, **{**NONE, "scale": (2.0, 2.0)})
    np.testing.assert_allclose(scaled[..., :2], 2 * X[..., :2], rtol=1e-6)


def test_time_warp_keeps_length_and_last_frame(X: np.ndarray) -> None:
    rate = np.array([0.5, 0.8, 1.0, 1.2, 2.0, 3.0])
    out = warp_time(X, rate)
    assert out.shape == X.shape
    np.testing.assert_array_equal(out[:, -1], X[:, -1])
    np.testing.assert_array_equal(out[2], X[2])
    # half speed: frame T-2 reads halfway between frames T-2 and T-1 (missing if either is)
    both = (X[0, -2, ..., -1] > 0) & (X[0, -1, ..., -1] > 0)
    np.testing.assert_allclose(out[0, -2][both], ((X[0, -2] + X[0, -1]) / 2)[both], rtol=1e-5, atol=1e-6)
    assert np.all(out[0, -2][~both] == 0)
    np.testing.assert_array_equal(out[0, -3], X[0, -2])


def test_joint_dropout_rate(X: np.ndarray) -> None:
    full = np.ones((50, 10, 1, 17, 3), np.float32)
    out = augment(full, COCO17, 0, **{**NONE, "joint_dropout": 0.2})
    dropped = out[..., -1] == 0
    assert 0.17 < dropped.mean() < 0.23
    assert np.all(out[dropped] == 0)

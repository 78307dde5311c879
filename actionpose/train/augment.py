"""Random augmentation of normalised pose windows, vectorised over the windows.

Each window independently gets: a time warp (speed change that keeps ``T`` frames and its last frame),
a horizontal mirror (left and right joints swapped, x negated), a scale and an in-plane rotation about
the window's origin, and joint dropout. Missing joints (score 0) stay 0 with score 0.
"""

from __future__ import annotations

import numpy as np

from actionpose.features.normalize import missing_mask
from actionpose.skeleton.layouts import KeypointLayout, get_layout


def warp_time(X: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Resample each window's frames at ``rate`` times the speed, anchored on its last frame.

    Frame ``t`` of window ``n`` reads position ``(T - 1) - (T - 1 - t) * rate[n]`` (clipped to the
    window), linearly interpolated; a joint missing in a frame it reads from is missing.

    Parameters
    ----------
    X
        ``(N, T, ...)`` windows whose last channel is the score.
    rate
        ``(N,)`` speed factors (> 1 speeds the motion up).

    Returns
    -------
    float32 array of ``X``'s shape; missing joints 0 with score 0.
    """
    N, T = X.shape[:2]
    pos = np.clip((T - 1) - (T - 1 - np.arange(T))[None, :] * np.asarray(rate, dtype=np.float64)[:, None], 0, T - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, T - 1)
    expand = (N, T) + (1,) * (X.ndim - 2)
    w = (pos - lo).reshape(expand)
    a = np.take_along_axis(X, lo.reshape(expand), axis=1)
    b = np.take_along_axis(X, hi.reshape(expand), axis=1)
    out = ((1 - w) * a + w * b).astype(np.float32)
    lost = (missing_mask(a) & (w[..., 0] < 1)) | (missing_mask(b) & (w[..., 0] > 0))
    out[lost] = 0.0
    return out


def mirror_windows(X: np.ndarray, layout: str | KeypointLayout) -> np.ndarray:
    """Every window mirrored: left and right joints swapped and x negated (about the origin)."""
    out = np.asarray(X)[..., get_layout(layout).flip_permutation, :].copy()
    out[..., 0] *= -1
    return out


def augment(X: np.ndarray, layout: str | KeypointLayout, rng: np.random.Generator | int | None,
            mirror: float = 0.5, scale: tuple[float, float] | None = (0.9, 1.1), rotation_deg: float = 10.0,
            time_warp: tuple[float, float] | None = (0.8, 1.2), joint_dropout: float = 0.05) -> np.ndarray:
    """Randomly augmented copies of normalised windows.

    Parameters
    ----------
    X
        ``(N, T, P, K, C)`` normalised windows (see :func:`actionpose.train.windows.normalize_windows`).
    layout
        Their layout (for the left/right swap of the mirror).
    rng
        A NumPy generator or a seed.
    mirror
        Probability of mirroring a window.
    scale
        Range of the uniform scale factor per window (None or (1, 1): none).
    rotation_deg
        Largest in-plane rotation per window, in degrees either way (0: none).
    time_warp
        Range of the speed factor per window (None or (1, 1): none); see :func:`warp_time`.
    joint_dropout
        Probability that a joint of a frame is dropped (set to 0 with score 0).

    Returns
    -------
    ``(N, T, P, K, C)`` float32; ``X`` is not modified.
    """
    rng = np.random.default_rng(rng)
    X = np.array(X, dtype=np.float32, copy=True)
    if X.ndim != 5:
        raise ValueError(f"windows must be (N, T, P, K, C), got shape {X.shape}")
    N = len(X)
    if time_warp is not None and X.shape[1] > 1:
        X = warp_time(X, rng.uniform(time_warp[0], time_warp[1], size=N))
    if mirror > 0:
        flip = rng.random(N) < mirror
        X[flip] = mirror_windows(X[flip], layout)
    factor = rng.uniform(scale[0], scale[1], size=N) if scale is not None else np.ones(N)
    theta = np.radians(rng.uniform(-rotation_deg, rotation_deg, size=N)) if rotation_deg else np.zeros(N)
    if np.any(factor != 1) or np.any(theta != 0):
        cos, sin = np.cos(theta) * factor, np.sin(theta) * factor
        R = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2).astype(np.float32)
        X[..., :2] = np.einsum("nij,ntpkj->ntpki", R, X[..., :2])
        if X.shape[-1] == 4:
            X[..., 2] *= factor.astype(np.float32)[:, None, None, None]
    if joint_dropout > 0:
        X[rng.random(X.shape[:-1]) < joint_dropout] = 0.0
    X[missing_mask(X)] = 0.0
    return X


__all__ = ["augment", "mirror_windows", "warp_time"]

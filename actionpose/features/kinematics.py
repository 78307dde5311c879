"""Velocities of joints and statistics over time, for pose windows.

Both work on arrays whose axis 1 is time (``(N, T, ...)``) and treat NaN as missing.
"""

from __future__ import annotations

import warnings

import numpy as np

#: statistics of :func:`time_stats`, in order: mean, standard deviation, minimum, maximum, and the
#: last valid value minus the first valid value
STATS = ("mean", "std", "min", "max", "delta")


def velocities(points: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame displacement of points, in units per second.

    Parameters
    ----------
    points
        ``(N, T, ..., D)`` positions (NaN missing).
    fps
        Frame rate of the windows.

    Returns
    -------
    ``(N, max(T - 1, 1), ..., D + 1)``: the D velocity components and the speed (their norm); NaN
    where either frame misses the point. A single frame (a static pose) has velocity 0.
    """
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    points = np.asarray(points, dtype=np.float64)
    if points.shape[1] < 2:
        v = points * 0.0
    else:
        v = np.diff(points, axis=1) * float(fps)
    return np.concatenate([v, np.linalg.norm(v, axis=-1, keepdims=True)], axis=-1)


def time_stats(values: np.ndarray) -> np.ndarray:
    """Statistics over axis 1 (time) that skip NaN.

    Parameters
    ----------
    values
        ``(N, T, ...)``.

    Returns
    -------
    ``(N, ..., len(STATS))`` in the order of :data:`STATS`; NaN where a series has no valid value.
    """
    values = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(values)
    T = values.shape[1]
    first = np.take_along_axis(values, valid.argmax(axis=1)[:, None], axis=1)[:, 0]
    last = np.take_along_axis(values, (T - 1 - valid[:, ::-1].argmax(axis=1))[:, None], axis=1)[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        stats = [np.nanmean(values, axis=1), np.nanstd(values, axis=1), np.nanmin(values, axis=1),
                 np.nanmax(values, axis=1), last - first]
    return np.stack(stats, axis=-1)


__all__ = ["STATS", "time_stats", "velocities"]

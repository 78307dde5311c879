"""Flat keypoint lists (``[x, y, s] * K``), as OpenPose, COCO and AlphaPose store them.

These formats write a missing joint as ``0, 0, 0``; in a `PoseSequence` it is NaN with score 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError


def zeros_to_missing(points: np.ndarray) -> np.ndarray:
    """Mark joints whose channels are all exactly zero as missing (NaN, score 0), in place.

    ``points`` is ``(..., K, C)`` with the score last; returns it.
    """
    missing = np.all(points == 0, axis=-1)
    points[missing, :-1] = np.nan
    points[missing, -1] = 0.0
    return points


def flat_to_points(rows: Sequence[Any], dims: int = 3, what: str = "keypoints",
                   source: str | Path | None = None) -> np.ndarray:
    """Turn N flat lists of ``dims * K`` numbers into an ``(N, K, dims)`` float32 array.

    Parameters
    ----------
    rows
        One flat list per person; all of the same length.
    dims
        Values per joint (3 for ``x, y, score``).
    what
        Name of the field, for error messages.
    source
        The file, for error messages.

    Raises
    ------
    PoseFormatError
        When a row is not a list of numbers, its length is not a multiple of ``dims``, or the rows
        differ in length.
    """
    lengths = set()
    for row in rows:
        if not isinstance(row, (list, tuple)):
            raise PoseFormatError(source, f"{what} must be a list of numbers, got {type(row).__name__}")
        if len(row) % dims:
            raise PoseFormatError(source, f"{what} has {len(row)} values, expected a multiple of {dims}")
        lengths.add(len(row))
    if len(lengths) > 1:
        raise PoseFormatError(source, f"{what} lists differ in length: {sorted(lengths)}")
    width = lengths.pop() if lengths else 0
    try:
        values = np.array(rows, dtype=np.float64).reshape(len(rows), width)
    except (TypeError, ValueError, OverflowError):
        raise PoseFormatError(source, f"{what} holds values that are not numbers") from None
    return zeros_to_missing(values.reshape(len(rows), width // dims, dims).astype(np.float32))


def points_to_flat(points: np.ndarray) -> list[float]:
    """``(K, 3)`` ``x, y, score`` to a flat list, a missing joint written as ``0, 0, 0``."""
    points = np.asarray(points, dtype=np.float64)
    out = np.nan_to_num(points, nan=0.0, posinf=0.0, neginf=0.0)
    out[~np.isfinite(points[:, :2]).all(axis=1)] = 0.0
    return out.reshape(-1).tolist()


def occupied(data: np.ndarray) -> np.ndarray:
    """``(T, P)``: whether a person slot holds anything in a frame (a position or a score).

    Writers emit only these slots; a slot that is NaN with score 0 everywhere is an absent person.
    """
    if data.shape[2] == 0:
        return np.zeros(data.shape[:2], dtype=bool)
    return (np.isfinite(data[..., :2]).all(axis=-1) | (data[..., -1] > 0)).any(axis=-1)

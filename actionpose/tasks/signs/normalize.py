"""Hand normalisation: wrist-centred, scaled by the palm, left hands mirrored to the right.

One canonical hand lets one model serve both hands and every camera distance:

* the wrist moves to the origin;
* coordinates are divided by the hand size, the wrist to middle-finger-MCP distance (measured in
  x, y, which every source has; a bent or foreshortened palm changes it less than the fingers do);
* a left hand is mirrored (x negated), so it looks like a right hand.

Hands are read from :class:`~actionpose.skeleton.sequence.PoseSequence` s in the ``hand21``,
``hands`` and ``holistic`` layouts; in ``hands`` and ``holistic`` the side is in the joint names
(``left_hand_*`` / ``right_hand_*``), i.e. the handedness the backend reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actionpose.skeleton.layouts import HAND21
from actionpose.skeleton.sequence import PoseSequence

WRIST = HAND21.index("wrist")
MIDDLE_MCP = HAND21.index("middle_finger_mcp")
#: hands smaller than this (in the source's units) are treated as degenerate
MIN_HAND_SIZE = 1e-6
SIDES = ("left", "right")


def hand_size(points: np.ndarray) -> np.ndarray:
    """Wrist to middle-finger-MCP distance in x, y of ``(..., 21, C)`` hands, shape ``(...)``."""
    points = np.asarray(points, dtype=np.float64)
    return np.linalg.norm(points[..., MIDDLE_MCP, :2] - points[..., WRIST, :2], axis=-1)


def normalize_hand(points: np.ndarray, left: bool | np.ndarray = False, dims: int = 2) -> np.ndarray:
    """Canonical hands: wrist-centred, divided by :func:`hand_size`, left hands mirrored.

    Parameters
    ----------
    points
        ``(..., 21, C)`` with ``C >= dims``: x, y (, z, ...) of the HAND21 landmarks; extra channels
        (a score) are dropped.
    left
        True (or a boolean array over the leading axes) where the hand is a left hand.
    dims
        2 (x, y) or 3 (x, y, z; z is scaled by the same size).

    Returns
    -------
    numpy.ndarray
        ``(..., 21, dims)`` float32; all-NaN where a hand is missing (NaN wrist or middle MCP) or
        degenerate (size below :data:`MIN_HAND_SIZE`).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.shape[-2:-1] != (HAND21.num_joints,) or points.shape[-1] < dims or dims not in (2, 3):
        raise ValueError(f"hands must be (..., 21, C>={dims}) with dims 2 or 3, got {points.shape}")
    xyz = points[..., :dims] - points[..., WRIST:WRIST + 1, :dims]
    size = hand_size(points)
    with np.errstate(invalid="ignore", divide="ignore"):
        size = np.where(size > MIN_HAND_SIZE, size, np.nan)
        xyz = xyz / size[..., None, None]
    mirror = np.broadcast_to(np.asarray(left, dtype=bool), xyz.shape[:-2])
    xyz[..., 0] = np.where(mirror[..., None], -xyz[..., 0], xyz[..., 0])
    return xyz.astype(np.float32)


@dataclass
class SequenceHands:
    """The hands of a pose sequence, side by side.

    Attributes
    ----------
    points
        ``(T, P, 2, 21, C)`` raw hands (left, right) of every frame and person, C as in the sequence.
    present
        ``(T, P, 2)``: the hand was found (wrist and middle MCP present).
    """

    points: np.ndarray
    present: np.ndarray

    def normalized(self, dims: int = 2) -> np.ndarray:
        """``(T, P, 2, 21, dims)`` canonical hands (left ones mirrored), NaN where absent."""
        left = np.zeros(self.points.shape[:3], dtype=bool)
        left[:, :, 0] = True
        return normalize_hand(self.points, left=left, dims=dims)


def hands_of(seq: PoseSequence, side: str = "right") -> SequenceHands:
    """Both hands of every frame and person of ``seq`` (layouts ``hand21``, ``hands``, ``holistic``).

    A ``hand21`` sequence has one hand of unknown side; it is placed on ``side`` (``"right"``: not
    mirrored). Other layouts are converted to ``hands`` by joint name.
    """
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    data = seq.data
    if seq.layout.name == "hand21":
        points = np.full(data.shape[:2] + (2,) + data.shape[2:], np.nan, dtype=np.float32)
        points[..., SIDES.index(side), :, :] = data
        other = 1 - SIDES.index(side)
        points[:, :, other, :, -1] = 0.0
    else:
        data = seq.data if seq.layout.name == "hands" else seq.convert("hands").data
        points = data.reshape(data.shape[:2] + (2, HAND21.num_joints, data.shape[-1]))
    found = (np.isfinite(points[..., [WRIST, MIDDLE_MCP], :2]).all(axis=(-1, -2))
             & (points[..., [WRIST, MIDDLE_MCP], -1] > 0).all(axis=-1))
    return SequenceHands(points=points, present=found)


__all__ = ["MIN_HAND_SIZE", "SequenceHands", "hand_size", "hands_of", "normalize_hand"]

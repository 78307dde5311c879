"""Putting people read record by record into a ``(T, P, K, C)`` array: frame axis and person slots."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")
#: Frame rate assumed for formats that store none (OpenPose, COCO, AlphaPose, ...); readers take ``fps=``.
DEFAULT_FPS = 30.0
#: Largest pose array a reader builds (float32 values, 4 GiB): a corrupt count fails cleanly instead.
MAX_VALUES = 1 << 30


def frame_number(image_id: Any) -> int | None:
    """The frame number an image id stands for, or None.

    Integers pass through; for strings the last run of digits in the file stem counts.

    >>> frame_number("000000000785.jpg"), frame_number(12), frame_number("video_3_frame_40.png"), frame_number("a")
    (785, 12, 40, None)
    """
    if isinstance(image_id, bool):
        return None
    if isinstance(image_id, (int, np.integer)):
        return int(image_id)
    if isinstance(image_id, float) and image_id.is_integer():
        return int(image_id)
    if isinstance(image_id, str):
        found = _DIGITS.findall(Path(image_id).stem)
        if found:
            return int(found[-1])
    return None


def track_id(value: Any, key: str, source: str | Path | None = None) -> int | None:
    """A track id given as a number or a one-element list; None when absent or negative (untracked).

    >>> track_id([3], "person_id"), track_id(-1, "person_id"), track_id(None, "idx")
    (3, None, None)
    """
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise PoseFormatError(source, f"'{key}' must be an integer, got {value!r}")
    return None if value < 0 else int(value)


def frame_axis(numbers: Sequence[int] | np.ndarray, dense: bool | None = None, num_frames: int | None = None,
               source: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Frames for records carrying frame numbers.

    Parameters
    ----------
    numbers
        The frame number of each record.
    dense
        True: frames ``0 .. max`` (empty frames in between kept). False: only the distinct numbers,
        in order. None (default): dense when the numbers are non-negative and at least a quarter of
        ``0 .. max`` occurs (video frame indices), else sparse (e.g. COCO image ids).
    num_frames
        At least this many frames when dense (keeps trailing empty frames).

    Returns
    -------
    frame_numbers, index
        ``(T,)`` the number of each frame (timestamps are ``frame_numbers / fps``) and ``(N,)`` the
        frame each record belongs to.
    """
    numbers = np.asarray(numbers, dtype=np.int64).reshape(-1)
    if num_frames is not None and num_frames < 0:
        raise PoseFormatError(source, f"num_frames must not be negative, got {num_frames}")
    if numbers.size == 0:
        return np.arange(num_frames or 0, dtype=np.int64), numbers
    distinct = np.unique(numbers)
    if dense is None:
        dense = bool(distinct[0] >= 0 and distinct[-1] + 1 <= 4 * distinct.size + 64)
    if dense:
        if distinct[0] < 0:
            raise PoseFormatError(source, f"negative frame number {int(distinct[0])}")
        total = max(int(distinct[-1]) + 1, num_frames or 0)
        return np.arange(total, dtype=np.int64), numbers
    return distinct, np.searchsorted(distinct, numbers)


def missing_poses(shape: tuple[int, ...], source: str | Path | None = None) -> np.ndarray:
    """A float32 array of ``shape`` with every joint missing (NaN, score 0).

    Raises
    ------
    PoseFormatError
        When the file asks for more than :data:`MAX_VALUES` values.
    """
    shape = tuple(int(n) for n in shape)
    if any(n < 0 for n in shape) or int(np.prod(shape, dtype=object)) > MAX_VALUES:
        raise PoseFormatError(source, f"implausible pose array size {shape}")
    data = np.full(shape, np.nan, dtype=np.float32)
    data[..., -1] = 0.0
    return data


def assemble(frame_index: np.ndarray, points: np.ndarray, num_frames: int,
             tracks: Sequence[int | None] | None = None,
             source: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scatter N people into a ``(T, P, K, C)`` array.

    Parameters
    ----------
    frame_index
        ``(N,)`` frame of each person.
    points
        ``(N, K, C)`` each person's joints.
    num_frames
        T.
    tracks
        Track id of each person (None: untracked). When every person has one and no id repeats
        within a frame, slots are the sorted distinct ids; otherwise people fill slots ``0, 1, ...``
        in their order within each frame.

    Returns
    -------
    data, track_ids
        ``(T, P, K, C)`` float32 (absent: NaN, score 0) and ``(P,)`` int64.
    """
    frame_index = np.asarray(frame_index, dtype=np.int64).reshape(-1)
    n = frame_index.size
    slot = track_ids = None
    if tracks is not None and n and all(t is not None for t in tracks):
        ids = np.asarray([int(t) for t in tracks], dtype=np.int64)
        if np.unique(np.stack([frame_index, ids], axis=1), axis=0).shape[0] == n:
            track_ids, slot = np.unique(ids, return_inverse=True)
        else:
            log.warning("a track id repeats within a frame; people are numbered by their order instead")
    elif tracks is not None and any(t is not None for t in tracks):
        log.warning("some people have no track id; people are numbered by their order in each frame")
    if slot is None:
        order = np.argsort(frame_index, kind="stable")
        ordered = frame_index[order]
        slot = np.empty(n, dtype=np.int64)
        slot[order] = np.arange(n) - np.searchsorted(ordered, ordered, side="left")
        track_ids = np.arange(int(slot.max()) + 1 if n else 0, dtype=np.int64)
    data = missing_poses((num_frames, track_ids.size) + points.shape[1:], source)
    data[frame_index, slot.reshape(-1)] = points
    return data, track_ids

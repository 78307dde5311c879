"""Time segments from per-frame labels and from written time ranges (shared by the fall loaders)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from actionpose.datasets.blocks import changes, spans
from actionpose.train.data import Segment

_RANGE = re.compile(r"^\s*\[?\s*(\d+(?:\.\d*)?)\s*(?:to\s*)?(\d+(?:\.\d*)?)\s*\]?\s*:?\s*$")


def parse_range(text: str) -> tuple[float, float]:
    """``"0.4 to 4"`` (also ``"[0.4 to 4]"`` and the typo ``"0.9 4.6"``) to ``(0.4, 4.0)`` seconds.

    Raises
    ------
    ValueError
        When the text is not two non-negative numbers or the range is reversed.

    >>> parse_range("0.4 to 4"), parse_range("[ 2.8 to 6]")
    ((0.4, 4.0), (2.8, 6.0))
    """
    match = _RANGE.match(str(text))
    if match is None:
        raise ValueError(f"not a time range 'START to END': {text!r}")
    start, end = float(match.group(1)), float(match.group(2))
    if end < start:
        raise ValueError(f"time range {text!r} ends before it starts")
    return start, end


def parse_ranges(text: str) -> list[tuple[float, float]]:
    """One or several time ranges separated by ``;`` (legal in GMDCSA24: ``"0 to 0.3; 1.5 to 2.2"``), each
    read by :func:`parse_range`; empty parts (a trailing ``;``) are skipped.

    Raises
    ------
    ValueError
        When no range is given or one part is not a range.

    >>> parse_ranges("0 to 0.3; 1.5 to 2.2")
    [(0.0, 0.3), (1.5, 2.2)]
    """
    parts = [part for part in str(text).split(";") if part.strip()]
    if not parts:
        raise ValueError(f"not a time range 'START to END': {text!r}")
    return [parse_range(part) for part in parts]


def frame_segments(labels: Sequence[Any] | np.ndarray, fps: float, names: Mapping[Any, str] | None = None,
                   frames: Sequence[int] | np.ndarray | None = None) -> list[Segment]:
    """Per-frame labels to time segments: one segment per run of equal labels.

    Parameters
    ----------
    labels
        One label per frame.
    fps
        Frame rate; frame ``f`` covers ``[f / fps, (f + 1) / fps)``.
    names
        Label value -> segment name (default: ``str(value)``).
    frames
        0-based frame number of each label (default ``0..T-1``); a gap in the numbers ends a segment,
        so unlabelled frames stay outside every segment.

    >>> frame_segments([0, 0, 1, 1], 10.0, {0: "a", 1: "b"})
    [(0.0, 0.2, 'a'), (0.2, 0.4, 'b')]
    """
    labels = np.asarray(labels)
    frames = np.arange(len(labels)) if frames is None else np.asarray(frames, dtype=np.int64)
    if frames.shape != labels.shape:
        raise ValueError(f"{len(labels)} labels but {len(frames)} frame numbers")
    gaps = np.flatnonzero(np.diff(frames) != 1) + 1
    out: list[Segment] = []
    for start, stop in spans(len(labels), np.r_[changes(labels), gaps]):
        value = labels[start].item()
        name = names[value] if names is not None else str(value)
        out.append((float(frames[start]) / fps, float(frames[stop - 1] + 1) / fps, name))
    return out

"""Contiguous blocks of rows: runs of one label, cut where the poses jump, capped in length.

Several public sets store consecutive frames of many recordings one after the other with no
recording id. Their loaders cut the rows into blocks with these helpers, so that a block never
mixes recordings and neighbouring frames stay together on one side of a split.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


def spans(length: int, starts: Iterable[int]) -> list[tuple[int, int]]:
    """``[start, stop)`` pieces of ``range(length)`` that begin at 0 and at each of ``starts``.

    >>> spans(10, [4, 7])
    [(0, 4), (4, 7), (7, 10)]
    """
    cuts = sorted({int(s) for s in starts if 0 < int(s) < length})
    edges = [0, *cuts, length] if length else []
    return list(itertools.pairwise(edges))


def changes(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Indices ``i`` where ``values[i] != values[i - 1]``.

    >>> changes(["a", "a", "b", "a"]).tolist()
    [2, 3]
    """
    values = np.asarray(values)
    return np.flatnonzero(values[1:] != values[:-1]) + 1


def runs(values: Sequence[Any] | np.ndarray) -> list[tuple[int, int, Any]]:
    """``(start, stop, value)`` for each run of equal consecutive values.

    >>> runs([1, 1, 0, 0, 0, 1])
    [(0, 2, 1), (2, 5, 0), (5, 6, 1)]
    """
    values = np.asarray(values)
    return [(a, b, values[a].item()) for a, b in spans(len(values), changes(values))]


def jump_starts(step: np.ndarray, threshold: float, min_gap: int = 1) -> np.ndarray:
    """Rows that start a new block because the poses jump there.

    Parameters
    ----------
    step
        ``(T - 1,)`` distance between rows ``i`` and ``i + 1`` (NaN counts as no jump).
    threshold
        A step above it starts a block at row ``i + 1``.
    min_gap
        A jump closer than this to the start or to the previous kept jump is dropped: a glitch of a
        few rows does not make a block of its own.

    >>> jump_starts(np.array([0, 0, 0, 5, 5, 0, 0, 5]), 1.0, min_gap=3).tolist()
    [4, 8]
    """
    kept: list[int] = []
    for i in np.flatnonzero(np.nan_to_num(step, nan=0.0) > threshold) + 1:
        if i - (kept[-1] if kept else 0) >= min_gap:
            kept.append(int(i))
    return np.asarray(kept, dtype=np.int64)


def cap_length(start: int, stop: int, max_len: int | None) -> list[tuple[int, int]]:
    """``[start, stop)`` cut into the fewest near-equal pieces of at most ``max_len`` rows.

    >>> cap_length(0, 250, 100)
    [(0, 83), (83, 167), (167, 250)]
    """
    if not max_len or stop - start <= max_len:
        return [(start, stop)]
    pieces = -(-(stop - start) // max_len)
    edges = np.linspace(start, stop, pieces + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def median_step(xy: np.ndarray) -> np.ndarray:
    """``(T - 1,)`` median over joints of how far each joint moves between consecutive rows.

    ``xy`` is ``(T, K, 2)``; joints missing (NaN) in either row are left out, and a row pair
    without a common joint gives NaN. The median ignores a few joints that flicker.
    """
    d = np.linalg.norm(np.diff(np.asarray(xy, dtype=np.float64), axis=0), axis=-1)
    out = np.full(len(d), np.nan)
    ok = np.isfinite(d).any(axis=1)
    out[ok] = np.nanmedian(d[ok], axis=1)
    return out

"""Clip-level verdicts from window predictions: one label per clip and one per segment, with confidence.

A model labels overlapping windows, and neighbouring windows often disagree. :func:`clip_verdict` turns
them into what a person asks for:

* the **clip's label**: the class with the highest mean probability over all windows, with that mean as its
  confidence; ``"unknown"`` when the two best classes are closer than ``margin`` (the model cannot tell);
* **segments**: the window probabilities smoothed over ``smooth`` neighbouring windows, the best class per
  window, runs of one class merged, and runs shorter than ``min_windows`` absorbed by their neighbours.
  A segment's confidence is the mean smoothed probability of its label over its windows; a segment whose
  confidence is under ``min_confidence`` is ``"unknown"``.

Segment boundaries lie half-way between the centres of the last window of one run and the first of the
next, so segments tile the span from the first window's start to the last window's end without overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d

#: the label of a clip or segment the model is unsure about
UNKNOWN = "unknown"


@dataclass
class SegmentVerdict:
    """One stretch of a clip with one label."""

    start_s: float
    end_s: float
    label: str
    confidence: float
    windows: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (times and confidence rounded)."""
        return {"start": round(self.start_s, 3), "end": round(self.end_s, 3), "label": self.label,
                "confidence": round(self.confidence, 4), "windows": int(self.windows)}


@dataclass
class ClipVerdict:
    """The label of a whole clip, its confidence, the mean probability per class, and the segments."""

    label: str
    confidence: float
    proba: dict[str, float] = field(default_factory=dict)
    segments: list[SegmentVerdict] = field(default_factory=list)
    windows: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"label": self.label, "confidence": round(self.confidence, 4),
                "proba": {k: round(v, 4) for k, v in self.proba.items()}, "windows": int(self.windows),
                "segments": [s.to_dict() for s in self.segments]}

    def line(self) -> str:
        """One readable line, e.g. ``fall (confidence 0.82, 12 windows)``."""
        if not self.windows:
            return f"{self.label} (no window: the clip is shorter than the model's window or nobody is in it)"
        return f"{self.label} (confidence {self.confidence:.2f}, {self.windows} windows)"


def _runs(labels: np.ndarray) -> list[list[int]]:
    """``[[first, stop), ...]`` index ranges of equal consecutive labels."""
    cuts = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    edges = np.r_[0, cuts, len(labels)]
    return [[int(a), int(b)] for a, b in zip(edges[:-1], edges[1:])]


def _absorb_short(best: np.ndarray, proba: np.ndarray, min_windows: int) -> np.ndarray:
    """``best`` with runs shorter than ``min_windows`` relabelled as the neighbour their windows prefer."""
    best = best.copy()
    while True:
        runs = _runs(best)
        if len(runs) < 2:
            return best
        lengths = [b - a for a, b in runs]
        i = int(np.argmin(lengths))
        if lengths[i] >= min_windows:
            return best
        a, b = runs[i]
        neighbours = [best[runs[j][0]] for j in (i - 1, i + 1) if 0 <= j < len(runs)]
        best[a:b] = max(neighbours, key=lambda c: proba[a:b, c].sum())


def clip_verdict(starts: Sequence[float], ends: Sequence[float], proba: np.ndarray, classes: Sequence[str],
                 smooth: int = 3, min_windows: int = 2, margin: float = 0.05,
                 min_confidence: float = 0.0) -> ClipVerdict:
    """The clip's label and its segments from per-window probabilities.

    Parameters
    ----------
    starts, ends
        ``(N,)`` start and end of each window in seconds, in time order.
    proba
        ``(N, k)`` class probabilities per window (columns in ``classes`` order).
    classes
        The class names.
    smooth
        Moving average over this many windows before labelling segments (1: none).
    min_windows
        Shortest segment, in windows; shorter runs join the neighbour their windows prefer.
    margin
        The clip is ``"unknown"`` when its two most probable classes differ by less than this.
    min_confidence
        A segment whose mean probability is under this is ``"unknown"``.

    Returns
    -------
    ClipVerdict
        ``label`` is ``"unknown"`` with confidence 0 and no segments when there is no window.
    """
    proba = np.asarray(proba, dtype=np.float64).reshape(-1, len(classes))
    starts, ends = np.asarray(starts, dtype=np.float64), np.asarray(ends, dtype=np.float64)
    classes = [str(c) for c in classes]
    if len(proba) == 0:
        return ClipVerdict(UNKNOWN, 0.0, {c: 0.0 for c in classes}, [], 0)
    mean = proba.mean(axis=0)
    order = np.argsort(-mean, kind="stable")
    top = int(order[0])
    sure = len(classes) < 2 or mean[top] - mean[order[1]] >= margin
    smoothed = uniform_filter1d(proba, size=max(1, int(smooth)), axis=0, mode="nearest")
    best = _absorb_short(smoothed.argmax(axis=1), smoothed, max(1, int(min_windows)))
    centres = (starts + ends) / 2
    segments = []
    for a, b in _runs(best):
        c = int(best[a])
        start = float(starts[0]) if a == 0 else float((centres[a - 1] + centres[a]) / 2)
        end = float(ends[-1]) if b == len(best) else float((centres[b - 1] + centres[b]) / 2)
        conf = float(smoothed[a:b, c].mean())
        segments.append(SegmentVerdict(start, end, classes[c] if conf >= min_confidence else UNKNOWN, conf, b - a))
    return ClipVerdict(classes[top] if sure else UNKNOWN, float(mean[top]),
                       {c: float(p) for c, p in zip(classes, mean)}, segments, len(proba))


def verdict_of_windows(windows: Sequence[Any], classes: Sequence[str], **options: Any) -> ClipVerdict:
    """:func:`clip_verdict` of :class:`~actionpose.models.classifier.WindowPrediction` s."""
    proba = np.array([w.proba for w in windows], dtype=np.float64).reshape(len(windows), len(classes))
    return clip_verdict([w.start_s for w in windows], [w.end_s for w in windows], proba, classes, **options)


__all__ = ["UNKNOWN", "ClipVerdict", "SegmentVerdict", "clip_verdict", "verdict_of_windows"]

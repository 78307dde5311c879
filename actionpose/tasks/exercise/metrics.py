"""Per-rep metrics: timing and tempo, range of motion, depth, left/right asymmetry, camera view."""

from __future__ import annotations

import warnings

import numpy as np

from actionpose.tasks.exercise.counter import RepSpan
from actionpose.tasks.exercise.signals import MeasureValues


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def around(values: np.ndarray, index: int, half: int) -> float:
    """Median of the finite values within ``half`` frames of ``index`` (NaN if none): a value at one
    frame that one landmark glitch cannot decide."""
    part = _finite(values[max(0, index - half): index + half + 1])
    return float(np.median(part)) if part.size else float("nan")


def reduce(values: np.ndarray, span: RepSpan, at: str, half: int) -> float:
    """A measure over a rep: at the bottom (``peak``), its ``min``/``max``/``mean``/``median``, or its
    value at the ``start``/``end`` (NaN when the rep has no finite value)."""
    if at == "peak":
        return around(values, span.bottom, half)
    if at in ("start", "end"):
        return around(values, span.start if at == "start" else span.end, half)
    part = _finite(values[span.start: span.end + 1])
    if not part.size:
        return float("nan")
    return float({"min": np.min, "max": np.max, "mean": np.mean, "median": np.median}[at](part))


def value_range(values: np.ndarray, span: RepSpan) -> float:
    """Max minus min of a measure over the rep (NaN without values)."""
    part = _finite(values[span.start: span.end + 1])
    return float(part.max() - part.min()) if part.size else float("nan")


def asymmetry(measure: MeasureValues, span: RepSpan, half: int, both_seen: bool) -> float:
    """``|left - right|`` at the bottom of the rep; NaN unless both sides are reliably seen."""
    if not both_seen or measure.left is None or measure.right is None:
        return float("nan")
    return abs(around(measure.left, span.bottom, half) - around(measure.right, span.bottom, half))


def rep_view(side_view: np.ndarray, span: RepSpan) -> str:
    """``side``, ``front`` or ``unknown``: the camera view over most of the rep."""
    part = _finite(side_view[span.start: span.end + 1])
    if not part.size:
        return "unknown"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return "side" if np.mean(part) >= 0.5 else "front"


def tempo(times: np.ndarray, span: RepSpan, phases: tuple[str, str]) -> dict[str, float]:
    """Seconds of the two phases: start to bottom and bottom to end."""
    return {phases[0]: float(times[span.bottom] - times[span.start]),
            phases[1]: float(times[span.end] - times[span.bottom])}


__all__ = ["around", "asymmetry", "reduce", "rep_view", "tempo", "value_range"]

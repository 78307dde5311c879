"""Form faults: the definition's explained rules, and optionally a learned model, applied per rep or hold.

A rule reduces one measure over the rep (its value at the bottom, its minimum, ...) and fires when
the value crosses the rule's threshold. A ``sustained`` rule fires on an excursion instead
(:func:`excursion`): beyond the threshold for a minimum time, or for a minimum share of one phase of
the rep (descent, bottom, ascent), and reports when it happened and how far it went. A rule that needs
a view the camera does not give (knee travel judged from the front), or whose measure is missing, is
*not assessed* -- never a fault.

Learned faults (:class:`LearnedFaults`) run an :class:`~actionpose.models.classifier.ActionClassifier`
trained on labelled form data (e.g. the Exercise-Correction recordings) over each rep; any class
other than the "ok" ones becomes a fault.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.counter import RepSpan
from actionpose.tasks.exercise.definitions import ExerciseDefinition, Rule
from actionpose.tasks.exercise.metrics import reduce
from actionpose.tasks.exercise.results import Fault

log = logging.getLogger(__name__)


def _applies(rule: Rule, view: str) -> bool:
    return rule.view == "any" or rule.view == view


def fault_of(rule: Rule, value: float, unit: str, share: float | None = None) -> Fault:
    """The :class:`Fault` a rule reports for a measured value."""
    return Fault(rule.id, rule.message, value=float(value), threshold=rule.zone.threshold,
                 direction=rule.zone.direction, unit=unit, why=rule.why, share=share)


def rep_phases(signal: np.ndarray, span: RepSpan, half: int, near: float = 0.1) -> dict[str, slice]:
    """Frames of the three phases of a rep: ``bottom`` is the stretch around the rep's extreme where the
    signal stays within ``near`` of the rep's range of it (at least ``half`` frames each side), ``descent``
    the frames before it and ``ascent`` the frames after it."""
    part = signal[span.start: span.end + 1]
    lo = hi = span.bottom
    if np.isfinite(part).sum() >= 2 and np.isfinite(signal[span.bottom]):
        tol = near * float(np.nanmax(part) - np.nanmin(part))
        with np.errstate(invalid="ignore"):
            close = np.abs(signal - signal[span.bottom]) <= tol
        while lo - 1 > span.start and close[lo - 1]:
            lo -= 1
        while hi + 1 < span.end and close[hi + 1]:
            hi += 1
    lo, hi = min(lo, max(span.start, span.bottom - half)), max(hi, min(span.end, span.bottom + half))
    return {"descent": slice(span.start, lo), "bottom": slice(lo, hi + 1), "ascent": slice(hi + 1, span.end + 1)}


@dataclass
class Excursion:
    """The longest stretch of one phase beyond a rule's threshold."""

    phase: str
    start: int
    stop: int
    worst: float
    share: float


def _longest_run(bad: np.ndarray) -> tuple[int, int]:
    best, start = (0, 0), None
    for i, b in enumerate(np.append(bad, False)):
        if b and start is None:
            start = i
        elif not b and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def excursion(rule: Rule, values: np.ndarray, phases: dict[str, slice], fps: float) -> Excursion | None:
    """The sustained excursion of ``rule`` in a rep, or None.

    In each phase the rule judges (all three for ``phase: rep``), the frames beyond the threshold are found;
    the phase counts when their longest run lasts ``min_s`` or they make ``min_share`` of the phase's frames
    with a value. Of the phases that count, the one with the longest run is reported, with the furthest value
    beyond the threshold in it.
    """
    found = None
    min_frames = max(2, int(round(rule.min_s * fps)))
    for name, frames in phases.items():
        if rule.phase not in ("rep", name):
            continue
        v = values[frames]
        judged = np.isfinite(v)
        if judged.sum() < 2:
            continue
        bad = judged & rule.zone.holds(v)
        a, b = _longest_run(bad)
        share = float(bad.sum() / judged.sum())
        long_enough = b - a >= min_frames
        most_of_phase = share >= rule.min_share and bad.sum() >= max(2, min_frames // 2)
        if b - a == 0 or not (long_enough or most_of_phase):
            continue
        part = v[a:b]
        worst = float(np.max(part) if rule.zone.direction == "above" else np.min(part))
        if found is None or b - a > found.stop - found.start:
            found = Excursion(name, frames.start + a, frames.start + b, worst, share)
    return found


def rep_faults(definition: ExerciseDefinition, values: dict[str, np.ndarray], span: RepSpan, view: str,
               half: int, fps: float = 30.0, times: np.ndarray | None = None,
               standard: str | None = None) -> tuple[list[Fault], list[str]]:
    """Faults of one rep, and the ids of the rules that could not be assessed.

    Parameters
    ----------
    values
        Smoothed per-frame values of every measure the rules use (``"signal"`` included).
    view
        The rep's camera view (``side``, ``front`` or ``unknown``).
    half
        Frames on each side of the bottom whose median is the value "at the bottom".
    fps, times
        Frame rate and per-frame seconds (default ``frame / fps``), for sustained rules.
    standard
        The standard's name recorded on every fault (default: the definition's, ``definition.standard``).
    """
    standard = standard or definition.standard
    faults, skipped = [], []
    phases = None
    t = times if times is not None else np.arange(len(values["signal"])) / fps
    for rule in definition.rules:
        unit = definition.measure(rule.measure).unit
        if rule.at == "sustained":
            v = values[rule.measure]
            if not _applies(rule, view) or not np.isfinite(v[span.start: span.end + 1]).any():
                skipped.append(rule.id)
                continue
            phases = phases or rep_phases(values["signal"], span, half)
            ex = excursion(rule, v, phases, fps)
            if ex is not None:
                end = min(ex.stop, len(t) - 1)
                f = fault_of(rule, ex.worst, unit, share=round(ex.share, 3))
                f.phase, f.start_s, f.end_s = ex.phase, float(t[ex.start]), float(t[end])
                f.duration_s = float((ex.stop - ex.start) / fps)
                f.standard = standard
                faults.append(f)
            continue
        value = reduce(values[rule.measure], span, rule.at, half)
        if not _applies(rule, view) or not np.isfinite(value):
            skipped.append(rule.id)
        elif rule.zone.contains(value):
            f = fault_of(rule, value, unit)
            f.standard = standard
            faults.append(f)
    return faults, skipped


def hold_faults(definition: ExerciseDefinition, values: dict[str, np.ndarray], frames: slice,
                side_view: np.ndarray, min_share: float = 0.2) -> tuple[list[Fault], list[str], np.ndarray]:
    """Faults of a hold (frame by frame), skipped rule ids, and the ``(n,)`` frames in good form.

    A fault is reported when it is present in at least ``min_share`` of the hold's judged frames;
    ``value`` is the measure's median over those faulty frames.
    """
    view = np.where(np.isnan(side_view[frames]), -1, side_view[frames])
    n = len(view)
    good = np.ones(n, dtype=bool)
    faults, skipped = [], []
    for rule in definition.rules:
        v = values[rule.measure][frames]
        judged = np.isfinite(v)
        if rule.view != "any":
            judged &= (view == 1) if rule.view == "side" else (view == 0)
        if judged.sum() < max(1, n // 4):
            skipped.append(rule.id)
            continue
        bad = judged & rule.zone.holds(v)
        good &= ~bad
        share = float(bad.sum() / judged.sum())
        if share >= min_share:
            f = fault_of(rule, float(np.median(v[bad])), definition.measure(rule.measure).unit, share)
            f.standard = definition.standard
            faults.append(f)
    return faults, skipped, good


def feedback(faults: Sequence[Fault], good: str, complete: bool = True, reason: str | None = None,
             partial: str = "") -> str:
    """One short message: the faults' messages, or the definition's praise; a partial rep says why it
    did not count (with the definition's ``partial`` advice for a rep that was not deep enough)."""
    text = "; ".join(f.message for f in faults) if faults else good
    if not complete:
        advice = partial if reason == "shallow" and partial else ""
        text = " ".join(t for t in (f"Partial rep ({reason or 'incomplete'}).", advice,
                                    "; ".join(f.message for f in faults)) if t)
    return text.strip()


@dataclass
class LearnedFaults:
    """Form faults from a trained :class:`~actionpose.models.classifier.ActionClassifier` file.

    Parameters
    ----------
    path
        The model file (``actionpose train`` output; never unpickled).
    ok
        Class names that mean good form; every other predicted class is a fault ``learned:<class>``.
    """

    path: str | Path
    ok: tuple[str, ...] = ("C", "correct", "good", "ok")
    _clf: object = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from actionpose.models.classifier import ActionClassifier

        self._clf = ActionClassifier.load(self.path)

    @property
    def exercise(self) -> str | None:
        """The exercise a per-rep model was trained on (None for a window model)."""
        rep = getattr(self._clf, "rep_model", None)
        return rep.get("exercise") if rep else None

    @property
    def classes(self) -> list[str]:
        """The model's classes."""
        return [str(c) for c in self._clf.classes_]

    def rep_fault(self, seq: PoseSequence, track: int, span: RepSpan) -> Fault | None:
        """The learned fault of one rep (None when the model calls it good form or cannot judge it)."""
        part = seq.select_tracks([int(seq.track_ids[track])]).slice_frames(span.start, span.end + 1)
        rep = getattr(self._clf, "rep_model", None)
        if rep:                      # a per-rep model: the rep time-normalised as in training
            from actionpose.tasks.exercise.rep_model import time_normalise

            part = time_normalise(part, int(rep["frames"]), float(rep["fps"]))
        proba = self._clf.predict_proba([part])[0]
        if not np.isfinite(proba).all():
            return None
        label = str(self._clf.classes_[int(np.argmax(proba))])
        if label in self.ok:
            return None
        return Fault(f"learned:{label}", f"Model flags this rep as '{label}'", value=float(np.max(proba)),
                     unit="prob", why=f"classifier {Path(self.path).name} (classes {', '.join(self.classes)})",
                     source="learned")


__all__ = ["Excursion", "LearnedFaults", "excursion", "fault_of", "feedback", "hold_faults", "rep_faults",
           "rep_phases"]

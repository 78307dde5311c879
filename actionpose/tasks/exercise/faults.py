"""Form faults: the definition's explained rules, and optionally a learned model, applied per rep or hold.

A rule reduces one measure over the rep (its value at the bottom, its minimum, ...) and fires when
the value crosses the rule's threshold. A rule that needs a view the camera does not give (knee
travel judged from the front), or whose measure is missing, is *not assessed* -- never a fault.

Learned faults (:class:`LearnedFaults`) run an :class:`~actionpose.models.classifier.ActionClassifier`
trained on labelled form data (e.g. the Exercise-Correction recordings) over each rep; any class
other than the "ok" ones becomes a fault.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

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


def rep_faults(definition: ExerciseDefinition, values: dict[str, np.ndarray], span: RepSpan, view: str,
               half: int) -> tuple[list[Fault], list[str]]:
    """Faults of one rep, and the ids of the rules that could not be assessed.

    Parameters
    ----------
    values
        Smoothed per-frame values of every measure the rules use (``"signal"`` included).
    view
        The rep's camera view (``side``, ``front`` or ``unknown``).
    half
        Frames on each side of the bottom whose median is the value "at the bottom".
    """
    faults, skipped = [], []
    for rule in definition.rules:
        value = reduce(values[rule.measure], span, rule.at, half)
        if not _applies(rule, view) or not np.isfinite(value):
            skipped.append(rule.id)
        elif rule.zone.contains(value):
            faults.append(fault_of(rule, value, definition.measure(rule.measure).unit))
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
            faults.append(fault_of(rule, float(np.median(v[bad])), definition.measure(rule.measure).unit, share))
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
    def classes(self) -> list[str]:
        """The model's classes."""
        return [str(c) for c in self._clf.classes_]

    def rep_fault(self, seq: PoseSequence, track: int, span: RepSpan) -> Fault | None:
        """The learned fault of one rep (None when the model calls it good form or cannot judge it)."""
        part = seq.select_tracks([int(seq.track_ids[track])]).slice_frames(span.start, span.end + 1)
        proba = self._clf.predict_proba([part])[0]
        if not np.isfinite(proba).all():
            return None
        label = str(self._clf.classes_[int(np.argmax(proba))])
        if label in self.ok:
            return None
        return Fault(f"learned:{label}", f"Model flags this rep as '{label}'", value=float(np.max(proba)),
                     unit="prob", why=f"classifier {Path(self.path).name} (classes {', '.join(self.classes)})",
                     source="learned")


__all__ = ["LearnedFaults", "fault_of", "feedback", "hold_faults", "rep_faults"]

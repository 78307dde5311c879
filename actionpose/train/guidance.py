"""Honest guidance around training: what the data holds before, and what the model is worth after.

Before training, :func:`check_data` counts clips, frames, seconds and people (groups) per class and warns
when a class has too few clips or people, or the classes are unbalanced. After, :func:`evaluate_by_group`
cross-validates by group (person or recording: never one on both sides), compares the model with the
majority-class baseline (always answering the most common training class), warns clearly when it is not
better, and gives advice per class ("add clips of X from other people").

The CLI's ``train`` and the dashboard's Train page both print these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from actionpose.train.data import LabelledClip
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions

log = logging.getLogger(__name__)

#: fewer clips than this in a class: a warning
MIN_CLIPS = 5
#: fewer people (groups) than this in a class: a warning
MIN_GROUPS = 2
#: largest / smallest class size above this: a warning
MAX_IMBALANCE = 3.0
#: the model must beat the baseline's macro-F1 by at least this to count as better
MIN_GAIN = 0.05
#: a class whose cross-validated recall is under this gets advice
MIN_RECALL = 0.7


@dataclass
class ClassStats:
    """What the training data holds for one class."""

    label: str
    clips: int
    frames: int
    seconds: float
    people: int


@dataclass
class DataCheck:
    """Per-class counts and the warnings they raise."""

    classes: list[ClassStats]
    warnings: list[str] = field(default_factory=list)
    groups_given: bool = True

    def table(self) -> pd.DataFrame:
        """One row per class: clips, frames, seconds, people."""
        return pd.DataFrame([{"class": c.label, "clips": c.clips, "frames": c.frames,
                              "seconds": round(c.seconds, 1), "people": c.people} for c in self.classes])

    def lines(self) -> list[str]:
        """Readable lines (the CLI prints them)."""
        width = max([len(c.label) for c in self.classes] + [5])
        out = [f"{'class':<{width}}  clips  frames  seconds  people"]
        out += [f"{c.label:<{width}}  {c.clips:>5}  {c.frames:>6}  {c.seconds:>7.1f}  {c.people:>6}"
                for c in self.classes]
        return out + [f"warning: {w}" for w in self.warnings]


def _segment_labels(clip: LabelledClip) -> list[str]:
    return [clip.label] if clip.label is not None else sorted({s[2] for s in clip.segments or []})


def check_data(clips: Sequence[LabelledClip], min_clips: int = MIN_CLIPS, min_groups: int = MIN_GROUPS,
               max_imbalance: float = MAX_IMBALANCE) -> DataCheck:
    """Clips, frames, seconds and people per class, with warnings.

    Parameters
    ----------
    clips
        The training clips; a segment-labelled clip counts for every class it has a segment of.
    min_clips, min_groups, max_imbalance
        A class with fewer clips or people, or a largest/smallest class ratio above ``max_imbalance``,
        gets a warning.

    Returns
    -------
    DataCheck
        ``groups_given`` is False when every clip is its own group (nobody said which clips show the same
        person): the people counts are then clip counts and the evaluation may be optimistic.
    """
    per: dict[str, list[LabelledClip]] = {}
    for clip in clips:
        for label in _segment_labels(clip):
            per.setdefault(label, []).append(clip)
    stats = []
    for label in sorted(per):
        members = per[label]
        frames = sum(c.seq.num_frames for c in members)
        seconds = sum(c.seq.num_frames / c.seq.fps for c in members if c.seq.fps)
        stats.append(ClassStats(label, len(members), int(frames), float(seconds), len({c.group for c in members})))
    groups_given = len({c.group for c in clips}) < len(clips)
    warnings = []
    if len(stats) < 2:
        warnings.append(f"only one class ({stats[0].label if stats else 'none'}): training needs at least two")
    for c in stats:
        if c.clips < min_clips:
            warnings.append(f"{c.label!r} has only {c.clips} clip(s): give at least {min_clips}, better 10-20")
        if groups_given and c.people < min_groups:
            warnings.append(f"all clips of {c.label!r} come from {c.people} person/recording: add clips of "
                            f"{c.label!r} from other people, or the model learns the person, not the action")
    sizes = [c.clips for c in stats]
    if len(sizes) >= 2 and min(sizes) and max(sizes) / min(sizes) > max_imbalance:
        big, small = max(stats, key=lambda c: c.clips), min(stats, key=lambda c: c.clips)
        warnings.append(f"unbalanced classes: {big.label!r} has {big.clips} clips, {small.label!r} only "
                        f"{small.clips}; add clips of {small.label!r}")
    if not groups_given:
        warnings.append("nobody said which clips show the same person (groups.csv with columns file, group): "
                        "each clip counts as its own person, so the evaluation is optimistic if people repeat")
    return DataCheck(stats, warnings, groups_given)


@dataclass
class GroupEvaluation:
    """Cross-validated metrics by group against the majority-class baseline, with warnings and advice.

    Attributes
    ----------
    report, baseline
        Window-level reports of the model and of the majority-class baseline on the same test windows.
    clip_report, clip_baseline
        The same per clip (its verdict against its label), for clips with one label; None otherwise.
    folds, groups
        Folds run and groups (people or recordings) in the data.
    better
        Whether the model beats the baseline (macro-F1 by :data:`MIN_GAIN` and accuracy at all).
    warnings, advice
        What to tell the user.
    """

    report: EvaluationReport
    baseline: EvaluationReport
    clip_report: EvaluationReport | None
    clip_baseline: EvaluationReport | None
    folds: int
    groups: int
    better: bool
    warnings: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    @property
    def split(self) -> str:
        """How the folds were made, in words."""
        return f"{self.folds} folds by person/recording ({self.groups} groups; never one on both sides)"

    def lines(self) -> list[str]:
        """Readable lines (the CLI prints them)."""
        out = [f"cross-validated: {self.split}",
               f"  windows: model macro-F1 {self.report.macro_f1:.3f}, accuracy {self.report.accuracy:.3f}  |  "
               f"majority baseline macro-F1 {self.baseline.macro_f1:.3f}, accuracy {self.baseline.accuracy:.3f}"]
        if self.clip_report is not None and self.clip_baseline is not None:
            out.append(f"  clips:   model macro-F1 {self.clip_report.macro_f1:.3f}, accuracy "
                       f"{self.clip_report.accuracy:.3f}  |  majority baseline macro-F1 "
                       f"{self.clip_baseline.macro_f1:.3f}, accuracy {self.clip_baseline.accuracy:.3f}  "
                       f"({self.clip_report.n} clips)")
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"advice: {a}" for a in self.advice]
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        from dataclasses import asdict

        return {"split": self.split, "folds": self.folds, "groups": self.groups, "better": self.better,
                "model": asdict(self.report), "baseline": asdict(self.baseline),
                "clip_model": asdict(self.clip_report) if self.clip_report else None,
                "clip_baseline": asdict(self.clip_baseline) if self.clip_baseline else None,
                "warnings": self.warnings, "advice": self.advice}


def _advice(report: EvaluationReport, data: DataCheck | None) -> list[str]:
    people = {c.label: c.people for c in data.classes} if data else {}
    out = []
    confusion = np.array(report.confusion)
    for i, (label, recall, support) in enumerate(zip(report.classes, report.recall, report.support)):
        if not support or recall >= MIN_RECALL:
            continue
        row = confusion[i].copy()
        row[i] = 0
        taken = f", mostly taken for {report.classes[int(row.argmax())]!r}" if row.any() else ""
        who = f" (now {people[label]} person/recording(s))" if label in people and data.groups_given else ""
        out.append(f"{label!r} is recognised in {recall:.0%} of its windows{taken}: add clips of {label!r} "
                   f"from other people{who}, filmed from other angles")
    return out


def evaluate_by_group(make_classifier: Callable[[], Any], clips: Sequence[LabelledClip], n_splits: int = 5,
                      data: DataCheck | None = None) -> GroupEvaluation | None:
    """Cross-validate by group and compare with the majority-class baseline.

    Parameters
    ----------
    make_classifier
        Returns a fresh, unfitted :class:`~actionpose.models.classifier.ActionClassifier`.
    clips
        Labelled clips; their ``group`` makes the folds (leave-one-group-out up to ``n_splits`` groups,
        else ``n_splits`` group folds).
    data
        :func:`check_data` of the clips, for the advice (computed when None).

    Returns
    -------
    GroupEvaluation, or None when there are fewer than two groups (nothing can be held out honestly).
    """
    from actionpose.train.crossval import cross_validate

    data = data or check_data(clips)
    groups = len({c.group for c in clips})
    if groups < 2:
        return None
    cv = cross_validate(make_classifier, clips, None if groups <= n_splits else n_splits)
    classes = sorted(set(cv.y_true.tolist()) | set(cv.y_pred.tolist()))
    report = evaluate_predictions(cv.y_true, cv.y_pred, classes)
    baseline = evaluate_predictions(cv.y_true, cv.y_base, classes)
    clip_report = clip_baseline = None
    if cv.clip_true is not None and len(cv.clip_true):
        clip_classes = sorted(set(cv.clip_true.tolist()) | set(cv.clip_pred.tolist()))
        clip_report = evaluate_predictions(cv.clip_true, cv.clip_pred, clip_classes)
        clip_baseline = evaluate_predictions(cv.clip_true, cv.clip_base, clip_classes)
    better = report.macro_f1 >= baseline.macro_f1 + MIN_GAIN and report.accuracy > baseline.accuracy
    warnings = []
    if not better:
        warnings.append(f"the model is NOT better than always answering the most common class (macro-F1 "
                        f"{report.macro_f1:.3f} vs {baseline.macro_f1:.3f}, accuracy {report.accuracy:.3f} vs "
                        f"{baseline.accuracy:.3f} on people it did not train on): do not rely on it; add clips "
                        f"from more people")
    elif report.macro_f1 < 0.7:
        warnings.append(f"the model beats the baseline but is often wrong on new people (macro-F1 "
                        f"{report.macro_f1:.3f}): treat its labels as hints")
    out = GroupEvaluation(report, baseline, clip_report, clip_baseline, cv.folds, groups, better, warnings,
                          _advice(report, data))
    log.info("group cross-validation: macro-F1 %.3f vs baseline %.3f (%d folds)", report.macro_f1,
             baseline.macro_f1, cv.folds)
    return out


__all__ = ["MAX_IMBALANCE", "MIN_CLIPS", "MIN_GAIN", "MIN_GROUPS", "MIN_RECALL", "ClassStats", "DataCheck",
           "GroupEvaluation", "check_data", "evaluate_by_group"]

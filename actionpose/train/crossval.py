"""Honest evaluation: folds by group (subject, signer, recording), never one group on both sides."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from actionpose.train.data import LabelledClip
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions

log = logging.getLogger(__name__)


@dataclass
class CrossValidation:
    """Pooled predictions of every fold, their report, and per-fold accuracies.

    ``y_base`` is the majority-class baseline: each test window labelled with the most common window label
    of its fold's training data. ``clip_true`` / ``clip_pred`` are per test clip with one label: its label
    and the clip verdict (:meth:`~actionpose.models.classifier.ActionClassifier.predict_verdict`);
    ``clip_base`` the majority class of the fold's training clips.
    """

    report: EvaluationReport
    fold_accuracy: list[float]
    y_true: np.ndarray
    y_pred: np.ndarray
    y_base: np.ndarray | None = None
    clip_true: np.ndarray | None = None
    clip_pred: np.ndarray | None = None
    clip_base: np.ndarray | None = None
    folds: int = 0


def cross_validate(make_classifier: Callable[[], object], clips: Sequence[LabelledClip], n_splits: int | None = 5,
                   restrict_to_trained: bool = False) -> CrossValidation:
    """Group k-fold (``n_splits``) or leave-one-group-out (``n_splits=None``) evaluation of windows.

    Parameters
    ----------
    make_classifier
        Returns a fresh, unfitted :class:`~actionpose.models.classifier.ActionClassifier`.
    clips
        Labelled clips; their ``group`` decides the folds.
    restrict_to_trained
        Score only test windows whose label the fold's training data contains (vocabularies that
        differ between groups, e.g. signers who know different signs).
    """
    groups = np.array([c.group for c in clips])
    splitter = LeaveOneGroupOut() if n_splits is None else GroupKFold(n_splits=min(n_splits, len(set(groups))))
    truth, pred, base, folds = [], [], [], []
    clip_true, clip_pred, clip_base = [], [], []
    for train, test in splitter.split(np.zeros(len(clips)), groups=groups):
        clf = make_classifier().fit([clips[i] for i in train])
        train_windows = clf.windows([clips[i] for i in train])
        labels, counts = np.unique(train_windows.y, return_counts=True)
        majority = labels[counts.argmax()]
        clip_labels = [clips[i].label for i in train if clips[i].label is not None]
        clip_majority = max(sorted(set(clip_labels)), key=clip_labels.count) if clip_labels else majority
        for i in test:
            if clips[i].label is not None and (not restrict_to_trained or clips[i].label in clf.classes_):
                clip_true.append(clips[i].label)
                clip_pred.append(clf.predict_verdict(clips[i].seq).label)
                clip_base.append(clip_majority)
        windows = clf.windows([clips[i] for i in test])
        keep = np.isin(windows.y, clf.classes_) if restrict_to_trained else np.ones(len(windows), bool)
        if not keep.any():
            continue
        y_true, y_pred = windows.y[keep], clf.predict(windows.subset(keep))
        truth.append(y_true)
        pred.append(y_pred)
        base.append(np.full(len(y_true), majority))
        folds.append(float((y_true == y_pred).mean()))
        log.info("fold %d: %d test windows, accuracy %.3f", len(folds), keep.sum(), folds[-1])
    if not truth:
        raise ValueError("no fold had test windows")
    y_true, y_pred = np.concatenate(truth), np.concatenate(pred)
    return CrossValidation(evaluate_predictions(y_true, y_pred), folds, y_true, y_pred, np.concatenate(base),
                           np.array(clip_true, dtype=object).astype(str), np.array(clip_pred, dtype=object).astype(str),
                           np.array(clip_base, dtype=object).astype(str), len(folds))

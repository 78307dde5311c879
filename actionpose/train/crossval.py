"""Honest evaluation: folds by group (subject, signer, recording), never one group on both sides."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from actionpose.train.data import LabelledClip
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions

log = logging.getLogger(__name__)


@dataclass
class CrossValidation:
    """Pooled predictions of every fold, their report, and per-fold accuracies."""

    report: EvaluationReport
    fold_accuracy: list[float]
    y_true: np.ndarray
    y_pred: np.ndarray


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
    truth, pred, folds = [], [], []
    for train, test in splitter.split(np.zeros(len(clips)), groups=groups):
        clf = make_classifier().fit([clips[i] for i in train])
        windows = clf.windows([clips[i] for i in test])
        keep = np.isin(windows.y, clf.classes_) if restrict_to_trained else np.ones(len(windows), bool)
        if not keep.any():
            continue
        y_true, y_pred = windows.y[keep], clf.predict(windows.subset(keep))
        truth.append(y_true)
        pred.append(y_pred)
        folds.append(float((y_true == y_pred).mean()))
        log.info("fold %d: %d test windows, accuracy %.3f", len(folds), keep.sum(), folds[-1])
    y_true, y_pred = np.concatenate(truth), np.concatenate(pred)
    return CrossValidation(evaluate_predictions(y_true, y_pred), folds, y_true, y_pred)

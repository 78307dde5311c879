"""Normal vs impaired gait: a scikit-learn classifier over per-walk feature vectors, a second opinion next
to the rules.

:class:`GaitClassifier` wraps ActionPose's classical models (:func:`actionpose.models.sklearn.make_sklearn_model`:
``"rf"``, ``"gb"``, ``"logreg"``, ``"knn"``) and saves to the same safe model files as
:class:`~actionpose.models.classifier.ActionClassifier` (a zip with a JSON header and a skops
estimator; never pickle). Its ``feature_set`` says what it reads:

* ``"kinect_cycles"``: the 660 per-cycle Kinect joint-angle features of
  :func:`actionpose.datasets.kinect_gait.load_kinect_gait` (trained and evaluated by person in
  :func:`evaluate_by_person`). These are 3D angles from a depth camera, which a 2D video does not
  give, so such a model cannot judge a video.
* ``"pose_gait"``: :func:`report_features` of a side-view :class:`GaitReport` (knee and hip flexion
  curves of both legs at every 10 % of the cycle, cadence, stance, symmetry, ranges of motion).
  Train one on your own labelled walks; ``actionpose gait --classifier MODEL`` then adds its opinion.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from actionpose import __version__
from actionpose.errors import InputError
from actionpose.models.sklearn import SKLEARN_MODELS, make_sklearn_model
from actionpose.models.store import ModelFileError, load_estimator_file, save_model
from actionpose.tasks.gait.results import GaitReport
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions

log = logging.getLogger(__name__)

FEATURE_SETS = ("kinect_cycles", "pose_gait")
#: GaitParameters fields appended to the angle curves in :func:`report_features`
REPORT_SCALARS = ("cadence_spm", "stance_left_pct", "stance_right_pct", "double_support_pct", "step_time_si",
                  "step_length_si", "step_length", "knee_rom_left_deg", "knee_rom_right_deg", "hip_rom_left_deg",
                  "hip_rom_right_deg")


def report_features(report: GaitReport) -> np.ndarray:
    """``(F,)`` features of one walk for a ``"pose_gait"`` classifier (NaN where unmeasured).

    Knee and hip flexion mean curves of both legs at 0, 10, ..., 100 % of the cycle (44 values), then
    the :data:`REPORT_SCALARS`.
    """
    parts = []
    for joint in ("knee_flexion", "hip_flexion"):
        for foot in ("left", "right"):
            curve = report.angle(joint, foot)
            parts.append(curve.mean[::10] if curve is not None and len(curve.cycles) else np.full(11, np.nan))
    scalars = [report.parameters.get(name) for name in REPORT_SCALARS]
    parts.append(np.array([np.nan if v is None else v for v in scalars], np.float64))
    return np.concatenate(parts).astype(np.float64)


class GaitClassifier(ClassifierMixin, BaseEstimator):
    """Classify walks (or gait cycles) from feature vectors; the scikit-learn estimator API.

    Parameters
    ----------
    model
        ``"rf"``, ``"gb"``, ``"logreg"`` or ``"knn"`` (see :mod:`actionpose.models.sklearn`).
    feature_set
        What the rows of ``X`` are: ``"kinect_cycles"`` or ``"pose_gait"`` (see the module notes).
    seed
        Random state of the model.
    """

    def __init__(self, model: str = "rf", feature_set: str = "pose_gait", seed: int = 0) -> None:
        self.model = model
        self.feature_set = feature_set
        self.seed = seed

    def fit(self, X: np.ndarray, y: np.ndarray) -> GaitClassifier:
        """Learn the labels ``y`` of the rows of ``X``."""
        if self.model not in SKLEARN_MODELS:
            raise InputError(None, f"unknown model {self.model!r}; choose from {', '.join(SKLEARN_MODELS)}")
        if self.feature_set not in FEATURE_SETS:
            raise InputError(None, f"unknown feature set {self.feature_set!r}; choose from {', '.join(FEATURE_SETS)}")
        X = np.asarray(X, np.float64)
        y = np.asarray(y).astype(str)
        self.classes_ = np.array(sorted(set(y.tolist())))
        if len(self.classes_) < 2:
            raise InputError(None, f"need at least two classes, got {self.classes_.tolist()}")
        self.n_features_in_ = X.shape[1]
        self.estimator_ = make_sklearn_model(self.model, seed=self.seed).fit(X, y)
        return self

    def _check(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "estimator_"):
            raise InputError(None, "this GaitClassifier is not fitted yet: call fit() or load()")
        X = np.asarray(X, np.float64)
        if X.ndim == 1:
            X = X[None]
        if X.shape[1] != self.n_features_in_:
            raise InputError(None, f"{self.feature_set} classifier expects {self.n_features_in_} features, got "
                                   f"{X.shape[1]}")
        return X

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(N, classes)`` probabilities, columns in ``classes_`` order."""
        return self.estimator_.predict_proba(self._check(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most probable class per row."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def opinion(self, report: GaitReport) -> dict[str, Any]:
        """The label and probabilities for one walk (a ``"pose_gait"`` model), for ``GaitReport.classification``."""
        if self.feature_set != "pose_gait":
            raise InputError(None, f"a {self.feature_set!r} model reads features a 2D video does not give; "
                                   "use a 'pose_gait' model")
        proba = self.predict_proba(report_features(report))[0]
        best = int(np.argmax(proba))
        return {"label": str(self.classes_[best]), "probability": round(float(proba[best]), 4),
                "probabilities": {str(c): round(float(p), 4) for c, p in zip(self.classes_, proba)},
                "model": self.model, "feature_set": self.feature_set}

    def save(self, path: str | Path) -> Path:
        """Write a safe model file (JSON header + skops estimator)."""
        if not hasattr(self, "estimator_"):
            raise InputError(None, "nothing to save: the classifier is not fitted")
        header = {"library_version": __version__, "kind": "gait_classifier", "model": self.model,
                  "params": self.get_params(), "classes": self.classes_.tolist(), "feature_set": self.feature_set,
                  "n_features": int(self.n_features_in_)}
        return save_model(path, header, estimator=self.estimator_)

    @classmethod
    def load(cls, path: str | Path) -> GaitClassifier:
        """Read a file written by :meth:`save` (never unpickles)."""
        header, estimator = load_estimator_file(path, "gait_classifier", "gait classifier model file")
        try:
            clf = cls(**header["params"])
            clf.classes_ = np.array(header["classes"])
            clf.n_features_in_ = int(header["n_features"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(path, f"inconsistent model file ({type(exc).__name__}: {exc})") from None
        clf.estimator_ = estimator
        return clf


@dataclass
class PersonSplitResult:
    """Cross-validated scores of a split by person.

    Parameters
    ----------
    splitter
        ``"GroupKFold(k)"`` or ``"LeaveOneGroupOut"``.
    accuracy, balanced_accuracy
        On the pooled out-of-fold predictions.
    report
        Per-class metrics and confusion matrix.
    fold_accuracy
        Accuracy of each fold.
    y_true, y_pred
        The labels and the out-of-fold predictions.
    """

    splitter: str
    accuracy: float
    balanced_accuracy: float
    report: EvaluationReport
    fold_accuracy: list[float] = field(default_factory=list)
    y_true: np.ndarray | None = None
    y_pred: np.ndarray | None = None


def evaluate_by_person(X: np.ndarray, y: np.ndarray, groups: np.ndarray, model: str = "rf", n_splits: int | None = 5,
                       feature_set: str = "kinect_cycles", seed: int = 0) -> PersonSplitResult:
    """Cross-validate a :class:`GaitClassifier` with no person on both sides of any fold.

    Parameters
    ----------
    X, y, groups
        Features, labels and the person of each row.
    n_splits
        Folds of :class:`~sklearn.model_selection.GroupKFold`; None for leave-one-person-out.
    """
    X, y, groups = np.asarray(X, np.float64), np.asarray(y).astype(str), np.asarray(groups)
    splitter = LeaveOneGroupOut() if n_splits is None else GroupKFold(n_splits=min(n_splits, len(set(groups))))
    pred = np.empty(len(y), dtype=object)
    folds = []
    for train, test in splitter.split(X, y, groups):
        clf = GaitClassifier(model=model, feature_set=feature_set, seed=seed).fit(X[train], y[train])
        pred[test] = clf.predict(X[test])
        folds.append(float((pred[test] == y[test]).mean()))
    pred = pred.astype(str)
    name = "LeaveOneGroupOut" if n_splits is None else f"GroupKFold({splitter.n_splits})"
    log.info("%s: accuracy %.3f over %d folds", name, float((pred == y).mean()), len(folds))
    return PersonSplitResult(splitter=name, accuracy=float((pred == y).mean()),
                             balanced_accuracy=float(balanced_accuracy_score(y, pred)),
                             report=evaluate_predictions(y, pred), fold_accuracy=folds, y_true=y, y_pred=pred)


__all__ = ["FEATURE_SETS", "REPORT_SCALARS", "GaitClassifier", "PersonSplitResult", "evaluate_by_person",
           "report_features"]

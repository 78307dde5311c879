"""What the static and dynamic sign classifiers share: their common parameters, open-set verdicts and file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from actionpose import __version__
from actionpose.models.store import save_model
from actionpose.tasks.signs.openset import Verdict, decide, load_gated


class GatedSignClassifier(ClassifierMixin, BaseEstimator):
    """Base of a sign classifier with an :class:`~.openset.OpenSetGate` fitted beside its estimator.

    A subclass sets ``KIND`` and ``WHAT`` (its model-file kind and its name in errors), keeps the
    parameters below in its own ``__init__`` signature (scikit-learn reads them from there), and
    implements ``_proba_and_distance``.

    Parameters
    ----------
    model
        One of :data:`actionpose.models.sklearn.SKLEARN_MODELS`.
    seed
        Random state of the model and of the augmentation.
    augment
        Augmented copies of every training example.
    quantile
        Share of held-out training examples the distance test must accept.
    tolerance
        Factor on the calibrated distance threshold when judging (1: as calibrated; 1.25 accepts
        more of a new signer's real signs and more non-signs too). Can be changed after loading
        (``set_params(tolerance=...)``); training does not depend on it.
    """

    KIND = ""
    WHAT = ""

    def __init__(self, model: str = "logreg", seed: int = 0, augment: int = 1, quantile: float = 0.99,
                 tolerance: float = 1.0) -> None:
        self.model = model
        self.seed = seed
        self.augment = augment
        self.quantile = quantile
        self.tolerance = tolerance

    def _decide(self, proba: np.ndarray, dist: np.ndarray, threshold: float) -> list[Verdict]:
        gate = getattr(self, "gate_", None)
        if not self.tolerance > 0:
            raise ValueError(f"tolerance must be positive, got {self.tolerance}")
        return decide(proba, self.classes_, threshold, dist,
                      gate.distance_threshold * self.tolerance if gate else float("inf"))

    def _save(self, path: str | Path, header: dict[str, Any], meta: dict[str, Any] | None) -> Path:
        """Write a safe model file: JSON header (``header`` plus what every sign model has), skops estimator,
        open-set arrays."""
        check_is_fitted(self)
        header = {"kind": self.KIND, "classes": [str(c) for c in self.classes_], **header,
                  "openset": self.gate_.to_header(), "params": self.get_params(), "library_version": __version__,
                  "meta": meta or {}}
        return save_model(path, header, tensors=self.gate_.to_tensors(), estimator=self.estimator_)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a file written by ``save``.

        Raises
        ------
        ModelFileError
            If the file is unreadable or another kind of model.
        """
        header, estimator, gate = load_gated(path, cls.KIND, cls.WHAT)
        clf = cls(**{k: v for k, v in header.get("params", {}).items() if k in cls().get_params()})
        clf.estimator_ = estimator
        clf.classes_ = estimator.classes_
        if gate is not None:
            clf.gate_ = gate
        clf.meta_ = header.get("meta", {})
        return clf

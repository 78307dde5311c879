"""Classical classifiers on window feature vectors (:func:`actionpose.features.window_features`).

Each model is a scikit-learn :class:`~sklearn.pipeline.Pipeline` whose last step is named ``"model"``:
missing features (NaN) are imputed with the training median (a column that is empty in training
stays, as 0, so columns keep matching :func:`actionpose.features.feature_names`), scaled where the
model is sensitive to scale, and classes are weighted inversely to their frequency where the
model supports it, so that a rare action is not drowned by the background class.

=========  ====================================================================================
name       model
=========  ====================================================================================
``rf``     random forest, 300 trees (robust default for a handful of clips)
``gb``     histogram gradient boosting, leaves of >= 5 windows (few clips); handles NaN itself
``logreg`` logistic regression on standardised features
``knn``    5 nearest neighbours (distance-weighted) on standardised features; needs >= 5 windows
=========  ====================================================================================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

#: names accepted by :func:`make_sklearn_model`
SKLEARN_MODELS = ("rf", "gb", "logreg", "knn")


class FillEmptyColumns(TransformerMixin, BaseEstimator):
    """Set the columns that had no value in training to 0 and leave every other NaN alone.

    For models that handle NaN themselves but fail on a column without any value
    (:class:`~sklearn.ensemble.HistGradientBoostingClassifier` in scikit-learn 1.9).
    """

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> FillEmptyColumns:
        """Remember which columns are all NaN."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        self.empty_ = np.isnan(X).all(axis=0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``X`` with the remembered columns set to 0."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64, copy=True)
        X[:, self.empty_] = 0.0
        return X

    def __sklearn_tags__(self) -> Tags:
        """Declare that NaN input is accepted."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _imputer() -> SimpleImputer:
    return SimpleImputer(strategy="median", keep_empty_features=True)


_BUILDERS: dict[str, Callable[[int], list]] = {
    "rf": lambda seed: [("impute", _imputer()), ("model", RandomForestClassifier(
        n_estimators=300, min_samples_leaf=1, class_weight="balanced", n_jobs=-1, random_state=seed))],
    "gb": lambda seed: [("impute", FillEmptyColumns()), ("model", HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, min_samples_leaf=5, class_weight="balanced", random_state=seed))],
    "logreg": lambda seed: [("impute", _imputer()), ("scale", StandardScaler()), ("model", LogisticRegression(
        C=1.0, max_iter=2000, class_weight="balanced", random_state=seed))],
    "knn": lambda seed: [("impute", _imputer()), ("scale", StandardScaler()), ("model", KNeighborsClassifier(
        n_neighbors=5, weights="distance"))],
}


def make_sklearn_model(name: str, seed: int = 0) -> Pipeline:
    """An unfitted pipeline for one of :data:`SKLEARN_MODELS`.

    Parameters
    ----------
    name
        ``"rf"``, ``"gb"``, ``"logreg"`` or ``"knn"``.
    seed
        Random state of the model (where it has one).
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(SKLEARN_MODELS)}")
    return Pipeline(_BUILDERS[name](int(seed)))


__all__ = ["SKLEARN_MODELS", "FillEmptyColumns", "make_sklearn_model"]

"""Static signs: a hand-shape classifier on normalised 21-point hands, and per-frame transcripts.

>>> clf = StaticSignClassifier().fit(hands, letters)           # doctest: +SKIP
>>> clf.predict(hands); clf.save("mine.apm"); StaticSignClassifier.load("mine.apm")  # doctest: +SKIP
>>> transcribe(load_builtin(), seq)                             # doctest: +SKIP

Features come from the 21 landmarks after :func:`~actionpose.tasks.signs.normalize.normalize_hand`
(wrist at the origin, divided by the palm, left hands mirrored): their x, y and (by default) the
210 distances between every two landmarks, which do not change when the hand turns in the image
plane or is seen mirrored. Only x, y are used, so 2-D sources (the Kazuhito00 key points) and 3-D
ones train the same model. The estimator is a scikit-learn pipeline from
:func:`actionpose.models.sklearn.make_sklearn_model` and is stored in the project's safe model file
(:mod:`actionpose.models.store`: zip of a JSON header and a skops estimator; never pickle).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from actionpose import __version__
from actionpose.models.sklearn import make_sklearn_model
from actionpose.models.store import load_estimator_file, save_model
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs.normalize import SIDES, hands_of, normalize_hand

log = logging.getLogger(__name__)

KIND = "static-signs"
#: built-in models shipped under ``actionpose/tasks/signs/models``
BUILTIN_MODELS = {"asl_alphabet": "asl_alphabet.apm"}
UNKNOWN = "unknown"


def builtin_model_path(name: str = "asl_alphabet") -> Path:
    """Path of a shipped model (``"asl_alphabet"``: ASL letters A-Z, see ``models/MODEL_CARD.md``)."""
    if name not in BUILTIN_MODELS:
        raise ValueError(f"unknown built-in sign model {name!r}; choose one of {', '.join(BUILTIN_MODELS)}")
    return Path(str(resources.files("actionpose.tasks.signs") / "models" / BUILTIN_MODELS[name]))


#: feature sets of :func:`hand_features`
FEATURE_SETS = ("xy", "xy+dist", "dist")
_PAIRS = np.triu_indices(21, 1)


def hand_features(hands: np.ndarray, left: bool | np.ndarray = False, features: str = "xy+dist") -> np.ndarray:
    """Feature rows of ``(N, 21, C)`` raw hands (NaN rows where a hand is missing).

    ``"xy"``: the 42 normalised coordinates; ``"dist"``: the 210 distances between landmark pairs
    (in palm units); ``"xy+dist"``: both (252 columns).
    """
    if features not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r}; choose one of {', '.join(FEATURE_SETS)}")
    norm = normalize_hand(hands, left=left, dims=2)
    parts = []
    if features != "dist":
        parts.append(norm.reshape(len(norm), -1))
    if features != "xy":
        parts.append(np.linalg.norm(norm[:, :, None] - norm[:, None], axis=-1)[:, _PAIRS[0], _PAIRS[1]])
    return np.concatenate(parts, axis=1)


class StaticSignClassifier(ClassifierMixin, BaseEstimator):
    """Classify single hand shapes (fingerspelled letters, static gestures).

    Parameters
    ----------
    model
        One of :data:`actionpose.models.sklearn.SKLEARN_MODELS`; ``"logreg"`` (default) is small
        and gives calibrated-looking probabilities for the unknown threshold.
    features
        One of :data:`FEATURE_SETS` (see :func:`hand_features`).
    seed
        Random state of the model.
    """

    def __init__(self, model: str = "logreg", features: str = "xy+dist", seed: int = 0) -> None:
        self.model = model
        self.features = features
        self.seed = seed

    def fit(self, X: np.ndarray, y: Sequence[str], left: bool | np.ndarray = False) -> "StaticSignClassifier":
        """Learn from ``(N, 21, C)`` raw hands ``X`` with labels ``y``; ``left`` marks left hands."""
        feats = hand_features(X, left, self.features)
        y = np.asarray(y).astype(str)
        keep = np.isfinite(feats).all(axis=1)
        if keep.sum() < 2 or len(set(y[keep])) < 2:
            raise ValueError("need at least two present hands of two classes to train")
        if not keep.all():
            log.info("training without %d missing or degenerate hands", int((~keep).sum()))
        self.estimator_ = make_sklearn_model(self.model, seed=self.seed).fit(feats[keep], y[keep])
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: np.ndarray, left: bool | np.ndarray = False) -> np.ndarray:
        """``(N, classes)``; rows of missing hands are NaN."""
        check_is_fitted(self)
        feats = hand_features(X, left, self.features)
        out = np.full((len(feats), len(self.classes_)), np.nan)
        ok = np.isfinite(feats).all(axis=1)
        if ok.any():
            out[ok] = self.estimator_.predict_proba(feats[ok])
        return out

    def predict(self, X: np.ndarray, left: bool | np.ndarray = False) -> np.ndarray:
        """The most probable class per hand (:data:`UNKNOWN` for a missing hand)."""
        proba = self.predict_proba(X, left)
        ok = np.isfinite(proba).all(axis=1)
        labels = np.full(len(proba), UNKNOWN, dtype=object)
        labels[ok] = self.classes_[proba[ok].argmax(axis=1)]
        return labels.astype(str)

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write a safe model file (JSON header + skops estimator)."""
        check_is_fitted(self)
        header = {"kind": KIND, "classes": [str(c) for c in self.classes_], "layout": "hand21",
                  "normalisation": "wrist-centred, / wrist-middle_mcp (x, y), left hands mirrored",
                  "features": self.features,
                  "params": self.get_params(), "library_version": __version__, "meta": meta or {}}
        return save_model(path, header, estimator=self.estimator_)

    @classmethod
    def load(cls, path: str | Path) -> "StaticSignClassifier":
        """Read a file written by :meth:`save`.

        Raises
        ------
        ModelFileError
            If the file is not a static-sign model.
        """
        header, estimator = load_estimator_file(path, KIND, "static sign model")
        clf = cls(**header.get("params", {}))
        clf.estimator_ = estimator
        clf.classes_ = estimator.classes_
        clf.meta_ = header.get("meta", {})
        return clf


def load_builtin(name: str = "asl_alphabet") -> StaticSignClassifier:
    """The shipped model ``name`` (see :data:`BUILTIN_MODELS`)."""
    return StaticSignClassifier.load(builtin_model_path(name))


@dataclass
class FrameSigns:
    """Per-frame hand-shape predictions of one person: the more confident of the two hands."""

    times: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    side: np.ndarray


@dataclass
class SignEvent:
    """One sign of a transcript: times in seconds from the start of the clip."""

    start_s: float
    end_s: float
    label: str
    confidence: float
    hand: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "label": self.label,
                "confidence": round(float(self.confidence), 4), "hand": self.hand}


def frame_signs(clf: StaticSignClassifier, seq: PoseSequence, person: int = 0) -> FrameSigns:
    """Classify both hands of ``person`` (slot index) in every frame and keep the more confident one."""
    hands = hands_of(seq)
    pts = hands.points[:, person]  # (T, 2, 21, C)
    T = len(pts)
    proba = clf.predict_proba(pts.reshape(T * 2, 21, pts.shape[-1]), left=np.tile([True, False], T))
    proba = proba.reshape(T, 2, -1)
    proba[~hands.present[:, person]] = np.nan
    best = np.where(np.isnan(proba).all(axis=-1), -1.0, np.nan_to_num(proba, nan=-1.0).max(axis=-1))  # (T, 2)
    side = best.argmax(axis=1)
    conf = best[np.arange(T), side]
    labels = np.full(T, UNKNOWN, dtype=object)
    found = conf >= 0
    labels[found] = clf.classes_[np.nan_to_num(proba[np.arange(T), side], nan=-1.0).argmax(axis=-1)[found]]
    times = seq.timestamps if seq.timestamps is not None else np.arange(T) / seq.fps
    return FrameSigns(times=np.asarray(times, float), labels=labels.astype(str),
                      confidence=np.where(found, conf, 0.0), side=np.where(found, np.asarray(SIDES)[side], ""))


def transcribe(clf: StaticSignClassifier, seq: PoseSequence, person: int = 0, threshold: float = 0.5,
               min_duration_s: float = 0.2) -> list[SignEvent]:
    """A transcript of held hand shapes: runs of one confident label lasting at least ``min_duration_s``.

    Frames below ``threshold`` count as :data:`UNKNOWN`; an unknown run is reported (as
    ``"unknown"``) only when a hand is visible throughout it. A single image gives one event.
    """
    fs = frame_signs(clf, seq, person)
    labels = np.where(fs.confidence >= threshold, fs.labels, UNKNOWN)
    visible = fs.confidence > 0
    events: list[SignEvent] = []
    dt = 1.0 / seq.fps if seq.fps else 0.0
    start = 0
    for i in range(1, len(labels) + 1):
        if i < len(labels) and labels[i] == labels[start] and visible[i] == visible[start]:
            continue
        run = slice(start, i)
        duration = fs.times[i - 1] - fs.times[start] + dt
        if visible[start] and (duration >= min_duration_s or len(labels) == 1):
            sides = fs.side[run]
            events.append(SignEvent(float(fs.times[start]), float(fs.times[i - 1] + dt), str(labels[start]),
                                    float(fs.confidence[run].mean()), hand=max(set(sides), key=list(sides).count)))
        start = i
    return events


__all__ = ["BUILTIN_MODELS", "FEATURE_SETS", "UNKNOWN", "FrameSigns", "SignEvent", "StaticSignClassifier",
           "builtin_model_path", "frame_signs", "hand_features", "load_builtin", "transcribe"]

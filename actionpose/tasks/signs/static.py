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
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs.gated import GatedSignClassifier
from actionpose.tasks.signs.normalize import SIDES, WRIST, hands_of, normalize_hand
from actionpose.tasks.signs.openset import UNKNOWN, Verdict, calibration_folds, fit_open_set, signer_folds, temper

log = logging.getLogger(__name__)

KIND = "static-signs"
#: built-in models shipped under ``actionpose/tasks/signs/models``
BUILTIN_MODELS = {"asl_alphabet": "asl_alphabet.apm"}


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


def augment_hands(hands: np.ndarray, copies: int = 1, max_degrees: float = 15.0, aspect: float = 0.1,
                  seed: int = 0) -> np.ndarray:
    """``(N * copies, 21, C)`` copies of raw hands turned in the image plane (up to ``max_degrees``) and
    stretched in x against y (up to ``aspect``: another camera's pixel shape or a tilted palm)."""
    rng = np.random.default_rng(seed)
    hands = np.asarray(hands, dtype=np.float64)
    out = []
    for _ in range(copies):
        angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees, len(hands)))
        stretch = np.exp(rng.uniform(-aspect, aspect, len(hands)))
        xy = hands[..., :2] - hands[:, WRIST:WRIST + 1, :2]
        c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
        x, y = xy[..., 0] * stretch[:, None], xy[..., 1]
        moved = hands.copy()
        moved[..., 0] = c * x - s * y + hands[:, WRIST:WRIST + 1, 0]
        moved[..., 1] = s * x + c * y + hands[:, WRIST:WRIST + 1, 1]
        out.append(moved)
    return np.concatenate(out).astype(np.float32) if out else hands[:0].astype(np.float32)


class StaticSignClassifier(GatedSignClassifier):
    """Classify single hand shapes (fingerspelled letters, static gestures), open-set.

    :meth:`predict` and :meth:`predict_proba` are closed-set (the best of the trained classes, with
    calibrated probabilities); :meth:`verdicts` and :func:`transcribe` say :data:`UNKNOWN` for
    hands unlike the training data, the ``none`` class, or low confidence (see
    :mod:`~actionpose.tasks.signs.openset`).

    Parameters
    ----------
    model
        One of :data:`actionpose.models.sklearn.SKLEARN_MODELS`; ``"logreg"`` (default) is small.
    features
        One of :data:`FEATURE_SETS` (see :func:`hand_features`).
    seed
        Random state of the model.
    augment
        Extra turned and stretched copies of every training hand (:func:`augment_hands`).
    quantile
        Share of held-out training hands the distance test must accept.
    """

    KIND, WHAT = KIND, "static sign model"

    def __init__(self, model: str = "logreg", features: str = "xy+dist", seed: int = 0, augment: int = 1,
                 quantile: float = 0.99, tolerance: float = 1.0) -> None:
        super().__init__(model, seed, augment, quantile, tolerance)
        self.features = features

    def fit(self, X: np.ndarray, y: Sequence[str], left: bool | np.ndarray = False,
            groups: Sequence[str] | None = None) -> StaticSignClassifier:
        """Learn from ``(N, 21, C)`` raw hands ``X`` with labels ``y``; ``left`` marks left hands.

        The open-set gate is calibrated on held-out hands: each of the ``groups`` (signers,
        recordings) in turn when two or more are given, else the last quarter of each class (rows
        are taken to be in recording order); see :func:`~.openset.calibration_folds`. A class
        named ``none`` is learned as "a hand, not a sign".
        """
        X = np.asarray(X)
        y = np.asarray(y).astype(str)
        left = np.broadcast_to(np.asarray(left, dtype=bool), (len(X),))
        groups_arr = None if groups is None else np.asarray(groups).astype(str)
        folds = signer_folds(y, groups_arr)
        by_signer = bool(folds)
        folds = folds or calibration_folds(y, groups_arr, in_order=True, seed=self.seed)
        original = np.ones(len(X), dtype=bool)  # the measured rows of the calibration: not the copies
        if self.augment:
            reps = self.augment + 1
            X = np.concatenate([X, augment_hands(X, self.augment, seed=self.seed)])
            y, left, folds = np.tile(y, reps), np.tile(left, reps), [np.tile(f, reps) for f in folds]
            original = np.concatenate([original, np.zeros(len(X) - len(original), dtype=bool)])
        feats = hand_features(X, left, self.features)
        keep = np.isfinite(feats).all(axis=1)
        if keep.sum() < 2 or len(set(y[keep])) < 2:
            raise ValueError("need at least two present hands of two classes to train")
        if not keep.all():
            log.info("training without %d missing or degenerate hands", int((~keep).sum()))
        self.estimator_, self.gate_ = fit_open_set(self.model, self.seed, feats[keep], y[keep],
                                                   [f[keep] for f in folds], quantile=self.quantile,
                                                   judged=original[keep], by_signer=by_signer)
        self.classes_ = self.estimator_.classes_
        return self

    def _proba_and_distance(self, X: np.ndarray, left: bool | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        feats = hand_features(X, left, self.features)
        out = np.full((len(feats), len(self.classes_)), np.nan)
        dist = np.full(len(feats), np.nan)
        ok = np.isfinite(feats).all(axis=1)
        if ok.any():
            gate = getattr(self, "gate_", None)
            out[ok] = temper(self.estimator_.predict_proba(feats[ok]), gate.temperature if gate else 1.0)
            if gate is not None:
                dist[ok] = gate.sign_distance(feats[ok], out[ok], self.classes_)
        return out, dist

    def predict_proba(self, X: np.ndarray, left: bool | np.ndarray = False) -> np.ndarray:
        """``(N, classes)`` calibrated probabilities; rows of missing hands are NaN."""
        return self._proba_and_distance(X, left)[0]

    def predict(self, X: np.ndarray, left: bool | np.ndarray = False) -> np.ndarray:
        """The most probable class per hand, closed-set (:data:`UNKNOWN` only for a missing hand)."""
        proba = self.predict_proba(X, left)
        ok = np.isfinite(proba).all(axis=1)
        labels = np.full(len(proba), UNKNOWN, dtype=object)
        labels[ok] = self.classes_[proba[ok].argmax(axis=1)]
        return labels.astype(str)

    def verdicts(self, X: np.ndarray, left: bool | np.ndarray = False, threshold: float = 0.5) -> list[Verdict]:
        """Open-set decisions per hand: the sign or :data:`UNKNOWN`, the nearest sign and why."""
        return self._decide(*self._proba_and_distance(X, left), threshold)

    def predict_open(self, X: np.ndarray, left: bool | np.ndarray = False, threshold: float = 0.5) -> np.ndarray:
        """Labels of :meth:`verdicts` (:data:`UNKNOWN` where rejected)."""
        return np.array([v.label for v in self.verdicts(X, left, threshold)], dtype=str)

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write a safe model file (JSON header + skops estimator + open-set arrays)."""
        header = {"layout": "hand21", "features": self.features,
                  "normalisation": "wrist-centred, / wrist-middle_mcp (x, y), left hands mirrored"}
        return self._save(path, header, meta)


def load_builtin(name: str = "asl_alphabet") -> StaticSignClassifier:
    """The shipped model ``name`` (see :data:`BUILTIN_MODELS`)."""
    return StaticSignClassifier.load(builtin_model_path(name))


@dataclass
class FrameSigns:
    """Per-frame open-set hand-shape decisions of one person: the better of the two hands.

    ``labels`` are signs or :data:`UNKNOWN` (also where no hand is seen: ``confidence`` 0 there);
    ``nearest`` the most probable sign and ``reasons`` why a frame is unknown.
    """

    times: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    side: np.ndarray
    nearest: np.ndarray | None = None
    reasons: np.ndarray | None = None


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
        """JSON-ready form (``nearest``: the most probable sign; ``reason``: why it is unknown, else empty)."""
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3), "label": self.label,
                "confidence": round(float(self.confidence), 4), "hand": self.hand,
                "nearest": str(self.meta.get("nearest", self.label)), "reason": str(self.meta.get("reason", ""))}


def frame_signs(clf: StaticSignClassifier, seq: PoseSequence, person: int = 0, threshold: float = 0.5) -> FrameSigns:
    """Judge both hands of ``person`` (slot index) in every frame; keep an accepted hand over a rejected
    one, then the more confident."""
    hands = hands_of(seq)
    pts = hands.points[:, person]  # (T, 2, 21, C)
    T = len(pts)
    verdicts = clf.verdicts(pts.reshape(T * 2, 21, pts.shape[-1]), left=np.tile([True, False], T),
                            threshold=threshold)
    labels = np.full(T, UNKNOWN, dtype=object)
    nearest = np.full(T, "", dtype=object)
    reasons = np.full(T, "no hand", dtype=object)
    conf, side = np.zeros(T), np.full(T, "", dtype=object)
    for t in range(T):
        seen = [(v, s) for s, v in enumerate(verdicts[2 * t:2 * t + 2]) if hands.present[t, person, s]]
        if not seen:
            continue
        v, s = max(seen, key=lambda vs: (vs[0].label != UNKNOWN, vs[0].confidence))
        labels[t], nearest[t], reasons[t], conf[t], side[t] = v.label, v.nearest, v.reason, v.confidence, SIDES[s]
    times = seq.timestamps if seq.timestamps is not None else np.arange(T) / seq.fps
    return FrameSigns(times=np.asarray(times, float), labels=labels.astype(str), confidence=conf,
                      side=side.astype(str), nearest=nearest.astype(str), reasons=reasons.astype(str))


def _most_common(values: np.ndarray) -> str:
    values = [str(v) for v in values if str(v)]
    return max(set(values), key=values.count) if values else ""


def transcribe(clf: StaticSignClassifier, seq: PoseSequence, person: int = 0, threshold: float = 0.5,
               min_duration_s: float = 0.2) -> list[SignEvent]:
    """A transcript of held hand shapes: runs of one label lasting at least ``min_duration_s``.

    Frames the open-set test rejects (or below ``threshold``) count as :data:`UNKNOWN`; an unknown
    run is reported (as ``"unknown"``, with its nearest sign and the reason) only when a hand is
    visible throughout it. A single image gives one event.
    """
    fs = frame_signs(clf, seq, person, threshold)
    labels = fs.labels
    visible = fs.reasons != "no hand"
    events: list[SignEvent] = []
    dt = 1.0 / seq.fps if seq.fps else 0.0
    start = 0
    for i in range(1, len(labels) + 1):
        if i < len(labels) and labels[i] == labels[start] and visible[i] == visible[start]:
            continue
        run = slice(start, i)
        duration = fs.times[i - 1] - fs.times[start] + dt
        if visible[start] and (duration >= min_duration_s or len(labels) == 1):
            events.append(SignEvent(float(fs.times[start]), float(fs.times[i - 1] + dt), str(labels[start]),
                                    float(fs.confidence[run].mean()), hand=_most_common(fs.side[run]),
                                    meta={"nearest": _most_common(fs.nearest[run]),
                                          "reason": _most_common(fs.reasons[run])}))
        start = i
    return events


__all__ = ["BUILTIN_MODELS", "FEATURE_SETS", "UNKNOWN", "FrameSigns", "SignEvent", "StaticSignClassifier",
           "augment_hands", "builtin_model_path", "frame_signs", "hand_features", "load_builtin", "transcribe"]

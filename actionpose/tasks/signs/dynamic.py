"""Dynamic signs: a clip classifier on holistic landmarks, stream segmentation and transcripts.

A sign clip becomes one feature row, invariant to the signer's distance and handedness:

* positions are relative to the shoulders' midpoint and divided by the shoulder width (a clip
  without a body falls back to the wrist and the hand size);
* the dominant hand is the one that moves more (present frames x wrist path); when it is the left
  one, the clip is mirrored (sides swapped, x negated), so every signer looks right-handed;
* per hand and time chunk (:attr:`DynamicSignClassifier.chunks` equal parts of the clip): the mean
  wrist position, the mean normalised hand shape (see :func:`~.normalize.normalize_hand`) and the
  share of frames the hand is seen; plus the wrists' spread over the clip.

A continuous stream is cut into candidate signs where hands are in view and moving
(:func:`segment_stream`); each segment is classified and labelled :data:`~.static.UNKNOWN` below
the confidence threshold (:func:`transcribe_stream`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from scipy.ndimage import binary_closing, uniform_filter1d
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from actionpose import __version__
from actionpose.models.sklearn import make_sklearn_model
from actionpose.models.store import load_estimator_file, save_model
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs.normalize import WRIST, hand_size, hands_of, normalize_hand
from actionpose.tasks.signs.static import UNKNOWN, SignEvent

log = logging.getLogger(__name__)

KIND = "dynamic-signs"


def _shoulders(seq: PoseSequence, person: int) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 2)`` shoulder midpoints and ``(T,)`` widths (NaN where the body is missing)."""
    if seq.layout.name == "holistic" or "left_shoulder" in seq.layout.joints:
        left = seq.data[:, person, seq.layout.index("left_shoulder"), :2].astype(np.float64)
        right = seq.data[:, person, seq.layout.index("right_shoulder"), :2].astype(np.float64)
        return (left + right) / 2, np.linalg.norm(left - right, axis=-1)
    nan = np.full(seq.num_frames, np.nan)
    return np.stack([nan, nan], axis=1), nan


def clip_features(seq: PoseSequence, person: int = 0, chunks: int = 4) -> np.ndarray:
    """One feature row (see the module notes) of a holistic or hands clip; NaN where nothing was seen."""
    hands = hands_of(seq)
    pts = hands.points[:, person].astype(np.float64)  # (T, 2, 21, C)
    present = hands.present[:, person]  # (T, 2)
    wrists = pts[:, :, WRIST, :2]
    centre, width = _shoulders(seq, person)
    scale = np.nanmedian(width) if np.isfinite(width).any() else np.nan
    if not np.isfinite(scale) or scale <= 0:
        sizes = hand_size(pts)[present]
        scale = 3.0 * np.median(sizes) if len(sizes) else 1.0
        centre = np.broadcast_to(np.nanmedian(wrists.reshape(-1, 2), axis=0) if present.any() else np.zeros(2),
                                 centre.shape)
    centre = np.where(np.isfinite(centre), centre, np.nanmedian(centre, axis=0) if np.isfinite(centre).any() else 0)
    rel = (wrists - centre[:, None]) / scale  # (T, 2, 2)
    rel[~present] = np.nan
    path = np.nansum(np.linalg.norm(np.diff(rel, axis=0), axis=-1), axis=0) + present.mean(axis=0)
    mirror = path[0] > path[1]
    shape = normalize_hand(pts, left=np.broadcast_to([True, False], present.shape))  # (T, 2, 21, 2)
    shape[~present] = np.nan
    if mirror:  # the left hand leads: swap sides and mirror positions; shapes are already canonical
        rel, shape, present = rel[:, ::-1].copy(), shape[:, ::-1].copy(), present[:, ::-1]
        rel[..., 0] *= -1
    per_frame = np.concatenate([rel.reshape(len(rel), -1), shape.reshape(len(shape), -1),
                                present.astype(np.float64)], axis=1)  # (T, 4 + 84 + 2)
    parts = []
    for chunk in np.array_split(np.arange(len(per_frame)), chunks):
        block = per_frame[chunk] if len(chunk) else np.full((1, per_frame.shape[1]), np.nan)
        with np.errstate(all="ignore"), _quiet():
            parts.append(np.nanmean(block, axis=0))
    with _quiet():
        parts.append(np.nanstd(rel.reshape(len(rel), -1), axis=0))
    return np.concatenate(parts).astype(np.float32)


class _quiet:
    """Silence NumPy's 'mean of empty slice' warnings (an absent hand is expected)."""

    def __enter__(self) -> None:
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


class DynamicSignClassifier(ClassifierMixin, BaseEstimator):
    """Classify whole sign clips (holistic or two-hand pose sequences).

    Parameters
    ----------
    model
        One of :data:`actionpose.models.sklearn.SKLEARN_MODELS` (missing values are imputed).
    chunks
        Equal time parts a clip is summarised in.
    seed
        Random state of the model.
    """

    def __init__(self, model: str = "logreg", chunks: int = 4, seed: int = 0) -> None:
        self.model = model
        self.chunks = chunks
        self.seed = seed

    def features(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """``(N, F)`` rows of :func:`clip_features`."""
        return np.stack([clip_features(seq, chunks=self.chunks) for seq in X])

    def fit(self, X: Sequence[PoseSequence], y: Sequence[str]) -> "DynamicSignClassifier":
        """Learn from clips ``X`` (one sign each) and their labels."""
        y = np.asarray(y).astype(str)
        if len(set(y)) < 2:
            raise ValueError("need clips of at least two signs to train")
        self.estimator_ = make_sklearn_model(self.model, seed=self.seed).fit(self.features(X), y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """``(N, classes)`` probabilities per clip."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(self.features(X))

    def predict(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """The most probable sign per clip."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write a safe model file (JSON header + skops estimator)."""
        check_is_fitted(self)
        header = {"kind": KIND, "classes": [str(c) for c in self.classes_], "layout": "holistic",
                  "normalisation": "shoulder-centred, / shoulder width, dominant hand to the right",
                  "params": self.get_params(), "library_version": __version__, "meta": meta or {}}
        return save_model(path, header, estimator=self.estimator_)

    @classmethod
    def load(cls, path: str | Path) -> "DynamicSignClassifier":
        """Read a file written by :meth:`save` (:class:`ModelFileError` if it is another kind)."""
        header, estimator = load_estimator_file(path, KIND, "dynamic sign model")
        clf = cls(**header.get("params", {}))
        clf.estimator_ = estimator
        clf.classes_ = estimator.classes_
        clf.meta_ = header.get("meta", {})
        return clf


@dataclass
class Segment:
    """A candidate sign in a stream: frames ``start`` to ``stop`` (exclusive)."""

    start: int
    stop: int


def segment_stream(seq: PoseSequence, person: int = 0, energy_threshold: float = 0.05, min_gap_s: float = 0.3,
                   min_sign_s: float = 0.4, smooth_s: float = 0.2) -> list[Segment]:
    """Cut a stream into candidate signs: frames where a hand is in view and the hands move.

    Motion energy is the wrist speed in hand sizes per second (the larger of the two hands),
    smoothed over ``smooth_s``; a frame is active when a hand is present and the energy exceeds
    ``energy_threshold`` x (its median over active-hand frames) or the hand just entered or left.
    Gaps shorter than ``min_gap_s`` are bridged, segments shorter than ``min_sign_s`` dropped.
    """
    hands = hands_of(seq)
    present = hands.present[:, person]
    T = len(present)
    if T == 0:
        return []
    fps = seq.fps or 30.0
    pts = hands.points[:, person].astype(np.float64)
    size = np.nanmedian(np.where(present, hand_size(pts), np.nan)) if present.any() else 1.0
    wrist = pts[:, :, WRIST, :2]
    speed = np.zeros((T, 2))
    if T > 1:
        speed[1:] = np.linalg.norm(np.diff(wrist, axis=0), axis=-1) * fps / max(float(size), 1e-9)
    speed = np.nan_to_num(np.where(present, speed, 0.0), nan=0.0).max(axis=1)
    speed = uniform_filter1d(speed, max(1, int(round(smooth_s * fps))))
    visible = present.any(axis=1)
    active = visible & (speed > energy_threshold)
    gap = max(1, int(round(min_gap_s * fps)))
    active = binary_closing(np.pad(active, gap), structure=np.ones(gap + 1))[gap:-gap] & visible
    segments, start = [], None
    for i, a in enumerate(np.append(active, False)):
        if a and start is None:
            start = i
        elif not a and start is not None:
            if (i - start) / fps >= min_sign_s:
                segments.append(Segment(start, i))
            start = None
    return segments


def transcribe_stream(clf: DynamicSignClassifier, seq: PoseSequence, person: int = 0, threshold: float = 0.5,
                      **segment_options: float) -> list[SignEvent]:
    """Segment ``seq`` (:func:`segment_stream`) and name each segment, :data:`UNKNOWN` below ``threshold``."""
    segments = segment_stream(seq, person=person, **segment_options)
    if not segments:
        return []
    proba = clf.predict_proba([seq.slice_frames(s.start, s.stop) for s in segments])
    times = seq.timestamps if seq.timestamps is not None else np.arange(seq.num_frames) / seq.fps
    dt = 1.0 / seq.fps if seq.fps else 0.0
    events = []
    for seg, p in zip(segments, proba):
        best = int(p.argmax())
        label = str(clf.classes_[best]) if p[best] >= threshold else UNKNOWN
        events.append(SignEvent(float(times[seg.start]), float(times[seg.stop - 1] + dt), label, float(p[best]),
                                meta={"best": str(clf.classes_[best])}))
    return events


__all__ = ["DynamicSignClassifier", "Segment", "clip_features", "segment_stream", "transcribe_stream"]

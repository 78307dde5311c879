"""Dynamic signs: a clip classifier on holistic landmarks, stream segmentation and transcripts.

A sign clip becomes one feature row that does not depend on the signer's place, size, handedness,
frame rate or how often MediaPipe lost the hands:

* positions are relative to the shoulders' midpoint and divided by the shoulder width (a clip
  without a body falls back to the wrist and the hand size);
* where the hand detector lost a hand, the body's wrist (pose landmark) stands in for its
  position, so a signer whose hands are seen in a tenth of the frames is placed like one whose
  hands are seen throughout; a time part without any view of a value gets the clip's mean;
* the dominant hand is the one held higher (by :data:`RAISED` shoulder widths over the clip; the
  other rests), else the one that moves more; when it is the left one, the clip is mirrored
  (sides swapped, x negated), so every signer looks right-handed;
* time is normalised by the clip's length: per hand and each of :attr:`DynamicSignClassifier.chunks`
  equal parts, the mean wrist and elbow position; per hand and half, the mean normalised hand
  shape (:func:`~.normalize.normalize_hand`); the wrists' spread and travel over the clip. No
  feature counts frames or hand detections.

Training augments every clip as another signer might give it (:func:`augment_clip`: trimmed
ends, hands dropped in random frames, camera roll and stretch, hands placed elsewhere against the
body, another speed, mirrored) and calibrates an open-set gate (:mod:`~.openset`) on held-out
signers (each training signer left out in turn), so that :func:`transcribe_stream` says
:data:`~.openset.UNKNOWN` for movements unlike every trained sign.

A continuous stream is cut into candidate signs where hands are in view and moving
(:func:`segment_stream`); each segment is classified and judged open-set.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.ndimage import binary_closing, uniform_filter1d
from sklearn.utils.validation import check_is_fitted

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs.gated import GatedSignClassifier
from actionpose.tasks.signs.normalize import WRIST, hand_size, hands_of, normalize_hand
from actionpose.tasks.signs.openset import Verdict, calibration_folds, fit_open_set, signer_folds, temper
from actionpose.tasks.signs.static import SignEvent

log = logging.getLogger(__name__)

KIND = "dynamic-signs"


#: pose landmarks of the two sides (left, right) standing in for lost hands, and the elbows
_BODY_WRISTS, _BODY_ELBOWS = ("left_wrist", "right_wrist"), ("left_elbow", "right_elbow")
#: body landmarks with a score below this are not used
MIN_VISIBILITY = 0.5
#: a hand held higher than the other by this many shoulder widths (clip mean) is the signing hand
RAISED = 0.25


def _body_points(seq: PoseSequence, person: int, names: tuple[str, str]) -> np.ndarray:
    """``(T, 2, 2)`` x, y of two body landmarks (NaN where missing or barely visible, or no body)."""
    if not all(n in seq.layout.joints for n in names):
        return np.full((seq.num_frames, 2, 2), np.nan)
    idx = [seq.layout.index(n) for n in names]
    pts = seq.data[:, person, idx].astype(np.float64)
    out = pts[..., :2].copy()
    out[~(np.isfinite(pts[..., :2]).all(-1) & (pts[..., -1] >= MIN_VISIBILITY))] = np.nan
    return out


def _shoulders(seq: PoseSequence, person: int) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 2)`` shoulder midpoints and ``(T,)`` widths (NaN where the body is missing)."""
    sh = _body_points(seq, person, ("left_shoulder", "right_shoulder"))
    return sh.mean(axis=1), np.linalg.norm(sh[:, 0] - sh[:, 1], axis=-1)


def _fill(block: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Column means of ``block`` (rows: frames), ``fallback`` where a column has no value."""
    with _quiet():
        mean = np.nanmean(block, axis=0) if len(block) else np.full(block.shape[1], np.nan)
    return np.where(np.isfinite(mean), mean, fallback)


def clip_features(seq: PoseSequence, person: int = 0, chunks: int = 2) -> np.ndarray:
    """One feature row (see the module notes) of a holistic or hands clip; NaN where nothing was seen."""
    hands = hands_of(seq)
    pts = hands.points[:, person].astype(np.float64)  # (T, 2, 21, C)
    present = hands.present[:, person]  # (T, 2)
    T = len(pts)
    wrists = np.where(present[..., None], pts[:, :, WRIST, :2], np.nan)
    body_wrists = _body_points(seq, person, _BODY_WRISTS)
    wrists = np.where(np.isfinite(wrists), wrists, body_wrists)  # the body's wrist where the hand was lost
    elbows = _body_points(seq, person, _BODY_ELBOWS)
    centre, width = _shoulders(seq, person)
    scale = np.nanmedian(width) if np.isfinite(width).any() else np.nan
    if not np.isfinite(scale) or scale <= 0:
        sizes = hand_size(pts)[present]
        scale = 3.0 * np.median(sizes) if len(sizes) else 1.0
        seen = wrists.reshape(-1, 2)
        centre = np.broadcast_to(np.nanmedian(seen, axis=0) if np.isfinite(seen).any() else np.zeros(2),
                                 centre.shape)
    if np.isfinite(centre).any():
        centre = np.where(np.isfinite(centre), centre, np.nanmedian(centre, axis=0))
    else:
        centre = np.zeros_like(centre)
    rel = (wrists - centre[:, None]) / scale  # (T, 2, 2)
    rel_elbow = (elbows - centre[:, None]) / scale
    with _quiet():
        path = np.nansum(np.linalg.norm(np.diff(rel, axis=0), axis=-1), axis=0)
        height = np.nanmean(rel[..., 1], axis=0)  # (2,), image y down: smaller is higher
    height = np.where(np.isfinite(height), height, np.inf)
    if np.isfinite(height).any() and abs(height[0] - height[1]) > RAISED:
        mirror = height[0] < height[1]  # the raised hand signs, the other rests
    else:
        mirror = path[0] > path[1]
    shape = normalize_hand(pts, left=np.broadcast_to([True, False], present.shape)).astype(np.float64)
    shape[~present] = np.nan
    if mirror:  # the left hand leads: swap sides and mirror positions; shapes are already canonical
        rel, rel_elbow, shape = rel[:, ::-1].copy(), rel_elbow[:, ::-1].copy(), shape[:, ::-1].copy()
        rel[..., 0] *= -1
        rel_elbow[..., 0] *= -1
    where = np.concatenate([rel.reshape(T, -1), rel_elbow.reshape(T, -1)], axis=1)  # (T, 8)
    shapes = shape.reshape(T, -1)  # (T, 84)
    where_all, shape_all = _fill(where, np.full(where.shape[1], np.nan)), _fill(shapes, np.full(84, np.nan))
    parts = [_fill(where[c], where_all) for c in np.array_split(np.arange(T), chunks)]
    parts += [_fill(shapes[c], shape_all) for c in np.array_split(np.arange(T), 2)]
    with _quiet():
        parts.append(np.nanstd(rel.reshape(T, -1), axis=0))
    parts.append(parts[chunks - 1][:4] - parts[0][:4])  # wrist travel, first to last part
    return np.concatenate(parts).astype(np.float32)


#: joints moved by the position jitter of :func:`augment_clip`: both hands, the body's wrists and elbows
_ARM_PREFIXES, _ARM_JOINTS = ("left_hand_", "right_hand_"), _BODY_WRISTS + _BODY_ELBOWS


def augment_clip(seq: PoseSequence, rng: np.random.Generator, trim: float = 0.15, drop: float = 0.2,
                 max_degrees: float = 8.0, scale: float = 0.1, shift: float = 0.15, warp: float = 0.3,
                 mirror: float = 0.5) -> PoseSequence:
    """A training variant of a clip as another signer and camera might give it.

    Up to ``trim`` of its length cut at each end; each hand lost in a random share (up to ``drop``)
    of the frames; the image turned by up to ``max_degrees`` and stretched by up to ``scale`` (log
    scale, x and y apart) about the shoulders; the hands and arms moved by up to ``shift`` shoulder
    widths against the body (another signer's signing place); the clip's speed changed along it
    (time warped by ``t ** g``, ``|log g| <= warp``); and mirrored (a left-handed signer) with
    probability ``mirror``.
    """
    T = seq.num_frames
    a = int(rng.integers(0, max(1, int(trim * T)) + 1))
    b = T - int(rng.integers(0, max(1, int(trim * T)) + 1))
    data = seq.data[a:b] if b - a >= 2 else seq.data
    data = data.copy()
    joints = seq.layout.joints
    for side in ("left", "right"):
        names = [i for i, n in enumerate(joints) if n.startswith(f"{side}_hand_")]
        if names and drop > 0:
            lost = rng.random(len(data)) < rng.uniform(0, drop)
            block = data[:, :, names]
            block[lost] = np.nan
            block[lost, ..., -1] = 0.0
            data[:, :, names] = block
    xy = data[..., :2]
    centre, width = np.full(2, np.nan), np.nan
    if "left_shoulder" in joints and "right_shoulder" in joints:
        sh = xy[:, :, [joints.index("left_shoulder"), joints.index("right_shoulder")]].astype(np.float64)
        with _quiet():
            centre = np.nanmean(sh.reshape(-1, 2), axis=0)
            width = float(np.nanmedian(np.linalg.norm(sh[..., 0, :] - sh[..., 1, :], axis=-1)))
    if not np.isfinite(centre).all():
        centre = np.nanmean(xy.reshape(-1, 2), axis=0) if np.isfinite(xy).any() else np.zeros(2)
    if not np.isfinite(width) or width <= 0:
        seen = xy.reshape(-1, 2)[np.isfinite(xy.reshape(-1, 2)).all(axis=1)]
        width = float(np.ptp(seen, axis=0).max()) / 3 if len(seen) else 1.0
    angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees))
    sx, sy = np.exp(rng.uniform(-scale, scale, 2))
    c, s = np.cos(angle), np.sin(angle)
    x, y = (xy[..., 0] - centre[0]) * sx, (xy[..., 1] - centre[1]) * sy
    data[..., 0], data[..., 1] = c * x - s * y + centre[0], s * x + c * y + centre[1]
    arm = [i for i, n in enumerate(joints) if n.startswith(_ARM_PREFIXES) or n in _ARM_JOINTS]
    if arm and shift > 0:
        data[:, :, arm, :2] += (rng.uniform(-shift, shift, 2) * width).astype(data.dtype)
    if warp > 0 and len(data) > 3:
        g = np.exp(rng.uniform(-warp, warp))
        data = data[np.round(np.linspace(0.0, 1.0, len(data)) ** g * (len(data) - 1)).astype(int)]
    out = PoseSequence(data, seq.layout, seq.fps, frame_size=seq.frame_size, meta=dict(seq.meta))
    return out.mirrored() if rng.random() < mirror else out


class _quiet:
    """Silence NumPy's 'mean of empty slice' warnings (an absent hand is expected)."""

    def __enter__(self) -> None:
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)


class DynamicSignClassifier(GatedSignClassifier):
    """Classify whole sign clips (holistic or two-hand pose sequences), open-set.

    :meth:`predict` / :meth:`predict_proba` are closed-set (calibrated probabilities);
    :meth:`verdicts` and :func:`transcribe_stream` say :data:`~.openset.UNKNOWN` for clips unlike
    the training data, the ``none`` class or low confidence.

    Parameters
    ----------
    model
        One of :data:`actionpose.models.sklearn.SKLEARN_MODELS` (missing values are imputed).
    chunks
        Equal time parts a clip's positions are summarised in.
    seed
        Random state of the model and of the augmentation.
    augment
        Augmented copies of every training clip (:func:`augment_clip`).
    quantile
        Share of held-out training clips (other signers where known) the distance test must accept.
    """

    KIND, WHAT = KIND, "dynamic sign model"

    def __init__(self, model: str = "logreg", chunks: int = 2, seed: int = 0, augment: int = 5,
                 quantile: float = 0.99, tolerance: float = 1.0) -> None:
        super().__init__(model, seed, augment, quantile, tolerance)
        self.chunks = chunks

    def features(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """``(N, F)`` rows of :func:`clip_features`."""
        return np.stack([clip_features(seq, chunks=self.chunks) for seq in X])

    def fit(self, X: Sequence[PoseSequence], y: Sequence[str],
            groups: Sequence[str] | None = None) -> DynamicSignClassifier:
        """Learn from clips ``X`` (one sign each) and their labels.

        ``groups`` (the signer of each clip, when known) picks the held-out clips the open-set
        gate is calibrated on: each signer in turn (measured against the others' clips) when
        there are two or more, else a random quarter.
        """
        y = np.asarray(y).astype(str)
        if len(set(y)) < 2:
            raise ValueError("need clips of at least two signs to train")
        groups = None if groups is None else np.asarray(groups).astype(str)
        folds = signer_folds(y, groups)
        by_signer = bool(folds)
        folds = folds or calibration_folds(y, groups, seed=self.seed)
        rng = np.random.default_rng(self.seed)
        clips = list(X) + [augment_clip(seq, rng) for _ in range(self.augment) for seq in X]
        reps = self.augment + 1
        self.estimator_, self.gate_ = fit_open_set(self.model, self.seed, self.features(clips), np.tile(y, reps),
                                                   [np.tile(f, reps) for f in folds], quantile=self.quantile,
                                                   judged=np.arange(len(clips)) < len(y),
                                                   by_signer=by_signer)
        self.classes_ = self.estimator_.classes_
        return self

    def _proba_and_distance(self, X: Sequence[PoseSequence]) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        feats = self.features(X)
        gate = getattr(self, "gate_", None)
        proba = temper(self.estimator_.predict_proba(feats), gate.temperature if gate else 1.0)
        dist = gate.sign_distance(feats, proba, self.classes_) if gate is not None else np.full(len(feats), np.nan)
        return proba, dist

    def predict_proba(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """``(N, classes)`` calibrated probabilities per clip."""
        return self._proba_and_distance(X)[0]

    def predict(self, X: Sequence[PoseSequence]) -> np.ndarray:
        """The most probable sign per clip (closed-set)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def verdicts(self, X: Sequence[PoseSequence], threshold: float = 0.5) -> list[Verdict]:
        """Open-set decisions per clip: the sign or unknown, the nearest sign and why."""
        return self._decide(*self._proba_and_distance(X), threshold)

    def predict_open(self, X: Sequence[PoseSequence], threshold: float = 0.5) -> np.ndarray:
        """Labels of :meth:`verdicts` (``unknown`` where rejected)."""
        return np.array([v.label for v in self.verdicts(X, threshold)], dtype=str)

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write a safe model file (JSON header + skops estimator + open-set arrays)."""
        return self._save(path, {"layout": "holistic", "normalisation": "shoulder-centred, / shoulder width, dominant "
                                 "hand to the right, body wrist for lost hands"}, meta)


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
    """Segment ``seq`` (:func:`segment_stream`) and judge each segment open-set (unknown below ``threshold``,
    unlike the training data, or the none class; ``meta`` holds the nearest sign and the reason)."""
    segments = segment_stream(seq, person=person, **segment_options)
    if not segments:
        return []
    verdicts = clf.verdicts([seq.slice_frames(s.start, s.stop) for s in segments], threshold=threshold)
    times = seq.timestamps if seq.timestamps is not None else np.arange(seq.num_frames) / seq.fps
    dt = 1.0 / seq.fps if seq.fps else 0.0
    return [SignEvent(float(times[seg.start]), float(times[seg.stop - 1] + dt), v.label, v.confidence,
                      meta={"nearest": v.nearest, "reason": v.reason, "distance": v.distance})
            for seg, v in zip(segments, verdicts)]


__all__ = ["DynamicSignClassifier", "Segment", "augment_clip", "clip_features", "segment_stream",
           "transcribe_stream"]

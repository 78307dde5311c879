"""Multi-person tracking: per-frame detections in, stable track ids out.

A pose backend reports the people of each frame in no particular order. :class:`PoseTracker` gives
every detection a track id that stays with the same person from frame to frame, and
:func:`track_detections` turns a whole clip of detections into a :class:`PoseSequence` with one
person slot per track::

    tracker = PoseTracker("coco17", max_age_s=1.0)
    for frame, t in video:
        ids = tracker.update(backend(frame, t), t)     # (N,) int, -1 = not tracked

Matching is a Hungarian assignment (:func:`scipy.optimize.linear_sum_assignment`) on
``1 - similarity`` between the detections and each live track's *predicted* pose. The prediction
moves the track's last known joints (averaged over its last three sightings to cancel jitter) along
its recent whole-body velocity (constant-velocity model), so two people who cross paths are matched
to where each of them is going, not to where the other one was. The similarity is the COCO object
keypoint similarity (OKS) over the joints that both are
confident about, blended into the IoU of the keypoint boxes when they share fewer than
``oks_min_joints`` such joints (partial or low-confidence detections).
"""

from __future__ import annotations

import copy
import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from actionpose.errors import ActionPoseError
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)

#: Per-joint OKS sigmas of the COCO keypoint benchmark (pycocotools), by shared joint name. They say
#: how precisely a joint can be placed relative to the person's size: the eyes very precisely, the
#: hips loosely.
COCO_SIGMAS: dict[str, float] = {
    "nose": 0.026, "left_eye": 0.025, "right_eye": 0.025, "left_ear": 0.035, "right_ear": 0.035,
    "left_shoulder": 0.079, "right_shoulder": 0.079, "left_elbow": 0.072, "right_elbow": 0.072,
    "left_wrist": 0.062, "right_wrist": 0.062, "left_hip": 0.107, "right_hip": 0.107,
    "left_knee": 0.087, "right_knee": 0.087, "left_ankle": 0.089, "right_ankle": 0.089,
}
#: Sigma of every joint that COCO does not have (feet, hands, neck, ...): close to the COCO median.
DEFAULT_SIGMA = 0.08

_GATED = 1e6  # assignment cost of a pair below min_similarity; such pairs are never kept


class TrackingError(ActionPoseError, ValueError):
    """Detections or timestamps given to the tracker are inconsistent."""


def keypoint_sigmas(layout: str | KeypointLayout) -> np.ndarray:
    """``(K,)`` OKS sigmas of a layout's joints: COCO's by name, :data:`DEFAULT_SIGMA` for the others."""
    return np.array([COCO_SIGMAS.get(j, DEFAULT_SIGMA) for j in get_layout(layout).joints], dtype=np.float64)


def _boxes(xy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(..., 4)`` boxes ``x0, y0, x1, y1`` of the masked joints of ``xy`` ``(..., K, 2)``; NaN if none."""
    m = mask[..., None]
    lo = np.where(m, xy, np.inf).min(axis=-2)
    hi = np.where(m, xy, -np.inf).max(axis=-2)
    box = np.concatenate([lo, hi], axis=-1)
    return np.where(mask.any(axis=-1)[..., None], box, np.nan)


def _area(box: np.ndarray) -> np.ndarray:
    """Area of ``(..., 4)`` boxes, 0 for empty ones."""
    area = (box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1])
    return np.where(np.isfinite(area), area, 0.0)


def _padded(box: np.ndarray, margin: float) -> np.ndarray:
    """Boxes grown by ``margin`` times their larger side on every side (so a line of joints has an area)."""
    pad = margin * np.maximum(box[..., 2] - box[..., 0], box[..., 3] - box[..., 1])[..., None]
    return box + np.concatenate([-pad, -pad, pad, pad], axis=-1)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(N, M)`` intersection over union of boxes ``a`` ``(N, 4)`` and ``b`` ``(M, 4)``; 0 for empty boxes."""
    a, b = a[:, None, :], b[None, :, :]
    w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    inter = np.where(np.isfinite(w * h), np.clip(w, 0, None) * np.clip(h, 0, None), 0.0)
    union = _area(a) + _area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def pose_similarity(det_xy: np.ndarray, det_conf: np.ndarray, det_valid: np.ndarray,
                    trk_xy: np.ndarray, trk_conf: np.ndarray, trk_valid: np.ndarray, sigmas: np.ndarray,
                    oks_min_joints: int = 4, box_margin: float = 0.1) -> np.ndarray:
    """``(N, M)`` similarity in [0, 1] between N detections and M (predicted) track poses.

    Parameters
    ----------
    det_xy, trk_xy
        ``(N, K, 2)`` and ``(M, K, 2)`` joint positions.
    det_conf, trk_conf
        ``(N, K)``, ``(M, K)`` joints confident enough for OKS.
    det_valid, trk_valid
        ``(N, K)``, ``(M, K)`` joints with any position; they span the keypoint boxes.
    sigmas
        ``(K,)`` OKS sigmas, see :func:`keypoint_sigmas`.
    oks_min_joints
        With ``n`` joints confident in both, the similarity is ``w * OKS + (1 - w) * IoU`` with
        ``w = min(n / oks_min_joints, 1)``: OKS alone when enough joints are shared, the IoU of the
        keypoint boxes when none are.
    box_margin
        Boxes are grown by this fraction of their larger side before the IoU.

    Notes
    -----
    OKS is COCO's ``mean_k exp(-d_k^2 / (2 s^2 (2 sigma_k)^2))`` over the shared joints, with ``s^2``
    the larger of the two keypoint-box areas, so that a partial view of a person (upper body only)
    is compared at the scale of the whole person.
    """
    shared = det_conf[:, None, :] & trk_conf[None, :, :]                      # (N, M, K)
    n_shared = shared.sum(axis=-1)
    det_box, trk_box = _boxes(det_xy, det_valid), _boxes(trk_xy, trk_valid)
    s2 = np.maximum(np.maximum(_area(det_box)[:, None], _area(trk_box)[None, :]), 1e-12)
    with np.errstate(invalid="ignore"):
        d2 = np.sum((det_xy[:, None] - trk_xy[None, :]) ** 2, axis=-1)       # (N, M, K)
    kappa2 = (2.0 * sigmas) ** 2
    e = np.exp(-np.where(shared, d2, 0.0) / (2.0 * s2[..., None] * kappa2))
    oks = np.where(shared, e, 0.0).sum(axis=-1) / np.maximum(n_shared, 1)
    iou = _iou(_padded(det_box, box_margin), _padded(trk_box, box_margin))
    w = np.minimum(n_shared / max(int(oks_min_joints), 1), 1.0)
    return w * oks + (1.0 - w) * iou


def _assign(similarity: np.ndarray, minimum: float, rows: np.ndarray, cols: np.ndarray) -> dict[int, int]:
    """Hungarian assignment on ``1 - similarity``; pairs below ``minimum`` are refused.

    Returns ``{rows[i]: cols[j]}`` for the kept pairs.
    """
    cost = np.where(similarity >= minimum, 1.0 - similarity, _GATED)
    r, c = linear_sum_assignment(cost)
    return {int(rows[i]): int(cols[j]) for i, j in zip(r, c) if cost[i, j] < _GATED}


class _Observation(NamedTuple):
    """One detection folded into a track."""

    t: float
    xy: np.ndarray          # (K, 2)
    valid: np.ndarray       # (K,) joints with a position
    confident: np.ndarray   # (K,) joints scoring at least conf_threshold


@dataclass
class _Track:
    """State of one live track. Joint arrays are ``(K, ...)``; times in seconds."""

    track_id: int
    last_seen: float
    xy: np.ndarray          # (K, 2) anchor: denoised last known position of each joint, NaN if never seen
    seen_at: np.ndarray     # (K,) when each joint was last seen (-inf: never)
    confident: np.ndarray   # (K,) whether that last sighting was confident
    history: deque = field(default_factory=deque)  # recent _Observation's, oldest first
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))


class PoseTracker:
    """Online multi-person pose tracker: detections of one frame in, track ids out.

    Parameters
    ----------
    layout
        Layout of the detections (for the per-joint OKS sigmas).
    max_age_s
        A track unseen for longer than this is closed for good; a shorter absence (an occlusion, a
        missed detection) keeps the id, and the person is matched again on return. 1 s bridges a
        person walking behind another one or behind furniture without keeping ghosts for long.
    min_similarity
        Pairs less similar than this are never matched; the detection opens a new track instead.
        0.1 accepts a person whose pose changed a lot since the last sighting (OKS degrades fast) but
        refuses a detection elsewhere in the frame.
    max_people
        Track at most this many detections per frame: the most prominent ones, by mean joint score
        (missing joints count 0) times the square root of the keypoint-box area, i.e. the most
        confident and largest. Others get id -1. It also caps the live identities: while
        ``max_people`` tracks are live, a detection that matches none of them by pose or box
        continues the most similar one that this frame left free rather than opening a new id
        (single-person detectors then never split one person into alternating tracks), unless it
        overlaps a person matched in the same frame (a duplicate detection: id -1). None: no limit.
    hold_s
        With ``max_people`` set, an identity unseen for longer than ``max_age_s`` is still held
        this long (its joints are forgotten, so only its last box or the cap can claim it): a
        person the detector loses while falling and finds again lying a second or two later keeps
        their id, which the fall detector needs. Ignored without ``max_people``.
    conf_threshold
        Joints scoring at least this count as confident: only they enter OKS and the velocity.
    oks_min_joints
        Confident joints a detection and a track must share for OKS alone (see :func:`pose_similarity`).
    velocity_window_s
        The velocity is a least-squares fit over the observations of the last this many seconds
        (and at least the last 3): 0.3 s averages out jitter yet follows a change of direction.
    max_predict_s
        The prediction extrapolates the velocity at most this far, so a track lost during a fast
        motion (a fall) does not fly off; beyond it the track waits where it was heading.
    box_margin
        See :func:`pose_similarity`.
    min_box_iou
        Second matching stage: a detection left unmatched by pose similarity continues a free live
        track whose (padded) keypoint box it overlaps by at least this IoU. Poses change faster than
        boxes move (a person falling, a detector switching between views of a lying person), so
        0.3 keeps such a person on one track while people apart in the frame never share one.
    """

    def __init__(self, layout: str | KeypointLayout, max_age_s: float = 1.0, min_similarity: float = 0.1,
                 max_people: int | None = None, conf_threshold: float = 0.3, oks_min_joints: int = 4,
                 velocity_window_s: float = 0.3, max_predict_s: float = 0.5, box_margin: float = 0.1,
                 min_box_iou: float = 0.3, hold_s: float = 3.0) -> None:
        self.layout = get_layout(layout)
        if max_age_s < 0 or velocity_window_s < 0 or max_predict_s < 0 or hold_s < 0:
            raise TrackingError("max_age_s, velocity_window_s, max_predict_s and hold_s must be >= 0")
        if max_people is not None and max_people < 0:
            raise TrackingError(f"max_people must be >= 0 or None, got {max_people}")
        self.max_age_s = float(max_age_s)
        self.min_similarity = float(min_similarity)
        self.max_people = None if max_people is None else int(max_people)
        self.conf_threshold = float(conf_threshold)
        self.oks_min_joints = int(oks_min_joints)
        self.velocity_window_s = float(velocity_window_s)
        self.max_predict_s = float(max_predict_s)
        self.box_margin = float(box_margin)
        self.min_box_iou = float(min_box_iou)
        self.hold_s = float(hold_s)
        self.sigmas = keypoint_sigmas(self.layout)
        self.reset()

    @property
    def options(self) -> dict[str, Any]:
        """The tracker's parameters, JSON-friendly (stored in sequence metadata)."""
        return {"max_age_s": self.max_age_s, "min_similarity": self.min_similarity, "max_people": self.max_people,
                "conf_threshold": self.conf_threshold, "oks_min_joints": self.oks_min_joints,
                "velocity_window_s": self.velocity_window_s, "max_predict_s": self.max_predict_s,
                "box_margin": self.box_margin, "min_box_iou": self.min_box_iou, "hold_s": self.hold_s}

    def reset(self) -> None:
        """Forget every track; ids start again at 0 (use it between unrelated videos)."""
        self._tracks: list[_Track] = []
        self._next_id = 0
        self._last_t: float | None = None

    @property
    def live_ids(self) -> list[int]:
        """Ids of the tracks that can still be matched, oldest first."""
        return [tr.track_id for tr in self._tracks]

    @property
    def next_id(self) -> int:
        """The id the next new track will get (also the number of tracks opened so far)."""
        return self._next_id

    # ------------------------------------------------------------------ public
    def update(self, detections: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Assign track ids to one frame's detections.

        Parameters
        ----------
        detections
            ``(N, K, C)`` poses of the frame (C = 3 or 4, score last; missing joints NaN / score 0).
            ``N`` may be 0.
        timestamp_s
            Time of the frame; must not decrease from call to call.

        Returns
        -------
        numpy.ndarray
            ``(N,)`` int64 track ids; -1 for detections dropped by ``max_people`` and for detections
            without a single valid joint.
        """
        dets = _as_detections(detections, self.layout.num_joints)
        t = float(timestamp_s)
        if not np.isfinite(t) or (self._last_t is not None and t < self._last_t):
            raise TrackingError(f"timestamp {t} is not finite or goes back in time (last {self._last_t})")
        self._last_t = t
        self._close_stale(t)

        ids = np.full(len(dets), -1, dtype=np.int64)
        xy, score = dets[..., :2].astype(np.float64), dets[..., -1].astype(np.float64)
        valid = np.isfinite(xy).all(axis=-1) & np.isfinite(score) & (score > 0)
        conf = valid & (score >= self.conf_threshold)
        keep = self._select(xy, score, valid)
        matched: dict[int, int] = {}  # detection -> index into self._tracks
        duplicates: set[int] = set()  # detections of a person already matched in this frame (id -1)
        if keep.size and self._tracks:
            pred_xy, pred_valid, pred_conf = self._predict(t)
            sim = pose_similarity(xy[keep], conf[keep], valid[keep], pred_xy, pred_conf, pred_valid, self.sigmas,
                                  self.oks_min_joints, self.box_margin)
            matched = _assign(sim, self.min_similarity, keep, np.arange(len(self._tracks)))
            # second stage: a pose too changed for OKS (a person falling, a detector that flips between
            # views) still continues a free live track whose box it overlaps
            rest = np.array([d for d in keep.tolist() if d not in matched], dtype=np.int64)
            free = np.array([i for i in range(len(self._tracks)) if i not in matched.values()], dtype=np.int64)
            if rest.size and free.size:
                iou = _iou(_padded(_boxes(xy[rest], valid[rest]), self.box_margin),
                           _padded(self._last_boxes(t)[free], self.box_margin))
                matched.update(_assign(iou, self.min_box_iou, rest, free))
            # capacity: with max_people live identities already, a new track would exceed the cap,
            # so a leftover detection continues the most similar free track instead; unless it overlaps
            # a person matched in this frame: that is the same person found twice (a detector's ghost),
            # and it must not take the free track of someone who is out of view
            rest = [d for d in keep.tolist() if d not in matched]
            free = [i for i in range(len(self._tracks)) if i not in matched.values()]
            if rest and free and self.max_people is not None and len(self._tracks) >= self.max_people:
                if matched:
                    boxes = _boxes(xy, valid)
                    overlap = _iou(boxes[rest], boxes[list(matched)]).max(axis=1)
                    duplicates = {d for d, o in zip(rest, overlap) if o >= self.min_box_iou}
                    rest = [d for d in rest if d not in duplicates]
                if rest:
                    pick = sim[np.searchsorted(keep, rest)][:, free]
                    matched.update(_assign(pick, -np.inf, np.array(rest), np.array(free)))
        for d in keep.tolist():
            if d in duplicates:
                continue
            if d in matched:
                track = self._tracks[matched[d]]
            else:
                track = self._open(t)
            self._observe(track, t, xy[d], valid[d], conf[d])
            ids[d] = track.track_id
        return ids

    # ----------------------------------------------------------------- helpers
    def _select(self, xy: np.ndarray, score: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Indices of the detections to track: those with a valid joint, capped at ``max_people``."""
        usable = np.flatnonzero(valid.any(axis=-1))
        if self.max_people is None or usable.size <= self.max_people:
            return usable
        area = _area(_boxes(xy[usable], valid[usable]))
        prominence = np.where(valid[usable], score[usable], 0.0).mean(axis=-1) * np.sqrt(area)
        best = np.argsort(-prominence, kind="stable")[: self.max_people]
        return np.sort(usable[best])

    def _close_stale(self, t: float) -> None:
        limit = self.max_age_s if self.max_people is None else max(self.max_age_s, self.hold_s)
        stale = [tr.track_id for tr in self._tracks if t - tr.last_seen > limit]
        if stale:
            log.debug("closing tracks %s at t=%.3f s", stale, t)
            self._tracks = [tr for tr in self._tracks if t - tr.last_seen <= limit]

    def _open(self, t: float) -> _Track:
        k = self.layout.num_joints
        track = _Track(track_id=self._next_id, last_seen=t, xy=np.full((k, 2), np.nan),
                       seen_at=np.full(k, -np.inf), confident=np.zeros(k, dtype=bool))
        self._next_id += 1
        self._tracks.append(track)
        log.debug("opened track %d at t=%.3f s", track.track_id, t)
        return track

    def _predict(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Predicted ``(M, K, 2)`` positions of the live tracks at ``t``, with their valid and confident masks.

        Joints unseen for longer than ``max_age_s`` are forgotten.
        """
        seen_at = np.stack([tr.seen_at for tr in self._tracks])
        xy = np.stack([tr.xy for tr in self._tracks])
        vel = np.stack([tr.velocity for tr in self._tracks])
        valid = (t - seen_at) <= self.max_age_s
        horizon = np.clip(np.where(valid, t - seen_at, 0.0), 0.0, self.max_predict_s)
        pred = xy + vel[:, None, :] * horizon[..., None]
        conf = valid & np.stack([tr.confident for tr in self._tracks])
        return pred, valid, conf

    def _last_boxes(self, t: float) -> np.ndarray:
        """``(M, 4)`` keypoint boxes of each live track's latest detection, moved along its velocity.

        The raw latest box, not the denoised anchor: when detections of one person alternate between
        different joint layouts, averaging them shrinks the box towards its centre.
        """
        boxes = []
        for tr in self._tracks:
            last = tr.history[-1]
            shift = tr.velocity * min(t - last.t, self.max_predict_s)
            boxes.append(_boxes(last.xy, last.valid) + np.concatenate([shift, shift]))
        return np.stack(boxes)

    def _observe(self, track: _Track, t: float, xy: np.ndarray, valid: np.ndarray, conf: np.ndarray) -> None:
        """Fold one matched detection into the track: velocity, then anchor positions."""
        track.history.append(_Observation(t, xy.copy(), valid.copy(), conf.copy()))
        while len(track.history) > 3 and track.history[0].t < t - self.velocity_window_s:
            track.history.popleft()
        track.velocity = _body_velocity(track.history)
        track.xy[valid] = _anchor(track.history, track.velocity)[valid]
        track.seen_at[valid] = t
        track.confident[valid] = conf[valid]
        track.last_seen = t


def _body_velocity(history: Sequence[_Observation]) -> np.ndarray:
    """``(2,)`` whole-body velocity: the median over joints of per-joint least-squares slopes.

    The median ignores a swinging limb or a mis-detected joint; joints confident in fewer than two
    observations do not vote. Zero when nothing can be estimated.
    """
    if len(history) < 2:
        return np.zeros(2)
    t = np.array([o.t for o in history])[:, None]                      # (n, 1)
    w = np.stack([o.confident for o in history]).astype(np.float64)    # (n, K)
    x = np.where(w[..., None] > 0, np.stack([o.xy for o in history]), 0.0)   # (n, K, 2)
    n = w.sum(axis=0)
    t_mean = (w * t).sum(axis=0) / np.maximum(n, 1)                     # (K,)
    dt = np.where(w > 0, t - t_mean, 0.0)
    x_mean = x.sum(axis=0) / np.maximum(n, 1)[:, None]                  # (K, 2)
    sxx = (dt ** 2).sum(axis=0)
    sxy = (dt[..., None] * np.where(w[..., None] > 0, x - x_mean, 0.0)).sum(axis=0)
    ok = (n >= 2) & (sxx > 1e-12)
    if not ok.any():
        return np.zeros(2)
    return np.median(sxy[ok] / sxx[ok, None], axis=0)


def _anchor(history: Sequence[_Observation], velocity: np.ndarray, frames: int = 3) -> np.ndarray:
    """``(K, 2)`` each joint's position at the last observation, averaged over the last ``frames``
    sightings moved forward by the body velocity: per-joint jitter shrinks by about sqrt(3), which
    matters when two similar people cross slowly; NaN for joints never seen in them."""
    recent = list(history)[-frames:]
    t_last = recent[-1].t
    shifted = np.stack([np.where(o.valid[:, None], o.xy + velocity * (t_last - o.t), np.nan) for o in recent])
    n = np.isfinite(shifted[..., 0]).sum(axis=0)
    return np.where(n[:, None] > 0, np.nansum(shifted, axis=0) / np.maximum(n, 1)[:, None], np.nan)


def _as_detections(detections: np.ndarray | None, num_joints: int) -> np.ndarray:
    """``detections`` as a float32 ``(N, K, C)`` array; None or an empty array becomes ``(0, K, C)``."""
    arr = np.asarray(detections if detections is not None else [], dtype=np.float32)
    if arr.size == 0:
        return np.zeros((0, num_joints, arr.shape[-1] if arr.ndim == 3 else 3), dtype=np.float32)
    if arr.ndim == 2:  # one person given without the N axis
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != num_joints or arr.shape[2] not in (3, 4):
        raise TrackingError(f"detections must be (N, {num_joints}, 3 or 4), got shape {arr.shape}")
    return arr


def track_detections(detections: Iterable[np.ndarray | None], timestamps: Sequence[float],
                     layout: str | KeypointLayout, fps: float, frame_size: tuple[int, int] | None = None,
                     max_people: int | None = None, min_track_frames: int = 3, meta: dict[str, Any] | None = None,
                     **tracker_options: Any) -> PoseSequence:
    """Track a clip of per-frame detections into a :class:`PoseSequence`.

    Parameters
    ----------
    detections
        One ``(N, K, C)`` array per frame (``N`` may be 0; None or an empty array for no one).
    timestamps
        Time of each frame in seconds, non-decreasing.
    layout, fps, frame_size, meta
        Passed to the sequence; ``meta["tracking"]`` records the tracker's options and what was dropped.
    max_people
        At most this many people tracked per frame (see :class:`PoseTracker`). The number of slots
        can still exceed it: a track that dies and a person who appears later are separate slots,
        but no frame has more than ``max_people`` slots present.
    min_track_frames
        Tracks detected in fewer frames are dropped as spurious detections. The default 3 removes
        one- and two-frame flickers (0.1 s at 30 fps) and keeps anything a task could use; the
        threshold never exceeds the clip length, so a one-frame clip keeps its people. 1 keeps all.
    **tracker_options
        Other :class:`PoseTracker` parameters (``max_age_s``, ``min_similarity``, ...).

    Returns
    -------
    PoseSequence
        One person slot per kept track, ordered by first appearance; ``track_ids`` are the tracker's
        ids (so they may skip dropped tracks). Frames where a track is absent are NaN with score 0.
    """
    layout = get_layout(layout)
    k = layout.num_joints
    frames = [_as_detections(d, k) for d in detections]
    found = {f.shape[2] for f in frames if len(f)}
    if len(found) > 1:
        raise TrackingError(f"detections mix channel counts {sorted(found)}; use 3 (x, y, score) or 4 (x, y, z, score)")
    channels = found.pop() if found else 3
    frames = [f if len(f) else np.zeros((0, k, channels), dtype=np.float32) for f in frames]
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    if ts.shape[0] != len(frames):
        raise TrackingError(f"{len(frames)} frames of detections but {ts.shape[0]} timestamps")

    tracker = PoseTracker(layout, max_people=max_people, **tracker_options)
    assigned = [tracker.update(f, t) for f, t in zip(frames, ts)]

    n_frames = len(frames)
    frame_of = np.repeat(np.arange(n_frames), [len(f) for f in frames])
    ids = np.concatenate(assigned) if assigned else np.zeros(0, dtype=np.int64)
    poses = np.concatenate(frames) if frames else np.zeros((0, k, channels), dtype=np.float32)
    track_ids, counts = np.unique(ids[ids >= 0], return_counts=True)  # sorted ids = order of first appearance
    need = max(1, min(int(min_track_frames), n_frames))
    kept = track_ids[counts >= need]
    dropped = track_ids[counts < need]
    if dropped.size:
        log.info("dropped %d track(s) seen in fewer than %d frames: %s", dropped.size, need, dropped.tolist())

    data = np.full((n_frames, kept.size, k, channels), np.nan, dtype=np.float32)
    data[..., -1] = 0.0
    take = np.isin(ids, kept)
    data[frame_of[take], np.searchsorted(kept, ids[take])] = poses[take]

    out_meta = copy.deepcopy(dict(meta or {}))
    out_meta["tracking"] = {**tracker.options, "min_track_frames": need, "tracks_opened": tracker.next_id,
                            "dropped_tracks": dropped.tolist()}
    log.debug("tracked %d frames: %d tracks kept of %d", n_frames, kept.size, tracker.next_id)
    return PoseSequence(data, layout, fps, timestamps=ts, track_ids=kept, frame_size=frame_size, meta=out_meta)

"""Fingerspelling in video: letters over time, one per *hold* of the hand.

A fingerspeller holds each letter's hand shape briefly and moves between letters; a repeated letter
(the two L of "hello") is shown as two holds with a small bounce between them. So a clip or camera
stream is cut where the hand is still, not where the per-frame label changes:

1. per frame, the hand chosen by :func:`~.static.frame_signs` (open-set: sign or unknown) and its
   motion: the mean landmark speed in hand sizes per second (the hand moving or changing shape),
   smoothed over ``smooth_s``;
2. a *hold* is a run of frames with a visible hand and motion below ``max_speed`` lasting at least
   ``min_hold_s``;
3. each hold gives one letter: the most frequent accepted label when accepted frames are at least
   ``min_agreement`` of the hold, else :data:`~.openset.UNKNOWN` (with its nearest sign and why).

:func:`spell` joins the letters into a string (``?`` for an unknown hold).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import uniform_filter1d

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs.normalize import SIDES, hand_size, hands_of
from actionpose.tasks.signs.openset import UNKNOWN
from actionpose.tasks.signs.static import SignEvent, StaticSignClassifier, frame_signs

log = logging.getLogger(__name__)


def hand_motion(seq: PoseSequence, side: np.ndarray, person: int = 0, smooth_s: float = 0.1) -> np.ndarray:
    """``(T,)`` mean landmark speed of the hand on ``side`` (per frame: ``"left"``, ``"right"`` or ``""``)
    in hand sizes per second, smoothed; ``inf`` where no hand is chosen or the hand just appeared."""
    hands = hands_of(seq)
    pts = hands.points[:, person].astype(np.float64)  # (T, 2, 21, C)
    T = len(pts)
    fps = seq.fps or 30.0
    idx = np.array([SIDES.index(s) if s in SIDES else -1 for s in side])
    chosen = np.where((idx >= 0)[:, None, None], pts[np.arange(T), np.maximum(idx, 0), :, :2], np.nan)
    size = hand_size(chosen)
    speed = np.full(T, np.inf)
    if T > 1:
        step = np.linalg.norm(np.diff(chosen, axis=0), axis=-1).mean(axis=-1)  # (T - 1,)
        same = (idx[1:] == idx[:-1]) & (idx[1:] >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            speed[1:] = np.where(same, step * fps / np.fmax(size[1:], 1e-9), np.inf)
        speed[0] = speed[1] if idx[0] >= 0 else np.inf
    speed = np.where(np.isfinite(speed), speed, np.inf)
    finite = np.isfinite(speed)
    if finite.any():
        smooth = uniform_filter1d(np.where(finite, speed, 0.0), max(1, int(round(smooth_s * fps))))
        speed = np.where(finite, smooth, np.inf)
    return speed


def fingerspell(clf: StaticSignClassifier, seq: PoseSequence, person: int = 0, threshold: float = 0.5,
                max_speed: float = 1.5, min_hold_s: float = 0.15, min_agreement: float = 0.5,
                smooth_s: float = 0.1) -> list[SignEvent]:
    """Letters of a fingerspelled clip, one per hold of the hand (see the module notes).

    Parameters
    ----------
    clf
        A static sign model (the built-in ASL alphabet, or one of your own).
    seq
        A ``hand21``, ``hands`` or ``holistic`` sequence with a frame rate.
    threshold
        Frames below this calibrated confidence count as unknown.
    max_speed
        Hand sizes per second below which the hand is holding still.
    min_hold_s
        Shortest hold that counts as a letter.
    min_agreement
        Share of a hold's frames that must be accepted for it to name a letter.

    Returns
    -------
    list of SignEvent
        One per hold, in time order; ``meta`` holds ``nearest``, ``reason`` and ``agreement``.
    """
    fs = frame_signs(clf, seq, person, threshold)
    T = len(fs.labels)
    if T == 0:
        return []
    speed = hand_motion(seq, fs.side, person, smooth_s)
    still = (fs.reasons != "no hand") & (speed < max_speed)
    dt = 1.0 / seq.fps if seq.fps else 0.0
    events: list[SignEvent] = []
    start = None
    for i, s in enumerate(np.append(still, False)):
        if s and start is None:
            start = i
        elif not s and start is not None:
            if fs.times[i - 1] - fs.times[start] + dt >= min_hold_s:
                events.append(_hold_event(fs, start, i, dt, min_agreement))
            start = None
    return events


def _hold_event(fs, start: int, stop: int, dt: float, min_agreement: float) -> SignEvent:
    labels = fs.labels[start:stop]
    accepted = labels[labels != UNKNOWN]
    agreement = 0.0
    label, reason = UNKNOWN, ""
    if len(accepted):
        values, counts = np.unique(accepted, return_counts=True)
        best = int(counts.argmax())
        agreement = float(counts[best] / len(labels))
        if agreement >= min_agreement:
            label = str(values[best])
    if label == UNKNOWN:
        reasons = [r for r in fs.reasons[start:stop] if r]
        reason = max(set(reasons), key=reasons.count) if reasons else "no letter agreed on"
    near = [n for n in fs.nearest[start:stop] if n]
    nearest = label if label != UNKNOWN else (max(set(near), key=near.count) if near else "")
    sides = [s for s in fs.side[start:stop] if s]
    keep = labels == label if label != UNKNOWN else np.ones(len(labels), bool)
    return SignEvent(float(fs.times[start]), float(fs.times[stop - 1] + dt), label,
                     float(fs.confidence[start:stop][keep].mean()),
                     hand=max(set(sides), key=sides.count) if sides else "",
                     meta={"nearest": nearest, "reason": reason, "agreement": round(agreement, 3)})


def spell(events: list[SignEvent], unknown: str = "?") -> str:
    """The letters of :func:`fingerspell` events as one string (``unknown`` for an unknown hold)."""
    return "".join(unknown if e.label == UNKNOWN else e.label for e in events)


__all__ = ["fingerspell", "hand_motion", "spell"]

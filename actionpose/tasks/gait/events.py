"""Heel strikes and toe offs from 2D foot trajectories.

Side view: Zeni, Richards and Higginson (2008, Gait & Posture 27:710-714), "Two simple methods for
determining gait events during treadmill and overground walking using kinematic data": heel strike
is the instant the heel is furthest in front of the pelvis, toe off the instant the toe is furthest
behind it, along the walking direction. Heel and toe are BlazePose's heel and foot-index points (BODY_25's
heel and big toe) where the layout has them, the ankle otherwise. The coordinate is relative to the
pelvis, so the method works overground, on a treadmill and with a panning camera; it is taken in
leg lengths and multiplied by the per-frame facing direction, so a walker who turns keeps working
(events within half a second of a turn are dropped).

Frontal view (walker approaching or leaving the camera): a footprint method in the spirit of the
foot-velocity methods of Ghoussayni et al. (2004, Gait & Posture 20:266-272) and O'Connor et al.
(2007, Gait & Posture 25:469-474): a foot on the ground does not move, so its image position is
still. Each swing is found as a burst of vertical foot speed (divided by the apparent leg length of
the frame, so the walker's changing size cancels); the heel's and the toe's stance positions are the
median of their vertical image coordinate well inside the stances after and before the swing; heel
strike is when the heel arrives within 10 % of the swing's vertical excursion of its stance position
(or three times its stance jitter, if more), toe off when the toe leaves its stance position by as
much. The absolute image coordinate is used, not the coordinate relative to the pelvis: relative to
the pelvis the stance foot drifts with the pelvis's bob and with perspective as the walker's distance
changes, about as fast as the foot moves in swing (measured on the synthetic walker); the price is
that the camera must stand still. When the walker leaves the camera, the heel's descent and its
recession cancel on the vertical axis, so heel strikes come early; step and stride times are then
timed by the toe offs (:func:`actionpose.tasks.gait.parameters.spatiotemporal`).

Peak times are refined to sub-frame precision by a parabola through the peak and its neighbours;
threshold crossings by linear interpolation.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.signal import find_peaks, periodogram

from actionpose.tasks.gait.results import HEEL_STRIKE, TOE_OFF, GaitEvent
from actionpose.tasks.gait.trajectories import LegTrajectories

log = logging.getLogger(__name__)

#: stride frequencies searched for the walking rhythm (Hz): stride times of 0.6 to 3.3 s
STRIDE_BAND_HZ = (0.3, 1.7)


def _filled(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` with NaN linearly interpolated (edges held), and the mask of originally finite samples."""
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return np.zeros_like(x, dtype=np.float64), ok
    idx = np.arange(len(x))
    return np.interp(idx, idx[ok], x[ok]), ok


def stride_period(signals: list[np.ndarray], fps: float, band: tuple[float, float] = STRIDE_BAND_HZ) -> float | None:
    """The dominant period (s) of stride-periodic signals: the largest summed periodogram peak in ``band``."""
    total = None
    freqs = None
    for x in signals:
        filled, ok = _filled(np.asarray(x, np.float64))
        if ok.sum() < 2 * fps:
            continue
        filled = filled - filled.mean()
        nfft = max(len(filled) * 8, 1024)
        f, p = periodogram(filled, fs=fps, nfft=nfft, detrend="linear")
        total = p if total is None else total + p
        freqs = f
    if total is None:
        return None
    inside = (freqs >= band[0]) & (freqs <= band[1])
    if not inside.any() or total[inside].max() <= 0:
        return None
    return float(1.0 / freqs[inside][np.argmax(total[inside])])


def _subframe_peak(y: np.ndarray, i: int) -> float:
    """Fractional index of the vertex of the parabola through ``y[i-1:i+2]``."""
    if i <= 0 or i >= len(y) - 1:
        return float(i)
    a, b, c = y[i - 1], y[i], y[i + 1]
    denom = a - 2 * b + c
    if denom >= 0 or not np.isfinite(denom):
        return float(i)
    return float(i + np.clip(0.5 * (a - c) / denom, -0.5, 0.5))


def _time_at(t: np.ndarray, index: float) -> float:
    """Time at a fractional frame index (linear between frames)."""
    return float(np.interp(index, np.arange(len(t)), t))


def _amplitude(x: np.ndarray, ok: np.ndarray) -> float:
    v = x[ok]
    return float(np.percentile(v, 95) - np.percentile(v, 5)) if v.size > 5 else 0.0


def signal_peaks(signal: np.ndarray, valid: np.ndarray, fps: float, period_s: float,
                 prominence: float = 0.25) -> list[float]:
    """Fractional frame indices of the maxima of a stride-periodic ``signal``.

    Maxima closer than half a stride are merged (``find_peaks`` distance), shallower than
    ``prominence`` times the signal's 5-95 % range are ignored, and a maximum at an invalid
    (interpolated-over or excluded) frame is dropped.
    """
    filled, ok = _filled(signal)
    ok &= valid
    amp = _amplitude(filled, ok)
    if amp <= 0:
        return []
    distance = max(1, int(0.5 * period_s * fps))
    peaks, _ = find_peaks(filled, distance=distance, prominence=prominence * amp)
    return [_subframe_peak(filled, int(i)) for i in peaks if ok[int(i)]]


def _confidence(traj: LegTrajectories, names: list[str], index: float) -> float:
    i = int(round(index))
    vals = [float(traj.score(n)[i]) for n in names if n in traj.scores]
    return float(min(vals)) if vals else 0.0


def _make(traj: LegTrajectories, foot: str, kind: str, index: float, names: list[str]) -> GaitEvent:
    return GaitEvent(foot=foot, kind=kind, time_s=_time_at(traj.t, index), frame=int(round(index)),
                     confidence=_confidence(traj, names, index))


def turn_mask(direction: np.ndarray, fps: float, margin_s: float = 0.5) -> np.ndarray:
    """True on frames at least ``margin_s`` away from a flip of ``direction``."""
    ok = np.ones(len(direction), bool)
    margin = int(round(margin_s * fps))
    for i in np.flatnonzero(np.diff(direction) != 0):
        ok[max(0, i - margin): i + margin + 2] = False
    return ok


def side_events(traj: LegTrajectories, direction: np.ndarray, period_s: float | None = None) -> list[GaitEvent]:
    """Zeni et al. (2008) events: heel furthest ahead of / toe furthest behind the pelvis (side view).

    Parameters
    ----------
    traj
        Cleaned trajectories.
    direction
        Per-frame facing direction (+1 towards image +x, -1 towards -x).
    period_s
        Stride period; estimated from the signals when None.
    """
    pelvis = traj.get("pelvis")
    valid = turn_mask(direction, traj.fps)
    signals: dict[tuple[str, str], tuple[np.ndarray, list[str]]] = {}
    for foot in ("left", "right"):
        heel, heel_name = traj.foot(foot, "heel")
        toe, toe_name = traj.foot(foot, "toe")
        with np.errstate(all="ignore"):
            hs = (heel[:, 0] - pelvis[:, 0]) / traj.scale * direction
            to = -(toe[:, 0] - pelvis[:, 0]) / traj.scale * direction
        signals[(foot, HEEL_STRIKE)] = (hs, [heel_name, f"{foot}_hip"])
        signals[(foot, TOE_OFF)] = (to, [toe_name, f"{foot}_hip"])
    if period_s is None:
        period_s = stride_period([s for (_, k), (s, _) in signals.items() if k == HEEL_STRIKE], traj.fps)
    if period_s is None:
        log.warning("no walking rhythm found (no periodic foot motion between %.1f and %.1f Hz)", *STRIDE_BAND_HZ)
        return []
    events = []
    for (foot, kind), (signal, names) in signals.items():
        for index in signal_peaks(signal, valid, traj.fps, period_s):
            events.append(_make(traj, foot, kind, index, names))
    return sorted(events, key=lambda e: e.time_s)


def _settle(y: np.ndarray, stance: tuple[int, int], far: int, fraction: float) -> float | None:
    """Fractional index where the foot point ``y`` arrives at (``far`` before ``stance``) or leaves (``far``
    after it) its stance position: the median of ``y`` over the ``stance`` frames; the foot counts as there
    while it is within ``fraction`` of its largest distance from it between ``far`` and the stance frames,
    or within three times its jitter (robust SD) over the stance frames if that is more."""
    # the last (first) strides of a clip: a stance window running past the end (start) is cut to the frames
    # there are, as long as a few remain; ``far`` is clipped the same way
    s0, s1 = max(0, stance[0]), min(len(y), stance[1])
    far = min(max(far, 0), len(y) - 1)
    if s1 - s0 < max(2, (stance[1] - stance[0]) // 2) or s0 <= far < s1:
        return None
    ys = y[s0:s1]
    if np.isfinite(ys).sum() < 2:
        return None
    home = float(np.nanmedian(ys))
    jitter = 1.4826 * float(np.nanmedian(np.abs(ys - home)))     # robust SD of the still foot
    backwards = far < s0
    span = y[far:s0] if backwards else y[s1:far + 1]
    if not np.isfinite(span).any():
        return None
    tol = max(fraction * float(np.nanmax(np.abs(span - home))), 3.0 * jitter)
    if tol <= 0:
        return None
    step = -1 if backwards else 1
    i = s0 if backwards else s1 - 1
    while 0 <= i + step < len(y) and (i + step - far) * step <= 0:
        j = i + step
        if not np.isfinite(y[j]):
            return None
        if abs(y[j] - home) >= tol:
            a, b = abs(y[i] - home), abs(y[j] - home)
            return float(i + step * (tol - a) / (b - a)) if b != a else float(i)
        i = j
    return None


def frontal_events(traj: LegTrajectories, period_s: float | None = None, fraction: float = 0.1) -> list[GaitEvent]:
    """Footprint events on the image's vertical axis (frontal view; see the module notes).

    Parameters
    ----------
    traj
        Cleaned trajectories.
    period_s
        Stride period; estimated from the signals when None.
    fraction
        How close (as a fraction of the swing's vertical excursion) the foot must be to its stance
        position to count as on the ground.
    """
    scale = traj.scale
    pelvis_y = traj.get("pelvis")[:, 1]
    per_foot, rhythm = {}, []
    for foot in ("left", "right"):
        pts = {part: traj.foot(foot, part) for part in ("heel", "toe", "ankle")}
        filled, ok = _filled(pts["ankle"][0][:, 1])
        with np.errstate(all="ignore"):
            speed = np.where(ok, np.abs(np.gradient(filled, traj.t)) / scale, np.nan)
            rhythm.append((pts["ankle"][0][:, 1] - pelvis_y) / scale)   # one cycle per stride
        per_foot[foot] = (speed, {part: p[:, 1] for part, (p, _) in pts.items()},
                          {part: name for part, (_, name) in pts.items()})
    if period_s is None:
        period_s = stride_period(rhythm, traj.fps)
    if period_s is None:
        log.warning("no walking rhythm found in the vertical foot motion")
        return []
    P = period_s * traj.fps
    smooth = max(1, int(round(0.25 * P)))
    events = []
    for foot, (speed, ys, names) in per_foot.items():
        valid = np.isfinite(speed)
        envelope = np.convolve(_filled(speed)[0], np.ones(smooth) / smooth, mode="same")
        for centre in signal_peaks(envelope, valid, traj.fps, period_s, prominence=0.3):
            a = int(round(centre))
            hs = _settle(ys["heel"], (int(a + 0.28 * P), int(a + 0.48 * P)), int(a - 0.3 * P), fraction)
            to = _settle(ys["toe"], (int(a - 0.48 * P), int(a - 0.28 * P)), int(a + 0.3 * P), fraction)
            if hs is not None:
                events.append(_make(traj, foot, HEEL_STRIKE, hs, [names["heel"], f"{foot}_hip"]))
            if to is not None:
                events.append(_make(traj, foot, TOE_OFF, to, [names["toe"], f"{foot}_hip"]))
    return sorted(events, key=lambda e: e.time_s)


def detect_events(traj: LegTrajectories, view: str, direction: np.ndarray | None = None,
                  fraction: float = 0.1) -> list[GaitEvent]:
    """Heel strikes and toe offs of both feet, by the method for ``view`` (``"side"`` or ``"frontal"``)."""
    if view == "side":
        return side_events(traj, direction if direction is not None else np.ones(len(traj.t)))
    return frontal_events(traj, fraction=fraction)


__all__ = ["STRIDE_BAND_HZ", "detect_events", "frontal_events", "side_events", "signal_peaks", "stride_period",
           "turn_mask"]

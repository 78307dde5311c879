"""Which view the camera has of the walker (side or frontal), and which way the walker faces.

Two cues, each a ratio of image distances and so independent of the walker's size:

* width ratio: shoulder width plus hip width over twice the torso length. Side-on the shoulders and
  hips overlap (about 0-0.3); facing or backing the camera they span their anatomical width (about
  0.6-0.9 of the torso length).
* excursion ratio: horizontal over vertical range (5th to 95th percentile) of the ankles relative to
  the pelvis, in leg lengths. Side-on the feet swing a step length forwards and back (ratio well
  above 1); in a frontal view they move little sideways but up and down and, through perspective,
  along the image's vertical (ratio below 1).

Each cue votes in [-1, 1] (positive: side); the view is the sign of the mean vote, its confidence
the mean vote's magnitude.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.ndimage import median_filter

from actionpose.tasks.gait.results import ViewEstimate
from actionpose.tasks.gait.trajectories import LegTrajectories, nanmean_stack

log = logging.getLogger(__name__)

VIEWS = ("side", "frontal")


def _nanmedian(x: np.ndarray) -> float:
    x = np.asarray(x, np.float64)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _range(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.percentile(x, 95) - np.percentile(x, 5)) if x.size > 10 else float("nan")


def width_ratio(traj: LegTrajectories) -> float:
    """Median (shoulder width + hip width) / (2 torso length) over the frames where all are seen."""
    ls, rs = traj.get("left_shoulder"), traj.get("right_shoulder")
    lh, rh = traj.get("left_hip"), traj.get("right_hip")
    torso = np.linalg.norm(traj.get("neck") - traj.get("pelvis"), axis=-1)
    with np.errstate(all="ignore"):
        ratio = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / (2 * torso)
    return _nanmedian(ratio)


def excursion_ratio(traj: LegTrajectories) -> float:
    """Median over both feet of horizontal / vertical range of the ankle relative to the pelvis."""
    pelvis = traj.get("pelvis")
    ratios = []
    for side in ("left", "right"):
        ankle, _ = traj.foot(side, "ankle")
        with np.errstate(all="ignore"):
            rel = (ankle - pelvis) / traj.scale[:, None]
        h, v = _range(rel[:, 0]), _range(rel[:, 1])
        if np.isfinite(h) and np.isfinite(v) and v > 0:
            ratios.append(h / v)
    return float(np.median(ratios)) if ratios else float("nan")


def facing_direction(traj: LegTrajectories, window_s: float = 1.0) -> np.ndarray:
    """Per-frame image direction the walker faces in a side view: +1 towards +x (right), -1 towards -x.

    Votes, each clipped to [-1, 1]: the toe ahead of the heel, the nose ahead of the ears, and the
    pelvis moving (overground). Their sum is median-filtered over ``window_s`` so that a turn flips
    the sign once. Frames without any vote take the nearest decided frame's sign (+1 if none).
    """
    n = len(traj.t)
    votes = np.zeros(n)
    scale = traj.scale
    with np.errstate(all="ignore"):
        for side in ("left", "right"):
            if traj.has(f"{side}_heel") and traj.has(f"{side}_foot_index"):
                d = (traj.get(f"{side}_foot_index")[:, 0] - traj.get(f"{side}_heel")[:, 0]) / (0.15 * scale)
                votes += np.nan_to_num(np.clip(d, -1, 1))
        if traj.has("nose") and (traj.has("left_ear") or traj.has("right_ear")):
            ears = [traj.get(e)[:, 0] for e in ("left_ear", "right_ear") if traj.has(e)]
            ear = nanmean_stack(ears)
            d = (traj.get("nose")[:, 0] - ear) / (0.05 * scale)
            votes += np.nan_to_num(np.clip(d, -1, 1))
        pelvis_x = traj.get("pelvis")[:, 0]
        if np.isfinite(pelvis_x).sum() > 3:
            v = np.gradient(np.where(np.isfinite(pelvis_x), pelvis_x, np.nan), traj.t) / scale
            votes += np.nan_to_num(np.clip(v / 0.5, -1, 1))
    size = max(1, int(round(window_s * traj.fps)) | 1)
    filtered = median_filter(votes, size=size, mode="nearest")
    sign = np.sign(filtered)
    if not np.any(sign):
        return np.ones(n)
    idx = np.flatnonzero(sign)
    nearest = idx[np.clip(np.searchsorted(idx, np.arange(n)), 0, len(idx) - 1)]
    sign[sign == 0] = sign[nearest[sign == 0]]
    return sign


def count_turns(direction: np.ndarray) -> int:
    """Number of sign flips of a per-frame direction."""
    return int(np.count_nonzero(np.diff(direction) != 0))


def detect_view(traj: LegTrajectories, force: str | None = None) -> tuple[ViewEstimate, np.ndarray]:
    """The camera's view of the walker and the per-frame facing direction (side view; +1 in frontal).

    Parameters
    ----------
    traj
        Cleaned trajectories (:func:`actionpose.tasks.gait.trajectories.leg_trajectories`).
    force
        ``"side"`` or ``"frontal"`` to skip the detection (the cues are still measured and reported).
    """
    w = width_ratio(traj)
    e = excursion_ratio(traj)
    votes = []
    if np.isfinite(w):
        votes.append(float(np.clip((0.42 - w) / 0.2, -1, 1)))
    if np.isfinite(e):
        votes.append(float(np.clip(np.log2(e / 1.3), -1, 1)))
    score = float(np.mean(votes)) if votes else 0.0
    view = force if force in VIEWS else ("side" if score >= 0 else "frontal")
    confidence = abs(score) if force not in VIEWS else 1.0
    if view == "side":
        direction = facing_direction(traj)
        share = float(np.mean(direction > 0))
        label = "left_to_right" if share > 0.8 else "right_to_left" if share < 0.2 else "both"
        turns = count_turns(direction)
    else:
        direction = np.ones(len(traj.t))
        label = _frontal_direction(traj)
        turns = 0
    log.info("view %s (confidence %.2f, width ratio %.2f, excursion ratio %.2f)", view, confidence, w, e)
    return ViewEstimate(view=view, confidence=round(confidence, 3), direction=label,
                        width_ratio=round(w, 3) if np.isfinite(w) else float("nan"),
                        excursion_ratio=round(e, 3) if np.isfinite(e) else float("nan"),
                        turns=turns, forced=force in VIEWS), direction


def _frontal_direction(traj: LegTrajectories) -> str:
    """``"approaching"`` when the apparent size grows by more than 15 % over the clip, ``"leaving"`` when it
    shrinks as much, else ``"in_place"`` (treadmill or standing distance)."""
    ok = np.isfinite(traj.scale) & (traj.scale > 0)
    if ok.sum() < 10:
        return "in_place"
    slope = np.polyfit(traj.t[ok], np.log(traj.scale[ok]), 1)[0]
    change = slope * (traj.t[ok][-1] - traj.t[ok][0])
    if change > np.log(1.15):
        return "approaching"
    if change < -np.log(1.15):
        return "leaving"
    return "in_place"


__all__ = ["VIEWS", "count_turns", "detect_view", "excursion_ratio", "facing_direction", "width_ratio"]

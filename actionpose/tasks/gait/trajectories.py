"""One walker's leg trajectories, cleaned for gait analysis.

Low-confidence points are dropped, short gaps are interpolated, and every coordinate is low-pass
filtered with a zero-lag 4th-order Butterworth filter (a 2nd-order design run forwards and
backwards, ``scipy.signal.filtfilt``), 6 Hz by default as is usual for gait kinematics (Winter 2009).
The apparent leg length per frame (hip to knee plus knee to ankle, a rolling median over about two
seconds) is the body scale: it makes distances dimensionless in any view, and follows the walker's
apparent size when they approach or leave the camera.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.signal import butter, filtfilt

from actionpose.skeleton.layouts import resolve_joint
from actionpose.skeleton.sequence import PoseSequence

#: joints the analysis reads, per side
LEG_JOINTS = ("hip", "knee", "ankle", "heel", "foot_index")
#: trunk and head points (direction and view cues)
BODY_POINTS = ("pelvis", "neck", "nose", "left_ear", "right_ear", "left_shoulder", "right_shoulder")


@dataclass
class LegTrajectories:
    """Cleaned image trajectories of one walker.

    Parameters
    ----------
    t
        ``(T,)`` seconds.
    fps
        Frame rate.
    points
        Joint name -> ``(T, 2)`` filtered pixel coordinates (NaN where unknown); only the joints the
        layout has or can derive.
    scores
        Joint name -> ``(T,)`` raw keypoint scores (0 where missing).
    scale
        ``(T,)`` apparent leg length in pixels (hip-knee plus knee-ankle), smoothed.
    frame_size
        ``(width, height)`` or None.
    """

    t: np.ndarray
    fps: float
    points: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    scale: np.ndarray
    frame_size: tuple[int, int] | None = None
    raw: dict[str, np.ndarray] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether the layout provides ``name`` and it was seen at least once."""
        return name in self.points and bool(np.isfinite(self.points[name][:, 0]).any())

    def get(self, name: str) -> np.ndarray:
        """``(T, 2)`` positions of ``name`` (all NaN when absent)."""
        if name in self.points:
            return self.points[name]
        return np.full((len(self.t), 2), np.nan)

    def foot(self, side: str, part: str) -> tuple[np.ndarray, str]:
        """Position of a foot point, with fallbacks: ``part`` is ``"heel"``, ``"toe"`` or ``"ankle"``.

        Returns the ``(T, 2)`` positions and the joint actually used (heel and toe fall back to the ankle).
        """
        name = {"heel": f"{side}_heel", "toe": f"{side}_foot_index", "ankle": f"{side}_ankle"}[part]
        if self.has(name):
            return self.points[name], name
        return self.get(f"{side}_ankle"), f"{side}_ankle"

    def score(self, name: str) -> np.ndarray:
        """``(T,)`` raw scores of ``name`` (zeros when absent)."""
        return self.scores.get(name, np.zeros(len(self.t)))


def nan_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` of the runs where ``valid`` is False."""
    bad = ~np.asarray(valid, bool)
    edges = np.diff(np.concatenate([[0], bad.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def fill_short_gaps(x: np.ndarray, max_gap: int) -> np.ndarray:
    """Linear interpolation across interior NaN runs of at most ``max_gap`` samples (per column)."""
    x = np.array(x, dtype=np.float64, copy=True)
    cols = x.reshape(len(x), -1)
    idx = np.arange(len(x))
    for c in range(cols.shape[1]):
        col = cols[:, c]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            continue
        for a, b in nan_runs(ok):
            if a == 0 or b == len(col) or b - a > max_gap:
                continue
            col[a:b] = np.interp(idx[a:b], idx[ok], col[ok])
    return cols.reshape(x.shape)


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float) -> np.ndarray:
    """Zero-lag Butterworth low-pass of each finite run of each column (runs too short stay as they are)."""
    x = np.array(x, dtype=np.float64, copy=True)
    if cutoff_hz <= 0:
        return x
    wn = min(cutoff_hz, 0.45 * fps) / (0.5 * fps)
    b, a = butter(2, wn)
    cols = x.reshape(len(x), -1)
    for c in range(cols.shape[1]):
        ok = np.isfinite(cols[:, c])
        for s, e in nan_runs(~ok):          # runs of valid samples
            if e - s > 3 * max(len(a), len(b)):
                cols[s:e, c] = filtfilt(b, a, cols[s:e, c])
    return cols.reshape(x.shape)


def rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred rolling median ignoring NaN (needs a third of the window), edges and gaps filled from neighbours."""
    s = pd.Series(np.asarray(x, np.float64))
    out = s.rolling(max(1, window), center=True, min_periods=max(1, window // 3)).median()
    return out.interpolate(limit_direction="both").to_numpy()


def nanmean_stack(arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise mean of the finite values of equally shaped arrays (NaN where none is finite)."""
    stack = np.stack([np.asarray(a, np.float64) for a in arrays])
    count = np.isfinite(stack).sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(count > 0, np.nansum(stack, axis=0) / count, np.nan)


def leg_trajectories(seq: PoseSequence, column: int = 0, min_score: float = 0.3, max_gap_s: float = 0.3,
                     cutoff_hz: float = 6.0) -> LegTrajectories:
    """Cleaned trajectories of the person in track slot ``column`` of ``seq``.

    Parameters
    ----------
    seq
        Poses in any layout with hips, knees and ankles (heels and toes are used when present).
    column
        Person slot (index into ``seq.track_ids``).
    min_score
        Points scored below this are treated as missing (MediaPipe scores are visibilities).
    max_gap_s
        Gaps up to this long are interpolated.
    cutoff_hz
        Low-pass cut-off (0 disables filtering).
    """
    one = seq.data[:, column: column + 1]
    view = PoseSequence(one, seq.layout, seq.fps, timestamps=seq.timestamps, frame_size=seq.frame_size)
    names = list(BODY_POINTS) + [f"{s}_{j}" for s in ("left", "right") for j in LEG_JOINTS]
    max_gap = max(1, int(round(max_gap_s * seq.fps)))
    points, scores, raw = {}, {}, {}
    for name in names:
        if not resolve_joint(seq.layout, name):
            continue
        p = view.point(name)[:, 0]
        xy = p[:, :2].astype(np.float64)
        score = np.nan_to_num(p[:, -1].astype(np.float64))
        xy[score < min_score] = np.nan
        raw[name] = xy.copy()
        scores[name] = score
        points[name] = lowpass(fill_short_gaps(xy, max_gap), seq.fps, cutoff_hz)
    legs = []
    for side in ("left", "right"):
        hip, knee, ankle = (points.get(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        if hip is None or knee is None or ankle is None:
            continue
        legs.append(np.linalg.norm(hip - knee, axis=-1) + np.linalg.norm(knee - ankle, axis=-1))
    if legs:
        per_frame = nanmean_stack(legs)
        scale = rolling_median(per_frame, int(round(2.0 * seq.fps)))
    else:
        scale = np.full(seq.num_frames, np.nan)
    return LegTrajectories(t=np.asarray(seq.timestamps, np.float64), fps=float(seq.fps), points=points,
                           scores=scores, scale=scale, frame_size=seq.frame_size, raw=raw)


__all__ = ["BODY_POINTS", "LEG_JOINTS", "LegTrajectories", "fill_short_gaps", "leg_trajectories", "lowpass",
           "nan_runs", "nanmean_stack", "rolling_median"]

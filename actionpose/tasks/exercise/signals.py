"""Per-frame measures of one tracked person: angles, inclinations, normalised heights, offsets.

Every measure is computed in the image plane from joints whose score is at least ``min_score``
(others are missing). Lengths are in units of the person's torso (neck to pelvis), taken as a
rolling 95th percentile over ``ref_window_s`` so that it neither jitters with the pose nor shrinks
when the trunk leans towards the camera. ``scale: self`` heights are divided by their own rolling
95th percentile instead: 1.0 is the person's standing (or arms-straight) value, whatever the camera
angle, distance or the frame's aspect ratio.

Two context signals help the rules: the *facing* direction (+1 facing the image's +x, -1 facing
-x; from nose vs ears, else toes vs heels, else nose vs neck) and the *view* (side view when the
shoulders are closer together than half a torso length, which is a yaw above roughly 55 degrees
from a frontal view; biacromial width is about 0.9 torso lengths, Drillis & Contini 1966).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from actionpose.datasets.blocks import runs
from actionpose.errors import LayoutError
from actionpose.features.angles import angle_between, inclination
from actionpose.skeleton.layouts import resolve_joint
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.definitions import Condition, Measure

log = logging.getLogger(__name__)

SIDE_NAMES = ("left", "right")
#: a side is used by ``sides: auto`` when the median score of its joints reaches this
SIDE_SCORE = 0.5
#: shoulder width / torso length below which a frame is a side view
SIDE_VIEW_RATIO = 0.5


@dataclass
class MeasureValues:
    """A measure over the frames of one track: the combined value and, for measures with sides, each side."""

    value: np.ndarray
    left: np.ndarray | None = None
    right: np.ndarray | None = None


def _nan_reduce(fn: Callable, arrays: list[np.ndarray]) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(np.stack(arrays), axis=0)


def rolling(values: np.ndarray, frames: int, how: str = "median", q: float = 0.95) -> np.ndarray:
    """Centred rolling median or quantile over ``frames`` frames, ignoring NaN (NaN where none)."""
    frames = max(1, int(frames))
    r = pd.Series(np.asarray(values, dtype=np.float64)).rolling(frames, center=True, min_periods=1)
    return np.array((r.median() if how == "median" else r.quantile(q)).to_numpy(), dtype=np.float64)


def fill_gaps(values: np.ndarray, max_frames: int) -> np.ndarray:
    """Linear interpolation across runs of NaN of at most ``max_frames`` frames that have a value on both sides."""
    out = np.asarray(values, dtype=np.float64).copy()
    if max_frames <= 0:
        return out
    missing = np.isnan(out)
    idx = np.arange(len(out))
    for start, stop, gap in runs(missing):
        if gap and start > 0 and stop < len(out) and stop - start <= max_frames:
            out[start:stop] = np.interp(idx[start:stop], [start - 1, stop], [out[start - 1], out[stop]])
    return out


def smooth(values: np.ndarray, frames: int) -> np.ndarray:
    """Centred running median over ``frames`` frames (odd, >= 1) that keeps missing frames missing.

    A median removes single-frame landmark glitches without flattening the turning points the
    way a mean does.
    """
    frames = max(1, int(frames) | 1)
    out = rolling(values, frames, "median")
    out[np.isnan(values)] = np.nan
    return out


class TrackMeasures:
    """Measures of one person of a :class:`PoseSequence`.

    Parameters
    ----------
    seq
        The poses (any layout with a body).
    track
        Index of the person slot (not the track id).
    min_score
        Joints scored below this are missing.
    ref_window_s
        Window of the rolling torso and ``scale: self`` references.
    learned
        ``(measure, seq, track) -> (T,)`` for ``learned`` measures (see :mod:`.learned`).
    """

    def __init__(self, seq: PoseSequence, track: int = 0, min_score: float = 0.3, ref_window_s: float = 30.0,
                 learned: Callable[[Measure, PoseSequence, int], np.ndarray] | None = None) -> None:
        self.seq = seq
        self.track = track
        self.min_score = min_score
        self.T = seq.num_frames
        self.ref_frames = max(1, int(round(ref_window_s * seq.fps)))
        self.second = max(1, int(round(seq.fps)))
        self._points: dict[str, np.ndarray] = {}
        self._learned = learned
        self.torso = self._torso_ref()
        self.facing = self._facing()
        self.side_view = self._side_view()

    # ------------------------------------------------------------ joints
    def has(self, name: str) -> bool:
        """Whether the layout has or can derive ``name``."""
        return bool(resolve_joint(self.seq.layout, name))

    def point(self, name: str) -> np.ndarray:
        """``(T, 2)`` x, y of a joint (NaN where missing, scored below ``min_score`` or not derivable)."""
        if name not in self._points:
            try:
                p = self.seq.point(name)[:, self.track]
                xy = p[:, :2].astype(np.float64)
                xy[~(p[:, -1] >= self.min_score)] = np.nan
            except LayoutError:
                xy = np.full((self.T, 2), np.nan)
            self._points[name] = xy
        return self._points[name]

    def score(self, name: str) -> np.ndarray:
        """``(T,)`` score of a joint (0 where not derivable)."""
        try:
            return np.nan_to_num(self.seq.point(name)[:, self.track, -1].astype(np.float64))
        except LayoutError:
            return np.zeros(self.T)

    def _mean_point(self, names: tuple[str, ...]) -> np.ndarray:
        return _nan_reduce(np.mean, [self.point(n) for n in names]) if len(names) > 1 else self.point(names[0])

    def sided(self, names: tuple[str, ...], side: str) -> tuple[str, ...]:
        """``names`` with side-less names given the side's prefix where the layout has that joint."""
        return tuple(f"{side}_{n}" if self.has(f"{side}_{n}") else n for n in names)

    def has_sides(self, names: tuple[str, ...]) -> bool:
        """Whether some name of ``names`` exists per side."""
        return any(self.has(f"left_{n}") for n in names)

    def side_reliable(self, names: tuple[str, ...], side: str) -> bool:
        """Whether the side's joints are well seen: median score over the person's frames >= :data:`SIDE_SCORE`."""
        scores = np.min([self.score(n) for n in self.sided(names, side)], axis=0)
        present = self.seq.present[:, self.track]
        return bool(present.any() and np.median(scores[present]) >= SIDE_SCORE)

    # ----------------------------------------------------------- context
    def _torso_ref(self) -> np.ndarray:
        torso = np.linalg.norm(self.point("neck") - self.point("pelvis"), axis=1)
        torso[torso <= 0] = np.nan
        ref = rolling(torso, self.ref_frames, "quantile", 0.95)
        if np.isfinite(ref).any():
            ref = np.where(np.isfinite(ref), ref, np.nanmedian(ref))
        return ref

    def _facing(self) -> np.ndarray:
        dx = np.full(self.T, np.nan)
        pairs = [(("nose",), ("left_ear", "right_ear")), (("left_foot_index", "right_foot_index"),
                                                          ("left_heel", "right_heel")), (("nose",), ("neck",))]
        for front, back in pairs:
            if not all(self.has(n) for n in front + back):
                continue
            d = self._mean_point(front)[:, 0] - self._mean_point(back)[:, 0]
            dx = np.where(np.isnan(dx), d, dx)
        sign = np.sign(rolling(np.sign(dx), self.second, "median"))
        sign[sign == 0] = np.nan
        return sign

    def _side_view(self) -> np.ndarray:
        ls, rs = self.point("left_shoulder"), self.point("right_shoulder")
        width = np.abs(ls[:, 0] - rs[:, 0])
        view = np.where(np.isfinite(width), (width / self.torso < SIDE_VIEW_RATIO).astype(float), np.nan)
        one = np.isfinite(ls[:, 0]) ^ np.isfinite(rs[:, 0])   # one shoulder hidden: turned sideways
        view[one] = 1.0
        return rolling(view, self.second, "median")

    # ----------------------------------------------------------- measures
    def _one_side(self, m: Measure, names: tuple[str, ...], ref: tuple[str, ...]) -> np.ndarray:
        """The raw measure for one set of (already sided) joint names."""
        if m.type == "angle":
            a, b, c = (self.point(n) for n in names)
            return angle_between(a, b, c)
        if m.type in ("inclination", "lean"):
            lower, upper = self.point(names[0]), self.point(names[1])
            incl = inclination(lower, upper)
            if m.type == "inclination":
                return incl
            return incl * np.sign(self.facing * (upper[:, 0] - lower[:, 0]))
        if m.type == "bend":
            a, b, c = (self.point(n) for n in names)
            line = c - a
            normal = np.stack([-line[:, 1], line[:, 0]], axis=1)
            normal *= np.where(normal[:, 1] > 0, -1.0, 1.0)[:, None]    # the normal that points up (image -y)
            sign = np.sign(((b - a) * normal).sum(axis=1))
            return (180.0 - angle_between(a, b, c)) * np.where(sign == 0, 1.0, sign)
        if m.type == "height":
            return self._mean_point(ref)[:, 1] - self.point(names[0])[:, 1]
        if m.type == "distance":
            return np.linalg.norm(self.point(names[0]) - self.point(names[1]), axis=1) / self.torso
        if m.type == "forward":
            x = self.point(names[0])[:, 0]
            out = np.full(self.T, np.nan)
            for ref_name, shift in zip(ref, m.shift or (0.0,) * len(ref)):
                if not self.has(ref_name):
                    continue
                ahead = self.facing * (x - self.point(ref_name)[:, 0]) / self.torso - shift
                out = np.where(np.isnan(out), ahead, out)
            return out
        raise ValueError(f"unknown measure type {m.type!r}")

    def _scaled(self, m: Measure, raw: np.ndarray) -> np.ndarray:
        if m.type != "height":
            return raw
        if m.scale == "torso":
            return raw / self.torso
        ref = rolling(raw, self.ref_frames, "quantile", 0.95)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(ref > 0, raw / ref, np.nan)

    def compute(self, m: Measure) -> MeasureValues:
        """The measure's values over the track's frames."""
        if m.type == "learned":
            if self._learned is None:
                raise ValueError("learned measures need a model loader")
            return MeasureValues(np.asarray(self._learned(m, self.seq, self.track), dtype=np.float64))
        names, ref = m.joints, m.ref
        if not self.has_sides(names + ref):
            return MeasureValues(self._scaled(m, self._one_side(m, names, ref)))
        side = {s: self._scaled(m, self._one_side(m, self.sided(names, s), self.sided(ref, s))) for s in SIDE_NAMES}
        left, right = side["left"], side["right"]
        if m.sides in ("left", "right"):
            return MeasureValues(side[m.sides], left, right)
        if m.sides == "mean":
            return MeasureValues(_nan_reduce(np.nanmean, [left, right]), left, right)
        if m.sides in ("front", "back"):
            ahead = [self.facing * self.point(f"{s}_ankle")[:, 0] if self.has(f"{s}_ankle") else np.full(self.T, np.nan)
                     for s in SIDE_NAMES]
            left_front = ahead[0] > ahead[1]
            pick_left = left_front if m.sides == "front" else ~left_front
            value = np.where(pick_left, left, right)
            value[np.isnan(ahead[0]) | np.isnan(ahead[1])] = np.nan
            return MeasureValues(value, left, right)
        reliable = [s for s in SIDE_NAMES if self.side_reliable(names + ref, s)]
        if m.sides == "diff":
            value = np.abs(left - right) if len(reliable) == 2 else np.full(self.T, np.nan)
            return MeasureValues(value, left, right)
        used = [side[s] for s in (reliable or SIDE_NAMES)]
        fn = {"auto": np.nanmean, "min": np.nanmin, "max": np.nanmax}[m.sides]
        return MeasureValues(_nan_reduce(fn, used), left, right)

    def gate(self, conditions: tuple[Condition, ...], measures: dict[str, Measure], smooth_frames: int) -> np.ndarray:
        """``(T,)`` bool: frames where every condition holds on the smoothed measure (missing: False)."""
        ok = np.ones(self.T, dtype=bool)
        for cond in conditions:
            ok &= cond.zone.holds(smooth(self.compute(measures[cond.measure]).value, smooth_frames))
        return ok


__all__ = ["MeasureValues", "SIDE_SCORE", "SIDE_VIEW_RATIO", "TrackMeasures", "fill_gaps", "rolling", "smooth"]

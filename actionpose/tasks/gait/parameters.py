"""Spatiotemporal gait parameters from heel strikes and toe offs.

Definitions (times from the events; lengths from the cleaned trajectories):

* stride time: heel strike to the next heel strike of the same foot; strides outside 0.75-1.25 times
  the median stride, or spanning a turn, are left out (a missed or spurious event, or turning);
* cadence: ``120 / mean stride time`` steps per minute (stride and step times are means over the
  kept strides and steps);
* step time (left): right heel strike to the following left heel strike (and vice versa), for steps
  inside a kept stride whose other event belongs to a kept stride of the other foot and lies between
  20 and 80 % of the stride; the overall step time is the mean of the left and right ones;
* stance: heel strike to toe off of the same foot, in % of the stride; swing = 100 - stance;
* double support: both feet on the ground, the two periods per stride (heel strike of one foot to toe
  off of the other), in % of the stride; stance, swing and double support only in a side view;
* step length (side view): distance along the walking direction between the two ankles at the
  heel strike of the leading foot (as in Stenum et al. 2021, PLoS Comput Biol 17:e1008935), taken
  as the largest separation from 5 % of a stride before to 10 % after the detected heel strike
  (the separation peaks at heel strike, so an event a frame off does not shorten the step);
  stride length = left + right step length;
* gait speed (side view): how fast the pelvis moves over the stance foot, i.e. the slope of the
  stance ankle's position relative to the pelvis from 10 % of the stride after heel strike until
  20 % before toe off, averaged over stances; this is the speed over the ground overground, on a
  treadmill and with a panning camera alike;
* step width (frontal view): horizontal image distance between the ankles at heel strike.

Lengths are in leg lengths (apparent hip-knee plus knee-ankle length at that frame); with the
walker's height they are also given in metres, taking the leg as 0.491 of the height (thigh 0.245
plus shank 0.246, Winter 2009).
"""

from __future__ import annotations

import numpy as np

from actionpose.tasks.gait.results import HEEL_STRIKE, TOE_OFF, GaitEvent, GaitParameters, symmetry_index
from actionpose.tasks.gait.trajectories import LegTrajectories

#: leg length (thigh + shank) as a fraction of body height (Winter 2009)
LEG_LENGTH_OF_HEIGHT = 0.245 + 0.246
#: strides kept, as a fraction of the median stride time
STRIDE_RANGE = (0.75, 1.25)


def _times(events: list[GaitEvent], foot: str, kind: str) -> np.ndarray:
    return np.array(sorted(e.time_s for e in events if e.foot == foot and e.kind == kind))


def _mean(values: list[float]) -> float | None:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.mean(v)) if v else None


def valid_strides(events: list[GaitEvent], t: np.ndarray, direction: np.ndarray | None = None,
                  kind: str = HEEL_STRIKE) -> dict[str, list[tuple[float, float]]]:
    """Per foot, the ``(start, end)`` pairs of consecutive events of ``kind`` kept as strides (see the module notes)."""
    pairs = {}
    for foot in ("left", "right"):
        hs = _times(events, foot, kind)
        pairs[foot] = list(zip(hs[:-1], hs[1:]))
    durations = [b - a for p in pairs.values() for a, b in p]
    if not durations:
        return {f: [] for f in pairs}
    med = float(np.median(durations))
    out = {}
    for foot, p in pairs.items():
        kept = []
        for a, b in p:
            if not STRIDE_RANGE[0] * med <= b - a <= STRIDE_RANGE[1] * med:
                continue
            if direction is not None:
                i, j = np.searchsorted(t, [a, b])
                seg = direction[max(0, i - 1): min(len(direction), j + 1)]
                if seg.size and np.any(seg != seg[0]):
                    continue
            kept.append((float(a), float(b)))
        out[foot] = kept
    return out


def _between(times: np.ndarray, a: float, b: float) -> np.ndarray:
    return times[(times > a) & (times < b)]


def _at(t: np.ndarray, values: np.ndarray, when: float) -> float:
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return float("nan")
    return float(np.interp(when, t[ok], values[ok]))


def spatiotemporal(events: list[GaitEvent], traj: LegTrajectories, view: str, direction: np.ndarray | None = None,
                   height_m: float | None = None, timing: str = HEEL_STRIKE) -> GaitParameters:
    """Compute :class:`GaitParameters` (without the angle fields) from the events of one walker.

    Parameters
    ----------
    events
        Heel strikes and toe offs of both feet.
    traj
        The cleaned trajectories the events came from.
    view
        ``"side"`` or ``"frontal"``: lengths along the walking line need a side view, step width a frontal one.
    direction
        Per-frame facing direction (side view), +1 or -1.
    height_m
        The walker's height; adds the ``_m`` and ``_mps`` fields.
    timing
        The event whose intervals give stride time, cadence and step time: ``"heel_strike"`` (the usual
        definition), or ``"toe_off"`` where heel strikes are blurred (a walker leaving the camera: the
        heel's descent and its recession cancel on the image's vertical axis); step times between toe
        offs equal those between heel strikes when both stances last equally long.
    """
    t = traj.t
    if direction is None:
        direction = np.ones(len(t))
    strides = valid_strides(events, t, direction if view == "side" else None)
    clock = strides if timing == HEEL_STRIKE else valid_strides(events, t, None, kind=timing)
    hs = {f: _times(events, f, HEEL_STRIKE) for f in ("left", "right")}
    to = {f: _times(events, f, TOE_OFF) for f in ("left", "right")}
    beats = {f: _times(events, f, timing) for f in ("left", "right")}
    other = {"left": "right", "right": "left"}
    p = GaitParameters(strides_left=len(clock["left"]), strides_right=len(clock["right"]))
    stride_times = [b - a for f in clock for a, b in clock[f]]
    if stride_times:
        p.stride_time_s = float(np.mean(stride_times))
        p.cadence_spm = 120.0 / p.stride_time_s
        if len(stride_times) > 1:
            p.stride_time_cv_pct = float(100 * np.std(stride_times, ddof=1) / p.stride_time_s)
    median_stride = float(np.median(stride_times)) if stride_times else None

    # step times, stance, double support
    step_times: dict[str, list[float]] = {"left": [], "right": []}
    stance: dict[str, list[float]] = {"left": [], "right": []}
    double: list[float] = []
    # events that start or end a kept stride (a lone event between rejected strides is likely spurious)
    kept = {f: {x for pair in clock[f] for x in pair} for f in clock}
    for foot in ("left", "right"):
        o = other[foot]
        for a, b in clock[foot]:
            # the step that ends at b: the other foot's event inside the stride
            mid = _between(beats[o], a, b)
            if len(mid) == 1 and float(mid[0]) in kept[o] and 0.2 <= (mid[0] - a) / (b - a) <= 0.8:
                step_times[foot].append(b - mid[0])
        for a, b in strides[foot]:
            mid = _between(hs[o], a, b)
            offs = _between(to[foot], a, b)
            if len(offs) == 1:
                stance[foot].append(100 * (offs[0] - a) / (b - a))
            other_off = _between(to[o], a, mid[0]) if len(mid) == 1 else []
            if len(mid) == 1 and len(offs) == 1 and len(other_off) == 1 and offs[0] > mid[0]:
                double.append(100 * ((other_off[0] - a) + (offs[0] - mid[0])) / (b - a))
    p.step_time_left_s = _mean(step_times["left"])
    p.step_time_right_s = _mean(step_times["right"])
    sides = [v for v in (p.step_time_left_s, p.step_time_right_s) if v is not None]
    p.step_time_s = float(np.mean(sides)) if sides else None        # both sides weigh alike
    if view != "side":
        # frontal heel strikes are early by up to 0.1 s (the synthetic walker): no stance or double support
        stance, double = {"left": [], "right": []}, []
    p.stance_left_pct = _mean(stance["left"])
    p.stance_right_pct = _mean(stance["right"])
    p.swing_left_pct = None if p.stance_left_pct is None else 100 - p.stance_left_pct
    p.swing_right_pct = None if p.stance_right_pct is None else 100 - p.stance_right_pct
    p.double_support_pct = _mean(double)
    p.step_time_si = symmetry_index(p.step_time_left_s, p.step_time_right_s)
    p.stance_si = symmetry_index(p.stance_left_pct, p.stance_right_pct)
    p.swing_si = symmetry_index(p.swing_left_pct, p.swing_right_pct)
    p.leg_length_px = float(np.nanmedian(traj.scale)) if np.isfinite(traj.scale).any() else None

    ankles = {f: traj.foot(f, "ankle")[0] for f in ("left", "right")}
    if view == "side":
        _side_lengths(p, traj, strides, hs, to, ankles, direction, median_stride)
    else:
        widths = []
        for foot in ("left", "right"):
            for a, b in strides[foot]:
                for when in (a, b):
                    d = abs(_at(t, ankles[foot][:, 0], when) - _at(t, ankles[other[foot]][:, 0], when))
                    widths.append(d / _at(t, traj.scale, when))
        p.step_width = _mean(sorted(set(widths)))
    if height_m:
        leg_m = LEG_LENGTH_OF_HEIGHT * float(height_m)
        for name in ("step_length", "step_length_left", "step_length_right", "stride_length", "step_width"):
            v = getattr(p, name)
            setattr(p, f"{name}_m", None if v is None else v * leg_m)
        p.gait_speed_mps = None if p.gait_speed is None else p.gait_speed * leg_m
    return p


def _side_lengths(p: GaitParameters, traj: LegTrajectories, strides: dict, hs: dict, to: dict, ankles: dict,
                  direction: np.ndarray, median_stride: float | None) -> None:
    """Step lengths and gait speed along the walking line (side view)."""
    t = traj.t
    other = {"left": "right", "right": "left"}
    lengths: dict[str, list[float]] = {"left": [], "right": []}
    if median_stride is None:
        return
    for foot in ("left", "right"):
        seen = set()
        for a, b in strides[foot]:
            for when in (a, b):
                if when in seen:
                    continue
                seen.add(when)
                # the ankles' separation peaks at heel strike: take its maximum near the event, which a
                # frame of error in the event time hardly changes
                m = (t >= when - 0.05 * median_stride) & (t <= when + 0.10 * median_stride)
                with np.errstate(all="ignore"):
                    d = (ankles[foot][m, 0] - ankles[other[foot]][m, 0]) * direction[m] / traj.scale[m]
                if np.isfinite(d).any() and np.nanmax(d) > 0:
                    lengths[foot].append(float(np.nanmax(d)))
    p.step_length_left = _mean(lengths["left"])
    p.step_length_right = _mean(lengths["right"])
    p.step_length = _mean(lengths["left"] + lengths["right"])
    if p.step_length_left is not None and p.step_length_right is not None:
        p.stride_length = p.step_length_left + p.step_length_right
    p.step_length_si = symmetry_index(p.step_length_left, p.step_length_right)
    pelvis_x = traj.get("pelvis")[:, 0]
    speeds = []
    for foot in ("left", "right"):
        for a, b in strides[foot]:
            offs = _between(to[foot], a, b)
            if len(offs) != 1:
                continue
            lo, hi = a + 0.10 * (b - a), offs[0] - 0.20 * (b - a)
            m = (t >= lo) & (t <= hi)
            with np.errstate(all="ignore"):
                rel = (ankles[foot][m, 0] - pelvis_x[m]) * direction[m] / traj.scale[m]
            ok = np.isfinite(rel)
            if ok.sum() < 3:
                continue
            slope = np.polyfit(t[m][ok], rel[ok], 1)[0]
            if slope < 0:
                speeds.append(-slope)
    p.gait_speed = _mean(speeds)


__all__ = ["LEG_LENGTH_OF_HEIGHT", "STRIDE_RANGE", "spatiotemporal", "valid_strides"]

"""Sagittal knee and hip flexion from a side view, per gait cycle.

* knee flexion: 180 degrees minus the angle at the knee between thigh and shank (0 = straight leg);
* hip flexion: the angle of the thigh (hip to knee) from the trunk line (neck to pelvis, downwards),
  positive when the knee is in front of the trunk along the walking direction.

Both are image-plane angles, so they are sagittal angles only in a side view. Each stride (heel
strike to heel strike of the same foot) is resampled to 101 points (0-100 % of the cycle); a stride
with more than a fifth of its samples missing is skipped.
"""

from __future__ import annotations

import numpy as np

from actionpose.features.angles import angle_between
from actionpose.tasks.gait.results import AngleCurves
from actionpose.tasks.gait.trajectories import LegTrajectories

JOINTS = ("knee_flexion", "hip_flexion")


def flexion_series(traj: LegTrajectories, direction: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """``{(joint, foot): (T,) degrees}`` for knee and hip flexion of both legs."""
    out = {}
    trunk = traj.get("pelvis") - traj.get("neck")
    for foot in ("left", "right"):
        hip, knee = traj.get(f"{foot}_hip"), traj.get(f"{foot}_knee")
        ankle, _ = traj.foot(foot, "ankle")
        with np.errstate(all="ignore"):
            out[("knee_flexion", foot)] = 180.0 - angle_between(hip, knee, ankle)
            thigh = knee - hip
            cross = trunk[:, 0] * thigh[:, 1] - trunk[:, 1] * thigh[:, 0]
            dot = (trunk * thigh).sum(axis=-1)
            out[("hip_flexion", foot)] = -np.degrees(np.arctan2(cross, dot)) * direction
    return out


def cycle_curves(series: np.ndarray, t: np.ndarray, strides: list[tuple[float, float]],
                 max_missing: float = 0.2) -> np.ndarray:
    """``(n, 101)`` curves of ``series`` over each ``(start, end)`` stride, resampled in time."""
    curves = []
    grid = np.linspace(0.0, 1.0, 101)
    for a, b in strides:
        m = (t >= a) & (t <= b)
        ts, ys = t[m], series[m]
        ok = np.isfinite(ys)
        if len(ys) < 5 or ok.mean() < 1 - max_missing or ok.sum() < 4:
            continue
        # include the interpolated values at the exact stride ends
        ys_all = np.interp(a + grid * (b - a), ts[ok], ys[ok])
        curves.append(ys_all)
    return np.array(curves).reshape(-1, 101)


def angle_curves(traj: LegTrajectories, strides: dict[str, list[tuple[float, float]]],
                 direction: np.ndarray) -> list[AngleCurves]:
    """Knee and hip flexion cycle curves of both legs, with their median range of motion."""
    series = flexion_series(traj, direction)
    out = []
    for (joint, foot), values in series.items():
        cycles = cycle_curves(values, traj.t, strides.get(foot, []))
        rom = float(np.median(cycles.max(axis=1) - cycles.min(axis=1))) if len(cycles) else None
        out.append(AngleCurves(joint=joint, foot=foot, cycles=cycles, rom_deg=rom))
    return out


__all__ = ["JOINTS", "angle_curves", "cycle_curves", "flexion_series"]

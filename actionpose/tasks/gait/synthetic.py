"""A kinematic walker with exactly known gait parameters, rendered as 2D pose sequences.

Used by the tests and the acceptance benchmark to check that the gait analysis recovers what was
put in, in a side view and in a frontal view (walker approaching or leaving the camera), with
detector-like noise and dropped joints.

The model is kinematic, not dynamic: footprints are placed from the step lengths, step times and
step width; each foot is a rigid heel-toe segment that rolls over the heel after heel strike, lies
flat, rolls over the toe until toe off, and swings to the next footprint along smooth (cubic
Hermite) curves; the pelvis moves at the mean walking speed and drops where the legs could not
reach otherwise (its vertical oscillation); knees follow from two-segment inverse kinematics. Body
proportions are Winter's (Biomechanics and Motor Control of Human Movement, 4th ed., 2009, table
4.1), the same ones :mod:`actionpose.tasks.gait.parameters` uses to turn leg lengths into metres.

>>> seq, truth = synthetic_walk(WalkerSpec(cadence_spm=110), view="side", noise=0.005, drop=0.03)
>>> truth.cadence_spm
110.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from actionpose.skeleton.layouts import get_layout
from actionpose.skeleton.sequence import PoseSequence

#: segment lengths and heights as fractions of body height (Winter 2009, table 4.1)
THIGH, SHANK = 0.245, 0.246
ANKLE_HEIGHT, FOOT_LENGTH = 0.039, 0.152
HIP_WIDTH, SHOULDER_WIDTH = 0.10, 0.259
UPPER_ARM, FOREARM = 0.186, 0.146
SHOULDER_HEIGHT, CHIN_HEIGHT = 0.818, 0.870
#: leg length (hip to ankle along the thigh and shank) as a fraction of body height
LEG_LENGTH = THIGH + SHANK


@dataclass
class WalkerSpec:
    """Parameters of the synthetic walker (all exactly recoverable).

    Parameters
    ----------
    height_m
        Body height.
    cadence_spm
        Steps per minute.
    step_length_m
        ``(left, right)`` footprint step lengths (heel print to heel print), or one value for both; a
        left step ends with the left heel strike.
    left_step_fraction
        Share of the stride taken by the left step (right heel strike to left heel strike); 0.5 is symmetric.
    stance_fraction
        ``(left, right)`` stance share of the stride, or one value for both.
    step_width_m
        Mediolateral distance between the feet's paths.
    duration_s, fps
        Length and frame rate of the clip.
    treadmill
        Walk in place (the ground moves back under the walker) instead of overground.
    heel_clearance_m
        Highest lift of the heel in swing.
    """

    height_m: float = 1.75
    cadence_spm: float = 110.0
    step_length_m: float | tuple[float, float] = 0.70
    left_step_fraction: float = 0.5
    stance_fraction: float | tuple[float, float] = 0.60
    step_width_m: float = 0.10
    duration_s: float = 10.0
    fps: float = 30.0
    treadmill: bool = False
    heel_clearance_m: float = 0.10

    def pair(self, value: float | tuple[float, float]) -> tuple[float, float]:
        """``(left, right)`` from one value or a pair."""
        if isinstance(value, (tuple, list)):
            return float(value[0]), float(value[1])
        return float(value), float(value)

    @property
    def stride_time_s(self) -> float:
        """Seconds from one heel strike to the next of the same foot."""
        return 120.0 / self.cadence_spm


@dataclass
class WalkTruth:
    """What a synthetic walk was built with: events and parameters to compare against.

    ``step_length_m`` is measured as the analysis defines step length (ankle to ankle along the walking
    line at the leading heel strike), from the noise-free 3D model; it is a little shorter than the
    footprint step length of :class:`WalkerSpec` because the trailing heel has lifted. ``knee_rom_deg``
    is the 3D knee flexion range.
    """

    events: list[tuple[str, str, float]]
    cadence_spm: float
    stride_time_s: float
    step_time_s: dict[str, float]
    step_length_m: dict[str, float]
    stance_pct: dict[str, float]
    double_support_pct: float
    step_width_m: float
    speed_mps: float
    leg_length_m: float
    knee_rom_deg: dict[str, float] = field(default_factory=dict)
    view: str = ""
    direction: str = ""

    def times(self, foot: str, kind: str) -> np.ndarray:
        """Sorted times of one foot's events of one kind (``"heel_strike"`` or ``"toe_off"``)."""
        return np.array(sorted(t for f, k, t in self.events if f == foot and k == kind))

def _hermite(p0: float, p1: float, v0: float, v1: float, tau: np.ndarray, span: float) -> np.ndarray:
    """Cubic Hermite from ``p0`` (velocity ``v0``) to ``p1`` (``v1``) over ``span`` seconds, at ``tau`` in [0, 1]."""
    h00 = 2 * tau ** 3 - 3 * tau ** 2 + 1
    h10 = tau ** 3 - 2 * tau ** 2 + tau
    h01 = -2 * tau ** 3 + 3 * tau ** 2
    h11 = tau ** 3 - tau ** 2
    return h00 * p0 + h10 * span * v0 + h01 * p1 + h11 * span * v1


def _smoothstep(tau: np.ndarray) -> np.ndarray:
    tau = np.clip(tau, 0.0, 1.0)
    return tau * tau * (3 - 2 * tau)


class _Foot:
    """Heel position (x, z) and pitch (radians, toes up positive) of one foot over time."""

    HEEL_CONTACT_PITCH = np.radians(18.0)
    TOE_OFF_PITCH = np.radians(-35.0)

    def __init__(self, strikes: np.ndarray, prints: np.ndarray, stance: float, stride: float, speed: float,
                 length: float, clearance: float) -> None:
        self.strikes, self.prints = strikes, prints
        self.stance, self.stride, self.speed = stance, stride, speed
        self.length, self.clearance = length, clearance

    def at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.full(t.shape, np.nan)
        z = np.full(t.shape, np.nan)
        pitch = np.full(t.shape, np.nan)
        T, ell = self.stride, self.length
        for k in range(len(self.strikes) - 1):
            hs, px = self.strikes[k], self.prints[k]
            to = hs + self.stance * T
            flat = hs + 0.08 * T
            heel_off = max(flat, to - 0.25 * T)
            nxt, nx = self.strikes[k + 1], self.prints[k + 1]
            # stance: roll over the heel, flat, roll over the toe
            m = (t >= hs) & (t < flat)
            pitch[m] = self.HEEL_CONTACT_PITCH * (1 - _smoothstep((t[m] - hs) / (flat - hs)))
            x[m], z[m] = px, 0.0
            m = (t >= flat) & (t < heel_off)
            pitch[m], x[m], z[m] = 0.0, px, 0.0
            m = (t >= heel_off) & (t < to)
            th = self.TOE_OFF_PITCH * _smoothstep((t[m] - heel_off) / (to - heel_off))
            toe = px + ell
            pitch[m], x[m], z[m] = th, toe - ell * np.cos(th), -ell * np.sin(th)
            # swing: heel from its toe-off position to the next print, arriving at walking speed
            m = (t >= to) & (t < nxt)
            span = nxt - to
            tau = (t[m] - to) / span
            th0 = self.TOE_OFF_PITCH
            x0, z0 = toe - ell * np.cos(th0), -ell * np.sin(th0)
            x[m] = _hermite(x0, nx, self.speed, self.speed, tau, span)
            z[m] = z0 * (1 - _smoothstep(tau)) + self.clearance * 6.75 * tau * (1 - tau) ** 2
            pitch[m] = _hermite(th0, self.HEEL_CONTACT_PITCH, 0.0, 0.0, tau, span)
        return x, z, pitch


def _simulate(spec: WalkerSpec, t0: float) -> tuple[np.ndarray, dict[str, np.ndarray], WalkTruth]:
    """3D joint positions (world: x forward, y left, z up, metres) and the truth."""
    H = spec.height_m
    T = spec.stride_time_s
    sl_left, sl_right = spec.pair(spec.step_length_m)
    st_left, st_right = spec.pair(spec.stance_fraction)
    frac = float(spec.left_step_fraction)
    stride_len = sl_left + sl_right
    speed = stride_len / T
    n = int(round(spec.duration_s * spec.fps))
    t = np.arange(n) / spec.fps
    # heel strikes: right strikes (1 - frac) * T after the left (the right step), the left frac * T later
    k = np.arange(-3, int(spec.duration_s / T) + 4)
    hs_left = t0 + k * T
    hs_right = hs_left + (1 - frac) * T
    # footprints sit a fixed offset ahead of the pelvis at their strike, per foot, so that the step
    # lengths come out as asked even when the step times are uneven
    ahead = 0.5 * (sl_left + sl_right) / 2
    delta = sl_right - speed * (1 - frac) * T     # offset_right - offset_left
    off_left, off_right = ahead - delta / 2, ahead + delta / 2
    prints_left = speed * hs_left + off_left
    prints_right = speed * hs_right + off_right
    ell = FOOT_LENGTH * H
    feet = {"left": _Foot(hs_left, prints_left, st_left, T, speed, ell, spec.heel_clearance_m),
            "right": _Foot(hs_right, prints_right, st_right, T, speed, ell, spec.heel_clearance_m)}
    side_y = {"left": 1.0, "right": -1.0}
    pts: dict[str, np.ndarray] = {}
    thigh, shank = THIGH * H, SHANK * H
    pelvis_x = speed * t
    for side, foot in feet.items():
        hx, hz, pitch = foot.at(t)
        c, s = np.cos(pitch), np.sin(pitch)
        y = np.full(n, side_y[side] * spec.step_width_m / 2)
        pts[f"{side}_heel"] = np.stack([hx, y, hz], -1)
        pts[f"{side}_foot_index"] = np.stack([hx + ell * c, y, hz + ell * s], -1)
        # ankle: a quarter foot ahead of the heel, ankle height above the sole
        ax, az = 0.25 * ell, ANKLE_HEIGHT * H
        pts[f"{side}_ankle"] = np.stack([hx + ax * c - az * s, y, hz + ax * s + az * c], -1)
    # pelvis height: as high as both legs reach (slightly bent), at most 0.53 H
    reach = 0.995 * (thigh + shank)
    z_pelvis = np.full(n, 0.53 * H)
    for side in feet:
        a = pts[f"{side}_ankle"]
        dx = a[:, 0] - pelvis_x
        dy = a[:, 1] - side_y[side] * HIP_WIDTH * H / 2
        z_pelvis = np.minimum(z_pelvis, a[:, 2] + np.sqrt(np.maximum(reach ** 2 - dx ** 2 - dy ** 2, 0.0)))
    pelvis = np.stack([pelvis_x, np.zeros(n), z_pelvis], -1)
    forward = np.array([1.0, 0.0, 0.0])
    knee_flexion = {}
    for side in feet:
        hip = pelvis + np.array([0.0, side_y[side] * HIP_WIDTH * H / 2, 0.0])
        ankle = pts[f"{side}_ankle"]
        d = ankle - hip
        dist = np.linalg.norm(d, axis=-1)
        u = d / dist[:, None]
        perp = forward - (u @ forward)[:, None] * u
        perp /= np.linalg.norm(perp, axis=-1, keepdims=True)
        a = (thigh ** 2 - shank ** 2 + dist ** 2) / (2 * dist)
        b = np.sqrt(np.maximum(thigh ** 2 - a ** 2, 0.0))
        pts[f"{side}_hip"] = hip
        pts[f"{side}_knee"] = hip + a[:, None] * u + b[:, None] * perp
        u1 = pts[f"{side}_knee"] - hip
        u2 = ankle - pts[f"{side}_knee"]
        cosang = (u1 * u2).sum(-1) / (np.linalg.norm(u1, axis=-1) * np.linalg.norm(u2, axis=-1))
        knee_flexion[side] = np.degrees(np.arccos(np.clip(cosang, -1, 1)))
    # upper body: upright trunk, arms swinging against the legs
    neck = pelvis + np.array([0.0, 0.0, (SHOULDER_HEIGHT - 0.53) * H])
    phase = 2 * np.pi * (t - t0) / T
    for side, sign in (("left", 1.0), ("right", -1.0)):
        sh = neck + np.array([0.0, sign * SHOULDER_WIDTH * H / 2, 0.0])
        swing = np.radians(18.0) * np.cos(phase + (0.0 if side == "right" else np.pi))
        elbow = sh + UPPER_ARM * H * np.stack([np.sin(swing), np.zeros(n), -np.cos(swing)], -1)
        fa = swing + np.radians(25.0)
        wrist = elbow + FOREARM * H * np.stack([np.sin(fa), np.zeros(n), -np.cos(fa)], -1)
        pts[f"{side}_shoulder"], pts[f"{side}_elbow"], pts[f"{side}_wrist"] = sh, elbow, wrist
        hand = wrist + 0.06 * H * np.stack([np.sin(fa), np.zeros(n), -np.cos(fa)], -1)
        pts[f"{side}_index"] = hand + np.array([0.0, -sign * 0.01 * H, 0.0])
        pts[f"{side}_pinky"] = hand + np.array([-0.01 * H, sign * 0.01 * H, 0.0])
        pts[f"{side}_thumb"] = wrist + np.array([0.02 * H, -sign * 0.01 * H, 0.0])
    head = neck + np.array([0.0, 0.0, (CHIN_HEIGHT - SHOULDER_HEIGHT) * H])
    face = {"nose": (0.06, 0.0, 0.06), "left_eye_inner": (0.05, 0.012, 0.08), "left_eye": (0.05, 0.02, 0.08),
            "left_eye_outer": (0.045, 0.03, 0.08), "right_eye_inner": (0.05, -0.012, 0.08),
            "right_eye": (0.05, -0.02, 0.08), "right_eye_outer": (0.045, -0.03, 0.08),
            "left_ear": (-0.005, 0.04, 0.07), "right_ear": (-0.005, -0.04, 0.07),
            "mouth_left": (0.05, 0.012, 0.03), "mouth_right": (0.05, -0.012, 0.03)}
    for name, (fx, fy, fz) in face.items():
        pts[name] = head + np.array([fx, fy, fz]) * H / 1.75  # offsets in metres for a 1.75 m adult
    # the truth, from the event schedule
    events = []
    for side, strikes, st in (("left", hs_left, st_left), ("right", hs_right, st_right)):
        for hs in strikes:
            if 0 <= hs < spec.duration_s:
                events.append((side, "heel_strike", float(hs)))
            to = hs + st * T
            if 0 <= to < spec.duration_s:
                events.append((side, "toe_off", float(to)))
    # double support: right strike to left toe off, plus left strike to right toe off
    ds = (st_left + st_right - 1.0) * 100
    # step length as the analysis defines it: ankle to ankle along the walking line at the leading heel strike
    ankle_x = {side: pts[f"{side}_ankle"][:, 0] for side in feet}
    step_len = {}
    for side, other, strikes in (("left", "right", hs_left), ("right", "left", hs_right)):
        inside = strikes[(strikes > t[0]) & (strikes < t[-1])]
        step_len[side] = float(np.mean(np.interp(inside, t, ankle_x[side]) - np.interp(inside, t, ankle_x[other])))
    truth = WalkTruth(
        events=sorted(events, key=lambda e: e[2]), cadence_spm=float(spec.cadence_spm), stride_time_s=T,
        step_time_s={"left": frac * T, "right": (1 - frac) * T}, step_length_m=step_len,
        stance_pct={"left": st_left * 100, "right": st_right * 100}, double_support_pct=float(ds),
        step_width_m=float(spec.step_width_m), speed_mps=float(speed), leg_length_m=LEG_LENGTH * H,
        knee_rom_deg={s: float(np.nanmax(v) - np.nanmin(v)) for s, v in knee_flexion.items()})
    pelvis_world = pelvis
    if spec.treadmill:
        for name in pts:
            pts[name] = pts[name] - np.stack([speed * t, np.zeros(n), np.zeros(n)], -1)
        pelvis_world = pelvis - np.stack([speed * t, np.zeros(n), np.zeros(n)], -1)
    return t, {"__pelvis__": pelvis_world, **pts}, truth


def _camera(view: str, direction: str, pelvis: np.ndarray, distance_m: float, camera_height_m: float,
            follow: bool) -> tuple[np.ndarray, np.ndarray]:
    """Camera centres ``(T, 3)`` and rotation (rows: image right, image down, optical axis)."""
    up = np.array([0.0, 0.0, 1.0])
    if view == "side":
        # camera on the walker's right looking left (walks left to right in the image), or on the left
        forward = np.array([0.0, 1.0, 0.0]) if direction == "left_to_right" else np.array([0.0, -1.0, 0.0])
        centre = np.zeros_like(pelvis)
        centre[:, 0] = pelvis[:, 0] if follow else 0.5 * (pelvis[0, 0] + pelvis[-1, 0])
        centre[:, 1] = -forward[1] * distance_m
        centre[:, 2] = camera_height_m
    elif view == "frontal":
        forward = np.array([-1.0, 0.0, 0.0]) if direction == "approaching" else np.array([1.0, 0.0, 0.0])
        centre = np.zeros_like(pelvis)
        if direction == "approaching":
            centre[:, 0] = pelvis[:, 0].max() + distance_m
        else:
            centre[:, 0] = pelvis[:, 0].min() - distance_m
        centre[:, 2] = camera_height_m
    else:
        raise ValueError(f"view must be 'side' or 'frontal', got {view!r}")
    right = np.cross(forward, up)
    down = np.cross(forward, right)
    return centre, np.stack([right, down, forward])


def synthetic_walk(spec: WalkerSpec | None = None, view: str = "side", direction: str | None = None,
                   noise: float = 0.0, drop: float = 0.0, layout: str = "blazepose33", distance_m: float | None = None,
                   camera_height_m: float = 1.0, follow: bool | None = None, image_size: tuple[int, int] = (1280, 720),
                   seed: int = 0) -> tuple[PoseSequence, WalkTruth]:
    """Render a synthetic walk as a :class:`PoseSequence` and return the truth it was built from.

    Parameters
    ----------
    spec
        The walker (default :class:`WalkerSpec`).
    view
        ``"side"`` (camera at right angles to the walking line) or ``"frontal"`` (camera on the line).
    direction
        Side view: ``"left_to_right"`` (default) or ``"right_to_left"``; frontal: ``"approaching"``
        (default) or ``"leaving"``.
    noise
        Standard deviation of Gaussian noise added to every coordinate, as a fraction of the walker's
        apparent height in that frame (0.01 is a typical pose-detector jitter).
    drop
        Probability that a joint is missing in a frame; half of the drops come as short runs (occlusions).
    layout
        Output layout (``"blazepose33"``, or any layout it converts to, e.g. ``"coco17"``).
    distance_m
        Side: distance from the camera to the walking line (default 4 m when following, 8 m fixed);
        frontal: closest distance of the walker to the camera (default 2.5 m).
    camera_height_m
        Height of the camera's optical centre.
    follow
        Side view: pan with the walker (a tracking shot, default for overground) instead of a fixed camera.
    image_size
        ``(width, height)`` in pixels; the focal length frames the walker.
    seed
        Random seed of noise, drops and the gait phase at the first frame.
    """
    spec = spec or WalkerSpec()
    rng = np.random.default_rng(seed)
    direction = direction or ("left_to_right" if view == "side" else "approaching")
    t0 = float(rng.uniform(0.05, 0.95) * spec.stride_time_s)
    t, pts, truth = _simulate(spec, t0)
    pelvis = pts.pop("__pelvis__")
    if follow is None:
        follow = view == "side" and not spec.treadmill
    if distance_m is None:
        distance_m = (4.0 if follow or spec.treadmill else 8.0) if view == "side" else 2.5
    width, height = image_size
    centre, rot = _camera(view, direction, pelvis, distance_m, camera_height_m, follow)
    if view == "side":
        focal = 0.75 * height * distance_m / spec.height_m if (follow or spec.treadmill) else \
            0.9 * width * distance_m / max(np.ptp(pelvis[:, 0]) + 2.0, 1.0)
    else:
        focal = 0.8 * height * distance_m / spec.height_m
    target = get_layout("blazepose33")
    data = np.full((len(t), 1, target.num_joints, 3), np.nan, np.float32)
    head_top = pelvis + np.array([0.0, 0.0, 0.47 * spec.height_m])
    feet_mid = 0.5 * (pts["left_heel"] + pts["right_heel"])
    for j, name in enumerate(target.joints):
        rel = pts[name] - centre
        cam = rel @ rot.T
        x = width / 2 + focal * cam[:, 0] / cam[:, 2]
        y = height / 2 + focal * cam[:, 1] / cam[:, 2]
        data[:, 0, j, 0], data[:, 0, j, 1] = x, y
    # apparent height per frame, for the noise scale
    proj = []
    for p in (head_top, feet_mid):
        cam = (p - centre) @ rot.T
        proj.append(height / 2 + focal * cam[:, 1] / cam[:, 2])
    apparent = np.abs(proj[1] - proj[0])
    data[..., 2] = rng.uniform(0.65, 1.0, size=data.shape[:-1])
    if noise > 0:
        data[..., :2] += rng.normal(0.0, 1.0, size=data[..., :2].shape) * (noise * apparent)[:, None, None, None]
    if drop > 0:
        lost = rng.random(data.shape[:-1]) < drop / 2
        runs = rng.random(data.shape[:-1]) < drop / 2 / 5   # runs of 5 frames on average
        for j in range(target.num_joints):
            starts = np.flatnonzero(runs[:, 0, j])
            for s in starts:
                lost[s:s + int(rng.integers(3, 8)), 0, j] = True
        data[lost] = np.nan
    data[~np.isfinite(data[..., :2]).all(-1)] = np.nan
    missing = ~np.isfinite(data[..., 0])
    data[missing, 2] = 0.0
    seq = PoseSequence(data, target, spec.fps, frame_size=(width, height),
                       meta={"source": "synthetic", "view": view, "direction": direction})
    if layout != "blazepose33":
        seq = seq.convert(layout)
    truth.view, truth.direction = view, direction
    return seq, truth


__all__ = ["LEG_LENGTH", "WalkTruth", "WalkerSpec", "synthetic_walk"]

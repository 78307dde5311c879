"""Synthetic exercise sequences with known reps and faults, for tests and demos.

A stick figure with human proportions (segment lengths as fractions of the body height H, after
Drillis & Contini 1966) is posed by a phase ``p`` (0 = rest, 1 = peak) per frame and written as
BlazePose-33 landmarks in pixels. Faults are parameters of the pose (a shallower squat, a sagging
plank, ...), so every form rule can be shown to fire on a faulty rep and stay silent on a clean one.

>>> seq = synthetic_sequence("squat", reps=[1, 1, 0.55], noise_px=1.0)   # 2 full reps and a partial one
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from actionpose.skeleton.layouts import BLAZEPOSE33
from actionpose.skeleton.sequence import PoseSequence

Point = tuple[float, float]
Pose = dict[str, Point]

# segment lengths as fractions of body height
SHIN, THIGH, TORSO, UPPER_ARM, FOREARM = 0.246, 0.245, 0.288, 0.186, 0.146
TOE, HEEL, ANKLE_H, SHOULDER_W, HIP_W = 0.11, 0.04, 0.039, 0.259, 0.191


def _along(origin: Point, length: float, angle_from_up: float, forward: float = 1.0) -> Point:
    """``origin`` plus a segment of ``length`` at ``angle_from_up`` degrees (towards +x times ``forward``); y down."""
    a = math.radians(angle_from_up)
    return origin[0] + forward * length * math.sin(a), origin[1] - length * math.cos(a)


def _head(neck: Point, trunk_from_up: float, forward: float = 1.0) -> dict[str, Point]:
    """Face points of a side view: the nose ahead of the ears, tilted with the trunk."""
    a = math.radians(trunk_from_up)

    def rel(fwd: float, up: float) -> Point:   # in the trunk's frame (forward, up)
        x = fwd * math.cos(a) + up * math.sin(a)
        y = -fwd * math.sin(a) + up * math.cos(a)
        return neck[0] + forward * x, neck[1] - y
    return {"nose": rel(0.06, 0.1), "ear": rel(-0.01, 0.1), "eye": rel(0.045, 0.115), "mouth": rel(0.05, 0.08)}


def _side(near: Pose, head: dict[str, Point], forward: float) -> Pose:
    """Both sides of a side view (the far side slightly offset) with face, hands and feet."""
    out: Pose = {}
    for side, dx in (("left", 0.0), ("right", 0.004)):
        for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
            out[f"{side}_{j}"] = (near[j][0] + dx, near[j][1])
        wx, wy = near["wrist"]
        ex, ey = near["elbow"]
        n = math.hypot(wx - ex, wy - ey) or 1.0
        hand = (wx + 0.05 * (wx - ex) / n, wy + 0.05 * (wy - ey) / n)
        for j in ("pinky", "index", "thumb"):
            out[f"{side}_{j}"] = (hand[0] + dx, hand[1])
        ax, ay = near["ankle"]
        toe = near.get("toe", (ax + forward * TOE, ay + ANKLE_H))
        heel = near.get("heel", (ax - forward * HEEL, ay + ANKLE_H))
        out[f"{side}_foot_index"] = (toe[0] + dx, toe[1])
        out[f"{side}_heel"] = (heel[0] + dx, heel[1])
        out[f"{side}_ear"] = (head["ear"][0] + dx, head["ear"][1])
        for j in ("eye_inner", "eye", "eye_outer"):
            out[f"{side}_{j}"] = (head["eye"][0] + dx, head["eye"][1])
        out[f"mouth_{side}"] = (head["mouth"][0] + dx, head["mouth"][1])
    out["nose"] = head["nose"]
    return out


def squat_pose(p: float, depth: float = 100.0, shin: float = 30.0, lean: float = 35.0) -> Pose:
    """Side-view squat: thigh ``depth`` degrees from vertical at the bottom, shin ``shin``, trunk ``lean``."""
    ankle = (0.0, -ANKLE_H)
    knee = _along(ankle, SHIN, shin * p)
    hip = _along(knee, THIGH, -depth * p)
    neck = _along(hip, TORSO, lean * p)
    elbow = _along(neck, UPPER_ARM, 180 - 90 * p)
    wrist = _along(elbow, FOREARM, 180 - 90 * p)
    return _side({"shoulder": neck, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee, "ankle": ankle},
                 _head(neck, lean * p), 1.0)


def _body_line(shoulder: Point, ankle: Point, bend: float) -> tuple[Point, Point]:
    """Hip and knee of a body from ``shoulder`` to ``ankle`` with the hip ``bend`` degrees above (+) the line."""
    frac = TORSO / (TORSO + THIGH + SHIN)
    dx, dy = ankle[0] - shoulder[0], ankle[1] - shoulder[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    if ny > 0:
        nx, ny = -nx, -ny          # the normal that points up (image -y)
    offset = math.radians(bend) / (1 / (frac * length) + 1 / ((1 - frac) * length))
    hip = (shoulder[0] + frac * dx + offset * nx, shoulder[1] + frac * dy + offset * ny)
    knee = ((hip[0] + ankle[0]) / 2, (hip[1] + ankle[1]) / 2)
    return hip, knee


def pushup_pose(p: float, bottom_elbow: float = 75.0, bend: float = 0.0) -> Pose:
    """Side-view push-up (head towards -x): elbow from 170 to ``bottom_elbow`` degrees, hips ``bend`` above the line."""
    fwd = -1.0
    elbow_angle = 170 - (170 - bottom_elbow) * p
    wrist = (0.0, -0.01)
    elbow = _along(wrist, FOREARM, 0.0)
    shoulder = _along(elbow, UPPER_ARM, 180 - elbow_angle, fwd)
    ankle = (0.78, -ANKLE_H)
    hip, knee = _body_line(shoulder, ankle, bend)
    trunk = math.degrees(math.atan2(abs(shoulder[0] - hip[0]), hip[1] - shoulder[1]))
    return _side({"shoulder": shoulder, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee, "ankle": ankle,
                  "toe": (ankle[0] + 0.02, 0.0), "heel": (ankle[0] + 0.02, -0.08)}, _head(shoulder, trunk, fwd), fwd)


def plank_pose(p: float, bend: float = 0.0) -> Pose:
    """Side-view forearm plank (head towards -x) with the hips ``bend`` degrees above (+) or below (-) the line."""
    fwd = -1.0
    elbow = (0.0, -0.02)
    wrist = (-FOREARM, -0.02)
    shoulder = (0.0, -0.02 - UPPER_ARM)
    ankle = (0.80, -ANKLE_H)
    hip, knee = _body_line(shoulder, ankle, bend)
    return _side({"shoulder": shoulder, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee, "ankle": ankle,
                  "toe": (ankle[0] + 0.02, 0.0), "heel": (ankle[0] + 0.02, -0.08)}, _head(shoulder, 85.0, fwd), fwd)


def curl_pose(p: float, top_elbow: float = 40.0, lean_back: float = 0.0, elbow_drift: float = 0.0) -> Pose:
    """Side-view standing curl: elbow from 165 to ``top_elbow``; trunk ``lean_back`` and upper arm
    ``elbow_drift`` degrees (forward) at the top."""
    elbow_angle = 165 - (165 - top_elbow) * p
    ankle = (0.0, -ANKLE_H)
    knee = _along(ankle, SHIN, 0.0)
    hip = _along(knee, THIGH, 0.0)
    trunk = -lean_back * p
    neck = _along(hip, TORSO, trunk)
    upper = 180 - elbow_drift * p
    elbow = _along(neck, UPPER_ARM, upper)
    wrist = _along(elbow, FOREARM, upper - (180 - elbow_angle))
    return _side({"shoulder": neck, "elbow": elbow, "wrist": wrist, "hip": hip, "knee": knee, "ankle": ankle},
                 _head(neck, trunk), 1.0)


def _leg(hip: Point, ankle: Point, forward: float = 1.0) -> Point:
    """Knee of a two-link leg from ``hip`` to ``ankle``, bending forward (straight when out of reach)."""
    dx, dy = ankle[0] - hip[0], ankle[1] - hip[1]
    d = math.hypot(dx, dy)
    if d >= THIGH + SHIN:
        return hip[0] + dx * THIGH / d, hip[1] + dy * THIGH / d
    a = math.acos((THIGH ** 2 + d ** 2 - SHIN ** 2) / (2 * THIGH * d))
    base = math.atan2(dy, dx)
    for sign in (1, -1):
        kx, ky = hip[0] + THIGH * math.cos(base + sign * a), hip[1] + THIGH * math.sin(base + sign * a)
        if (kx - (hip[0] + ankle[0]) / 2) * forward > 0:
            return kx, ky
    return kx, ky


def lunge_pose(p: float, knee_forward: float = 0.0) -> Pose:
    """Side-view split-stance lunge: the pelvis drops to 55 % of standing height; ``knee_forward``
    (fraction of H) shifts the pelvis, and so the front knee, forwards at the bottom."""
    front, back = (0.25, -ANKLE_H), (-0.30, -ANKLE_H - 0.04 * p)
    stand = math.sqrt((THIGH + SHIN) ** 2 - 0.275 ** 2) * 0.995
    height = stand * (1 - 0.45 * p)
    hip = (-0.02 + knee_forward * p, back[1] - height)
    out = _side({"shoulder": _along(hip, TORSO, 5 * p), "elbow": _along(_along(hip, TORSO, 5 * p), UPPER_ARM, 180),
                 "wrist": _along(_along(_along(hip, TORSO, 5 * p), UPPER_ARM, 180), FOREARM, 180), "hip": hip,
                 "knee": _leg(hip, front), "ankle": front}, _head(_along(hip, TORSO, 5 * p), 5 * p), 1.0)
    out["right_knee"] = _leg(hip, back, 1.0)
    out["right_ankle"] = back
    out["right_heel"] = (back[0] - HEEL, back[1] + 0.02)
    out["right_foot_index"] = (back[0] + TOE, back[1] + ANKLE_H + 0.04 * p)
    return out


def jumping_jack_pose(p: float, top_arm: float = 175.0, feet_out: float = 0.45) -> Pose:
    """Front-view jumping jack: arms from 15 to ``top_arm`` degrees of abduction; each foot ``feet_out``
    (fraction of H) out from the hip at the top."""
    arm = 15 + (top_arm - 15) * p
    spread = 0.02 + (feet_out - 0.02) * p
    pelvis = (0.0, -ANKLE_H - THIGH - SHIN)
    neck = (0.0, pelvis[1] - TORSO)
    out: Pose = {"nose": (0.0, neck[1] - 0.1)}
    for side, s in (("left", 1.0), ("right", -1.0)):
        shoulder = (s * SHOULDER_W / 2, neck[1])
        hip = (s * HIP_W / 2, pelvis[1])
        ankle = (hip[0] + s * spread, -ANKLE_H)
        elbow = _along(shoulder, UPPER_ARM, 180 - arm, s)
        wrist = _along(elbow, FOREARM, 180 - arm, s)
        out.update({f"{side}_shoulder": shoulder, f"{side}_hip": hip, f"{side}_ankle": ankle,
                    f"{side}_knee": ((hip[0] + ankle[0]) / 2, (hip[1] + ankle[1]) / 2), f"{side}_elbow": elbow,
                    f"{side}_wrist": wrist, f"{side}_heel": (ankle[0], 0.0), f"{side}_foot_index": (ankle[0], 0.01),
                    f"{side}_ear": (s * 0.06, neck[1] - 0.1), f"mouth_{side}": (s * 0.02, neck[1] - 0.07)})
        for j in ("pinky", "index", "thumb"):
            out[f"{side}_{j}"] = _along(wrist, 0.04, 180 - arm, s)
        for j, x in (("eye_inner", 0.015), ("eye", 0.03), ("eye_outer", 0.045)):
            out[f"{side}_{j}"] = (s * x, neck[1] - 0.12)
    return out


def situp_pose(p: float, top: float = 85.0) -> Pose:
    """Side-view sit-up: trunk raised from 5 to ``top`` degrees above the floor, knees bent, feet flat."""
    elevation = 5 + (top - 5) * p
    hip = (0.0, -0.05)
    knee = _along(hip, THIGH, 45.0)
    ankle = (knee[0] + 0.1, -ANKLE_H)
    neck = (hip[0] - TORSO * math.cos(math.radians(elevation)), hip[1] - TORSO * math.sin(math.radians(elevation)))
    elbow = _along(neck, UPPER_ARM * 0.8, 90 - elevation + 150, 1.0)
    return _side({"shoulder": neck, "elbow": elbow, "wrist": neck, "hip": hip, "knee": knee, "ankle": ankle},
                 _head(neck, elevation - 90), 1.0)


POSES: dict[str, Callable[..., Pose]] = {"squat": squat_pose, "pushup": pushup_pose, "plank": plank_pose,
                                         "bicep_curl": curl_pose, "lunge": lunge_pose,
                                         "jumping_jack": jumping_jack_pose, "situp": situp_pose}


def phase_curve(reps: list[float], fps: float = 30.0, rest_s: float = 0.8, down_s: float = 0.9, hold_s: float = 0.3,
                up_s: float = 0.9, lead_s: float = 1.0, tail_s: float = 1.0) -> np.ndarray:
    """``(T,)`` phase per frame: rest, then each rep's amplitude reached and left with a cosine ease."""
    parts = [np.zeros(int(lead_s * fps))]
    for i, amp in enumerate(reps):
        if i:
            parts.append(np.zeros(int(rest_s * fps)))
        n_down, n_up = int(down_s * fps), int(up_s * fps)
        parts.append(amp * (1 - np.cos(np.linspace(0, np.pi, n_down, endpoint=False))) / 2)
        parts.append(np.full(int(hold_s * fps), amp))
        parts.append(amp * (1 + np.cos(np.linspace(0, np.pi, n_up))) / 2)
    parts.append(np.zeros(int(tail_s * fps)))
    return np.concatenate(parts)


def poses_to_array(poses: list[Pose], origin: tuple[float, float] = (320.0, 420.0), height_px: float = 300.0,
                   far_score: float = 0.9) -> np.ndarray:
    """``(T, 33, 4)`` BlazePose-33 x, y, z (0), score from per-frame joint dictionaries in body heights."""
    out = np.full((len(poses), BLAZEPOSE33.num_joints, 4), np.nan, np.float32)
    out[..., 3] = 0.0
    for t, pose in enumerate(poses):
        for name, (x, y) in pose.items():
            k = BLAZEPOSE33.index(name)
            out[t, k] = (origin[0] + x * height_px, origin[1] + y * height_px, 0.0,
                         far_score if name.startswith("right_") or name == "mouth_right" else 0.99)
    return out


def synthetic_sequence(exercise: str, reps: list[float] | None = None, phase: np.ndarray | None = None,
                       fps: float = 30.0, noise_px: float = 0.0, dropouts: list[tuple[int, int]] | None = None,
                       seed: int = 0, origin: tuple[float, float] = (320.0, 420.0), height_px: float = 300.0,
                       track_id: int = 0, **pose_options: float | np.ndarray) -> PoseSequence:
    """One person doing ``exercise``.

    Parameters
    ----------
    reps
        Amplitude of each rep (1 = a full rep, ~0.5 = a partial one); or give ``phase`` per frame.
    noise_px
        Standard deviation of Gaussian jitter added to every landmark.
    dropouts
        ``(start, stop)`` frame ranges where the person is not detected (NaN, score 0).
    pose_options
        Fault parameters of the exercise's pose function (:data:`POSES`): one value, or one per frame.
    """
    p = phase if phase is not None else phase_curve(reps if reps is not None else [1, 1, 1], fps)
    pose = POSES[exercise]
    per_frame = [{k: float(o[i]) if np.ndim(o) else o for k, o in pose_options.items()} for i in range(len(p))]
    data = poses_to_array([pose(float(v), **kw) for v, kw in zip(p, per_frame)], origin, height_px)
    rng = np.random.default_rng(seed)
    if noise_px:
        data[..., :2] += rng.normal(0, noise_px, data[..., :2].shape).astype(np.float32)
    for start, stop in dropouts or []:
        data[start:stop] = np.nan
        data[start:stop, :, 3] = 0.0
    return PoseSequence(data[:, None], "blazepose33", fps, track_ids=np.array([track_id]), frame_size=(640, 480),
                        meta={"source": f"synthetic {exercise}"})


def stack_people(seqs: list[PoseSequence]) -> PoseSequence:
    """Several one-person sequences side by side as one sequence (padded to the longest; tracks kept)."""
    T = max(s.num_frames for s in seqs)
    data = np.full((T, len(seqs)) + seqs[0].data.shape[2:], np.nan, np.float32)
    data[..., -1] = 0.0
    for i, s in enumerate(seqs):
        data[:s.num_frames, i] = s.data[:, 0]
    return PoseSequence(data, seqs[0].layout, seqs[0].fps, track_ids=np.array([int(s.track_ids[0]) for s in seqs]),
                        frame_size=seqs[0].frame_size, meta={"source": "synthetic, several people"})


__all__ = ["POSES", "phase_curve", "poses_to_array", "stack_people", "synthetic_sequence"]

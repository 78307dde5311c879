"""Synthetic people acting out falls and everyday movements, as COCO-17 PoseSequences.

A posture is the height over the floor and the forward offset of each joint in body heights (H = 1);
a scene is a list of (posture, seconds to reach it, seconds to hold it). Postures are interpolated in
time, placed in an image (``scale`` pixels per body height, floor at ``floor_y``) and jittered.
``"lying@0.3"`` is a posture resting on something 0.3 H high (a bed); ``"lying@0.3>0.2"`` also moved
0.2 H sideways (rolled towards the bed's edge).
"""

from __future__ import annotations

import numpy as np

from actionpose.skeleton.sequence import PoseSequence

JOINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
          "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
          "left_ankle", "right_ankle")


def _posture(head, shoulder, elbow, wrist, hip, knee, ankle, width=0.1) -> np.ndarray:
    """(17, 2) from centre-line points (x forward, y up); left/right spread by ``width`` in x."""
    hx, hy = head
    pts = {"nose": (hx + 0.03, hy), "left_eye": (hx + 0.02, hy + 0.02), "right_eye": (hx + 0.02, hy + 0.02),
           "left_ear": (hx - 0.02, hy + 0.01), "right_ear": (hx - 0.02, hy + 0.01)}
    for side, sign in (("left", 1), ("right", -1)):
        d = sign * width / 2
        pts[f"{side}_shoulder"] = (shoulder[0] + d, shoulder[1])
        pts[f"{side}_elbow"] = (elbow[0] + d, elbow[1])
        pts[f"{side}_wrist"] = (wrist[0] + d, wrist[1])
        pts[f"{side}_hip"] = (hip[0] + d * 0.8, hip[1])
        pts[f"{side}_knee"] = (knee[0] + d * 0.8, knee[1])
        pts[f"{side}_ankle"] = (ankle[0] + d * 0.8, ankle[1])
    return np.array([pts[j] for j in JOINTS], dtype=np.float64)


POSTURES = {
    "stand": _posture((0, 0.93), (0, 0.82), (0, 0.63), (0, 0.47), (0, 0.53), (0, 0.28), (0, 0.04)),
    "seated": _posture((0.02, 0.68), (0, 0.57), (0.1, 0.42), (0.2, 0.35), (0, 0.27), (0.25, 0.27), (0.25, 0.03)),
    "bent": _posture((0.38, 0.42), (0.28, 0.47), (0.3, 0.25), (0.32, 0.08), (-0.02, 0.5), (0.0, 0.27),
                     (0.0, 0.04)),
    "squat": _posture((0.1, 0.66), (0.05, 0.56), (0.2, 0.45), (0.3, 0.45), (-0.1, 0.28), (0.15, 0.27),
                      (0.0, 0.03)),
    "floor_sit": _posture((0.02, 0.42), (0, 0.33), (0.1, 0.15), (0.2, 0.05), (0, 0.05), (0.25, 0.1), (0.45, 0.03)),
    "lying": _posture((0.9, 0.06), (0.78, 0.07), (0.7, 0.04), (0.6, 0.03), (0.48, 0.06), (0.24, 0.05),
                      (0.0, 0.04), width=0.04),
}


def posture(name: str) -> np.ndarray:
    """``(17, 2)`` of ``"name"``, ``"name@elevation"`` or ``"name@elevation>shift"`` (in H)."""
    name, _, shift = name.partition(">")
    base, _, elevation = name.partition("@")
    out = POSTURES[base].copy()
    out[:, 1] += float(elevation or 0)
    out[:, 0] += float(shift or 0)
    return out


def scene(steps: list[tuple[str, float, float]], fps: float = 30.0, scale: float = 300.0, x0: float = 300.0,
          floor_y: float = 420.0, noise: float = 0.004, seed: int = 0, drop: tuple[str, ...] = (),
          start: str = "stand", start_hold_s: float = 1.0, walk: float = 0.0) -> np.ndarray:
    """``(T, 17, 3)`` poses: ``start`` held ``start_hold_s``, then each (posture, move_s, hold_s).

    ``drop`` lists joint name prefixes that are never seen (``("left_ankle", "right_ankle")``: feet out of
    frame); ``walk`` moves the person sideways at this many H/s.
    """
    keys = [(0.0, posture(start))]
    t = start_hold_s
    keys.append((t, posture(start)))
    for name, move_s, hold_s in steps:
        t += move_s
        keys.append((t, posture(name)))
        t += hold_s
        keys.append((t, posture(name)))
    n = int(round(t * fps)) + 1
    times = np.arange(n) / fps
    key_t = np.array([k[0] for k in keys])
    key_p = np.stack([k[1] for k in keys])
    out = np.empty((n, len(JOINTS), 3), dtype=np.float32)
    rng = np.random.default_rng(seed)
    for i, ti in enumerate(times):
        j = min(np.searchsorted(key_t, ti, side="right"), len(key_t) - 1)
        a = max(j - 1, 0)
        span = key_t[j] - key_t[a]
        w = 0.0 if span <= 0 else np.clip((ti - key_t[a]) / span, 0, 1)
        w = 0.5 - 0.5 * np.cos(np.pi * w)  # ease in and out, like a body
        pose = (1 - w) * key_p[a] + w * key_p[j] + rng.normal(0, noise, key_p[a].shape)
        out[i, :, 0] = x0 + scale * (pose[:, 0] + walk * ti)
        out[i, :, 1] = floor_y - scale * pose[:, 1]
        out[i, :, 2] = 0.9
    for k, name in enumerate(JOINTS):
        if name.startswith(drop):
            out[:, k, :2] = np.nan
            out[:, k, 2] = 0.0
    return out


def sequence(*people: np.ndarray, fps: float = 30.0) -> PoseSequence:
    """Several people's ``(T, 17, 3)`` arrays (padded with absence to the longest) as one sequence."""
    T = max(len(p) for p in people)
    data = np.full((T, len(people), len(JOINTS), 3), np.nan, dtype=np.float32)
    data[..., 2] = 0.0
    for i, p in enumerate(people):
        data[:len(p), i] = p
    return PoseSequence(data, "coco17", fps, frame_size=(1280, 720))

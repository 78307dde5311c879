"""A synthetic COCO-17 person who waves or squats, for classifier and dashboard tests."""

from __future__ import annotations

import numpy as np

from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence


def actor(action: str, seed: int, frames: int = 45, fps: float = 15.0) -> PoseSequence:
    """A standing COCO-17 person who waves (wrists up and down) or squats (hips up and down)."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    base = np.array([[0, -60], [-5, -65], [5, -65], [-10, -62], [10, -62], [-20, -40], [20, -40], [-25, -15],
                     [25, -15], [-28, 10], [28, 10], [-12, 20], [12, 20], [-12, 55], [12, 55], [-12, 90],
                     [12, 90]], dtype=np.float64)
    xy = np.repeat(base[None], frames, axis=0) * rng.uniform(1.5, 2.5) + rng.uniform(150, 350, 2)
    phase = np.sin(2 * np.pi * rng.uniform(0.8, 1.2) * t)[:, None]
    if action == "wave":
        xy[:, [9, 10], 1] -= 60 * (0.5 + 0.5 * phase)
    else:
        xy[:, :13, 1] += 30 * (0.5 + 0.5 * phase)
    xy += rng.normal(0, 1.5, xy.shape)
    data = np.concatenate([xy, np.full((frames, 17, 1), 0.9)], axis=-1)[:, None].astype(np.float32)
    return PoseSequence(data, COCO17, fps, frame_size=(640, 480))

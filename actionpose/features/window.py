"""One fixed-length, layout-independent feature vector per pose window, for classical models.

Per frame and person slot (on normalised windows: torso units around the pelvis):

* ``angle.<joint>`` and ``incl.<segment>``: joint angles and inclinations from the vertical in degrees
  (:mod:`actionpose.features.angles`);
* ``x.centre``, ``y.centre``: the body centre of the frame (the origin rules of
  :func:`actionpose.features.normalize.centre_frames`: pelvis, else neck, wrists, ...) in window
  coordinates, i.e. its path since the window's first frame: global motion (a fall);
* ``x.<joint>``, ``y.<joint>``: the key joints (:data:`BODY_KEY_JOINTS`, and the wrist and finger tips
  of each hand) relative to that frame's centre: the posture, whatever the global motion;
* ``vx.<joint>``, ``vy.<joint>``, ``speed.<joint>``: velocities of the centre and the key joints in
  units per second (:func:`actionpose.features.kinematics.velocities`; 0 for a single-frame window).

Each is summarised over the window by the statistics of
:data:`actionpose.features.kinematics.STATS`, giving columns ``<quantity>.<joint>.<stat>`` (prefixed
``p<i>.`` per person slot when there are several). Every quantity is defined by joint *names*, so two
layouts holding the same joints give the same columns and values; a quantity the layout cannot
derive is NaN in every row (for the model pipeline's imputer).
"""

from __future__ import annotations

import numpy as np

from actionpose.features.angles import angle_features, angle_specs, hand_prefixes, has_body
from actionpose.features.kinematics import STATS, time_stats, velocities
from actionpose.features.normalize import centre_frames, named_points
from actionpose.skeleton.layouts import KeypointLayout, get_layout

#: body joints whose coordinates (relative to the centre) and velocities are features
BODY_KEY_JOINTS = ("neck", "nose") + tuple(
    f"{s}_{j}" for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle") for s in ("left", "right"))
#: hand joints (HAND-21 names, prefixed per hand) whose coordinates and velocities are features
HAND_KEY_JOINTS = ("wrist", "thumb_tip", "index_finger_tip", "middle_finger_tip", "ring_finger_tip", "pinky_tip")


def key_joints(layout: str | KeypointLayout) -> list[str]:
    """The joints whose coordinates and velocities :func:`window_features` uses for ``layout``."""
    layout = get_layout(layout)
    joints = list(BODY_KEY_JOINTS) if has_body(layout) else []
    return joints + [p + j for p in hand_prefixes(layout) for j in HAND_KEY_JOINTS]


def _quantities(layout: KeypointLayout) -> tuple[list[str], list[str]]:
    """Names of the per-frame quantities and of the velocity quantities, in column order."""
    angles, inclinations = angle_specs(layout)
    joints = key_joints(layout)
    frame = ([f"angle.{n}" for n in angles] + [f"incl.{n}" for n in inclinations]
             + [f"{c}.{j}" for j in ["centre"] + joints for c in ("x", "y")])
    return frame, [f"{c}.{j}" for j in ["centre"] + joints for c in ("vx", "vy", "speed")]


def feature_names(layout: str | KeypointLayout, people: int = 1) -> list[str]:
    """Column names of :func:`window_features` for windows in ``layout`` with ``people`` slots."""
    frame, moving = _quantities(get_layout(layout))
    base = [f"{q}.{s}" for q in frame + moving for s in STATS]
    if people == 1:
        return base
    return [f"p{p}.{name}" for p in range(people) for name in base]


def window_features(X: np.ndarray, layout: str | KeypointLayout, fps: float) -> np.ndarray:
    """Feature vectors of pose windows (see the module docstring).

    Parameters
    ----------
    X
        ``(N, T, P, K, C)`` windows, normalised by :func:`actionpose.train.windows.normalize_windows`
        (missing joints have score 0); ``T`` may be 1 (static poses).
    layout
        The layout of the ``K`` joints.
    fps
        Frame rate of the windows (velocities are per second).

    Returns
    -------
    ``(N, F)`` float32 with ``F = len(feature_names(layout, P))``; NaN where a quantity is undefined
    (underivable joints, or missing in every frame of the window).
    """
    layout = get_layout(layout)
    X = np.asarray(X)
    if X.ndim != 5 or X.shape[-2] != layout.num_joints:
        raise ValueError(f"windows must be (N, T, P, {layout.num_joints}, C) for layout {layout.name!r}, "
                         f"got shape {X.shape}")
    N, T, P = X.shape[:3]
    angles, _ = angle_features(X, layout)
    centre = centre_frames(X, layout)[..., None, :2]
    pts = named_points(X, layout, key_joints(layout))
    frame = np.concatenate([angles, centre.reshape(N, T, P, 2), (pts - centre).reshape(N, T, P, -1)], axis=-1)
    moving = velocities(np.concatenate([centre, pts], axis=-2), fps).reshape(N, max(T - 1, 1), P, -1)
    stats = np.concatenate([time_stats(frame), time_stats(moving)], axis=2)
    return stats.reshape(N, -1).astype(np.float32)


__all__ = ["BODY_KEY_JOINTS", "HAND_KEY_JOINTS", "feature_names", "key_joints", "window_features"]

"""Joint angles by joint name, so that the same pose gives the same angles in any layout.

An angle is defined by three joint names of the shared vocabulary: the angle at the middle joint
between the two limbs, in degrees in the image plane (x, y): 180 is a straight limb, 90 a right angle.
An inclination is the angle of a segment from the image's vertical (y grows downwards): 0 upright,
90 horizontal, 180 upside down; unsigned, so that a mirrored pose has the same value. Joints the
layout lacks are derived through its derivation rules (``pelvis``, ``neck``, ...); an angle whose
joints cannot be derived, or are missing in a frame, is NaN (left to the model's imputer).
"""

from __future__ import annotations

import numpy as np

from actionpose.features.normalize import named_points
from actionpose.skeleton.layouts import KeypointLayout, get_layout, resolve_joint

Triple = tuple[str, str, str]

#: body angles: name -> (a, b, c), the angle at b
BODY_ANGLES: dict[str, Triple] = {
    **{f"{s}_elbow": (f"{s}_shoulder", f"{s}_elbow", f"{s}_wrist") for s in ("left", "right")},
    **{f"{s}_shoulder": (f"{s}_elbow", f"{s}_shoulder", f"{s}_hip") for s in ("left", "right")},
    **{f"{s}_hip": (f"{s}_shoulder", f"{s}_hip", f"{s}_knee") for s in ("left", "right")},
    **{f"{s}_knee": (f"{s}_hip", f"{s}_knee", f"{s}_ankle") for s in ("left", "right")},
    **{f"{s}_ankle": (f"{s}_knee", f"{s}_ankle", f"{s}_foot_index") for s in ("left", "right")},
    "neck": ("pelvis", "neck", "nose"),
}
#: body inclinations from the vertical: name -> (lower, upper) joint
BODY_INCLINATIONS: dict[str, tuple[str, str]] = {
    "trunk": ("pelvis", "neck"),
    **{f"{s}_thigh": (f"{s}_knee", f"{s}_hip") for s in ("left", "right")},
}
_FINGERS = ("index_finger", "middle_finger", "ring_finger", "pinky")
#: finger flexion angles of one hand (HAND-21 names, without a hand prefix)
HAND_ANGLES: dict[str, Triple] = {
    "thumb_mcp": ("thumb_cmc", "thumb_mcp", "thumb_ip"),
    "thumb_ip": ("thumb_mcp", "thumb_ip", "thumb_tip"),
    **{f"{f}_mcp": ("wrist", f"{f}_mcp", f"{f}_pip") for f in _FINGERS},
    **{f"{f}_pip": (f"{f}_mcp", f"{f}_pip", f"{f}_dip") for f in _FINGERS},
    **{f"{f}_dip": (f"{f}_pip", f"{f}_dip", f"{f}_tip") for f in _FINGERS},
}
#: joint-name prefixes under which a layout may hold hands (HAND-21 alone, or composed layouts)
HAND_PREFIXES = ("", "left_hand_", "right_hand_")


def has_body(layout: KeypointLayout) -> bool:
    """Whether the layout has a body (a derivable pelvis or neck), not only hands."""
    return bool(resolve_joint(layout, "pelvis") or resolve_joint(layout, "neck"))


def hand_prefixes(layout: KeypointLayout) -> list[str]:
    """The prefixes of :data:`HAND_PREFIXES` under which ``layout`` holds a hand."""
    return [p for p in HAND_PREFIXES if f"{p}wrist" in layout and f"{p}middle_finger_mcp" in layout]


def angle_specs(layout: str | KeypointLayout) -> tuple[dict[str, Triple], dict[str, tuple[str, str]]]:
    """The angles and inclinations computed for ``layout``: the body's when it has a body, the fingers'
    of each hand it holds (named with the hand's prefix)."""
    layout = get_layout(layout)
    angles: dict[str, Triple] = dict(BODY_ANGLES) if has_body(layout) else {}
    for prefix in hand_prefixes(layout):
        angles.update({prefix + name: tuple(prefix + j for j in joints) for name, joints in HAND_ANGLES.items()})
    return angles, dict(BODY_INCLINATIONS) if has_body(layout) else {}


def angle_between(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at ``b`` between ``b -> a`` and ``b -> c`` in degrees (``(..., 2)`` points; NaN when a limb
    has no length or a point is NaN)."""
    u, v = a - b, c - b
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = (u * v).sum(axis=-1)
    degenerate = (np.linalg.norm(u, axis=-1) == 0) | (np.linalg.norm(v, axis=-1) == 0)
    return np.where(degenerate, np.nan, np.degrees(np.arctan2(np.abs(cross), dot)))


def inclination(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Angle of ``lower -> upper`` from the image's up direction, in degrees (0 upright, 180 upside down)."""
    d = upper - lower
    degenerate = np.linalg.norm(d, axis=-1) == 0
    return np.where(degenerate, np.nan, np.degrees(np.arctan2(np.abs(d[..., 0]), -d[..., 1])))


def angle_features(X: np.ndarray, layout: str | KeypointLayout) -> tuple[np.ndarray, list[str]]:
    """Per-frame angles and inclinations of pose windows.

    Parameters
    ----------
    X
        ``(..., K, C)`` poses (typically ``(N, T, P, K, C)`` windows), last channel the score.
    layout
        The layout of the ``K`` joints.

    Returns
    -------
    ``(..., A)`` float64 degrees (NaN where undefined) and the A names (``angle.<name>``,
    ``incl.<name>``).
    """
    layout = get_layout(layout)
    angles, inclinations = angle_specs(layout)
    names = [j for triple in angles.values() for j in triple] + [j for pair in inclinations.values() for j in pair]
    pts = named_points(X, layout, names)
    n3 = 3 * len(angles)
    a = angle_between(pts[..., 0:n3:3, :], pts[..., 1:n3:3, :], pts[..., 2:n3:3, :])
    i = inclination(pts[..., n3::2, :], pts[..., n3 + 1::2, :])
    return (np.concatenate([a, i], axis=-1),
            [f"angle.{n}" for n in angles] + [f"incl.{n}" for n in inclinations])


__all__ = ["BODY_ANGLES", "BODY_INCLINATIONS", "HAND_ANGLES", "HAND_PREFIXES", "angle_between", "angle_features",
           "angle_specs", "has_body", "hand_prefixes", "inclination"]

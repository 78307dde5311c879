"""`KeypointLayout`: what the points of a skeleton are, independent of any numbers.

Joints are named in one shared vocabulary (``left_shoulder``, ``neck``, ``pelvis``, ...), so two layouts
that contain the same body point use the same name, and conversion between any two layouts is a
matter of copying equal names and deriving the rest from :data:`DERIVATIONS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from actionpose.errors import LayoutError

#: How a joint that a source layout lacks can be computed from joints it has. Each entry lists
#: alternatives, tried in order; an alternative is a tuple of joint names whose mean is the joint
#: (one name: the same point under another name). Names are resolved recursively, so ``spine`` from
#: COCO-17 becomes the mean of both shoulders and both hips. A joint the source measures directly
#: (``mid_hip`` in BODY_25) is preferred to one computed from others, so aliases come first.
#: Entries marked "approx." are anatomical
#: approximations, documented so that users can judge them.
DERIVATIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "neck": (("thorax",), ("spine_shoulder",), ("left_shoulder", "right_shoulder")),
    "thorax": (("neck",),),
    "spine_shoulder": (("neck",),),
    "pelvis": (("mid_hip",), ("spine_base",), ("left_hip", "right_hip")),
    "mid_hip": (("pelvis",),),
    "spine_base": (("pelvis",),),
    "spine": (("spine_mid",), ("pelvis", "neck")),
    "spine_mid": (("spine",),),
    # approx.: the top of the neck halfway between the shoulders' midpoint and the nose
    "upper_neck": (("neck", "nose"),),
    # approx.: the centre of the head between the ears
    "head": (("left_ear", "right_ear"),),
    "left_foot_index": (("left_big_toe",),),
    "right_foot_index": (("right_big_toe",),),
    "left_big_toe": (("left_foot_index",),),
    "right_big_toe": (("right_foot_index",),),
    "left_foot": (("left_foot_index",), ("left_big_toe",)),
    "right_foot": (("right_foot_index",), ("right_big_toe",)),
    "left_wrist": (("left_hand_wrist",),),
    "right_wrist": (("right_hand_wrist",),),
    # approx.: the palm centre
    "left_hand": (("left_hand_middle_finger_mcp",), ("left_index", "left_pinky")),
    "right_hand": (("right_hand_middle_finger_mcp",), ("right_index", "right_pinky")),
    "left_hand_tip": (("left_hand_middle_finger_tip",),),
    "right_hand_tip": (("right_hand_middle_finger_tip",),),
    "left_thumb": (("left_hand_thumb_tip",),),
    "right_thumb": (("right_hand_thumb_tip",),),
}


def _mirror_name(name: str) -> str:
    tokens = name.split("_")
    swap = {"left": "right", "right": "left"}
    return "_".join(swap.get(t, t) for t in tokens)


@dataclass(frozen=True)
class KeypointLayout:
    """Names, bones and left/right pairs of a skeleton.

    Parameters
    ----------
    name
        Registry name, e.g. ``"coco17"``.
    joints
        Joint names in the order the data stores them.
    bones
        Edges between joints, as pairs of joint names.
    description
        One line on where the layout comes from.
    """

    name: str
    joints: tuple[str, ...]
    bones: tuple[tuple[str, str], ...] = ()
    description: str = ""
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "joints", tuple(self.joints))
        object.__setattr__(self, "bones", tuple((str(a), str(b)) for a, b in self.bones))
        index = {j: i for i, j in enumerate(self.joints)}
        if len(index) != len(self.joints):
            raise LayoutError(f"layout {self.name!r} repeats a joint name")
        for a, b in self.bones:
            if a not in index or b not in index:
                raise LayoutError(f"layout {self.name!r}: bone ({a}, {b}) names an unknown joint")
        object.__setattr__(self, "_index", index)

    @property
    def num_joints(self) -> int:
        """Number of joints."""
        return len(self.joints)

    def index(self, joint: str) -> int:
        """Position of ``joint`` in the data; raises :class:`LayoutError` if absent."""
        try:
            return self._index[joint]
        except KeyError:
            raise LayoutError(f"layout {self.name!r} has no joint {joint!r}") from None

    def __contains__(self, joint: object) -> bool:
        return joint in self._index

    @property
    def bone_indices(self) -> np.ndarray:
        """Bones as an ``(E, 2)`` int array of joint indices."""
        return np.array([(self._index[a], self._index[b]) for a, b in self.bones], dtype=np.int64).reshape(-1, 2)

    @property
    def flip_pairs(self) -> tuple[tuple[int, int], ...]:
        """Left/right joint index pairs (each pair once, left first)."""
        pairs = []
        for i, j in enumerate(self.joints):
            other = _mirror_name(j)
            if other != j and other in self._index and "left" in j.split("_"):
                pairs.append((i, self._index[other]))
        return tuple(pairs)

    @property
    def flip_permutation(self) -> np.ndarray:
        """Index array that swaps left and right joints (identity for centre joints)."""
        perm = np.arange(self.num_joints)
        for i, j in self.flip_pairs:
            perm[i], perm[j] = j, i
        return perm

    def to_dict(self) -> dict:
        """JSON-serialisable description, enough to rebuild the layout."""
        return {"name": self.name, "joints": list(self.joints), "bones": [list(b) for b in self.bones],
                "description": self.description}

    @classmethod
    def from_dict(cls, d: Mapping) -> KeypointLayout:
        """Rebuild a layout written by :meth:`to_dict`."""
        try:
            return cls(name=str(d["name"]), joints=tuple(str(j) for j in d["joints"]),
                       bones=tuple((str(a), str(b)) for a, b in d.get("bones", ())),
                       description=str(d.get("description", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise LayoutError(f"invalid layout description: {exc}") from None


def compose(name: str, parts: Sequence[tuple[str, KeypointLayout]], description: str = "",
            links: Sequence[tuple[str, str]] = ()) -> KeypointLayout:
    """Join layouts into one, prefixing each part's joint names; ``links`` are extra bones between parts.

    ``compose("holistic", [("", BLAZEPOSE33), ("left_hand_", HAND21), ("right_hand_", HAND21)],
    links=[("left_wrist", "left_hand_wrist"), ("right_wrist", "right_hand_wrist")])``
    """
    joints: list[str] = []
    bones: list[tuple[str, str]] = []
    for prefix, layout in parts:
        joints += [prefix + j for j in layout.joints]
        bones += [(prefix + a, prefix + b) for a, b in layout.bones]
    return KeypointLayout(name, tuple(joints), tuple(bones) + tuple(links), description)


#: bones that join a body's wrists to its hands' wrists in composed body + hands layouts
WRIST_LINKS = (("left_wrist", "left_hand_wrist"), ("right_wrist", "right_hand_wrist"))


@dataclass(frozen=True)
class ConversionPlan:
    """For each target joint, the source indices whose mean it is (empty: missing)."""

    source: KeypointLayout
    target: KeypointLayout
    sources: tuple[tuple[int, ...], ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Target joints that cannot be derived from the source."""
        return tuple(j for j, s in zip(self.target.joints, self.sources) if not s)

    def apply(self, data: np.ndarray) -> np.ndarray:
        """Convert an array ``(..., K_source, C)`` whose last channel is the score.

        Coordinates of derived joints are the mean of their sources (NaN if any source is NaN);
        their score is the minimum of their sources' scores. Missing joints are NaN with score 0.
        """
        data = np.asarray(data)
        if data.shape[-2] != self.source.num_joints:
            raise LayoutError(f"data has {data.shape[-2]} joints, layout {self.source.name!r} has "
                              f"{self.source.num_joints}")
        out = np.full(data.shape[:-2] + (self.target.num_joints, data.shape[-1]), np.nan, dtype=data.dtype)
        out[..., -1] = 0
        for k, src in enumerate(self.sources):
            if not src:
                continue
            if len(src) == 1:
                out[..., k, :] = data[..., src[0], :]
            else:
                picked = data[..., list(src), :]
                out[..., k, :-1] = picked[..., :-1].mean(axis=-2)
                out[..., k, -1] = picked[..., -1].min(axis=-1)
        return out


def _resolve(joint: str, source: KeypointLayout, depth: int = 0, seen: frozenset = frozenset()) -> tuple[int, ...]:
    """Source indices whose equally weighted mean gives ``joint`` (empty tuple: not derivable)."""
    if joint in source:
        return (source.index(joint),)
    if depth > 4 or joint in seen:
        return ()
    for recipe in DERIVATIONS.get(joint, ()):
        parts = [_resolve(name, source, depth + 1, seen | {joint}) for name in recipe]
        if all(parts):
            if len(parts) == 1:
                return parts[0]
            # equal weight per recipe member: repeat indices so a plain mean weighs them right
            width = int(np.lcm.reduce([len(p) for p in parts]))
            return tuple(i for p in parts for i in p * (width // len(p)))
    return ()


def resolve_joint(source: KeypointLayout, joint: str) -> tuple[int, ...]:
    """Indices of ``source`` joints whose mean is ``joint`` (empty tuple if it cannot be derived).

    >>> from actionpose.skeleton.layouts import COCO17
    >>> resolve_joint(COCO17, "pelvis")
    (11, 12)
    """
    return _resolve(joint, source)


def conversion_plan(source: KeypointLayout, target: KeypointLayout) -> ConversionPlan:
    """How to compute every joint of ``target`` from data in ``source`` layout."""
    return ConversionPlan(source, target, tuple(_resolve(j, source) for j in target.joints))


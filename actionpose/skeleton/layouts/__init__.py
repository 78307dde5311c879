"""Keypoint layouts, one module each, and a small registry.

>>> get_layout("coco17").num_joints
17
"""

from __future__ import annotations

from actionpose.errors import LayoutError
from actionpose.skeleton.layouts.base import (
    DERIVATIONS,
    WRIST_LINKS,
    ConversionPlan,
    KeypointLayout,
    compose,
    conversion_plan,
    resolve_joint,
)
from actionpose.skeleton.layouts.blazepose33 import BLAZEPOSE33
from actionpose.skeleton.layouts.body25 import BODY25
from actionpose.skeleton.layouts.coco17 import COCO17
from actionpose.skeleton.layouts.coco18 import COCO18
from actionpose.skeleton.layouts.h36m17 import H36M17
from actionpose.skeleton.layouts.halpe26 import HALPE26
from actionpose.skeleton.layouts.hand21 import HAND21
from actionpose.skeleton.layouts.hands import HANDS
from actionpose.skeleton.layouts.holistic import HOLISTIC
from actionpose.skeleton.layouts.lsp14 import LSP14
from actionpose.skeleton.layouts.mpii16 import MPII16
from actionpose.skeleton.layouts.ntu25 import NTU25
from actionpose.skeleton.layouts.thingx14 import THINGX14

_LAYOUTS: dict[str, KeypointLayout] = {}
_ALIASES = {"coco": "coco17", "openpose": "body25", "body_25": "body25", "openpose_coco": "coco18",
            "blazepose": "blazepose33", "mediapipe": "blazepose33", "hand": "hand21", "ntu": "ntu25",
            "kinect": "ntu25", "h36m": "h36m17", "mpii": "mpii16", "lsp": "lsp14", "thingx": "thingx14",
            "halpe": "halpe26"}


def register_layout(layout: KeypointLayout) -> KeypointLayout:
    """Make ``layout`` available to :func:`get_layout` under its name."""
    _LAYOUTS[layout.name] = layout
    return layout


def get_layout(name: str | KeypointLayout) -> KeypointLayout:
    """Look a layout up by name or alias (a layout passes through unchanged)."""
    if isinstance(name, KeypointLayout):
        return name
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _LAYOUTS:
        raise LayoutError(f"unknown layout {name!r}; known: {', '.join(list_layouts())}")
    return _LAYOUTS[key]


def list_layouts() -> list[str]:
    """Names of the registered layouts."""
    return sorted(_LAYOUTS)


for _layout in (COCO17, COCO18, BODY25, BLAZEPOSE33, HAND21, HANDS, HOLISTIC, NTU25, H36M17, MPII16, LSP14, THINGX14,
                HALPE26):
    register_layout(_layout)
# OpenPose JSON with hands: the body followed by the left and right hand
BODY25_HANDS = register_layout(compose("body25_hands", [("", BODY25), ("left_hand_", HAND21), ("right_hand_", HAND21)],
                                       "OpenPose BODY_25 with both hands", WRIST_LINKS))
COCO18_HANDS = register_layout(compose("coco18_hands", [("", COCO18), ("left_hand_", HAND21), ("right_hand_", HAND21)],
                                       "OpenPose COCO-18 with both hands", WRIST_LINKS))

__all__ = ["BLAZEPOSE33", "BODY25", "BODY25_HANDS", "COCO17", "COCO18", "COCO18_HANDS", "ConversionPlan",
           "DERIVATIONS", "H36M17", "HALPE26", "HAND21", "HANDS", "HOLISTIC", "KeypointLayout", "LSP14", "MPII16",
           "NTU25",
           "THINGX14", "compose", "conversion_plan", "get_layout", "list_layouts", "register_layout", "resolve_joint"]

"""Hand-21: MediaPipe Hands and OpenPose hand keypoints (same order)."""

from actionpose.skeleton.layouts.base import KeypointLayout

_FINGERS = {"thumb": ("cmc", "mcp", "ip", "tip"), "index_finger": ("mcp", "pip", "dip", "tip"),
            "middle_finger": ("mcp", "pip", "dip", "tip"), "ring_finger": ("mcp", "pip", "dip", "tip"),
            "pinky": ("mcp", "pip", "dip", "tip")}
_JOINTS = ("wrist",) + tuple(f"{finger}_{part}" for finger, parts in _FINGERS.items() for part in parts)
_BONES = tuple(
    pair for finger, parts in _FINGERS.items()
    for pair in zip(("wrist",) + tuple(f"{finger}_{p}" for p in parts[:-1]), tuple(f"{finger}_{p}" for p in parts))
) + (("index_finger_mcp", "middle_finger_mcp"), ("middle_finger_mcp", "ring_finger_mcp"),
     ("ring_finger_mcp", "pinky_mcp"))

HAND21 = KeypointLayout(name="hand21", joints=_JOINTS, bones=_BONES, description="one hand, 21 landmarks")

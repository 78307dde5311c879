"""Holistic: BlazePose-33 body followed by the left and the right hand (21 each)."""

from actionpose.skeleton.layouts.base import WRIST_LINKS, compose
from actionpose.skeleton.layouts.blazepose33 import BLAZEPOSE33
from actionpose.skeleton.layouts.hand21 import HAND21

HOLISTIC = compose("holistic", [("", BLAZEPOSE33), ("left_hand_", HAND21), ("right_hand_", HAND21)],
                   description="MediaPipe Holistic: 33 body + 2 x 21 hand landmarks", links=WRIST_LINKS)

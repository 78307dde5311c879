"""Both hands of one person: the left hand's 21 landmarks, then the right hand's.

MediaPipe Hands output uses this layout so that handedness lives in the joint names and one
"person" slot holds both hands; it converts to ``holistic`` by name.
"""

from actionpose.skeleton.layouts.base import compose
from actionpose.skeleton.layouts.hand21 import HAND21

HANDS = compose("hands", [("left_hand_", HAND21), ("right_hand_", HAND21)], description="left and right hand, 2 x 21")

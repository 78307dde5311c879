"""Halpe-26: AlphaPose's full-body layout, COCO-17 followed by head top, neck, pelvis and the feet.

Bones follow AlphaPose's drawing pairs plus nose-neck, so the face joins the body graph.
"""

from actionpose.skeleton.layouts.base import KeypointLayout
from actionpose.skeleton.layouts.coco17 import COCO17

HALPE26 = KeypointLayout(
    name="halpe26",
    joints=COCO17.joints + ("head_top", "neck", "pelvis", "left_big_toe", "right_big_toe", "left_small_toe",
                            "right_small_toe", "left_heel", "right_heel"),
    bones=(("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"), ("right_eye", "right_ear"),
           ("left_shoulder", "neck"), ("right_shoulder", "neck"), ("left_shoulder", "left_elbow"),
           ("left_elbow", "left_wrist"), ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
           ("head_top", "neck"), ("nose", "neck"), ("neck", "pelvis"), ("pelvis", "left_hip"), ("pelvis", "right_hip"),
           ("left_hip", "left_knee"), ("right_hip", "right_knee"), ("left_knee", "left_ankle"),
           ("right_knee", "right_ankle"), ("left_big_toe", "left_heel"), ("right_big_toe", "right_heel"),
           ("left_small_toe", "left_heel"), ("right_small_toe", "right_heel"), ("left_ankle", "left_heel"),
           ("right_ankle", "right_heel")),
    description="AlphaPose Halpe-26 (COCO-17 + head top, neck, pelvis, 6 foot points)",
)

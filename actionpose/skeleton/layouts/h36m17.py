"""Human3.6M 17 joints (the order used by VideoPose3D, MotionBERT and most 3D lifters).

Joint 9 ("Neck/Nose" in H36M) is named ``nose``; joint 10 is the top of the head, which no 2D body
layout here has, so it stays missing on conversion.
"""

from actionpose.skeleton.layouts.base import KeypointLayout

H36M17 = KeypointLayout(
    name="h36m17",
    joints=("pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "spine",
            "thorax", "nose", "head_top", "left_shoulder", "left_elbow", "left_wrist", "right_shoulder",
            "right_elbow", "right_wrist"),
    bones=(("pelvis", "right_hip"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
           ("pelvis", "left_hip"), ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("pelvis", "spine"),
           ("spine", "thorax"), ("thorax", "nose"), ("nose", "head_top"), ("thorax", "left_shoulder"),
           ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"), ("thorax", "right_shoulder"),
           ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist")),
    description="Human3.6M, 17 joints",
)

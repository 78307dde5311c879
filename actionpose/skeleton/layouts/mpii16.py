"""MPII Human Pose, 16 joints."""

from actionpose.skeleton.layouts.base import KeypointLayout

MPII16 = KeypointLayout(
    name="mpii16",
    joints=("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "pelvis", "thorax",
            "upper_neck", "head_top", "right_wrist", "right_elbow", "right_shoulder", "left_shoulder",
            "left_elbow", "left_wrist"),
    bones=(("right_ankle", "right_knee"), ("right_knee", "right_hip"), ("right_hip", "pelvis"),
           ("left_hip", "pelvis"), ("left_knee", "left_hip"), ("left_ankle", "left_knee"), ("pelvis", "thorax"),
           ("thorax", "upper_neck"), ("upper_neck", "head_top"), ("right_wrist", "right_elbow"),
           ("right_elbow", "right_shoulder"), ("right_shoulder", "thorax"), ("left_shoulder", "thorax"),
           ("left_elbow", "left_shoulder"), ("left_wrist", "left_elbow")),
    description="MPII Human Pose, 16 joints",
)

"""Leeds Sports Pose, 14 joints (LSP's "neck" is the top of the neck: ``upper_neck`` here)."""

from actionpose.skeleton.layouts.base import KeypointLayout

LSP14 = KeypointLayout(
    name="lsp14",
    joints=("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "right_wrist",
            "right_elbow", "right_shoulder", "left_shoulder", "left_elbow", "left_wrist", "upper_neck", "head_top"),
    bones=(("right_ankle", "right_knee"), ("right_knee", "right_hip"), ("right_hip", "left_hip"),
           ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("right_wrist", "right_elbow"),
           ("right_elbow", "right_shoulder"), ("right_shoulder", "upper_neck"), ("left_shoulder", "upper_neck"),
           ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"), ("upper_neck", "head_top"),
           ("right_shoulder", "right_hip"), ("left_shoulder", "left_hip")),
    description="Leeds Sports Pose, 14 joints",
)

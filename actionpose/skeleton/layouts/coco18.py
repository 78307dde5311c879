"""OpenPose COCO-18: COCO's 17 points plus the neck, in OpenPose's order."""

from actionpose.skeleton.layouts.base import KeypointLayout

COCO18 = KeypointLayout(
    name="coco18",
    joints=("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
            "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
            "right_eye", "left_eye", "right_ear", "left_ear"),
    bones=(("neck", "right_shoulder"), ("neck", "left_shoulder"), ("right_shoulder", "right_elbow"),
           ("right_elbow", "right_wrist"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
           ("neck", "right_hip"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
           ("neck", "left_hip"), ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("neck", "nose"),
           ("nose", "right_eye"), ("right_eye", "right_ear"), ("nose", "left_eye"), ("left_eye", "left_ear")),
    description="OpenPose COCO-18 (CMU body_pose_model)",
)

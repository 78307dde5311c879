"""OpenPose BODY_25: COCO-18 plus the mid hip and three points per foot."""

from actionpose.skeleton.layouts.base import KeypointLayout

BODY25 = KeypointLayout(
    name="body25",
    joints=("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
            "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
            "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe",
            "left_heel", "right_big_toe", "right_small_toe", "right_heel"),
    bones=(("neck", "mid_hip"), ("neck", "right_shoulder"), ("neck", "left_shoulder"),
           ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"), ("left_shoulder", "left_elbow"),
           ("left_elbow", "left_wrist"), ("mid_hip", "right_hip"), ("right_hip", "right_knee"),
           ("right_knee", "right_ankle"), ("mid_hip", "left_hip"), ("left_hip", "left_knee"),
           ("left_knee", "left_ankle"), ("neck", "nose"), ("nose", "right_eye"), ("right_eye", "right_ear"),
           ("nose", "left_eye"), ("left_eye", "left_ear"), ("left_ankle", "left_big_toe"),
           ("left_big_toe", "left_small_toe"), ("left_ankle", "left_heel"), ("right_ankle", "right_big_toe"),
           ("right_big_toe", "right_small_toe"), ("right_ankle", "right_heel")),
    description="OpenPose BODY_25",
)

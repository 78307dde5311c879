"""COCO-17: the keypoints of the COCO dataset (also MoveNet, RTMPose, Detectron2, RSN).

Bones are COCO's official skeleton (ears joined to the shoulders).
"""

from actionpose.skeleton.layouts.base import KeypointLayout

COCO17 = KeypointLayout(
    name="coco17",
    joints=("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
            "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
            "right_knee", "left_ankle", "right_ankle"),
    bones=(("left_ankle", "left_knee"), ("left_knee", "left_hip"), ("right_ankle", "right_knee"),
           ("right_knee", "right_hip"), ("left_hip", "right_hip"), ("left_shoulder", "left_hip"),
           ("right_shoulder", "right_hip"), ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"),
           ("right_shoulder", "right_elbow"), ("left_elbow", "left_wrist"), ("right_elbow", "right_wrist"),
           ("left_eye", "right_eye"), ("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"),
           ("right_eye", "right_ear"),
           ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder")),
    description="COCO keypoints, 17 joints",
)

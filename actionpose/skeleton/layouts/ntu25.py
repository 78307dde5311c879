"""Kinect v2 / NTU RGB+D 25 joints.

Kinect's ``Neck`` sits between the shoulders' centre and the head; it is named ``upper_neck`` here so
that ``neck`` keeps one meaning (the midpoint of the shoulders, Kinect's ``SpineShoulder``).
"""

from actionpose.skeleton.layouts.base import KeypointLayout

NTU25 = KeypointLayout(
    name="ntu25",
    joints=("spine_base", "spine_mid", "upper_neck", "head", "left_shoulder", "left_elbow", "left_wrist",
            "left_hand", "right_shoulder", "right_elbow", "right_wrist", "right_hand", "left_hip", "left_knee",
            "left_ankle", "left_foot", "right_hip", "right_knee", "right_ankle", "right_foot", "spine_shoulder",
            "left_hand_tip", "left_thumb", "right_hand_tip", "right_thumb"),
    bones=(("spine_base", "spine_mid"), ("spine_mid", "spine_shoulder"), ("spine_shoulder", "upper_neck"),
           ("upper_neck", "head"), ("spine_shoulder", "left_shoulder"), ("left_shoulder", "left_elbow"),
           ("left_elbow", "left_wrist"), ("left_wrist", "left_hand"), ("left_hand", "left_hand_tip"),
           ("left_wrist", "left_thumb"), ("spine_shoulder", "right_shoulder"), ("right_shoulder", "right_elbow"),
           ("right_elbow", "right_wrist"), ("right_wrist", "right_hand"), ("right_hand", "right_hand_tip"),
           ("right_wrist", "right_thumb"), ("spine_base", "left_hip"), ("left_hip", "left_knee"),
           ("left_knee", "left_ankle"), ("left_ankle", "left_foot"), ("spine_base", "right_hip"),
           ("right_hip", "right_knee"), ("right_knee", "right_ankle"), ("right_ankle", "right_foot")),
    description="Kinect v2 / NTU RGB+D, 25 joints",
)

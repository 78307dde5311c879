"""BlazePose-33: MediaPipe Pose landmarks (face points, hands, heels and foot tips).

Bones are MediaPipe's POSE_CONNECTIONS plus nose-mouth and ear-shoulder links, so that the
skeleton is one connected graph (which graph models need).
"""

from actionpose.skeleton.layouts.base import KeypointLayout

BLAZEPOSE33 = KeypointLayout(
    name="blazepose33",
    joints=("nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
            "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
            "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
            "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
            "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
            "left_foot_index", "right_foot_index"),
    bones=(("nose", "left_eye_inner"), ("left_eye_inner", "left_eye"), ("left_eye", "left_eye_outer"),
           ("left_eye_outer", "left_ear"), ("nose", "right_eye_inner"), ("right_eye_inner", "right_eye"),
           ("right_eye", "right_eye_outer"), ("right_eye_outer", "right_ear"), ("mouth_left", "mouth_right"),
           ("nose", "mouth_left"), ("nose", "mouth_right"), ("left_ear", "left_shoulder"),
           ("right_ear", "right_shoulder"),
           ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
           ("left_wrist", "left_pinky"), ("left_wrist", "left_index"), ("left_pinky", "left_index"),
           ("left_wrist", "left_thumb"), ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
           ("right_wrist", "right_pinky"), ("right_wrist", "right_index"), ("right_pinky", "right_index"),
           ("right_wrist", "right_thumb"), ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
           ("left_hip", "right_hip"), ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
           ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
           ("right_hip", "right_knee"), ("right_knee", "right_ankle"), ("right_ankle", "right_heel"),
           ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index")),
    description="MediaPipe BlazePose, 33 landmarks",
)

"""Built-in OpenPose backend: the CMU COCO-18 body model and Lightweight OpenPose in torch, and a
vectorised bottom-up PAF decoder.

>>> from actionpose.pose.openpose import decode           # maps -> (keypoints (N, 18, 3), scores (N,))
>>> backend = create_backend("openpose", model_path="body_pose_model.pth")  # doctest: +SKIP

The CMU weights are licensed for non-commercial research only; see :mod:`.weights`.
"""

from actionpose.pose.openpose.backend import OpenPoseBackend
from actionpose.pose.openpose.decode import decode

__all__ = ["OpenPoseBackend", "decode"]

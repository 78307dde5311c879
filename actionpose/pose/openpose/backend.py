"""The ``openpose`` backend: network maps -> bottom-up PAF decoding -> people in frame pixels (COCO-18).

Licences: ActionPose's code is Apache-2.0; the CMU OpenPose weights a user brings are licensed for
non-commercial research only (a warning is logged when they are loaded). Lightweight OpenPose
weights are Apache-2.0.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from actionpose.errors import BackendError
from actionpose.pose.base import PoseBackend, register_backend
from actionpose.pose.openpose.decode import decode
from actionpose.pose.openpose.inference import OpenPoseNet
from actionpose.skeleton.layouts import COCO18

log = logging.getLogger(__name__)


@register_backend("openpose")
class OpenPoseBackend(PoseBackend):
    """Multi-person 2D pose with OpenPose (built-in mobilenet_v2_small, CMU COCO-18 or Lightweight OpenPose).

    Parameters
    ----------
    model_path
        None (default): the built-in tf-pose-estimation ``mobilenet_v2_small`` shipped with the
        package (Apache-2.0; :mod:`actionpose.pose.openpose.mobilenet`). Or a ``body_pose_model.pth``
        (CMU; non-commercial research use only) or ``checkpoint_iter_370000.pth`` (Lightweight) file
        the user brings; the architecture is recognised from its tensor names. Nothing is downloaded.
    max_people
        Keep at most this many people per frame, by decoder score; None keeps everybody.
    input_height, scales
        Network input height (368 as published) and the multi-scale search factors.
    device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...
    batch_size
        Frames per network pass (default 1 on CPU, 8 on CUDA).
    model
        An already built network (tests, custom checkpoints); replaces ``model_path``.
    **decode_options
        Passed to :func:`actionpose.pose.openpose.decode` (thresholds).
    """

    name = "openpose"
    layout = COCO18

    def __init__(self, model_path: str | Path | None = None, max_people: int | None = None,
                 input_height: int = 368, scales: Sequence[float] = (1.0,), device: str = "auto",
                 batch_size: int | None = None, model: nn.Module | None = None, **decode_options: Any) -> None:
        if max_people is not None and (isinstance(max_people, bool) or not isinstance(max_people, int)
                                       or max_people < 1):
            raise BackendError(f"max_people must be a positive integer or None, got {max_people!r}")
        if input_height < 8 or not scales or any(s <= 0 for s in scales):
            raise BackendError(f"input_height must be >= 8 and scales positive, got {input_height}, {scales}")
        self.net = OpenPoseNet(model_path, model=model, device=device, input_height=input_height,
                               scales=tuple(scales), batch_size=batch_size)
        self.max_people = max_people
        self.batch_size = self.net.batch_size
        self.decode_options = decode_options

    def process_batch(self, frames_bgr: list[np.ndarray], timestamps_s: list[float]) -> list[np.ndarray]:
        """``(N, 18, 3)`` people per frame in frame pixels, best first; N may be 0."""
        people = []
        for heatmaps, pafs, meta in self.net(frames_bgr):
            w, h = meta.valid_map_size
            keypoints, scores = decode(heatmaps[:, :h, :w], pafs[:, :h, :w], **self.decode_options)
            keypoints = np.asarray(keypoints, dtype=np.float32)
            keypoints[..., :2] = meta.net_to_image(keypoints[..., :2])
            order = np.argsort(-np.asarray(scores), kind="stable")[: self.max_people]
            people.append(keypoints[order])
        return people

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """People in one BGR frame: ``(N, 18, 3)`` float32 x, y, confidence in frame pixels."""
        return self.process_batch([frame_bgr], [timestamp_s])[0]

    @property
    def meta(self) -> dict[str, Any]:
        """Backend, architecture, weights file and sha256, input height, scales, decoder options."""
        meta = {"backend": self.name, **self.net.meta, "max_people": self.max_people,
                "decode_options": dict(self.decode_options)}
        if meta.get("architecture") == "cmu":
            meta["weights_licence"] = "CMU OpenPose: non-commercial research only"
        return meta

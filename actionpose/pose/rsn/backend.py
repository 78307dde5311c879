"""The ``rsn`` backend: person boxes -> crops -> RSN heatmaps -> 17 COCO keypoints per person (top-down).

Boxes come from a detector plug-in (:mod:`actionpose.pose.detect`: OpenCV HOG by default, MediaPipe
Tasks or another backend's skeletons, or boxes the caller passes). Each box is enlarged (+9 % width,
+13.5 % height) and fitted to 192:256, cropped with an affine warp, normalised, run through RSN with
a flip test, and decoded back to frame pixels; overlapping people are removed with OKS-NMS.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from actionpose.errors import BackendError
from actionpose.pose.base import PoseBackend, register_backend
from actionpose.pose.detect import PersonDetector, create_detector
from actionpose.pose.device import resolve_device
from actionpose.pose.rsn import topdown
from actionpose.pose.rsn.weights import load_rsn
from actionpose.skeleton.layouts import COCO17

log = logging.getLogger(__name__)


@register_backend("rsn")
class RSNBackend(PoseBackend):
    """Top-down multi-person pose with the Residual Steps Network (COCO-17).

    Parameters
    ----------
    model_path
        An RSN checkpoint (official COCO 256x192 RSN-18/50, or MMPose-trained); required.
    max_people
        Keep at most this many people per frame (by person score); None keeps all.
    detector
        A detector name (``"hog"``, ``"backend"``, ``"boxes"``) or a :class:`PersonDetector`.
    detector_options
        Options for :func:`actionpose.pose.detect.create_detector`.
    flip_test
        Average with the horizontally flipped crops' heatmaps (the official test setting).
    device, batch_size
        Torch device (``"auto"``: CUDA when available) and crops per network pass.
    model, preset
        An already built network (tests) and its input convention, instead of ``model_path``.
    """

    name = "rsn"
    layout = COCO17

    def __init__(self, model_path: str | Path | None = None, max_people: int | None = None,
                 detector: str | PersonDetector = "hog", detector_options: dict[str, Any] | None = None,
                 flip_test: bool = True, device: str = "auto", batch_size: int = 32,
                 model: nn.Module | None = None, preset: Any = None) -> None:
        if max_people is not None and (isinstance(max_people, bool) or not isinstance(max_people, int)
                                       or max_people < 1):
            raise BackendError(f"max_people must be a positive integer or None, got {max_people!r}")
        self.sha256: str | None = None
        if model is None:
            model, preset, self.sha256 = load_rsn(model_path)
        self.preset = preset
        self.device = resolve_device(device)
        self.model = model.eval().to(self.device)
        self.detector = detector if isinstance(detector, PersonDetector) else \
            create_detector(detector, **(detector_options or {}))
        self.max_people = max_people
        self.flip = bool(flip_test)
        self.batch_size = 1
        self._crop_batch = max(1, int(batch_size))
        self.model_path = Path(model_path) if model_path is not None else None

    @torch.inference_mode()
    def _heatmaps(self, inputs: np.ndarray) -> np.ndarray:
        out = []
        for s in topdown.batch_slices(len(inputs), self._crop_batch):
            out.append(self.model(torch.from_numpy(inputs[s]).to(self.device)).float().cpu().numpy())
        return np.concatenate(out)

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """People in one BGR frame: ``(N, 17, 3)`` float32 x, y, score in frame pixels, best first."""
        boxes = self.detector(frame_bgr, timestamp_s)
        if not len(boxes):
            return np.empty((0, COCO17.num_joints, 3), np.float32)
        crops = topdown.crop_boxes(frame_bgr, boxes)
        rgb = getattr(self.preset, "input_order", "bgr") == "rgb"
        inputs = topdown.normalize(crops.images, getattr(self.preset, "mean", None),
                                   getattr(self.preset, "std", None), rgb=rgb)
        heatmaps = self._heatmaps(inputs)
        if self.flip:
            flipped = self._heatmaps(np.ascontiguousarray(inputs[..., ::-1]))
            heatmaps = topdown.flip_test(heatmaps, flipped, COCO17.flip_permutation)
        people = topdown.decode_to_frame(heatmaps, crops.centers, crops.sizes)
        peak = float(getattr(self.preset, "heatmap_peak", 1.0))
        people[..., 2] = np.clip(people[..., 2] / peak, 0.0, 1.0)
        scores = topdown.person_scores(crops.scores, people[..., 2])
        keep = topdown.oks_nms(people, scores)
        keep = keep[np.argsort(-scores[keep], kind="stable")][: self.max_people]
        return people[keep]

    @property
    def meta(self) -> dict[str, Any]:
        """Backend, preset, weights file and sha256, detector, flip test."""
        return {"backend": self.name, "preset": getattr(self.preset, "name", str(self.preset)),
                "weights": str(self.model_path) if self.model_path else None, "sha256": self.sha256,
                "detector": getattr(self.detector, "meta", type(self.detector).__name__),
                "flip_test": self.flip, "max_people": self.max_people}

    def close(self) -> None:
        """Release the detector."""
        close = getattr(self.detector, "close", None)
        if close is not None:
            close()

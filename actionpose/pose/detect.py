"""Person detectors: the first stage of top-down pose estimators (RSN, ...).

A detector turns one BGR frame into person boxes::

    with create_detector("hog") as detector:
        boxes = detector(frame_bgr, timestamp_s)   # (M, 5) float32: x0, y0, x1, y1, score; pixels

Built-in detectors:

* ``"hog"``: OpenCV's HOG + linear SVM people detector (Dalal & Triggs), built into OpenCV, so it is
  always available, needs no model file and runs in ~20-40 ms per frame on a CPU. It is weak: it
  finds upright, whole, unoccluded people of at least ~100 px height at its working scale, and
  misses people who bend, crouch, lie down or are cut by the frame edge.
* ``"backend"``: the keypoint boxes of another pose backend's skeletons, e.g. MediaPipe Tasks with
  a PoseLandmarker ``.task`` model: ``create_detector("backend", backend="mediapipe",
  model_path="pose_landmarker_full.task", max_people=4)``. It finds people in any posture and
  follows them from frame to frame, at the cost of a model file and a heavier network.
* ``"boxes"``: boxes the caller already has (a fixed array, one array per frame, or a callable).

:data:`DEFAULT_DETECTOR` is ``"hog"`` because it always works, with no file and no download; when a
``.task`` model is at hand, :func:`create_default_detector` uses MediaPipe Tasks instead, which finds
people far more reliably. Third-party detectors register through :func:`register_detector`.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from actionpose.errors import BackendError, InputError
from actionpose.pose.base import PoseBackend, create_backend

log = logging.getLogger(__name__)

#: the detector used when none is named: always available (see the module docstring)
DEFAULT_DETECTOR = "hog"

BoxSource = Callable[[np.ndarray, float], Any]


def _check_frame(frame_bgr: Any) -> None:
    if not isinstance(frame_bgr, np.ndarray) or frame_bgr.dtype != np.uint8 or frame_bgr.ndim != 3 \
            or frame_bgr.shape[2] != 3 or 0 in frame_bgr.shape:
        shape = getattr(frame_bgr, "shape", None)
        raise InputError(None, f"a frame must be an (H, W, 3) uint8 BGR array, got {type(frame_bgr).__name__} "
                               f"{shape} {getattr(frame_bgr, 'dtype', '')}".rstrip())


def as_boxes(boxes: Any) -> np.ndarray:
    """``(M, 5)`` float32 boxes from ``(M, 4)``, ``(M, 5)``, one box ``(4,)``/``(5,)`` or None (score 1 if absent).

    Raises
    ------
    BackendError
        If the array has another shape.
    """
    arr = np.asarray(boxes if boxes is not None else np.zeros((0, 5)), dtype=np.float32)
    if arr.size == 0:
        return np.zeros((0, 5), dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise BackendError(f"boxes must be (M, 4) or (M, 5) [x0, y0, x1, y1(, score)], got shape {arr.shape}")
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1), dtype=np.float32)], axis=1)
    return np.ascontiguousarray(arr)


def _area(boxes: np.ndarray) -> np.ndarray:
    return np.clip(boxes[..., 2] - boxes[..., 0], 0, None) * np.clip(boxes[..., 3] - boxes[..., 1], 0, None)


def box_iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``(M,)`` intersection over union of one box ``x0, y0, x1, y1`` with ``(M, 4+)`` boxes."""
    w = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    h = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    union = _area(box) + _area(others) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def box_nms(boxes: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression: indices of the kept ``(M, 5)`` boxes, highest score first.

    A box overlapping a kept, higher-scored box by more than ``iou_threshold`` is dropped.
    """
    b = as_boxes(boxes)
    keep: list[int] = []
    for i in np.argsort(-b[:, 4], kind="stable"):
        if not keep or box_iou(b[i], b[keep]).max() <= iou_threshold:
            keep.append(int(i))
    return np.asarray(keep, dtype=np.int64)


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boxes ``(M, 5)`` clipped to the frame ``[0, width] x [0, height]``."""
    out = np.array(boxes, dtype=np.float32, copy=True)
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return out


class PersonDetector(abc.ABC):
    """A person detector: frames in, boxes ``(M, 5)`` float32 ``[x0, y0, x1, y1, score]`` out.

    Boxes are in frame pixels, highest score first; scores lie in [0, 1]; ``M`` may be 0.
    """

    name: ClassVar[str] = "base"

    @abc.abstractmethod
    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Person boxes in one frame; ``timestamp_s`` increases from call to call in a video."""

    @property
    def meta(self) -> dict[str, Any]:
        """Provenance for the sequence metadata (detector name and options)."""
        return {"detector": self.name}

    def close(self) -> None:  # noqa: B027 - an optional hook: most backends hold nothing to release
        """Release models and native resources."""

    def __enter__(self) -> PersonDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


DetectorFactory = Callable[..., PersonDetector]
_REGISTRY: dict[str, DetectorFactory] = {}


def register_detector(name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Decorator: register a detector class or factory under ``name``."""
    def deco(factory: DetectorFactory) -> DetectorFactory:
        _REGISTRY[name] = factory
        return factory
    return deco


def list_detectors() -> list[str]:
    """Names of every detector that :func:`create_detector` accepts."""
    return sorted(_REGISTRY)


def create_detector(name: str = DEFAULT_DETECTOR, **options: Any) -> PersonDetector:
    """Build the detector registered as ``name`` with ``options``.

    Raises
    ------
    BackendError
        If no detector has that name or it cannot start with these options.
    """
    if name not in _REGISTRY:
        raise BackendError(f"unknown person detector {name!r}; available: {', '.join(list_detectors())}")
    try:
        return _REGISTRY[name](**options)
    except TypeError as exc:
        raise BackendError(f"person detector {name!r}: {exc}") from None


def create_default_detector(task_model: str | Path | None = None, max_people: int = 4) -> PersonDetector:
    """MediaPipe Tasks boxes when a PoseLandmarker ``.task`` file is given, else the HOG detector."""
    if task_model is not None:
        return create_detector("backend", backend="mediapipe", model_path=task_model, max_people=max_people)
    return create_detector(DEFAULT_DETECTOR, max_boxes=max_people)


@register_detector("hog")
class HOGDetector(PersonDetector):
    """OpenCV's HOG people detector (``cv2.HOGDescriptor_getDefaultPeopleDetector``), with NMS.

    Parameters
    ----------
    work_side
        The frame is resized so that its longer side has this many pixels before detection, and the
        boxes are mapped back: large frames shrink (speed: 1080p takes ~0.3 s at full size, ~25 ms
        at 640), small ones grow so that people reach the detector's 64 x 128 window. None: as given.
    scale_step
        Ratio between the pyramid levels of ``detectMultiScale`` (smaller: slower, finds more sizes).
    win_stride
        Window step in pixels at the working scale.
    hit_threshold
        SVM margin a window needs to count (``detectMultiScale``'s ``hitThreshold``).
    min_score
        Boxes scoring less are dropped. The score is ``tanh(margin)`` of the SVM: 0 on the decision
        boundary, 0.76 at margin 1, towards 1 for clear people.
    nms_iou
        Boxes overlapping a higher-scored box by more IoU than this are dropped. OpenCV groups
        similar windows already; this removes the remaining nested and shifted duplicates.
    tight
        Shrink each box to the person inside the detection window: the default people detector was
        trained on 64 x 128 windows with a margin around a ~48 x 96 person, and OpenCV's own
        ``peopledetect`` sample trims 10 % of the width on each side, 7 % of the height on top and 13 %
        at the bottom. The top-down crop adds its own margin afterwards.
    max_boxes
        Keep at most this many boxes (the highest scored); None for all.
    """

    name = "hog"

    def __init__(self, work_side: int | None = 640, scale_step: float = 1.05, win_stride: int = 8,
                 hit_threshold: float = 0.0, min_score: float = 0.0, nms_iou: float = 0.45, tight: bool = True,
                 max_boxes: int | None = None) -> None:
        if work_side is not None and work_side < 64:
            raise BackendError(f"work_side must be at least 64 pixels or None, got {work_side}")
        if scale_step <= 1.0:
            raise BackendError(f"scale_step must be > 1, got {scale_step}")
        if max_boxes is not None and max_boxes < 0:
            raise BackendError(f"max_boxes must be >= 0 or None, got {max_boxes}")
        self.work_side = None if work_side is None else int(work_side)
        self.scale_step = float(scale_step)
        self.win_stride = int(win_stride)
        self.hit_threshold = float(hit_threshold)
        self.min_score = float(min_score)
        self.nms_iou = float(nms_iou)
        self.tight = bool(tight)
        self.max_boxes = None if max_boxes is None else int(max_boxes)
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Person boxes ``(M, 5)`` in one BGR frame."""
        _check_frame(frame_bgr)
        height, width = frame_bgr.shape[:2]
        scale = 1.0 if self.work_side is None else self.work_side / max(height, width)
        image = frame_bgr if scale == 1.0 else cv2.resize(
            frame_bgr, (max(1, round(width * scale)), max(1, round(height * scale))),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        if image.shape[0] < 128 or image.shape[1] < 64:
            return np.zeros((0, 5), dtype=np.float32)  # smaller than one detection window
        rects, weights = self._hog.detectMultiScale(image, hitThreshold=self.hit_threshold,
                                                    winStride=(self.win_stride, self.win_stride),
                                                    scale=self.scale_step)
        if len(rects) == 0:
            return np.zeros((0, 5), dtype=np.float32)
        r = np.asarray(rects, dtype=np.float64).reshape(-1, 4) / scale
        x, y, w, h = r.T
        if self.tight:
            x, y, w, h = x + 0.1 * w, y + 0.07 * h, 0.8 * w, 0.8 * h
        score = np.tanh(np.clip(np.asarray(weights, dtype=np.float64).reshape(-1), 0, None))
        boxes = clip_boxes(np.stack([x, y, x + w, y + h, score], axis=1), width, height)
        boxes = boxes[boxes[:, 4] >= self.min_score]
        boxes = boxes[box_nms(boxes, self.nms_iou)]
        return boxes[: self.max_boxes] if self.max_boxes is not None else boxes

    @property
    def meta(self) -> dict[str, Any]:
        """Detector name and options."""
        return {"detector": self.name, "work_side": self.work_side, "scale_step": self.scale_step,
                "win_stride": self.win_stride, "hit_threshold": self.hit_threshold, "min_score": self.min_score,
                "nms_iou": self.nms_iou, "tight": self.tight, "max_boxes": self.max_boxes}


@register_detector("backend")
class BackendDetector(PersonDetector):
    """Boxes around the skeletons of another pose backend.

    Parameters
    ----------
    backend
        A backend name for :func:`actionpose.pose.create_backend` (built with ``**backend_options``
        and closed with the detector), or a running :class:`PoseBackend` (left open).
    min_joint_score
        Joints scoring at least this span the box.
    min_joints
        Skeletons with fewer such joints give no box.
    padding
        Each side of the joints' box grows by this fraction of its larger side: joints stop short of
        the top of the head, the hands and the feet, and a line of joints (a person seen edge-on)
        still gets an area. Boxes are clipped to the frame.
    **backend_options
        Passed to :func:`create_backend` (``model_path``, ``max_people``, ...).

    The box score is the mean score of the joints that span it.
    """

    name = "backend"

    def __init__(self, backend: str | PoseBackend = "mediapipe", min_joint_score: float = 0.5, min_joints: int = 4,
                 padding: float = 0.1, **backend_options: Any) -> None:
        self._backend: PoseBackend | None = None
        if isinstance(backend, PoseBackend):
            if backend_options:
                raise BackendError("backend options apply only when the detector builds the backend by name")
            self._backend, self._owned = backend, False
        elif isinstance(backend, str):
            self._backend, self._owned = create_backend(backend, **backend_options), True
        else:
            raise BackendError(f"backend must be a backend name or a PoseBackend, got {type(backend).__name__}")
        if min_joints < 1 or padding < 0:
            raise BackendError(f"min_joints must be >= 1 and padding >= 0, got {min_joints} and {padding}")
        self.min_joint_score = float(min_joint_score)
        self.min_joints = int(min_joints)
        self.padding = float(padding)

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Person boxes ``(M, 5)`` in one BGR frame."""
        if self._backend is None:
            raise BackendError("the backend detector is closed")
        _check_frame(frame_bgr)
        poses = np.asarray(self._backend(frame_bgr, timestamp_s), dtype=np.float64)
        height, width = frame_bgr.shape[:2]
        return clip_boxes(self.boxes_of(poses), width, height)

    def boxes_of(self, poses: np.ndarray) -> np.ndarray:
        """Padded keypoint boxes ``(M, 5)`` of poses ``(N, K, C)`` (score last), highest score first."""
        if poses.size == 0:
            return np.zeros((0, 5), dtype=np.float32)
        xy, score = poses[..., :2], poses[..., -1]
        conf = np.isfinite(xy).all(axis=-1) & np.isfinite(score) & (score >= self.min_joint_score)
        enough = conf.sum(axis=-1) >= self.min_joints
        xy, score, conf = xy[enough], score[enough], conf[enough]
        lo = np.where(conf[..., None], xy, np.inf).min(axis=1)
        hi = np.where(conf[..., None], xy, -np.inf).max(axis=1)
        pad = self.padding * (hi - lo).max(axis=1, keepdims=True)
        mean = np.where(conf, score, 0.0).sum(axis=1) / conf.sum(axis=1)
        boxes = np.concatenate([lo - pad, hi + pad, mean[:, None]], axis=1).astype(np.float32)
        return boxes[np.argsort(-boxes[:, 4], kind="stable")]

    @property
    def meta(self) -> dict[str, Any]:
        """Detector name, options and the backend's own metadata."""
        return {"detector": self.name, "min_joint_score": self.min_joint_score, "min_joints": self.min_joints,
                "padding": self.padding, "backend": self._backend.meta if self._backend is not None else None}

    def close(self) -> None:
        """Close the backend if the detector built it (idempotent)."""
        backend, self._backend = self._backend, None
        if backend is not None and self._owned:
            backend.close()


@register_detector("boxes")
class BoxesDetector(PersonDetector):
    """Boxes given by the caller, passed through unchanged (a score of 1 is added where missing).

    Parameters
    ----------
    boxes
        ``(M, 4 or 5)`` boxes returned for every frame, or a callable ``(frame_bgr, timestamp_s) ->
        boxes`` (e.g. a detector from another library).
    per_frame
        A sequence with one ``(M_i, 4 or 5)`` array (or None) per frame: the i-th call returns the
        i-th entry. Give ``boxes`` or ``per_frame``, not both.
    """

    name = "boxes"

    def __init__(self, boxes: np.ndarray | BoxSource | None = None,
                 per_frame: Sequence[np.ndarray | None] | None = None) -> None:
        if (boxes is None) == (per_frame is None):
            raise BackendError("give the boxes detector either boxes (an array or a callable) or per_frame")
        self._source: BoxSource | None = boxes if callable(boxes) else None
        self._fixed = as_boxes(boxes).copy() if boxes is not None and self._source is None else None
        self._per_frame = [as_boxes(b).copy() for b in per_frame] if per_frame is not None else None
        self._index = 0

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """The boxes for this frame, ``(M, 5)`` float32."""
        index, self._index = self._index, self._index + 1
        if self._fixed is not None:
            return self._fixed.copy()
        if self._source is not None:
            return as_boxes(self._source(frame_bgr, timestamp_s))
        assert self._per_frame is not None
        if index >= len(self._per_frame):
            raise BackendError(f"the boxes detector was given boxes for {len(self._per_frame)} frames; "
                               f"frame {index} has none")
        return self._per_frame[index].copy()

    @property
    def meta(self) -> dict[str, Any]:
        """Detector name and where the boxes come from."""
        kind = "fixed" if self._fixed is not None else "callable" if self._source is not None else "per_frame"
        return {"detector": self.name, "source": kind}


__all__ = ["DEFAULT_DETECTOR", "BackendDetector", "BoxesDetector", "HOGDetector", "PersonDetector", "as_boxes",
           "box_iou", "box_nms", "clip_boxes", "create_default_detector", "create_detector", "list_detectors",
           "register_detector"]

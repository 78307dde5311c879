"""Tasks-API runner: ``PoseLandmarker`` from a ``.task`` bundle, several people per frame.

How the Tasks graph tracks people (mediapipe 0.10.21, ``pose_landmarker_graph.cc``): in VIDEO mode
each person's box for the next frame comes from their landmarks; the detector runs only while fewer
than ``num_poses`` people are tracked, and a new detection overlapping a tracked box by more than
the Tasks option ``min_tracking_confidence`` (an IoU, despite its name) is taken as that person.
With MediaPipe's 0.5, two people close together merge into one. Measured with ``num_poses=2``:

* two-person demo clip, every 2nd frame: two people in 0 / 14 / 35 of 36 frames at IoU 0.5 / 0.7 / 0.8
  (every frame: 0 / 69 / 70 of 72);
* one person falling (GMDCSA24 Subject_1/Fall/13, 100 frames): a second, ghost skeleton of the same
  person in 2 / 22 frames at 0.5 / 0.8; standing or walking people (ta_chi, push-ups, gait): none.

The backend uses 0.8 (``same_person_iou``): losing one of two people who hug or help each other
cannot be repaired later, a short-lived ghost can be dropped by a tracker. Higher values also let
a fresh detection of a tracked person survive beside it; such repeats are removed here
(:func:`drop_duplicates`): most joints (70 %) within a tenth of the body size, or half of them
with the boxes of their confident joints overlapping by an IoU of 0.7 or more.

Why IoU and not the share of the smaller box: with ``max_people=2`` the two people of the two-person
demo clip, hugging, have 55 % of joints close and their boxes cover 85 % of the smaller one (IoU at
most 0.48); in the basketball clip with 4, two players have 58 % close and 93 % of the smaller box
(IoU 0.47). Repeats of one falling person reach IoU 0.73-0.90 with 55-69 % of joints close
(GMDCSA24 Subject_1 Fall 13; the packaged example beside its mirror). Repeats of a lying person
with a different skeleton (under 40 % of joints close, IoU 0.4-0.67) still get through.
"""

from __future__ import annotations

import logging
import weakref
from pathlib import Path

import numpy as np

from actionpose.errors import BackendError
from actionpose.pose.mediapipe.solutions import close_quietly
from actionpose.skeleton.layouts import BLAZEPOSE33

log = logging.getLogger(__name__)

#: default IoU above which a detection is the already tracked person (MediaPipe's default is 0.5)
SAME_PERSON_IOU = 0.8
#: two skeletons are one person found twice when this share of joints are within a tenth of body size
_DUPLICATE_SHARE = 0.7
#: ... or when this share is close and the boxes of their confident joints overlap by this IoU
_DUPLICATE_HALF_SHARE = 0.5
_DUPLICATE_IOU = 0.7
_BOX_SCORE = 0.3


def joint_box(pose: np.ndarray) -> np.ndarray:
    """``(x0, y0, x1, y1)`` around the joints scored above 0.3 (all joints when fewer than 3 are)."""
    ok = pose[:, -1] > _BOX_SCORE
    xy = pose[ok, :2] if ok.sum() >= 3 else pose[:, :2]
    return np.concatenate([np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)])


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ``(x0, y0, x1, y1)`` boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def same_person(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether skeletons ``a`` and ``b`` (``(K, C)``) are one person found twice (see the module notes)."""
    size = max(np.ptp(a[:, :2], axis=0).max(), np.ptp(b[:, :2], axis=0).max(), 1e-6)
    close = float((np.linalg.norm(a[:, :2] - b[:, :2], axis=1) < 0.1 * size).mean())
    if close >= _DUPLICATE_SHARE:
        return True
    return close >= _DUPLICATE_HALF_SHARE and box_iou(joint_box(a), joint_box(b)) >= _DUPLICATE_IOU


def drop_duplicates(poses: np.ndarray) -> np.ndarray:
    """Remove skeletons that repeat a higher-scored one (``(N, K, C)`` in, ``(M, K, C)`` out)."""
    if len(poses) < 2:
        return poses
    keep: list[int] = []
    for i in np.argsort(-np.nanmean(poses[:, :, -1], axis=1), kind="stable"):
        for j in keep:
            if same_person(poses[i], poses[j]):
                break
        else:
            keep.append(int(i))
    return poses[sorted(keep)]


class TasksRunner:
    """``mediapipe.tasks.python.vision.PoseLandmarker`` in VIDEO mode (IMAGE when ``static_image_mode``).

    ``min_detection_confidence`` is the detector's threshold and ``min_tracking_confidence`` the
    landmark presence threshold (what the legacy option of that name controls);
    ``same_person_iou`` is the Tasks option named ``min_tracking_confidence``.
    """

    layout = BLAZEPOSE33

    def __init__(self, model_path: Path, static_image_mode: bool, max_people: int, min_detection_confidence: float,
                 min_tracking_confidence: float, same_person_iou: float = SAME_PERSON_IOU) -> None:
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self._static = static_image_mode
        mode = vision.RunningMode.IMAGE if static_image_mode else vision.RunningMode.VIDEO
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)), running_mode=mode, num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_tracking_confidence, min_tracking_confidence=same_person_iou)
        try:
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackendError(f"{model_path.name} is not a usable PoseLandmarker model: {first}") from None
        self._finalizer = weakref.finalize(self, close_quietly, self._landmarker)

    def process(self, rgb: np.ndarray, timestamp_us: int | None) -> np.ndarray:
        """``(N, 33, 4)``, N <= ``num_poses``; score is the visibility (presence if absent)."""
        if self._landmarker is None:
            raise BackendError("the PoseLandmarker is closed")
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._static or timestamp_us is None:
            result = self._landmarker.detect(image)
        else:
            result = self._landmarker.detect_for_video(image, timestamp_us // 1000)
        if not result.pose_landmarks:
            return np.empty((0, 33, 4), dtype=np.float32)
        height, width = rgb.shape[:2]
        out = np.array([[(p.x, p.y, p.z, _score(p)) for p in person] for person in result.pose_landmarks],
                       dtype=np.float32)
        out[..., 0] *= width
        out[..., 1] *= height
        out[..., 2] *= width
        return drop_duplicates(out)

    def close(self) -> None:
        """Close the landmarker (idempotent)."""
        self._landmarker = None
        self._finalizer()


def _score(p: object) -> float:
    vis = getattr(p, "visibility", None)
    if vis is None:
        vis = getattr(p, "presence", None)
    return 1.0 if vis is None else float(vis)

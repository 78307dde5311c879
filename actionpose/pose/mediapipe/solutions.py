"""Legacy ``mp.solutions`` runners for one person: Pose (BlazePose-33) and Holistic (body + hands).

Each runner takes an RGB frame and returns ``(N, K, 4)`` float32 detections in pixels with N <= 1.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

from actionpose.errors import BackendError
from actionpose.pose.mediapipe.models import ensure_landmark_model
from actionpose.skeleton.layouts import BLAZEPOSE33, HAND21, HOLISTIC, KeypointLayout

log = logging.getLogger(__name__)

#: the timestep SolutionBase adds before each frame (it simulates 30 fps)
_SOLUTION_STEP_US = 33333


def landmarks_array(landmarks: Iterable[Any], width: int, height: int, visibility: bool = True) -> np.ndarray:
    """Normalised landmarks -> ``(K, 4)`` float32 pixels ``x, y, z, score``.

    ``z`` is scaled by the width (MediaPipe puts z on the x scale); ``score`` is the visibility, or
    1.0 when ``visibility`` is False (hand landmarks have none).
    """
    if visibility:
        arr = np.array([(p.x, p.y, p.z, p.visibility) for p in landmarks], dtype=np.float32)
    else:
        arr = np.array([(p.x, p.y, p.z, 1.0) for p in landmarks], dtype=np.float32)
    arr[:, 0] *= width
    arr[:, 1] *= height
    arr[:, 2] *= width
    return arr


def missing(num_joints: int) -> np.ndarray:
    """``(K, 4)`` of missing joints: NaN coordinates, score 0."""
    arr = np.full((num_joints, 4), np.nan, dtype=np.float32)
    arr[:, 3] = 0.0
    return arr


def close_quietly(graph: Any) -> None:
    """Close a mediapipe graph or task, logging instead of raising (used by finalizers at exit)."""
    try:
        graph.close()
    except Exception as exc:  # noqa: BLE001 - a failed close must not surface at interpreter exit
        log.debug("closing %s failed: %s", type(graph).__name__, exc)


class LegacyRunner:
    """Owns one ``mp.solutions`` graph and closes it exactly once (also at exit if never closed)."""

    layout: KeypointLayout

    def __init__(self, solution: Any, static_image_mode: bool) -> None:
        self._solution = solution
        self._static = static_image_mode
        self._finalizer = weakref.finalize(self, close_quietly, solution)

    def run(self, rgb: np.ndarray, timestamp_us: int | None) -> Any:
        """Process one frame, stamped with the caller's timestamp in video mode.

        ``SolutionBase`` stamps frames 33.3 ms apart whatever the real rate; the landmark smoothing
        filters depend on time, so the real timestamp is used instead (mediapipe 0.10.21 internals).
        """
        if self._solution is None:
            raise BackendError("the MediaPipe graph is closed")
        if timestamp_us is not None and not self._static and hasattr(self._solution, "_simulated_timestamp"):
            self._solution._simulated_timestamp = timestamp_us - _SOLUTION_STEP_US
        return self._solution.process(rgb)

    def close(self) -> None:
        """Release the graph (idempotent)."""
        self._solution = None
        self._finalizer()


class PoseRunner(LegacyRunner):
    """``mp.solutions.pose.Pose``: one person, BlazePose-33."""

    layout = BLAZEPOSE33

    def __init__(self, model_complexity: int, static_image_mode: bool, min_detection_confidence: float,
                 min_tracking_confidence: float) -> None:
        from mediapipe.python.solutions import pose

        ensure_landmark_model(model_complexity)
        super().__init__(pose.Pose(static_image_mode=static_image_mode, model_complexity=model_complexity,
                                   min_detection_confidence=min_detection_confidence,
                                   min_tracking_confidence=min_tracking_confidence), static_image_mode)

    def process(self, rgb: np.ndarray, timestamp_us: int | None) -> np.ndarray:
        """``(N, 33, 4)`` with N in {0, 1}."""
        result = self.run(rgb, timestamp_us)
        if result.pose_landmarks is None:
            return np.empty((0, 33, 4), dtype=np.float32)
        height, width = rgb.shape[:2]
        return landmarks_array(result.pose_landmarks.landmark, width, height)[None]


class HolisticRunner(LegacyRunner):
    """``mp.solutions.holistic.Holistic``: one person, body then left and right hand (75 points).

    Holistic crops each hand around the body's same-side wrist, so ``left_hand_landmarks`` is the
    person's own left hand (checked on real clips: hand wrists lie on the same-side body wrist).
    Hand points score 1.0 when the hand was found; a missing hand is NaN with score 0.
    """

    layout = HOLISTIC

    def __init__(self, model_complexity: int, static_image_mode: bool, min_detection_confidence: float,
                 min_tracking_confidence: float) -> None:
        from mediapipe.python.solutions import holistic

        ensure_landmark_model(model_complexity)
        super().__init__(holistic.Holistic(static_image_mode=static_image_mode, model_complexity=model_complexity,
                                           min_detection_confidence=min_detection_confidence,
                                           min_tracking_confidence=min_tracking_confidence), static_image_mode)

    def process(self, rgb: np.ndarray, timestamp_us: int | None) -> np.ndarray:
        """``(N, 75, 4)`` with N in {0, 1}."""
        result = self.run(rgb, timestamp_us)
        if result.pose_landmarks is None:
            return np.empty((0, HOLISTIC.num_joints, 4), dtype=np.float32)
        height, width = rgb.shape[:2]
        parts = [landmarks_array(result.pose_landmarks.landmark, width, height)]
        for hand in (result.left_hand_landmarks, result.right_hand_landmarks):
            parts.append(missing(HAND21.num_joints) if hand is None
                         else landmarks_array(hand.landmark, width, height, visibility=False))
        return np.concatenate(parts)[None]

"""The ``mediapipe`` pose backend: MediaPipe Pose, Holistic, Hands and the Tasks PoseLandmarker.

>>> with create_backend("mediapipe", mode="holistic") as backend:  # doctest: +SKIP
...     poses = backend(frame_bgr, t)        # (N, 75, 4): pixel x, y, z (x scale), score

Modes and layouts (all ``C = 4``: x, y, z, score; missing joints NaN with score 0):

* ``pose``: legacy ``mp.solutions.pose``, one person, ``blazepose33``, score = visibility.
* ``holistic``: legacy ``mp.solutions.holistic``, one person, ``holistic`` (body + left + right hand);
  hand points score 1.0 where the hand was found.
* ``hands``: legacy ``mp.solutions.hands``, ``hands`` layout; see :mod:`.hands` for handedness and
  how hands are grouped into people.
* ``tasks``: ``PoseLandmarker`` from a ``.task`` file (chosen by ``model_path``), up to
  ``max_people`` people, ``blazepose33``. Mode ``pose`` with ``max_people > 1`` and no ``model_path``
  becomes ``tasks`` with the bundle shipped in the package (:func:`.models.bundled_task`: lite for
  ``model_complexity=0``, full otherwise; there is no heavy bundle).

Left and right are the person's own. ``mirrored=True`` declares selfie (horizontally flipped)
input: MediaPipe names body sides as they appear in the image, so for mirrored input the left and
right joints are swapped back; pixel coordinates always refer to the frame as given.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from actionpose.errors import BackendError, InputError
from actionpose.pose.base import PoseBackend, register_backend
from actionpose.pose.mediapipe.hands import HandsRunner
from actionpose.pose.mediapipe.lowlight import LowLight
from actionpose.pose.mediapipe.models import LANDMARK_MODELS, bundled_task, check_task_file
from actionpose.pose.mediapipe.rotation import RotatedRetry
from actionpose.pose.mediapipe.solutions import HolisticRunner, PoseRunner
from actionpose.pose.mediapipe.tasks import SAME_PERSON_IOU, TasksRunner

log = logging.getLogger(__name__)

MODES = ("pose", "holistic", "hands", "tasks")
_MIN_STEP_US = 1000  # the Tasks API counts whole milliseconds, which must increase
_ONE_PERSON = ("legacy MediaPipe Holistic finds one person; for several use mode 'pose' (the shipped "
               "PoseLandmarker bundle) or a .task model (model_path=...)")


def _mediapipe_version() -> str:
    try:
        import mediapipe
    except ImportError:
        raise BackendError("the mediapipe backend needs the mediapipe package: "
                           "pip install mediapipe==0.10.21") from None
    return str(getattr(mediapipe, "__version__", "unknown"))


def _confidence(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise BackendError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


@register_backend("mediapipe")
class MediaPipeBackend(PoseBackend):
    """MediaPipe pose estimation on BGR frames; see the module docstring for modes and layouts.

    Parameters
    ----------
    mode
        ``"pose"``, ``"holistic"``, ``"hands"`` or ``"tasks"`` (implied by ``model_path``).
    model_complexity
        Legacy model size: 0 (lite), 1 (full, the default), 2 (heavy); Hands has 0 and 1. Models
        mediapipe lacks are looked up as described in :mod:`.models`, never downloaded.
    model_path
        A PoseLandmarker ``.task`` bundle; selects mode ``"tasks"``. Without one, mode ``"tasks"``, or
        mode ``"pose"`` with ``max_people > 1``, uses the bundle shipped in the package that matches
        ``model_complexity`` (0 lite, 1 full; 2 has none and raises).
    max_people
        Most people per frame: Tasks ``num_poses``, Hands ``max_num_hands = 2 * max_people``;
        legacy Pose and Holistic find one (Pose with several switches to Tasks, see ``model_path``).
    min_detection_confidence, min_tracking_confidence
        MediaPipe's thresholds.
    static_image_mode
        Treat frames as unrelated images; by default frames are a video and tracked.
    mirrored
        The frames are mirror images (selfie camera).
    same_person_iou
        Tasks mode only: the box overlap above which a new detection is the person already tracked
        (the Tasks option ``min_tracking_confidence``); default 0.8, see :mod:`.tasks`.
    rotated_retry
        Pose and Tasks modes: when nobody is found, look again in the frame turned 90 degrees
        either way, which finds people lying down (see :mod:`.rotation`). Costs time only on
        frames where the upright pass found nobody.
    low_light
        Pose and Tasks modes: frames darker than a mean brightness of 60 (0-255) are brightened (a
        linear gain to a mean of 110) before both passes, which finds people and steadies their landmarks in a dim room
        (see :mod:`.lowlight`). Costs time only on dark frames.

    Raises
    ------
    BackendError
        On an unknown mode, a bad option, or a model that is missing or will not load.
    """

    name = "mediapipe"

    def __init__(self, mode: str = "pose", model_complexity: int | None = None,
                 model_path: str | Path | None = None, max_people: int = 1,
                 min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5,
                 static_image_mode: bool = False, mirrored: bool = False,
                 same_person_iou: float | None = None, rotated_retry: bool = True, low_light: bool = True) -> None:
        self._runner: Any = None
        self._retry: RotatedRetry | None = None
        self._low_light: LowLight | None = None
        if mode not in MODES:
            raise BackendError(f"unknown MediaPipe mode {mode!r}; choose one of {', '.join(MODES)}")
        if isinstance(max_people, bool) or not isinstance(max_people, int) or max_people < 1:
            raise BackendError(f"max_people must be a positive integer, got {max_people!r}")
        #: True when the .task file is the one shipped in the package (chosen by model_complexity)
        self.bundled = False
        if model_path is not None:
            if mode not in ("pose", "tasks"):
                raise BackendError(f"model_path (a PoseLandmarker .task file) selects mode 'tasks'; it cannot be "
                                   f"used with mode {mode!r}")
            mode = "tasks"
        elif mode == "tasks" or (mode == "pose" and max_people > 1):
            if model_complexity is not None and (isinstance(model_complexity, bool)
                                                 or model_complexity not in LANDMARK_MODELS):
                raise BackendError(f"model_complexity must be one of 0, 1, 2, got {model_complexity!r}")
            model_path = bundled_task(model_complexity)
            self.bundled = True
            mode, model_complexity = "tasks", None
        if mode == "holistic" and max_people > 1:
            raise BackendError(_ONE_PERSON)
        allowed = {"tasks": (), "hands": (0, 1)}.get(mode, tuple(LANDMARK_MODELS))
        if mode == "tasks" and model_complexity is not None:
            raise BackendError("model_complexity applies to the legacy modes; in mode 'tasks' the .task file "
                               "is the model")
        complexity = 1 if model_complexity is None or mode == "tasks" else model_complexity
        if mode != "tasks" and (isinstance(complexity, bool) or not isinstance(complexity, int)
                                or complexity not in allowed):
            raise BackendError(f"model_complexity for mode {mode!r} must be one of "
                               f"{', '.join(map(str, allowed))}, got {model_complexity!r}")
        self.mode = mode
        self.model_complexity = complexity
        self.max_people = max_people
        self.min_detection_confidence = _confidence("min_detection_confidence", min_detection_confidence)
        self.min_tracking_confidence = _confidence("min_tracking_confidence", min_tracking_confidence)
        if same_person_iou is not None and mode != "tasks":
            raise BackendError("same_person_iou applies to mode 'tasks' (several people) only")
        self.same_person_iou = _confidence("same_person_iou", SAME_PERSON_IOU if same_person_iou is None
                                           else same_person_iou) if mode == "tasks" else None
        self.static_image_mode = bool(static_image_mode)
        self.mirrored = bool(mirrored)
        self._version = _mediapipe_version()
        #: the resolved .task file and its sha256 (tasks mode), else None
        self.model_file, self.model_sha256 = check_task_file(model_path) if model_path is not None else (None, None)
        self._last_us = -_MIN_STEP_US
        self._warned_time = False
        self._runner = self._start()
        self.layout = self._runner.layout
        self.rotated_retry = bool(rotated_retry) and mode in ("pose", "tasks")
        if self.rotated_retry:
            self._retry = RotatedRetry(lambda: self._start(static=True))
        self.low_light = bool(low_light) and mode in ("pose", "tasks")
        if self.low_light:
            self._low_light = LowLight()
        # hands mode reads handedness itself; body models name sides as seen in the image
        self._swap = self.layout.flip_permutation if self.mirrored and mode != "hands" else None
        log.debug("started MediaPipe %s backend (%s)", mode, self._version)

    def _start(self, static: bool = False) -> Any:
        common = dict(static_image_mode=self.static_image_mode or static,
                      min_detection_confidence=self.min_detection_confidence,
                      min_tracking_confidence=self.min_tracking_confidence)
        try:
            if self.model_file is not None:
                return TasksRunner(self.model_file, max_people=self.max_people, same_person_iou=self.same_person_iou,
                                   **common)
            if self.mode == "hands":
                return HandsRunner(self.model_complexity, max_people=self.max_people, mirrored=self.mirrored, **common)
            return (PoseRunner if self.mode == "pose" else HolisticRunner)(self.model_complexity, **common)
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - any mediapipe start-up failure becomes one line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackendError(f"MediaPipe {self.mode} failed to start: {first}") from None

    def _timestamp_us(self, timestamp_s: float) -> int | None:
        """Microseconds, at least 1 ms after the previous frame (so whole milliseconds increase too).

        Frames stamped earlier, equal or less than 1 ms later are moved to 1 ms after the previous one,
        with one warning per backend. None in static-image mode, where time plays no part.
        """
        if self.static_image_mode:
            return None
        try:
            us = round(float(timestamp_s) * 1e6)
        except (TypeError, ValueError, OverflowError):
            raise InputError(None, f"timestamp_s must be a finite number of seconds, got {timestamp_s!r}") from None
        if us < self._last_us + _MIN_STEP_US:
            if not self._warned_time and self._last_us >= 0:
                log.warning("MediaPipe video mode needs increasing timestamps: %.4f s came after %.4f s; "
                            "using 1 ms after the previous frame", timestamp_s, self._last_us / 1e6)
                self._warned_time = True
            us = self._last_us + _MIN_STEP_US
        self._last_us = us
        return us

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Poses in one BGR frame: ``(N, K, 4)`` float32, pixel x, y, z and score; N may be 0."""
        if self._runner is None:
            raise BackendError("the MediaPipe backend is closed")
        if not isinstance(frame_bgr, np.ndarray) or frame_bgr.dtype != np.uint8 or frame_bgr.ndim != 3 \
                or frame_bgr.shape[2] != 3 or 0 in frame_bgr.shape:
            shape = getattr(frame_bgr, "shape", None)
            raise InputError(None, f"a frame must be an (H, W, 3) uint8 BGR array, got {type(frame_bgr).__name__} "
                                   f"{shape} {getattr(frame_bgr, 'dtype', '')}".rstrip())
        rgb = cv2.cvtColor(np.ascontiguousarray(frame_bgr), cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False  # mediapipe then wraps the buffer instead of copying it
        if self._low_light is not None:
            rgb = self._low_light(rgb)
        ts = self._timestamp_us(timestamp_s)
        try:
            poses = self._runner.process(rgb, ts)
            if self._retry is not None:
                if len(poses):
                    self._retry.found_upright()
                else:
                    found = self._retry(rgb)
                    poses = poses if found is None else found[: self.max_people]
        except BackendError:
            raise
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackendError(f"MediaPipe {self.mode} failed on the frame at {timestamp_s} s: {first}") from None
        return poses if self._swap is None else poses[:, self._swap]

    @property
    def meta(self) -> dict[str, Any]:
        """Backend, mode, model (complexity, or .task file name and sha256), options, mediapipe version."""
        meta: dict[str, Any] = {"backend": self.name, "mode": self.mode, "layout": self.layout.name,
                                "mediapipe_version": self._version}
        if self.model_file is None:
            meta["model_complexity"] = self.model_complexity
        else:
            meta["model"] = self.model_file.name
            meta["model_sha256"] = self.model_sha256
            meta["model_bundled"] = self.bundled
            meta["same_person_iou"] = self.same_person_iou
        meta.update(max_people=self.max_people, min_detection_confidence=self.min_detection_confidence,
                    min_tracking_confidence=self.min_tracking_confidence, static_image_mode=self.static_image_mode,
                    mirrored=self.mirrored, rotated_retry=self.rotated_retry, low_light=self.low_light)
        return meta

    def close(self) -> None:
        """Release the MediaPipe graph; further calls raise :class:`BackendError`. Idempotent."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()
        if self._retry is not None:
            self._retry.close()

    def __repr__(self) -> str:
        state = "closed" if self._runner is None else "open"
        return f"MediaPipeBackend(mode={self.mode!r}, max_people={self.max_people}, {state})"


__all__ = ["MODES", "MediaPipeBackend"]

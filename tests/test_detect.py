"""Person detectors (actionpose.pose.detect): registry, HOG and MediaPipe boxes on a real clip, given boxes.

The real clip is read in place with cv2. Two people stand side by side in the first second of
clips/two_people_demo_skeleton.mp4 (1920 x 1080); their boxes below were measured from MediaPipe
keypoint boxes and HOG detections (IoU of the HOG boxes with these: 0.82-0.90 on frames 0-18, 0.66-0.70
without trimming the detection window; MediaPipe Tasks: 0.85-0.87).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from actionpose.errors import BackendError, InputError
from actionpose.pose.base import PoseBackend
from actionpose.pose.detect import (
    DEFAULT_DETECTOR,
    BackendDetector,
    BoxesDetector,
    HOGDetector,
    PersonDetector,
    as_boxes,
    box_iou,
    box_nms,
    create_default_detector,
    create_detector,
    list_detectors,
)
from actionpose.skeleton.layouts import COCO17

TWO_PEOPLE = "clips/two_people_demo_skeleton.mp4"
TASK = "models/mediapipe/pose_landmarker_full_from_legacy_md.task"
LEFT_PERSON = np.array([600, 270, 930, 940], dtype=np.float64)
RIGHT_PERSON = np.array([860, 235, 1170, 900], dtype=np.float64)


def read_frames(path: Path, indices: list[int]) -> dict[int, np.ndarray]:
    """The frames at ``indices`` of a video."""
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened(), path
    frames, index = {}, 0
    while index <= max(indices) and cap.grab():
        if index in indices:
            ok, frame = cap.retrieve()
            assert ok
            frames[index] = frame
        index += 1
    cap.release()
    assert sorted(frames) == sorted(indices), f"could not decode frames {indices} of {path}"
    return frames


def check_boxes(boxes: np.ndarray, width: int, height: int) -> None:
    assert boxes.dtype == np.float32 and boxes.ndim == 2 and boxes.shape[1] == 5
    assert np.all(boxes[:, 0] < boxes[:, 2]) and np.all(boxes[:, 1] < boxes[:, 3])
    assert np.all(boxes[:, [0, 1]] >= 0) and np.all(boxes[:, 2] <= width) and np.all(boxes[:, 3] <= height)
    assert np.all((boxes[:, 4] >= 0) & (boxes[:, 4] <= 1))
    assert np.all(np.diff(boxes[:, 4]) <= 0), "boxes must come highest score first"


def matches_both_people(boxes: np.ndarray, min_iou: float) -> bool:
    """Exactly one box on each of the two people."""
    if len(boxes) != 2:
        return False
    left = box_iou(LEFT_PERSON, boxes[:, :4].astype(np.float64))
    right = box_iou(RIGHT_PERSON, boxes[:, :4].astype(np.float64))
    return bool(max(left) > min_iou and max(right) > min_iou and np.argmax(left) != np.argmax(right))


# ------------------------------------------------------------------------------------ registry
def test_registry_and_default() -> None:
    assert {"hog", "backend", "boxes"} <= set(list_detectors())
    assert DEFAULT_DETECTOR == "hog"
    with create_default_detector() as detector:
        assert isinstance(detector, HOGDetector) and detector.max_boxes == 4
    with pytest.raises(BackendError, match="unknown person detector"):
        create_detector("yolo")
    with pytest.raises(BackendError):
        create_detector("hog", no_such_option=1)
    with pytest.raises(BackendError):
        create_detector("hog", scale_step=1.0)


# ------------------------------------------------------------------------------ box utilities
def test_as_boxes_and_nms() -> None:
    np.testing.assert_array_equal(as_boxes([1, 2, 3, 4]), [[1, 2, 3, 4, 1]])
    assert as_boxes(None).shape == (0, 5) and as_boxes([]).shape == (0, 5)
    with pytest.raises(BackendError):
        as_boxes(np.zeros((2, 3)))
    boxes = np.array([[0, 0, 100, 200, 0.6], [5, 5, 105, 205, 0.9], [300, 0, 400, 200, 0.5]], dtype=np.float32)
    assert box_nms(boxes, 0.45).tolist() == [1, 2]
    assert box_nms(boxes, 0.95).tolist() == [1, 0, 2]
    np.testing.assert_allclose(box_iou(boxes[0], boxes[[0, 2]]), [1.0, 0.0])


# ------------------------------------------------------------------------------------- boxes
def test_boxes_detector_passes_boxes_through() -> None:
    frame = np.zeros((60, 80, 3), dtype=np.uint8)
    fixed = np.array([[1.5, 2, 30, 40, 0.7], [10, 10, 50, 55, 0.2]], dtype=np.float32)
    expected = fixed.copy()
    with create_detector("boxes", boxes=fixed) as det:
        out = det(frame, 0.0)
        np.testing.assert_array_equal(out, expected)
        out[0, 0] = -1                                         # the caller's copy, not the detector's
        fixed[1, 1] = -1                                       # nor the array it was given
        np.testing.assert_array_equal(det(frame, 0.1), expected)
    fixed = expected
    np.testing.assert_array_equal(BoxesDetector(boxes=[[0, 0, 10, 10]])(frame, 0.0), [[0, 0, 10, 10, 1]])

    calls = []

    def source(f: np.ndarray, t: float) -> np.ndarray:
        calls.append((f.shape, t))
        return np.array([[t, t, t + 5, t + 5]])

    det = create_detector("boxes", boxes=source)
    np.testing.assert_array_equal(det(frame, 2.0), [[2, 2, 7, 7, 1]])
    assert calls == [((60, 80, 3), 2.0)] and det.meta["source"] == "callable"

    det = create_detector("boxes", per_frame=[fixed, None, fixed[:1]])
    assert [len(det(frame, t)) for t in (0.0, 0.1, 0.2)] == [2, 0, 1]
    with pytest.raises(BackendError, match="3 frames"):
        det(frame, 0.3)
    with pytest.raises(BackendError):
        create_detector("boxes")
    with pytest.raises(BackendError):
        create_detector("boxes", boxes=fixed, per_frame=[fixed])


# ---------------------------------------------------------------------------------------- HOG
def test_hog_blank_and_tiny_frames_give_no_boxes() -> None:
    det = HOGDetector()
    for frame in (np.zeros((480, 640, 3), np.uint8), np.full((720, 1280, 3), 127, np.uint8),
                  np.zeros((40, 30, 3), np.uint8)):
        out = det(frame, 0.0)
        assert out.shape == (0, 5) and out.dtype == np.float32
    assert HOGDetector(work_side=None)(np.zeros((50, 50, 3), np.uint8), 0.0).shape == (0, 5)
    with pytest.raises(InputError):
        det(np.zeros((10, 10), np.uint8), 0.0)


def test_hog_finds_both_people_on_a_real_clip(data_file) -> None:
    frames = read_frames(data_file(TWO_PEOPLE), [0, 6, 12, 18])
    det = create_detector("hog")
    for index, frame in frames.items():
        boxes = det(frame, index / 28.0)
        check_boxes(boxes, 1920, 1080)
        assert matches_both_people(boxes, 0.75), (index, boxes)  # measured IoU 0.82-0.90
    # the box is the person, not the detection window: without trimming the boxes are far looser
    loose = HOGDetector(tight=False)(frames[0], 0.0)
    assert len(loose) == 2 and not matches_both_people(loose, 0.75)
    assert det.meta["detector"] == "hog" and det.meta["work_side"] == 640


class StubHOG:
    """Stands in for cv2.HOGDescriptor: fixed windows at the working scale, records the image size."""

    def __init__(self, rects: list[list[int]], weights: list[float]) -> None:
        self.rects, self.weights, self.shapes = rects, weights, []

    def detectMultiScale(self, image: np.ndarray, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        self.shapes.append(image.shape)
        return np.array(self.rects), np.array(self.weights)[:, None]


def test_hog_maps_windows_back_trims_scores_and_suppresses() -> None:
    stub = StubHOG([[100, 50, 64, 128], [104, 52, 64, 128], [300, 60, 80, 160]], [0.5, 1.2, 2.0])
    det = HOGDetector(work_side=640)
    det._hog = stub
    boxes = det(np.zeros((720, 1280, 3), np.uint8), 0.0)
    assert stub.shapes == [(360, 640, 3)]                      # the frame at half size
    # windows / 0.5, trimmed 10 % left and right, 7 % on top, 13 % at the bottom; score tanh(margin);
    # the 0.5-margin window overlaps the 1.2 one (IoU 0.88) and is suppressed
    np.testing.assert_allclose(boxes, [[616, 142.4, 744, 398.4, np.tanh(2.0)],
                                       [220.8, 121.92, 323.2, 326.72, np.tanh(1.2)]], rtol=1e-5)
    for option in ({"min_score": 0.9}, {"max_boxes": 1}):
        det = HOGDetector(**option)
        det._hog = stub
        assert len(det(np.zeros((720, 1280, 3), np.uint8), 0.0)) == 1
    det = HOGDetector(nms_iou=0.95)
    det._hog = stub
    assert len(det(np.zeros((720, 1280, 3), np.uint8), 0.0)) == 3


# ------------------------------------------------------------------------------------ backend
class FixedPoses(PoseBackend):
    """A backend that returns the same poses for every frame."""

    name = "fixed"
    layout = COCO17

    def __init__(self, poses: np.ndarray) -> None:
        self.poses = poses
        self.closed = False

    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        return self.poses

    def close(self) -> None:
        self.closed = True


def test_backend_detector_keypoint_boxes() -> None:
    poses = np.full((3, 17, 3), np.nan, dtype=np.float32)
    poses[..., 2] = 0.0
    poses[0, :5] = [[100, 50, 0.9], [140, 250, 0.7], [120, 150, 0.8], [110, 100, 0.6],
                    [300, 300, 0.1]]                                                   # last: not confident
    poses[1, :6] = [[590, 10, 0.95], [635, 100, 0.95], [610, 60, 0.95], [600, 30, 0.95], [620, 80, 0.95],
                    [605, 40, 0.95]]                                                   # at the right edge
    poses[2, :3] = [[10, 10, 0.9], [20, 20, 0.9], [30, 30, 0.9]]                       # too few joints
    fake = FixedPoses(poses)
    with BackendDetector(fake, min_joints=4, padding=0.1) as det:
        boxes = det(np.zeros((240, 640, 3), np.uint8), 0.0)
        check_boxes(boxes, 640, 240)
        assert len(boxes) == 2
        # highest score first; each side padded by 0.1 of the larger side, then clipped to the frame
        np.testing.assert_allclose(boxes[0], [590 - 9, 10 - 9, 640, 100 + 9, 0.95], atol=1e-5)
        np.testing.assert_allclose(boxes[1], [100 - 20, 50 - 20, 140 + 20, 240, 0.75], atol=1e-5)
        assert det.meta["backend"] == {"backend": "fixed"}
    assert not fake.closed                                     # a backend passed in stays open
    with pytest.raises(BackendError):
        BackendDetector(fake, max_people=2)
    with pytest.raises(BackendError):
        BackendDetector(42)  # type: ignore[arg-type]


def test_backend_detector_mediapipe_finds_two_people(data_file) -> None:
    pytest.importorskip("mediapipe")
    task = data_file(TASK)
    frame = read_frames(data_file(TWO_PEOPLE), [12])[12]
    with create_detector("backend", backend="mediapipe", model_path=task, max_people=4,
                         static_image_mode=True) as det:
        boxes = det(frame, 0.0)
        assert det.meta["backend"]["mode"] == "tasks"
    check_boxes(boxes, 1920, 1080)
    assert matches_both_people(boxes, 0.7), boxes               # measured IoU 0.85-0.87
    assert box_iou(boxes[0, :4], boxes[1:, :4])[0] < 0.3
    assert isinstance(det, PersonDetector)
    with pytest.raises(BackendError, match="closed"):
        det(frame, 0.1)

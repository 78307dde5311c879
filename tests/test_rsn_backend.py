"""The ``rsn`` backend plug-in end to end: registry, the no-checkpoint message, and randomly initialised
RSN-18 on a real clip (17 keypoints per detected box in COCO-17, nothing found -> empty, no crash)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from test_cli import write_video

from actionpose.cli import main
from actionpose.errors import BackendError
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.pose import create_backend, list_backends
from actionpose.pose.rsn.net import build_rsn, get_preset


@pytest.fixture(scope="module")
def rsn18() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_rsn("rsn18")


def frames_of(path: Path, indices: list[int]) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    out, i = [], 0
    while len(out) < len(indices):
        ok, frame = cap.read()
        if not ok:
            break
        if i in indices:
            out.append(frame)
        i += 1
    return out


def test_registered_and_needs_a_checkpoint() -> None:
    assert "rsn" in list_backends()
    with pytest.raises(BackendError) as err:
        create_backend("rsn")
    assert "\n" not in str(err.value) and "caiyuanhao1998/RSN" in str(err.value)


def test_random_rsn_on_a_real_clip(rsn18, data_file) -> None:
    clip = data_file("clips/two_people_demo_skeleton.mp4")
    with create_backend("rsn", model=rsn18, preset=get_preset("rsn18"), detector="hog") as backend:
        for frame in frames_of(clip, [0, 12]):
            boxes = backend.detector(frame, 0.0)
            people = backend(frame, 0.0)
            assert len(boxes) >= 1
            assert people.shape[1:] == (17, 3) and 1 <= len(people) <= len(boxes)
            assert np.isfinite(people[..., :2]).all() and ((people[..., 2] >= 0) & (people[..., 2] <= 1)).all()
            # every keypoint lies in the enlarged region of some detected box
            x0, y0, x1, y1 = boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()
            w, h = x1 - x0, y1 - y0
            assert (people[..., 0] >= x0 - w).all() and (people[..., 0] <= x1 + w).all()
            assert (people[..., 1] >= y0 - h).all() and (people[..., 1] <= y1 + h).all()
        assert backend(np.zeros((240, 320, 3), np.uint8), 0.0).shape == (0, 17, 3)  # nobody: empty


def test_boxes_from_the_caller_and_max_people(rsn18) -> None:
    frame = np.full((300, 400, 3), 90, np.uint8)
    boxes = np.array([[20, 30, 120, 280, 0.9], [250, 40, 360, 290, 0.8]], np.float32)
    with create_backend("rsn", model=rsn18, preset=get_preset("rsn18"), detector="boxes",
                        detector_options={"boxes": boxes}, flip_test=False) as backend:
        people = backend(frame, 0.0)
    assert people.shape == (2, 17, 3)
    with create_backend("rsn", model=rsn18, preset=get_preset("rsn18"), detector="boxes",
                        detector_options={"boxes": boxes}, max_people=1) as backend:
        assert backend(frame, 0.0).shape == (1, 17, 3)


def test_pipeline_and_cli(rsn18, tmp_path: Path, capsys) -> None:
    video = write_video(tmp_path / "v.mp4", frames=4, size=(200, 160))
    box = np.array([[40, 20, 160, 150, 1.0]], np.float32)
    seq = extract_poses(video, ExtractOptions(backend="rsn", backend_options={
        "model": rsn18, "preset": get_preset("rsn18"), "detector": "boxes", "detector_options": {"boxes": box}}))
    assert seq.layout.name == "coco17" and seq.num_frames == 4 and seq.present.all()
    weights = tmp_path / "rsn18.pth"
    torch.save({"model": rsn18.state_dict()}, weights)
    with create_backend("rsn", model_path=weights) as backend:
        assert backend.meta["preset"] == "rsn18" and len(backend.meta["sha256"]) == 64
    code = main(["-q", "extract", str(video), "-o", str(tmp_path / "o.npz"), "--backend", "rsn"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "checkpoint" in err[0]

"""The ``openpose`` backend plug-in: registry, the no-weights message, weights files, and frames to people
in frame pixels through the whole pipeline (with a stand-in network that emits synthetic maps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_cli import write_video
from test_openpose_decode import draw, person_at
from torch import nn

from actionpose.cli import main
from actionpose.errors import BackendError
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.pose import create_backend, list_backends
from actionpose.pose.openpose.lightweight import LightweightPoseNet

# two people in network-input pixels of a 368-high input
PEOPLE = [person_at(130.0, 190.0), person_at(330.0, 186.0, scale=0.95)]


class MapsNet(nn.Module):
    """Stand-in network: the same two people's maps for every input, at stride 8."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, _, h, w = x.shape
        heat, paf = draw(PEOPLE, h=h // 8, w=w // 8)
        return (torch.from_numpy(paf)[None].repeat(n, 1, 1, 1), torch.from_numpy(heat)[None].repeat(n, 1, 1, 1))


def test_registered_and_built_in_by_default(tmp_path: Path) -> None:
    assert "openpose" in list_backends()
    with create_backend("openpose") as backend:  # no weights: the shipped mobilenet_v2_small
        assert backend.meta["architecture"] == "mobilenet_v2_small" and len(backend.meta["sha256"]) == 64
    with pytest.raises(BackendError) as err:
        create_backend("openpose", model_path=tmp_path / "nope.pth")
    message = str(err.value)
    assert "\n" not in message and "nope.pth" in message and "NON-COMMERCIAL" in message.upper()


def test_people_come_back_in_frame_pixels() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)           # network input 368 x 491 (padded to 496)
    with create_backend("openpose", model=MapsNet()) as backend:
        people = backend(frame, 0.0)
        assert backend.layout.name == "coco18"
    assert people.shape == (2, 18, 3)
    scale = 368 / 480
    for found, truth in zip(sorted(people, key=lambda p: np.nanmean(p[:, 0])), PEOPLE):
        expected = (np.array([truth[k] for k in range(18)]) + 0.5) / scale - 0.5
        np.testing.assert_allclose(found[:, :2], expected, atol=2.0)
    with create_backend("openpose", model=MapsNet(), max_people=1) as one:
        assert one(frame, 0.0).shape == (1, 18, 3)


def test_batches_give_the_same_people_as_single_frames() -> None:
    frames = [np.zeros((480, 640, 3), np.uint8) for _ in range(3)]
    with create_backend("openpose", model=MapsNet(), batch_size=3) as backend:
        batched = backend.process_batch(frames, [0.0, 0.1, 0.2])
        single = [backend(f, t) for f, t in zip(frames, [0.0, 0.1, 0.2])]
    for a, b in zip(batched, single):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_extract_tracks_two_people(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.mp4", frames=8, size=(640, 480))
    seq = extract_poses(video, ExtractOptions(backend="openpose", backend_options={"model": MapsNet()}))
    assert seq.layout.name == "coco18" and seq.num_people == 2 and seq.present.all()
    assert seq.meta["backend"] == "openpose"
    body25 = seq.convert("body25")                       # neck copied, mid-hip derived
    assert np.isfinite(body25.xy[:, :, 8]).all()


def test_weights_file_and_cli(tmp_path: Path, capsys) -> None:
    weights = tmp_path / "checkpoint_iter_370000.pth"
    torch.save({"state_dict": LightweightPoseNet().state_dict()}, weights)
    with create_backend("openpose", model_path=weights) as backend:
        meta = backend.meta
        out = backend(np.zeros((120, 160, 3), np.uint8), 0.0)
    assert meta["architecture"] == "lightweight" and len(meta["sha256"]) == 64
    assert out.ndim == 3 and out.shape[1:] == (18, 3)

    video = write_video(tmp_path / "v.mp4", frames=3)
    broken = tmp_path / "broken.pth"
    broken.write_bytes(b"not a checkpoint")
    code = main(["-q", "extract", str(video), "-o", str(tmp_path / "o.npz"), "--backend", "openpose",
                 "--weights", str(broken)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "broken.pth" in err[0]
    assert not (tmp_path / "o.npz").exists()
    # without --weights: the built-in network runs (a blank clip has nobody in it)
    code = main(["-q", "extract", str(video), "-o", str(tmp_path / "o.npz"), "--backend", "openpose"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no person found" in err[0] and "--weights" not in err[0]


def test_built_in_network_finds_both_people_in_a_real_frame(data_file) -> None:
    import cv2

    cap = cv2.VideoCapture(str(data_file("clips/two_people_demo_skeleton.mp4")))
    ok, frame = cap.read()
    cap.release()
    assert ok
    with create_backend("openpose") as backend:  # no --weights
        people = backend(frame, 0.0)
    assert len(people) == 2  # the clip holds 2 people in every frame
    found = (people[..., 2] > 0).sum(axis=1)
    assert (found >= 8).all(), found

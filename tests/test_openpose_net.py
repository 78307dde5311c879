"""The OpenPose networks (CMU, Lightweight), weight loading and preprocessing, with random weights.

The reference name lists are read-only facts about the published checkpoints
(``../shared/reference``); tests that need them skip when they are absent.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import read_reference
from torch import nn

from actionpose.errors import BackendError, InputError
from actionpose.inputs import file_sha256
from actionpose.pose.openpose import weights as weights_mod
from actionpose.pose.openpose.inference import OpenPoseNet, frame_geometry, preprocess
from actionpose.pose.openpose.lightweight import LightweightPoseNet
from actionpose.pose.openpose.net import CMUPoseNet
from actionpose.pose.openpose.weights import (
    WEIGHTS_SOURCES,
    build_model,
    detect_architecture,
    load_model,
    load_weights,
    read_state_dict,
)

CMU_REF = "openpose_cmu_body_pose_model_pth.txt"
LIGHT_REF = "openpose_lightweight_checkpoint_iter_370000.txt"


@pytest.fixture(scope="module")
def cmu() -> CMUPoseNet:
    torch.manual_seed(0)
    return CMUPoseNet().eval()


@pytest.fixture(scope="module")
def light() -> LightweightPoseNet:
    torch.manual_seed(0)
    model = LightweightPoseNet().eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics, so loading them is tested too
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return model


@pytest.fixture(scope="module")
def cmu_file(cmu: CMUPoseNet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The random CMU net saved bare, as ``body_pose_model.pth`` is (209 MB: written once)."""
    path = tmp_path_factory.mktemp("cmu") / "body_pose_model.pth"
    torch.save(cmu.state_dict(), path)
    return path


# --- names and shapes against the published checkpoints ------------------------------------------

@pytest.mark.parametrize("arch, ref", [("cmu", CMU_REF), ("lightweight", LIGHT_REF)])
def test_state_dict_matches_reference_line_for_line(arch: str, ref: str) -> None:
    # both reference files list tensors in module registration order, so compare ordered lists
    entries, n_tensors, n_params = read_reference(ref)
    model = build_model(arch)  # type: ignore[arg-type]
    got = [(k, tuple(v.shape)) for k, v in model.state_dict().items()]
    assert len(entries) == n_tensors
    assert got == entries
    # the header counts float parameters and buffers (BatchNorm's int64 num_batches_tracked excluded)
    assert sum(v.numel() for v in model.state_dict().values() if v.is_floating_point()) == n_params


@pytest.mark.parametrize("model_name", ["cmu", "light"])
def test_forward_shapes(model_name: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(model_name)
    with torch.inference_mode():
        pafs, heatmaps = model(torch.zeros(1, 3, 368, 496))
    assert pafs.shape == (1, 38, 46, 62)
    assert heatmaps.shape == (1, 19, 46, 62)


def test_forward_stages(light: LightweightPoseNet) -> None:
    with torch.inference_mode():
        x = torch.randn(1, 3, 64, 80)
        stages = light.forward_stages(x)
        last = light(x)
    assert len(stages) == 2
    assert all(p.shape == (1, 38, 8, 10) and h.shape == (1, 19, 8, 10) for p, h in stages)
    assert torch.equal(stages[-1][0], last[0]) and torch.equal(stages[-1][1], last[1])


# --- loading ---------------------------------------------------------------------------------------

def _outputs(model: nn.Module, size: tuple[int, int] = (64, 80)) -> tuple[torch.Tensor, ...]:
    torch.manual_seed(1)
    with torch.inference_mode():
        return model(torch.randn(2, 3, *size))


@pytest.mark.parametrize("wrap", ["bare", "state_dict", "model", "module", "checkpoint"])
def test_load_weights_round_trip(light: LightweightPoseNet, tmp_path: Path, wrap: str) -> None:
    sd = light.state_dict()
    obj = {"bare": sd, "state_dict": {"state_dict": sd}, "model": {"model": sd},
           "module": {f"module.{k}": v for k, v in sd.items()},
           # as the published lightweight checkpoint: beside an optimizer state and an iteration
           "checkpoint": {"state_dict": {f"module.{k}": v for k, v in sd.items()},
                          "optimizer": {"state": {}, "param_groups": [{"lr": 4e-5}]},
                          "iter": 370000}}[wrap]
    path = tmp_path / "w.pth"
    torch.save(obj, path)
    fresh = LightweightPoseNet().eval()
    digest = load_weights(fresh, path)
    assert digest == file_sha256(path) and len(digest) == 64
    for a, b in zip(_outputs(light), _outputs(fresh)):
        assert torch.equal(a, b)


def test_load_cmu_round_trip_warns_license_once(cmu: CMUPoseNet, cmu_file: Path,
                                                caplog: pytest.LogCaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = cmu_file
    monkeypatch.setattr(weights_mod, "_cmu_warned", False)
    with caplog.at_level(logging.WARNING, logger=weights_mod.__name__):
        model, arch, digest = load_model(path)
        load_weights(CMUPoseNet(), path)
    assert arch == "cmu" and isinstance(model, CMUPoseNet) and not model.training
    assert digest == file_sha256(path)
    warnings = [r for r in caplog.records if "NON-COMMERCIAL" in r.getMessage()]
    assert len(warnings) == 1
    for a, b in zip(_outputs(cmu, (32, 40)), _outputs(model, (32, 40))):
        assert torch.equal(a, b)


def _save_modified(light: LightweightPoseNet, tmp_path: Path, change: str) -> Path:
    sd = dict(light.state_dict())
    if change == "missing":
        del sd["cpm.align.0.weight"]
    elif change == "extra":
        sd["cpm.extra.weight"] = torch.zeros(3)
    else:
        sd["initial_stage.pafs.1.0.bias"] = torch.zeros(37)
    path = tmp_path / f"{change}.pth"
    torch.save(sd, path)
    return path


@pytest.mark.parametrize("change, key", [("missing", "cpm.align.0.weight"),
                                         ("extra", "cpm.extra.weight"),
                                         ("shape", "initial_stage.pafs.1.0.bias")])
def test_strict_check_names_the_key(light: LightweightPoseNet, tmp_path: Path, change: str,
                                    key: str) -> None:
    path = _save_modified(light, tmp_path, change)
    with pytest.raises(BackendError) as info:
        load_weights(LightweightPoseNet(), path)
    message = str(info.value)
    assert key in message and "\n" not in message
    assert {"missing": "1 missing key", "extra": "1 unexpected key",
            "shape": "1 shape mismatch"}[change] in message


def test_strict_check_lists_first_few_with_counts(cmu_file: Path) -> None:
    with pytest.raises(BackendError) as info:  # CMU weights into the lightweight net
        load_weights(LightweightPoseNet(), cmu_file)
    message = str(info.value)
    assert "217 missing keys" in message and "184 unexpected keys" in message  # 250 - 33 counters
    assert "more" in message and "\n" not in message and len(message) < 600


class NotATensor:
    """A plain class instance: ``torch.save`` pickles it, ``weights_only`` must refuse it."""

    def __init__(self) -> None:
        self.value = 1


class RunsCode:
    def __reduce__(self):
        import os
        return (os.system, ("echo this must never run",))


@pytest.mark.parametrize("protocol", [2, 4])
def test_a_poisoned_pickle_is_refused_as_unsafe(light: LightweightPoseNet, tmp_path: Path, protocol: int) -> None:
    """A torch file whose pickle calls ``os.system``, and a bare (legacy) pickle doing the same."""
    import pickle

    for path in (tmp_path / "zip.pth", tmp_path / "legacy.pth"):
        if path.name == "zip.pth":
            torch.save({"w": torch.zeros(2), "x": RunsCode()}, path, pickle_protocol=protocol)
        else:
            path.write_bytes(pickle.dumps({"x": RunsCode()}, protocol=protocol))
        with pytest.raises(BackendError) as info:
            load_weights(LightweightPoseNet(), path)
        message = str(info.value)
        assert message.startswith(f"{path}: refused: unsafe") and "\n" not in message, message


@pytest.mark.parametrize("content", ["random", "empty", "object", "truncated", "no_tensors"])
def test_unreadable_files_raise_backend_error(light: LightweightPoseNet, tmp_path: Path,
                                              content: str) -> None:
    path = tmp_path / f"{content}.pth"
    if content == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif content == "empty":
        path.write_bytes(b"")
    elif content == "object":
        torch.save({"state_dict": NotATensor()}, path)
    elif content == "truncated":
        torch.save(light.state_dict(), path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        torch.save({"iter": 3, "lr": 0.1}, path)
    with pytest.raises(BackendError) as info:
        load_weights(LightweightPoseNet(), path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    if content == "object":
        assert "refused" in str(info.value) and "NotATensor" in str(info.value)
    if content == "random":
        assert "not a torch weights file" in str(info.value)


def test_missing_weights_say_where_to_get_them(tmp_path: Path) -> None:
    for args in ({"weights": tmp_path / "nope.pth"},):  # no weights at all: the built-in network
        with pytest.raises(BackendError) as info:
            OpenPoseNet(**args, device="cpu")
        message = str(info.value)
        assert WEIGHTS_SOURCES in message
        assert "pose_iter_440000.caffemodel" in message and "checkpoint_iter_370000.pth" in message
        assert "NON-COMMERCIAL" in message


def test_detect_architecture(cmu: CMUPoseNet, light: LightweightPoseNet, tmp_path: Path) -> None:
    assert detect_architecture(cmu.state_dict()) == "cmu"
    assert detect_architecture(light.state_dict()) == "lightweight"
    assert detect_architecture({f"module.{k}": v for k, v in light.state_dict().items()}) \
        == "lightweight"
    with pytest.raises(BackendError):
        detect_architecture({"fc.weight": torch.zeros(1)})
    path = tmp_path / "wrapped.pth"
    torch.save({"state_dict": light.state_dict(), "iter": 1}, path)
    assert detect_architecture(read_state_dict(path)) == "lightweight"


def test_openposenet_from_weights_file(light: LightweightPoseNet, tmp_path: Path) -> None:
    path = tmp_path / "checkpoint_iter_370000.pth"
    torch.save({"state_dict": light.state_dict()}, path)
    net = OpenPoseNet(path, device="cpu", input_height=64)
    assert net.architecture == "lightweight" and net.sha256 == file_sha256(path)
    assert net.meta["sha256"] == net.sha256 and net.meta["weights"] == str(path)
    ref = OpenPoseNet(model=light, device="cpu", input_height=64)
    frame = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    (h1, p1, _), = net([frame])
    (h2, p2, _), = ref([frame])
    np.testing.assert_array_equal(h1, h2)
    np.testing.assert_array_equal(p1, p2)


# --- preprocessing and inference -------------------------------------------------------------------

def test_preprocess_geometry_padding_and_normalisation() -> None:
    frame = np.full((480, 640, 3), 200, np.uint8)
    x, meta = preprocess(frame, 368)
    assert meta.net_size == (491, 368) and meta.padded_size == (496, 368)
    assert meta.pad == (5, 0) and meta.map_size == (62, 46) and meta.valid_map_size == (62, 46)
    assert meta.scale_xy == (491 / 640, 368 / 480)
    assert x.shape == (3, 368, 496) and x.dtype == np.float32
    assert x.shape[1] % 8 == 0 and x.shape[2] % 8 == 0
    np.testing.assert_allclose(x[:, :, :491], 200 / 256 - 0.5, atol=1e-6)  # img / 256 - 0.5
    assert np.all(x[:, :, 491:] == 0.0)  # padded with 128 before normalisation
    # a tall frame: padding at the bottom too
    x2, meta2 = preprocess(np.zeros((100, 37, 3), np.uint8), 100)
    assert meta2.net_size == (37, 100) and meta2.padded_size == (40, 104)
    assert meta2.pad == (3, 4) and x2.shape == (3, 104, 40)
    assert np.all(x2[:, 100:] == 0.0) and np.all(x2[:, :100, :37] == -0.5)
    # BGR channel order kept
    frame = np.zeros((16, 16, 3), np.uint8)
    frame[..., 0] = 255
    x3, _ = preprocess(frame, 16)
    assert np.allclose(x3[0], 255 / 256 - 0.5) and np.allclose(x3[1:], -0.5)


def test_coordinate_contract() -> None:
    meta = frame_geometry((640, 480), 368)
    pts = np.array([[0.0, 0.0], [639.0, 479.0], [100.25, 37.5]])
    np.testing.assert_allclose(meta.net_to_image(meta.image_to_net(pts)), pts)
    # pixel centres: net_px = (orig_px + 0.5) * scale - 0.5
    np.testing.assert_allclose(meta.image_to_net(pts[1]), (pts[1] + 0.5) * meta.scale_xy - 0.5)
    np.testing.assert_allclose(meta.image_to_net([-0.5, -0.5]), [-0.5, -0.5])


class SpyNet(nn.Module):
    """Stride-8 average pool: PAFs from the B channel, heatmaps from G; records its inputs."""

    architecture = "spy"

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        self.inputs.append(x.clone())
        m = F.avg_pool2d(x, 8, ceil_mode=True)
        return m[:, :1].repeat(1, 38, 1, 1), m[:, 1:2].repeat(1, 19, 1, 1)


def test_network_input_and_map_size() -> None:
    spy = SpyNet()
    net = OpenPoseNet(model=spy, device="cpu")
    frame = np.full((480, 640, 3), 128, np.uint8)
    (heat, paf, meta), = net(frame)  # one (H, W, 3) frame
    assert spy.inputs[0].shape == (1, 3, 368, 496) and spy.inputs[0].dtype == torch.float32
    assert torch.all(spy.inputs[0] == 0)
    assert heat.shape == (19, 46, 62) and paf.shape == (38, 46, 62)
    assert heat.dtype == np.float32 and paf.dtype == np.float32
    assert meta.map_size == (62, 46)
    assert OpenPoseNet(model=SpyNet(), device="cpu", input_height=200)([frame])[0][0].shape \
        == (19, 25, 34)  # 200 x 267 -> padded 200 x 272
    with pytest.raises(InputError):
        net([np.zeros((10, 10), np.uint8)])
    assert net([]) == []


def _ramp(h: int = 480, w: int = 640) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = np.round(xx * 250 / (w - 1))
    img[..., 1] = np.round(yy * 250 / (h - 1))
    return img


@pytest.mark.parametrize("scale", [0.5, 0.75, 1.5])
def test_multiscale_maps_align_with_scale_1(scale: float) -> None:
    # a linear ramp through a stride-8 average pool gives linear maps at every scale; resampled
    # onto the scale-1 grid they must agree inside (borders see padding and cubic overshoot)
    frame = _ramp()
    (h1, p1, m1), = OpenPoseNet(model=SpyNet(), device="cpu", input_height=128)([frame])
    (h2, p2, m2), = OpenPoseNet(model=SpyNet(), device="cpu", input_height=128,
                                scales=(scale,))([frame])
    assert m2 == m1 and h2.shape == h1.shape and p2.shape == p1.shape
    vw, vh = m1.valid_map_size
    inner = (slice(None), slice(2, vh - 3), slice(2, vw - 3))
    step = float(np.diff(p1[0, 5, 2:vw - 3]).mean())  # ramp change per map cell
    assert step > 0.03
    np.testing.assert_allclose(p2[inner], p1[inner], atol=step / 8)  # well under 1/8 cell off
    np.testing.assert_allclose(h2[inner], h1[inner], atol=step / 4)


def test_multiscale_average(light: LightweightPoseNet) -> None:
    frame = np.random.default_rng(1).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    scales = (1.0, 0.5, 1.5)
    (h, p, meta), = OpenPoseNet(model=light, device="cpu", input_height=96, scales=scales)([frame])
    assert h.shape == (19, 12, 16) and p.shape == (38, 12, 16) and meta.map_size == (16, 12)
    singles = [OpenPoseNet(model=light, device="cpu", input_height=96, scales=(s,))([frame])[0]
               for s in scales]
    np.testing.assert_allclose(h, np.mean([s[0] for s in singles], axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(p, np.mean([s[1] for s in singles], axis=0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("batch_size", [2, 3])  # 2 + 1 and 3 frames per forward pass
def test_batch_equals_single_calls(light: LightweightPoseNet, batch_size: int) -> None:
    rng = np.random.default_rng(2)
    frames = [rng.integers(0, 256, (90, 120, 3), dtype=np.uint8) for _ in range(3)]
    net = OpenPoseNet(model=light, device="cpu", input_height=96, batch_size=batch_size)
    batched = net(np.stack(frames))
    assert len(batched) == 3
    for frame, (h, p, meta) in zip(frames, batched):
        (h1, p1, meta1), = net([frame])
        assert meta == meta1
        np.testing.assert_allclose(h, h1, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(p, p1, rtol=1e-4, atol=1e-5)


def test_mixed_sizes_are_padded_to_a_common_batch() -> None:
    spy = SpyNet()
    frames = [np.full((96, 128, 3), 128, np.uint8), np.full((96, 64, 3), 128, np.uint8)]
    out = OpenPoseNet(model=spy, device="cpu", input_height=64, batch_size=2)(frames)
    assert len(spy.inputs) == 1 and spy.inputs[0].shape == (2, 3, 64, 88)  # 64x85->88, 64x43->48
    assert out[0][0].shape == (19, 8, 11) and out[1][0].shape == (19, 8, 6)
    assert out[1][2].map_size == (6, 8) and out[1][2].valid_map_size == (math.ceil(43 / 8), 8)


def test_options_are_checked() -> None:
    assert OpenPoseNet(model=SpyNet(), device="cpu").batch_size == 1  # batching is slower on CPUs
    with pytest.raises(BackendError):
        OpenPoseNet(model=SpyNet(), device="cpu", scales=())
    with pytest.raises(BackendError):
        OpenPoseNet(model=SpyNet(), device="cpu", input_height=4)
    if not torch.cuda.is_available():
        with pytest.raises(BackendError):
            OpenPoseNet(model=SpyNet(), device="cuda")

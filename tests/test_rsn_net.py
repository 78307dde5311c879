"""The RSN network, its presets and checkpoint loading (official and MMPose layouts), random weights.

The reference name list is a read-only fact about the official RSN-18 COCO 256x192 checkpoint
(``../shared/reference``); the test that needs it skips when it is absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
import torch
from conftest import read_reference
from torch import nn

from actionpose.errors import BackendError
from actionpose.inputs import file_sha256
from actionpose.pose.rsn.net import (
    PRESETS,
    RSN,
    ResidualStepsBlock,
    build_rsn,
    get_preset,
    step_name,
)
from actionpose.pose.rsn.weights import (
    WEIGHTS_SOURCES,
    detect_naming,
    detect_preset,
    load_rsn,
    mmpose_to_official,
    require_checkpoint,
)

CROP = (256, 192)


def randomize(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random conv biases and BatchNorm statistics / affine (so that loading them matters)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.05)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.05)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.05)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
    return model.eval()


def meta_state_dict(name: str) -> dict[str, torch.Tensor]:
    """The state dict of preset ``name`` built on the meta device: names and shapes, no memory."""
    with torch.device("meta"):
        return build_rsn(name).state_dict()


def to_mmpose(state_dict: Mapping[str, torch.Tensor], head_prefix: str = "keypoint_head."
              ) -> dict[str, torch.Tensor]:
    """An official-named state dict in MMPose's naming, written here independently of
    ``mmpose_to_official``: conv biases folded into the following BatchNorm's running mean and
    dropped (MMPose's convs before BatchNorm have no bias)."""
    sd = {k: v.clone() for k, v in state_dict.items()}
    for key in [k for k in sd if k.endswith(".conv.bias")]:
        bn_mean = key.removesuffix("conv.bias") + "bn.running_mean"
        sd[bn_mean] = sd[bn_mean] - sd.pop(key)  # BN(conv + b) == BN'(conv), mean' = mean - b
    out = {}
    for key, value in sd.items():
        head = re.match(r"stage(\d+)\.upsample\.up(\d)\.res_conv([12])\.(.+)$", key)
        if head:
            s, u, r = (int(head.group(n)) for n in (1, 2, 3))
            out[f"{head_prefix}predict_layers.{s * 4 + u - 1}.conv_layers.{r - 1}."
                f"{head.group(4)}"] = value
            continue
        new = re.sub(r"^top\.conv\.", "top.top.0.", key)
        new = re.sub(r"^stage(\d+)\.", r"multi_stage_rsn.\1.", new)
        new = (new.replace(".conv_bn_relu3.", ".conv_bn3.").replace(".u_skip.", ".in_skip.")
               .replace(".skip1.", ".out_skip1.").replace(".skip2.", ".out_skip2."))
        out["backbone." + new] = value
    return out


@pytest.fixture(scope="module")
def rsn18() -> RSN:
    torch.manual_seed(0)
    return randomize(build_rsn("rsn18"))


@pytest.fixture(scope="module")
def crop() -> torch.Tensor:
    return torch.randn(1, 3, *CROP, generator=torch.Generator().manual_seed(1))


# --- the network against the official name list ------------------------------------------------


def test_state_dict_equals_reference_line_for_line(rsn18: RSN) -> None:
    entries, n_tensors, n_values = read_reference("rsn18_official_coco_256x192.txt")
    ours = [(k, tuple(v.shape)) for k, v in rsn18.state_dict().items()]
    assert len(entries) == n_tensors == 805
    for i, (ref, got) in enumerate(zip(entries, ours)):
        assert got == ref, f"line {i}: reference {ref}, model {got}"
    assert len(ours) == len(entries)
    # The header's 9,187,344 counts the float tensors: conv / BN weights and biases plus the BN
    # running_mean and running_var buffers; the 115 int64 num_batches_tracked scalars are not in it.
    floats = sum(v.numel() for v in rsn18.state_dict().values() if v.is_floating_point())
    assert floats == n_values == 9_187_344
    assert sum(1 for k in rsn18.state_dict() if k.endswith("num_batches_tracked")) == 115


def test_forward_shape_and_stages(rsn18: RSN, crop: torch.Tensor) -> None:
    with torch.inference_mode():
        out = rsn18(crop)
        stages = rsn18.forward_stages(crop)
    assert out.shape == (1, 17, 64, 48)
    assert len(stages) == 1 and [tuple(h.shape) for h in stages[0]] == [(1, 17, 64, 48)] * 4
    assert torch.equal(stages[-1][-1], out)
    assert torch.isfinite(out).all()


def test_residual_steps_block_fusion_and_stride() -> None:
    """Conv j of branch i sees (split i, or conv j-1 of branch i) + conv j of branch i-1."""
    torch.manual_seed(0)
    block = randomize(ResidualStepsBlock(64, 128, stride=2))
    assert block.conv_bn_relu1.conv.stride == (2, 2) and block.downsample.conv.stride == (2, 2)
    assert block.branch == 26 and getattr(block, step_name(3, 3)).conv.kernel_size == (3, 3)
    seen: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = {}
    for i in range(1, 5):
        for j in range(1, i + 1):
            getattr(block, step_name(i, j)).register_forward_hook(
                lambda mod, inp, out, key=(i, j): seen.__setitem__(key, (inp[0], out)))
    x = torch.randn(2, 64, 16, 12)
    with torch.no_grad():
        y = block(x)
        splits = torch.split(block.conv_bn_relu1(x), 26, dim=1)
    assert y.shape == (2, 128, 8, 6)
    for (i, j), (inp, _) in seen.items():
        expected = splits[i - 1] if j == 1 else seen[(i, j - 1)][1]
        if j < i:
            expected = expected + seen[(i - 1, j)][1]
        torch.testing.assert_close(inp, expected, rtol=0, atol=0)


# --- presets and variants ----------------------------------------------------------------------


def test_rsn50_builds_and_runs() -> None:
    torch.manual_seed(0)
    model = build_rsn("rsn50")
    sd = model.state_dict()
    assert model.architecture == "rsn50"
    assert {len({k.split(".")[3] for k in sd if k.startswith(f"stage0.downsample.layer{n}.")})
            for n in range(1, 5)} == {3, 4, 6}
    # expansion 4, branches of in_channels * 26 // 64 = 832 in the 2048-channel blocks
    assert sd["stage0.downsample.layer4.2.conv_bn_relu1.conv.weight"].shape == (3328, 2048, 1, 1)
    assert sd["stage0.downsample.layer4.2.conv_bn_relu2_4_4.conv.weight"].shape == (832, 832, 3, 3)
    assert sd["stage0.downsample.layer4.2.conv_bn_relu3.conv.weight"].shape == (2048, 3328, 1, 1)
    assert sd["stage0.upsample.up1.u_skip.conv.weight"].shape == (256, 2048, 1, 1)
    with torch.inference_mode():  # a 128x96 crop: a quarter of the 48.5 GMAC of 256x192
        out = model(torch.randn(1, 3, 128, 96))
    assert out.shape == (1, 17, 32, 24) and torch.isfinite(out).all()


def test_two_stage_names_extend_one_stage() -> None:
    one = meta_state_dict("rsn18")
    two = meta_state_dict("2xrsn18")
    shapes_one = {k: tuple(v.shape) for k, v in one.items()}
    # every 1-stage tensor is in the 2-stage model, in the same relative order, with its shape
    order = [k for k in two if k in one]
    assert order == list(one) and all(tuple(two[k].shape) == shapes_one[k] for k in one)
    added = [k for k in two if k not in one]
    stage1 = [k for k in added if k.startswith("stage1.")]
    assert [k.replace("stage1.", "stage0.", 1) for k in stage1] == [k for k in one
                                                                  if k.startswith("stage0.")]
    cross = {k.rsplit(".", 2)[0] for k in added if not k.startswith("stage1.")}
    assert cross == ({f"stage0.upsample.up{u}.skip{s}" for u in range(1, 5) for s in (1, 2)}
                     | {"stage0.upsample.up4.cross_conv"})
    assert tuple(two["stage0.upsample.up1.skip1.conv.weight"].shape) == (512, 512, 1, 1)
    assert tuple(two["stage0.upsample.up1.skip2.conv.weight"].shape) == (512, 256, 1, 1)
    assert tuple(two["stage0.upsample.up4.cross_conv.conv.weight"].shape) == (64, 256, 1, 1)


@pytest.mark.parametrize("name", ["2xrsn18", "4xrsn18", "mmpose-2xrsn50"])
def test_multi_stage_variants_run(name: str) -> None:
    torch.manual_seed(0)
    model = randomize(build_rsn(name))
    stages = get_preset(name).stage_num
    small = torch.randn(2, 3, 128, 96)  # any multiple of 32: heatmaps at 1/4
    with torch.inference_mode():
        out = model(small)
        per_stage = model.forward_stages(small)
    assert out.shape == (2, 17, 32, 24) and torch.isfinite(out).all()
    assert len(per_stage) == stages and all(len(units) == 4 for units in per_stage)
    assert torch.equal(per_stage[-1][-1], out)
    assert not torch.equal(per_stage[0][-1], out)  # the last stage refines the first


def test_presets_and_factory() -> None:
    assert get_preset("rsn18").layers == (2, 2, 2, 2) and get_preset("rsn18").expansion == 1
    assert get_preset("rsn50").layers == (3, 4, 6, 3) and get_preset("rsn50").expansion == 4
    assert get_preset("3xrsn50").stage_num == 3 and get_preset("3xrsn50").name == "3xrsn50"
    assert get_preset("rsn50", stage_num=4).name == "4xrsn50"
    p = get_preset("mmpose-2xrsn50")
    assert (p.name, p.stage_num, p.expansion, p.naming) == ("mmpose-2xrsn50", 2, 1, "mmpose")
    assert (p.input_order, p.mean, p.std) == ("rgb", (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    official = PRESETS["rsn18"]
    assert (official.input_order, official.mean) == ("bgr", (0.406, 0.456, 0.485))
    assert official.output_size == (64, 48)
    for bad in ("rsn101", "5xrsn18", "hrnet"):
        with pytest.raises(BackendError, match="RSN"):
            get_preset(bad)
    with pytest.raises(BackendError, match="stage_num"):
        get_preset("rsn18", stage_num=0)


@pytest.mark.parametrize("name", ["rsn18", "rsn50", "2xrsn18", "3xrsn50", "4xrsn50"])
def test_detect_preset_official(name: str) -> None:
    preset = detect_preset(meta_state_dict(name))
    assert preset == get_preset(name)


@pytest.mark.parametrize("name", ["mmpose-rsn18", "mmpose-rsn50", "mmpose-3xrsn50"])
def test_detect_preset_mmpose(name: str) -> None:
    sd = to_mmpose(meta_state_dict(name))
    assert detect_naming(sd) == "mmpose"
    assert detect_preset(sd) == get_preset(name)


# --- loading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("wrap", ["bare", "model", "state_dict", "module"])
def test_load_round_trip(rsn18: RSN, crop: torch.Tensor, tmp_path: Path, wrap: str) -> None:
    sd = rsn18.state_dict()
    obj = {"bare": sd, "model": {"model": sd, "iteration": 96000},
           "state_dict": {"state_dict": sd, "optimizer": {"lr": 5e-4}},
           "module": {f"module.{k}": v for k, v in sd.items()}}[wrap]
    path = tmp_path / "rsn18.pth"
    torch.save(obj, path)
    model, preset, sha = load_rsn(path)
    assert preset == PRESETS["rsn18"] and sha == file_sha256(path) and not model.training
    with torch.inference_mode():
        assert torch.equal(model(crop), rsn18(crop))


def test_load_multi_stage_round_trip(crop: torch.Tensor, tmp_path: Path) -> None:
    torch.manual_seed(0)
    source = randomize(build_rsn("2xrsn18"), seed=3)
    path = tmp_path / "2xrsn18.pth"
    torch.save(source.state_dict(), path)
    model, preset, _ = load_rsn(path)
    assert preset.name == "2xrsn18" and preset.stage_num == 2
    with torch.inference_mode():
        assert torch.equal(model(crop), source(crop))


def _save(tmp_path: Path, sd: Mapping[str, torch.Tensor]) -> Path:
    path = tmp_path / "bad.pth"
    torch.save(dict(sd), path)
    return path


def test_missing_extra_and_wrong_shape_keys(rsn18: RSN, tmp_path: Path) -> None:
    sd = rsn18.state_dict()
    missing = "stage0.downsample.layer2.1.conv_bn_relu2_3_2.bn.running_var"
    with pytest.raises(BackendError, match=re.escape(missing)) as exc:
        load_rsn(_save(tmp_path, {k: v for k, v in sd.items() if k != missing}))
    assert "1 missing key" in str(exc.value) and "\n" not in str(exc.value)

    extra = "stage0.upsample.up4.prm.weight"
    with pytest.raises(BackendError, match=re.escape(extra)) as exc:
        load_rsn(_save(tmp_path, {**sd, extra: torch.zeros(3)}))
    assert "1 unexpected key" in str(exc.value)

    wrong = "stage0.upsample.up2.res_conv1.conv.weight"
    with pytest.raises(BackendError, match=re.escape(wrong)) as exc:
        load_rsn(_save(tmp_path, {**sd, wrong: torch.zeros(128, 256, 1, 1)}))
    assert "(128, 256, 1, 1) vs model (256, 256, 1, 1)" in str(exc.value)


def test_no_checkpoint_error_is_one_line() -> None:
    with pytest.raises(BackendError) as exc:
        load_rsn(None)
    text = str(exc.value)
    assert "\n" not in text and "checkpoint" in text
    assert "caiyuanhao1998/RSN" in text and "MMPose" in text and WEIGHTS_SOURCES in text
    with pytest.raises(BackendError, match="no such RSN checkpoint file"):
        require_checkpoint("/nonexistent/rsn18.pth")


def test_not_an_rsn_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="not an RSN checkpoint"):
        load_rsn(_save(tmp_path, {"conv1.weight": torch.zeros(1)}))
    with pytest.raises(BackendError, match="MSPN"):
        detect_naming({"backbone.multi_stage_mspn.0.x": torch.zeros(1)})


# --- MMPose layout -----------------------------------------------------------------------------


def test_mmpose_mapping_names() -> None:
    examples = {
        "backbone.top.top.0.conv.weight": "top.conv.conv.weight",
        "backbone.top.top.0.bn.running_var": "top.conv.bn.running_var",
        "backbone.multi_stage_rsn.1.downsample.layer3.0.conv_bn3.bn.weight":
            "stage1.downsample.layer3.0.conv_bn_relu3.bn.weight",
        "backbone.multi_stage_rsn.0.downsample.layer1.1.conv_bn_relu2_4_3.conv.weight":
            "stage0.downsample.layer1.1.conv_bn_relu2_4_3.conv.weight",
        "backbone.multi_stage_rsn.0.downsample.layer2.0.downsample.conv.weight":
            "stage0.downsample.layer2.0.downsample.conv.weight",
        "backbone.multi_stage_rsn.0.upsample.up3.in_skip.bn.bias":
            "stage0.upsample.up3.u_skip.bn.bias",
        "backbone.multi_stage_rsn.0.upsample.up2.out_skip2.conv.weight":
            "stage0.upsample.up2.skip2.conv.weight",
        "backbone.multi_stage_rsn.0.upsample.up4.cross_conv.conv.weight":
            "stage0.upsample.up4.cross_conv.conv.weight",
        "keypoint_head.predict_layers.6.conv_layers.1.bn.weight":
            "stage1.upsample.up3.res_conv2.bn.weight",
        "head.predict_layers.3.conv_layers.0.conv.weight": "stage0.upsample.up4.res_conv1.conv.weight",
    }
    mapped = mmpose_to_official({k: torch.zeros(2, 1, 1, 1) for k in examples})
    for mmpose, official in examples.items():
        assert official in mapped, mmpose
    biases = {k for k in mapped if k.endswith(".conv.bias")}
    assert biases == {k.removesuffix("weight") + "bias" for k in examples.values()
                      if k.endswith(".conv.weight")}
    assert all(not mapped[k].any() for k in biases)
    with pytest.raises(BackendError, match="Pose Refine Machine"):
        mmpose_to_official({"keypoint_head.predict_layers.3.prm.conv_bn_relu_prm_1.conv.weight":
                            torch.zeros(1)})


@pytest.mark.parametrize(("name", "head_prefix"), [("rsn18", "keypoint_head."),
                                                   ("rsn18", "head."),
                                                   ("2xrsn18", "keypoint_head.")])
def test_mmpose_checkpoint_loads_into_same_network(name: str, head_prefix: str,
                                                   crop: torch.Tensor, tmp_path: Path) -> None:
    torch.manual_seed(0)
    source = randomize(build_rsn(name), seed=5)
    path = tmp_path / "mmpose.pth"
    torch.save({"meta": {"epoch": 210}, "state_dict": to_mmpose(source.state_dict(), head_prefix)},
               path)
    model, preset, _ = load_rsn(path)
    assert preset == get_preset(f"mmpose-{name}")
    assert preset.input_order == "rgb" and preset.naming == "mmpose"
    with torch.inference_mode():
        torch.testing.assert_close(model(crop), source(crop), rtol=1e-4, atol=1e-5)

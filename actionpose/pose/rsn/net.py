"""The Residual Steps Network (RSN) for top-down human pose estimation, in torch.

Written from Cai et al., *Learning Delicate Local Representations for Multi-Person Pose Estimation*
(ECCV 2020) and the tensor names and shapes of the official RSN-18 COCO 256x192 checkpoint. The
module tree reproduces those names, so ``state_dict()`` of :func:`build_rsn("rsn18") <build_rsn>`
lists the checkpoint's 805 tensors name for name, shape for shape, in order:

* ``top.conv``: a 7x7 stride-2 conv (3 -> 64) with BatchNorm and ReLU, then a 3x3 stride-2 max-pool
  (stride 4 in all);
* ``stage{s}.downsample.layer1..layer4``: residual stages of widths 64, 128, 256, 512 times the
  block expansion (1 for RSN-18, 4 for RSN-50), ``[2, 2, 2, 2]`` or ``[3, 4, 6, 3]`` Residual Steps
  Blocks; the first block of ``layer2..layer4`` halves the resolution (strides 4, 8, 16, 32);
* ``stage{s}.upsample.up1..up4``: the upsampling head, coarse to fine, 256 channels; each unit's
  ``res_conv1`` / ``res_conv2`` predicts one set of 17 heatmaps, ``up4``'s at 1/4 of the input size
  is the network's output.

Every conv has a bias and is followed by BatchNorm (``conv_bn_relu.{conv,bn}``), as in the official
checkpoints. What the names and shapes decide: every layer's channels, kernel sizes, the branch
width ``in_channels * 26 // 64`` with four branches, which blocks carry a projection shortcut
(``downsample``), that ``up1`` has no ``up_conv``. What they cannot decide, taken from the paper
(and, where the paper is silent, the usual ResNet / MSPN conventions it builds on), is stated where
it is used: activation placement (:class:`ConvBNReLU` users), the stride position
(:class:`ResidualStepsBlock`), the step-wise fusion (:class:`ResidualStepsBlock`), upsampling mode
and cross-stage connections (:class:`UpsampleUnit`, :class:`RSN`). The Pose Refine Machine (PRM) of
the paper is not part of these checkpoints and not implemented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from actionpose.errors import BackendError

#: channels of the ``top`` output and of the cross-stage connection
TOP_CHANNELS = 64
#: base widths of ``layer1..layer4`` (times the block expansion)
WIDTHS = (64, 128, 256, 512)
#: branches ("steps") of a Residual Steps Block; branch ``i`` (1-based) has ``i`` 3x3 convs
NUM_STEPS = 4
#: branch width = ``in_channels * BRANCH_RATIO[0] // BRANCH_RATIO[1]``
BRANCH_RATIO = (26, 64)
#: channels of the upsampling head and number of upsampling units
HEAD_CHANNELS = 256
NUM_UNITS = len(WIDTHS)
#: COCO keypoints
NUM_JOINTS = 17
#: network output stride in input pixels
STRIDE = 4


class ConvBNReLU(nn.Module):
    """A conv (with bias) followed by BatchNorm and, when ``relu``, a ReLU: ``conv`` and ``bn``.

    Parameters
    ----------
    in_ch, out_ch
        Input and output channels.
    kernel
        Square kernel size; padding is ``kernel // 2`` (shape preserving at stride 1).
    stride
        Conv stride.
    relu
        Whether a ReLU follows the BatchNorm (the names cannot tell; see each user).
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int = 1, stride: int = 1,
                 relu: bool = True) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2)
        self.bn = nn.BatchNorm2d(out_ch)
        self.use_relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.bn(self.conv(x))
        return torch.relu(x) if self.use_relu else x


class Top(nn.Module):
    """The ResNet stem: 7x7 stride-2 conv + BN + ReLU (``conv``), 3x3 stride-2 max-pool."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = ConvBNReLU(3, TOP_CHANNELS, kernel=7, stride=2)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x))


def branch_channels(in_ch: int) -> int:
    """Width of each of the four branches of a Residual Steps Block with ``in_ch`` inputs."""
    return in_ch * BRANCH_RATIO[0] // BRANCH_RATIO[1]


def step_name(branch: int, step: int) -> str:
    """``conv_bn_relu2_{branch}_{step}`` (both 1-based), the checkpoint name of one 3x3 conv."""
    return f"conv_bn_relu2_{branch}_{step}"


class ResidualStepsBlock(nn.Module):
    """The Residual Steps Block (RSB): a bottleneck whose middle is four step-wise fused branches.

    ``conv_bn_relu1`` (1x1, ReLU) widens the input to ``4 * b`` channels (``b`` =
    :func:`branch_channels`), split into four branches ``x_1..x_4``. Branch ``i`` has ``i`` 3x3
    convs ``conv_bn_relu2_{i}_{j}`` (BN + ReLU each). Intra-level fusion, following the paper: the
    input of conv ``j`` of branch ``i`` is (``x_i`` for ``j = 1``, else the output of conv ``j - 1``
    of the same branch) plus, element-wise, the output of conv ``j`` of branch ``i - 1`` when that
    branch has one (``j < i``). The last conv of each branch is concatenated (``4 * b`` channels)
    and projected by ``conv_bn_relu3`` (1x1, BN, no ReLU before the sum) to ``out_ch``; the
    identity (or the 1x1 ``downsample`` projection, BN, no ReLU) is added and a ReLU follows, as in
    ResNet.

    A block that changes the resolution puts its stride on ``conv_bn_relu1`` (the 1x1 conv): the
    step-wise sums need all branches at one resolution, which a stride on the 3x3 convs of the
    branches would break. The names cannot tell; the shortcut ``downsample`` has the same stride.
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1) -> None:
        super().__init__()
        self.branch = branch_channels(in_ch)
        width = NUM_STEPS * self.branch
        self.conv_bn_relu1 = ConvBNReLU(in_ch, width, kernel=1, stride=stride)
        for i in range(1, NUM_STEPS + 1):
            for j in range(1, i + 1):
                self.add_module(step_name(i, j), ConvBNReLU(self.branch, self.branch, kernel=3))
        self.conv_bn_relu3 = ConvBNReLU(width, out_ch, kernel=1, relu=False)
        needs_projection = stride != 1 or in_ch != out_ch
        self.downsample = (ConvBNReLU(in_ch, out_ch, kernel=1, stride=stride, relu=False)
                           if needs_projection else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        splits = torch.split(self.conv_bn_relu1(x), self.branch, dim=1)
        previous: list[torch.Tensor] = []  # outputs of branch i - 1, step by step
        ends: list[torch.Tensor] = []
        for i in range(1, NUM_STEPS + 1):
            current: list[torch.Tensor] = []
            h = splits[i - 1]
            for j in range(1, i + 1):
                if j <= len(previous):
                    h = h + previous[j - 1]
                h = getattr(self, step_name(i, j))(h)
                current.append(h)
            ends.append(h)
            previous = current
        out = self.conv_bn_relu3(torch.cat(ends, dim=1))
        identity = x if self.downsample is None else self.downsample(x)
        return torch.relu(out + identity)


SkipPair = tuple[torch.Tensor, torch.Tensor]


class Encoder(nn.Module):
    """The residual stages ``layer1..layer4`` of one RSN stage (checkpoint name ``downsample``).

    Parameters
    ----------
    layers
        Blocks per stage, e.g. ``(2, 2, 2, 2)``.
    expansion
        Output channels of a stage = its base width (64, 128, 256, 512) times ``expansion``.
    """

    def __init__(self, layers: Sequence[int], expansion: int) -> None:
        super().__init__()
        if len(layers) != NUM_UNITS or min(layers) < 1:
            raise BackendError(f"RSN needs {NUM_UNITS} residual stages of at least one block, "
                               f"got layers={tuple(layers)}")
        self.out_channels: tuple[int, ...] = tuple(w * expansion for w in WIDTHS)
        in_ch = TOP_CHANNELS
        for k, (blocks, out_ch) in enumerate(zip(layers, self.out_channels)):
            first = ResidualStepsBlock(in_ch, out_ch, stride=1 if k == 0 else 2)
            stage = [first] + [ResidualStepsBlock(out_ch, out_ch) for _ in range(blocks - 1)]
            self.add_module(f"layer{k + 1}", nn.Sequential(*stage))
            in_ch = out_ch

    def forward(self, x: torch.Tensor, skips: Sequence[SkipPair] | None = None
                ) -> list[torch.Tensor]:
        """Features of ``layer1..layer4`` (fine to coarse); ``skips[k]`` (two maps from the previous
        stage's head) are added to the output of ``layer{k+1}`` before it feeds the next layer."""
        feats = []
        for k in range(NUM_UNITS):
            x = getattr(self, f"layer{k + 1}")(x)
            if skips is not None:
                x = x + skips[k][0] + skips[k][1]
            feats.append(x)
        return feats


class UpsampleUnit(nn.Module):
    """One unit of the upsampling head.

    ``u_skip`` (1x1, BN, no ReLU) maps the encoder feature to ``channels``; except in the first
    (coarsest) unit the previous unit's output is bilinearly upsampled (``align_corners=True``) to
    this resolution, passed through ``up_conv`` (1x1, BN, no ReLU) and added; a ReLU follows. The
    unit's heatmaps are ``res_conv1`` (1x1, BN, ReLU) then ``res_conv2`` (3x3 to the joints, BN, no
    ReLU), upsampled bilinearly to the output size. Target sizes are taken from the feature maps
    (the encoder feature of the unit; the finest unit's size for heatmaps), which for crops whose
    sides are multiples of 32 are the fixed 1/32 .. 1/4 sizes a 256x192 training setup uses.

    Units of a stage followed by another stage also make the cross-stage connections (not in the
    1-stage reference; names and placement follow the multi-stage design RSN reuses from MSPN):
    ``skip1`` (1x1, BN, ReLU) of the encoder feature and ``skip2`` (1x1, BN, ReLU) of the unit's
    output, both added to the same level of the next stage's encoder, and, in the last unit,
    ``cross_conv`` (1x1 to 64 channels, BN, ReLU): the next stage's input.
    """

    def __init__(self, in_ch: int, channels: int, num_joints: int, first: bool,
                 gen_skip: bool, gen_cross: bool) -> None:
        super().__init__()
        self.u_skip = ConvBNReLU(in_ch, channels, kernel=1, relu=False)
        self.up_conv = None if first else ConvBNReLU(channels, channels, kernel=1, relu=False)
        self.skip1 = ConvBNReLU(in_ch, in_ch, kernel=1) if gen_skip else None
        self.skip2 = ConvBNReLU(channels, in_ch, kernel=1) if gen_skip else None
        self.cross_conv = ConvBNReLU(channels, TOP_CHANNELS, kernel=1) if gen_cross else None
        self.res_conv1 = ConvBNReLU(channels, channels, kernel=1)
        self.res_conv2 = ConvBNReLU(channels, num_joints, kernel=3, relu=False)

    def forward(self, x: torch.Tensor, coarser: torch.Tensor | None) -> torch.Tensor:
        """The unit's feature from encoder feature ``x`` and the previous unit's output."""
        out = self.u_skip(x)
        if self.up_conv is not None and coarser is not None:
            up = F.interpolate(coarser, size=x.shape[-2:], mode="bilinear", align_corners=True)
            out = out + self.up_conv(up)
        return torch.relu(out)

    def heatmaps(self, feature: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        """The unit's heatmaps ``(N, joints, *size)``."""
        maps = self.res_conv2(self.res_conv1(feature))
        if tuple(maps.shape[-2:]) != tuple(size):
            maps = F.interpolate(maps, size=tuple(size), mode="bilinear", align_corners=True)
        return maps


class UpsampleModule(nn.Module):
    """The upsampling head ``up1..up4`` (coarse to fine) of one RSN stage (name ``upsample``)."""

    def __init__(self, in_channels: Sequence[int], channels: int, num_joints: int,
                 last_stage: bool) -> None:
        super().__init__()
        for k, in_ch in enumerate(in_channels):
            unit = UpsampleUnit(in_ch, channels, num_joints, first=k == 0, gen_skip=not last_stage,
                                gen_cross=not last_stage and k == len(in_channels) - 1)
            self.add_module(f"up{k + 1}", unit)

    def units(self) -> list[UpsampleUnit]:
        """``up1..up4`` in order."""
        return [getattr(self, f"up{k + 1}") for k in range(NUM_UNITS)]

    def forward(self, feats: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Unit outputs, coarse to fine, from encoder features ``feats`` (fine to coarse)."""
        outs: list[torch.Tensor] = []
        for unit, x in zip(self.units(), reversed(feats)):
            outs.append(unit(x, outs[-1] if outs else None))
        return outs


class RSNStage(nn.Module):
    """One encoder-decoder stage: ``downsample`` (:class:`Encoder`), ``upsample`` (the head)."""

    def __init__(self, layers: Sequence[int], expansion: int, channels: int, num_joints: int,
                 last: bool) -> None:
        super().__init__()
        self.downsample = Encoder(layers, expansion)
        self.upsample = UpsampleModule(tuple(reversed(self.downsample.out_channels)), channels,
                                       num_joints, last_stage=last)

    def forward(self, x: torch.Tensor, skips: Sequence[SkipPair] | None = None
                ) -> tuple[list[torch.Tensor], list[SkipPair] | None, torch.Tensor | None]:
        """``(unit features coarse to fine, skips for the next stage fine to coarse, next input)``;
        the last two are ``None`` for the last stage."""
        feats = self.downsample(x, skips)
        outs = self.upsample(feats)
        units = self.upsample.units()
        if units[-1].cross_conv is None:
            return outs, None, None
        next_skips = [(unit.skip1(feat), unit.skip2(out))  # type: ignore[misc]
                      for unit, feat, out in zip(units, reversed(feats), outs)]
        next_skips.reverse()
        return outs, next_skips, units[-1].cross_conv(outs[-1])

    def heatmaps(self, outs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Every unit's heatmaps (coarse to fine), all at the finest unit's resolution."""
        size = outs[-1].shape[-2:]
        return [unit.heatmaps(out, size) for unit, out in zip(self.upsample.units(), outs)]


class RSN(nn.Module):
    """A (multi-stage) Residual Steps Network with the official checkpoint's module names.

    Input: ``(N, 3, H, W)`` normalised crops (see :attr:`RSNPreset.input_order`, ``mean``, ``std``),
    ``H`` and ``W`` multiples of 32 (256x192 for the COCO models). Output of :meth:`forward`: the
    last stage's finest heatmaps ``(N, joints, H / 4, W / 4)``.

    Stage ``s > 0`` takes ``cross_conv`` of stage ``s - 1`` as input and adds that stage's
    ``skip1`` / ``skip2`` maps after each of its residual stages (the cross-stage aggregation of
    the paper's multi-stage networks).

    Parameters
    ----------
    layers
        Residual Steps Blocks per residual stage: ``(2, 2, 2, 2)`` (RSN-18), ``(3, 4, 6, 3)``
        (RSN-50).
    expansion
        Block expansion: 1 (RSN-18) or 4 (the official RSN-50).
    stage_num
        Number of stacked encoder-decoder stages (1 to 4 in the paper).
    num_joints
        Heatmap channels (17 for COCO).
    channels
        Channels of the upsampling head (256).

    Weights keep PyTorch's default initialisation: they are meant to come from a checkpoint.
    """

    architecture = "rsn"

    def __init__(self, layers: Sequence[int] = (2, 2, 2, 2), expansion: int = 1,
                 stage_num: int = 1, num_joints: int = NUM_JOINTS,
                 channels: int = HEAD_CHANNELS) -> None:
        super().__init__()
        if stage_num < 1:
            raise BackendError(f"RSN needs at least one stage, got stage_num={stage_num}")
        self.stage_num = stage_num
        self.top = Top()
        for s in range(stage_num):
            self.add_module(f"stage{s}", RSNStage(layers, expansion, channels, num_joints,
                                                  last=s == stage_num - 1))

    def stages(self) -> list[RSNStage]:
        """``stage0 ..`` in order."""
        return [getattr(self, f"stage{s}") for s in range(self.stage_num)]

    def _run(self, x: torch.Tensor) -> tuple[RSNStage, list[list[torch.Tensor]]]:
        x = self.top(x)
        skips: list[SkipPair] | None = None
        outs_per_stage = []
        stage = None
        for stage in self.stages():
            outs, skips, nxt = stage(x, skips)
            outs_per_stage.append(outs)
            if nxt is not None:
                x = nxt
        assert stage is not None
        return stage, outs_per_stage

    def forward_stages(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        """Heatmaps of every stage (first to last) and unit (coarse to fine), all ``(N, joints,
        H / 4, W / 4)``: the outputs supervised in training.

        Parameters
        ----------
        x
            ``(N, 3, H, W)`` normalised crops.
        """
        _, outs_per_stage = self._run(x)
        return [stage.heatmaps(outs) for stage, outs in zip(self.stages(), outs_per_stage)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The last stage's finest heatmaps ``(N, joints, H / 4, W / 4)``.

        Only that unit's ``res_conv1`` / ``res_conv2`` run: the other units' heatmaps are training
        outputs (see :meth:`forward_stages`) and do not feed the last one.
        """
        last, outs_per_stage = self._run(x)
        finest = outs_per_stage[-1][-1]
        return last.upsample.units()[-1].heatmaps(finest, finest.shape[-2:])


@dataclass(frozen=True)
class RSNPreset:
    """A named RSN configuration and the input convention of its checkpoints.

    Attributes
    ----------
    name
        ``"rsn18"``, ``"2xrsn50"``, ``"mmpose-rsn50"``, ...
    layers, expansion, stage_num, num_joints, channels
        The :class:`RSN` arguments.
    naming
        ``"official"`` (caiyuanhao1998/RSN names, this module's) or ``"mmpose"`` (renamed on load,
        see :mod:`actionpose.pose.rsn.weights`).
    input_order
        Channel order the checkpoint was trained on: ``"bgr"`` (official, OpenCV images) or
        ``"rgb"`` (MMPose).
    mean, std
        Per-channel normalisation of pixel values scaled to [0, 1], in ``input_order``:
        ``(x / 255 - mean) / std``.
    input_size
        ``(height, width)`` of the training crops.
    heatmap_peak
        Height of the training targets' Gaussian peaks, so that ``maxval / heatmap_peak`` is a
        keypoint score in [0, 1]: 255 in the official RSN code, 1 in MMPose.
    """

    name: str
    layers: tuple[int, int, int, int]
    expansion: int
    stage_num: int = 1
    num_joints: int = NUM_JOINTS
    channels: int = HEAD_CHANNELS
    naming: Literal["official", "mmpose"] = "official"
    input_order: Literal["bgr", "rgb"] = "bgr"
    mean: tuple[float, float, float] = (0.406, 0.456, 0.485)
    std: tuple[float, float, float] = (0.225, 0.224, 0.229)
    input_size: tuple[int, int] = (256, 192)
    heatmap_peak: float = 255.0

    @property
    def output_size(self) -> tuple[int, int]:
        """``(height, width)`` of the heatmaps for :attr:`input_size` crops."""
        return self.input_size[0] // STRIDE, self.input_size[1] // STRIDE

    def build(self) -> RSN:
        """A randomly initialised :class:`RSN` of this configuration, in eval mode."""
        model = RSN(self.layers, self.expansion, self.stage_num, self.num_joints, self.channels)
        model.architecture = self.name
        return model.eval()


#: MMPose's input convention (RGB, ImageNet statistics) and its unit-height training targets
_IMAGENET_RGB = {"input_order": "rgb", "mean": (0.485, 0.456, 0.406), "std": (0.229, 0.224, 0.225),
                 "heatmap_peak": 1.0}

#: single-stage presets; ``"{k}x{name}"`` (k = 2..4) is the k-stage network. The official RSN-50
#: follows the official code: expansion 4 and branches of ``in_channels * 26 // 64`` give 295 M
#: parameters (RSN-18: 9.2 M); MMPose's RSN-50 keeps expansion 1 (19.4 M).
PRESETS: dict[str, RSNPreset] = {
    # official RSN (caiyuanhao1998/RSN): BGR, ImageNet statistics in BGR order
    "rsn18": RSNPreset("rsn18", (2, 2, 2, 2), expansion=1),
    "rsn50": RSNPreset("rsn50", (3, 4, 6, 3), expansion=4),
    # MMPose: its RSB has expansion 1 for every depth, so its "RSN-50" is narrower than the official
    "mmpose-rsn18": RSNPreset("mmpose-rsn18", (2, 2, 2, 2), expansion=1, naming="mmpose",
                              **_IMAGENET_RGB),  # type: ignore[arg-type]
    "mmpose-rsn50": RSNPreset("mmpose-rsn50", (3, 4, 6, 3), expansion=1, naming="mmpose",
                              **_IMAGENET_RGB),  # type: ignore[arg-type]
}
MAX_STAGES = 4


def get_preset(name: str, stage_num: int | None = None) -> RSNPreset:
    """The preset ``name`` (``"rsn18"``, ``"2xrsn50"``, ``"mmpose-3xrsn50"``, ...).

    Parameters
    ----------
    name
        A key of :data:`PRESETS`, optionally with a ``"{k}x"`` stage prefix before ``rsn``.
    stage_num
        Overrides the stage count of the name (1 to :data:`MAX_STAGES`).

    Raises
    ------
    BackendError
        For an unknown name or stage count.
    """
    key = name.strip().lower()
    stages = 1
    head, sep, tail = key.partition("rsn")
    prefix = head.removeprefix("mmpose-")
    if sep and prefix.endswith("x") and prefix[:-1].isdigit():
        stages = int(prefix[:-1])
        key = head[: len(head) - len(prefix)] + sep + tail
    if key not in PRESETS:
        raise BackendError(f"unknown RSN preset {name!r}; expected one of "
                           f"{', '.join(sorted(PRESETS))}, optionally as '2xrsn50' (2-{MAX_STAGES} "
                           f"stages)")
    stages = stage_num if stage_num is not None else stages
    if not 1 <= stages <= MAX_STAGES:
        raise BackendError(f"RSN stage_num must be 1 to {MAX_STAGES}, got {stages}")
    preset = PRESETS[key]
    return preset if stages == 1 else replace(preset, name=stage_name(preset.name, stages),
                                              stage_num=stages)


def stage_name(name: str, stage_num: int) -> str:
    """``"rsn50", 2 -> "2xrsn50"``; ``"mmpose-rsn50", 3 -> "mmpose-3xrsn50"``."""
    if stage_num == 1:
        return name
    base, sep, rest = name.rpartition("rsn")
    return f"{base}{stage_num}x{sep}{rest}"


def build_rsn(name: str = "rsn18", stage_num: int | None = None) -> RSN:
    """A randomly initialised RSN of preset ``name`` in eval mode (see :func:`get_preset`)."""
    return get_preset(name, stage_num).build()

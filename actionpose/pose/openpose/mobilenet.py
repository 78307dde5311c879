"""tf-pose-estimation's ``mobilenet_v2_small`` OpenPose network in torch: the built-in default.

A port of ``models/graph/mobilenet_v2_small/graph_opt.pb`` of ildoonet/tf-pose-estimation @9aaf347
(Apache-2.0), converted once by ``scripts/convert_tfpose.py``; the weights ship as
``models/mobilenet_v2_small.safetensors`` beside this module (see ``models/MODEL_CARD.md``).

Structure (read from the frozen graph):

* **backbone**: a MobileNetV2 with small widths: ``conv`` 3x3/2 (3 -> 16), then 13 inverted-residual
  blocks ``blocks.0`` ... ``blocks.12`` (expand 1x1, depthwise 3x3, project 1x1; a residual add where
  stride 1 and widths match). Its 39 batch norms ran in *training mode* in the published graph (no
  stored statistics), so each image is normalised with its own per-channel mean and variance over
  ``H, W`` (:class:`ImageStatNorm`): the output of one image never depends on others in a batch.
* **features**: ``blocks.5`` (16 channels, stride 8) concatenated with ``blocks.12`` (48 channels,
  stride 16) upsampled by TensorFlow's legacy bilinear resize (``align_corners=False`` without half
  pixel centres): 64 channels at stride 8.
* **head**: six OpenPose stages, each with a PAF branch (``paf``, 38 channels, TF ``L1``) and a
  heatmap branch (``heatmap``, 19 channels, TF ``L2``) of five separable convs (depthwise then
  pointwise; the head's stored batch norms are folded into the pointwise conv at conversion); ReLU
  after all but the last of each branch. Stages 2-6 take ``cat(pafs, heatmaps, features)`` (121).

Convs use TensorFlow's ``SAME`` padding, which for stride 2 pads one more pixel at the bottom and
right than at the top and left (:class:`SameConv2d`).

Input: ``(N, 3, H, W)`` float32 **raw BGR 0..255** (no normalisation), ``H`` and ``W`` multiples of 8
(the frame is resized to that, not padded). Output of :meth:`MobileNetV2SmallPoseNet.forward`:
``(pafs (N, 38, H/8, W/8), heatmaps (N, 19, H/8, W/8))``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from actionpose.errors import BackendError
from actionpose.inputs import file_sha256
from actionpose.pose.checkpoint import check_state_dict

log = logging.getLogger(__name__)

ARCHITECTURE = "mobilenet_v2_small"
MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS_FILE = MODEL_DIR / "mobilenet_v2_small.safetensors"
CONFIG_FILE = MODEL_DIR / "mobilenet_v2_small.json"

#: inverted-residual blocks as (expanded width or None for no expand conv, output width, stride)
BLOCKS: tuple[tuple[int | None, int, int], ...] = (
    (None, 8, 1), (48, 16, 2), (96, 16, 1), (96, 16, 2), (96, 16, 1), (96, 16, 1),
    (96, 32, 2), (192, 32, 1), (192, 32, 1), (192, 32, 1), (192, 48, 1), (288, 48, 1), (288, 48, 1),
)
STEM_WIDTH = 16
#: the stride-8 block and the stride-16 block whose outputs make the features
FEATURE_BLOCKS = (5, 12)
FEATURES = 64
NUM_PAFS = 38
NUM_HEATMAPS = 19
NUM_STAGES = 6
STAGE_IN = NUM_PAFS + NUM_HEATMAPS + FEATURES  # 121
#: per head branch layer: (kernel, width) -- ``None`` width is the branch output
STAGE1_LAYERS: tuple[tuple[int, int | None], ...] = ((3, 64), (3, 64), (3, 64), (1, 256), (1, None))
STAGE_LAYERS: tuple[tuple[int, int | None], ...] = ((3, 64), (3, 64), (3, 64), (1, 64), (1, None))
BN_EPSILON = 1e-3


class SameConv2d(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow ``SAME`` padding: ``ceil(in / stride)`` outputs, the odd pixel of
    padding at the bottom / right."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, groups: int = 1,
                 bias: bool = False) -> None:
        super().__init__(in_ch, out_ch, kernel, stride=stride, groups=groups, bias=bias,
                         padding=kernel // 2 if stride == 1 else 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride[0] == 1:
            return super().forward(x)
        k, s = self.kernel_size[0], self.stride[0]
        pads = []
        for size in (x.shape[3], x.shape[2]):  # F.pad order: width first
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class ImageStatNorm(nn.Module):
    """Batch norm in training mode at batch size 1: each image and channel normalised with its own
    mean and (biased) variance over ``H, W``, then scaled and shifted (``weight``, ``bias``)."""

    def __init__(self, channels: int, eps: float = BN_EPSILON) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: [expand 1x1 + norm + ReLU6], depthwise 3x3 + norm + ReLU6, project 1x1 +
    norm, plus the input when the stride is 1 and the widths match."""

    def __init__(self, in_ch: int, expanded: int | None, out_ch: int, stride: int) -> None:
        super().__init__()
        mid = expanded or in_ch
        self.expand = SameConv2d(in_ch, mid, 1) if expanded else None
        self.expand_norm = ImageStatNorm(mid) if expanded else None
        self.depthwise = SameConv2d(mid, mid, 3, stride=stride, groups=mid)
        self.depthwise_norm = ImageStatNorm(mid)
        self.project = SameConv2d(mid, out_ch, 1)
        self.project_norm = ImageStatNorm(out_ch)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.expand is not None and self.expand_norm is not None:
            y = F.relu6(self.expand_norm(self.expand(y)))
        y = F.relu6(self.depthwise_norm(self.depthwise(y)))
        y = self.project_norm(self.project(y))
        return x + y if self.residual else y


class SeparableConv(nn.Module):
    """Head layer: depthwise ``kernel`` x ``kernel`` (no bias), pointwise 1x1 with bias (the stored
    batch norm folded in), optional ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, relu: bool) -> None:
        super().__init__()
        self.depthwise = SameConv2d(in_ch, in_ch, kernel, groups=in_ch)
        self.pointwise = nn.Conv2d(in_ch, out_ch, 1, bias=True)
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pointwise(self.depthwise(x))
        return torch.relu(x) if self.relu else x


def _branch(in_ch: int, layers: tuple[tuple[int, int | None], ...], out_ch: int) -> nn.Sequential:
    modules = []
    for i, (kernel, width) in enumerate(layers):
        last = i == len(layers) - 1
        modules.append(SeparableConv(in_ch, out_ch if last else int(width or 0), kernel, relu=not last))
        in_ch = out_ch if last else int(width or 0)
    return nn.Sequential(*modules)


class Stage(nn.Module):
    """One OpenPose stage: PAF branch (TF ``L1``) and heatmap branch (TF ``L2``) on the same input."""

    def __init__(self, in_ch: int, layers: tuple[tuple[int, int | None], ...]) -> None:
        super().__init__()
        self.paf = _branch(in_ch, layers, NUM_PAFS)
        self.heatmap = _branch(in_ch, layers, NUM_HEATMAPS)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.paf(x), self.heatmap(x)


def resize_bilinear_legacy(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """TensorFlow 1's ``ResizeBilinear(align_corners=False, half_pixel_centers=False)``: output pixel
    ``i`` samples input coordinate ``i * in / out`` (no half-pixel shift), clamped at the far edge."""
    out = x
    for dim, (n_in, n_out) in ((2, (x.shape[2], size[0])), (3, (x.shape[3], size[1]))):
        src = torch.arange(n_out, device=x.device, dtype=torch.float64) * (n_in / n_out)
        lo = src.floor().long().clamp(max=n_in - 1)
        hi = (lo + 1).clamp(max=n_in - 1)
        frac = (src - lo.double()).to(x.dtype)
        shape = [1, 1, 1, 1]
        shape[dim] = n_out
        frac = frac.view(shape)
        out = out.index_select(dim, lo) * (1 - frac) + out.index_select(dim, hi) * frac
    return out


class MobileNetV2SmallPoseNet(nn.Module):
    """tf-pose-estimation ``mobilenet_v2_small``: MobileNetV2 backbone + six separable OpenPose stages.

    Input ``(N, 3, H, W)`` raw BGR 0..255 with ``H, W`` multiples of 8; :meth:`forward` returns
    ``(pafs (N, 38, H/8, W/8), heatmaps (N, 19, H/8, W/8))`` of the last stage.
    """

    architecture = ARCHITECTURE
    #: how :class:`~actionpose.pose.openpose.inference.OpenPoseNet` prepares frames for this network
    preprocessing = "tfpose"

    def __init__(self) -> None:
        super().__init__()
        self.conv = SameConv2d(3, STEM_WIDTH, 3, stride=2)
        self.conv_norm = ImageStatNorm(STEM_WIDTH)
        blocks = []
        in_ch = STEM_WIDTH
        for expanded, out_ch, stride in BLOCKS:
            blocks.append(InvertedResidual(in_ch, expanded, out_ch, stride))
            in_ch = out_ch
        self.blocks = nn.ModuleList(blocks)
        self.stages = nn.ModuleList(
            [Stage(FEATURES, STAGE1_LAYERS)] + [Stage(STAGE_IN, STAGE_LAYERS) for _ in range(NUM_STAGES - 1)])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 64-channel stride-8 features."""
        x = F.relu6(self.conv_norm(self.conv(x)))
        fine = x
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i == FEATURE_BLOCKS[0]:
                fine = x
        coarse = resize_bilinear_legacy(x, (fine.shape[2], fine.shape[3]))
        return torch.cat([fine, coarse], dim=1)

    def forward_stages(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``(pafs, heatmaps)`` of every stage, first to last."""
        feats = self.features(x)
        outputs = []
        inp = feats
        for stage in self.stages:
            pafs, heatmaps = stage(inp)
            outputs.append((pafs, heatmaps))
            inp = torch.cat([pafs, heatmaps, feats], dim=1)
        return outputs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The last stage's ``(pafs (N, 38, h, w), heatmaps (N, 19, h, w))``."""
        return self.forward_stages(x)[-1]


def read_config(path: Path = CONFIG_FILE) -> dict[str, Any]:
    """The shipped model's JSON config (provenance, preprocessing, the weights file's sha256)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackendError(f"{path}: cannot read the built-in OpenPose model config ({exc})") from None


def load_builtin(path: Path = WEIGHTS_FILE) -> tuple[MobileNetV2SmallPoseNet, str]:
    """The built-in network with its shipped weights (safetensors, no pickle), in eval mode.

    Returns
    -------
    tuple
        ``(model on the CPU, weights file SHA-256)``.

    Raises
    ------
    BackendError
        If the packaged weights are missing or do not fit the network.
    """
    if not path.is_file():
        raise BackendError(f"{path}: the built-in OpenPose weights are missing from the installed package "
                           f"(reinstall actionpose, or pass --weights FILE)")
    state_dict = load_file(str(path))
    model = MobileNetV2SmallPoseNet()
    check_state_dict(model, state_dict, path)
    model.load_state_dict({k: v.float() for k, v in state_dict.items()})
    return model.eval(), file_sha256(path)

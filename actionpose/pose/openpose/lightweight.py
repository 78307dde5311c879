"""Lightweight OpenPose: a MobileNet-v1 front with one refinement stage, in torch.

Written from Osokin, *Real-time 2D Multi-Person Pose Estimation on CPU: Lightweight OpenPose*
(2018) and the tensor names of the published ``checkpoint_iter_370000.pth``:

* ``model``: MobileNet-v1 up to conv5_5, stride 8: a 3x3 stride-2 conv, then eleven depthwise
  separable blocks (3x3 depthwise conv, BN, ReLU, 1x1 conv, BN, ReLU); the fourth stride-2 block
  of MobileNet keeps stride 1 and the next block uses dilation 2 instead;
* ``cpm``: ``align`` (1x1 512 -> 128, ReLU), a ``trunk`` of three depthwise separable blocks
  without BN and with ELU, added to the aligned features (residual), then ``conv`` (3x3, ReLU);
* ``initial_stage``: a shared ``trunk`` of three 3x3 convs (128) and two heads, ``heatmaps``
  (1x1 512, ReLU, 1x1 19) and ``pafs`` (1x1 512, ReLU, 1x1 38);
* ``refinement_stages``: each takes ``cat(features, heatmaps, pafs)`` (128 + 19 + 38 = 185
  channels) through five blocks (1x1 conv + ReLU, then 3x3 and dilated 3x3 convs with BN and ReLU,
  added residually to the 1x1 output) and two heads (1x1 128, ReLU, 1x1 19 / 38).

The network computes heatmaps first and PAFs second (its stages and the checkpoint are in that
order), but :meth:`LightweightPoseNet.forward` returns ``(pafs, heatmaps)``, the same order as
:class:`actionpose.pose.openpose.net.CMUPoseNet`, so callers never depend on the architecture.
"""

from __future__ import annotations

import torch
from torch import nn

from actionpose.pose.openpose.net import NUM_HEATMAPS, NUM_PAFS

_FEATURES = 128
_STAGE_IN = _FEATURES + NUM_HEATMAPS + NUM_PAFS  # 185

# MobileNet-v1 depthwise separable blocks as (in, out, stride, dilation), after the first conv
_MOBILENET_BLOCKS: tuple[tuple[int, int, int, int], ...] = (
    (32, 64, 1, 1), (64, 128, 2, 1), (128, 128, 1, 1), (128, 256, 2, 1), (256, 256, 1, 1),
    (256, 512, 1, 1), (512, 512, 1, 2), (512, 512, 1, 1), (512, 512, 1, 1), (512, 512, 1, 1),
    (512, 512, 1, 1),
)


def _conv(in_ch: int, out_ch: int, kernel: int = 3, *, stride: int = 1, dilation: int = 1,
          groups: int = 1, bias: bool = True, bn: bool = False,
          act: type[nn.Module] | None = nn.ReLU) -> list[nn.Module]:
    """Conv (``same`` padding for odd kernels), optional BatchNorm, optional activation."""
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, kernel, stride=stride,
                                         padding=dilation * (kernel // 2), dilation=dilation,
                                         groups=groups, bias=bias)]
    if bn:
        layers.append(nn.BatchNorm2d(out_ch))
    if act is not None:
        layers.append(act(inplace=True))
    return layers


def _separable(in_ch: int, out_ch: int, *, stride: int = 1, dilation: int = 1, bn: bool = True,
               act: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """Depthwise 3x3 conv then pointwise 1x1 conv, bias-free, each followed by (BN and) ``act``."""
    return nn.Sequential(
        *_conv(in_ch, in_ch, 3, stride=stride, dilation=dilation, groups=in_ch, bias=False, bn=bn,
               act=act),
        *_conv(in_ch, out_ch, 1, bias=False, bn=bn, act=act))


def _head(in_ch: int, hidden: int, out_ch: int) -> nn.Sequential:
    """1x1 conv + ReLU, then a 1x1 conv to ``out_ch`` without activation."""
    return nn.Sequential(nn.Sequential(*_conv(in_ch, hidden, 1)),
                         nn.Sequential(*_conv(hidden, out_ch, 1, act=None)))


class Cpm(nn.Module):
    """Feature adaptation after the MobileNet front: 512 -> 128 channels with a residual trunk."""

    def __init__(self, in_ch: int = 512, out_ch: int = _FEATURES) -> None:
        super().__init__()
        self.align = nn.Sequential(*_conv(in_ch, out_ch, 1))
        self.trunk = nn.Sequential(*(_separable(out_ch, out_ch, bn=False, act=nn.ELU)
                                     for _ in range(3)))
        self.conv = nn.Sequential(*_conv(out_ch, out_ch, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.align(x)
        return self.conv(x + self.trunk(x))


class InitialStage(nn.Module):
    """Stage 1: a shared 3x3 trunk, then heatmap and PAF heads."""

    def __init__(self, channels: int = _FEATURES) -> None:
        super().__init__()
        self.trunk = nn.Sequential(*(nn.Sequential(*_conv(channels, channels, 3)) for _ in range(3)))
        self.heatmaps = _head(channels, 512, NUM_HEATMAPS)
        self.pafs = _head(channels, 512, NUM_PAFS)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(heatmaps, pafs)`` (network order)."""
        x = self.trunk(x)
        return self.heatmaps(x), self.pafs(x)


class RefinementStageBlock(nn.Module):
    """1x1 conv + ReLU, then 3x3 and dilated 3x3 convs with BN + ReLU, added to the 1x1 output."""

    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.initial = nn.Sequential(*_conv(in_ch, out_ch, 1))
        self.trunk = nn.Sequential(nn.Sequential(*_conv(out_ch, out_ch, 3, bn=True)),
                                   nn.Sequential(*_conv(out_ch, out_ch, 3, dilation=2, bn=True)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.initial(x)
        return x + self.trunk(x)


class RefinementStage(nn.Module):
    """A refinement stage on ``cat(features, heatmaps, pafs)``: five blocks and two 1x1 heads."""

    def __init__(self, in_ch: int = _STAGE_IN, channels: int = _FEATURES) -> None:
        super().__init__()
        self.trunk = nn.Sequential(*(RefinementStageBlock(in_ch if i == 0 else channels, channels)
                                     for i in range(5)))
        self.heatmaps = _head(channels, channels, NUM_HEATMAPS)
        self.pafs = _head(channels, channels, NUM_PAFS)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(heatmaps, pafs)`` (network order)."""
        x = self.trunk(x)
        return self.heatmaps(x), self.pafs(x)


class LightweightPoseNet(nn.Module):
    """Lightweight OpenPose (MobileNet-v1 front, ``num_refinement_stages`` refinement stages).

    Input: ``(N, 3, H, W)`` float32, BGR, ``img / 256 - 0.5``. :meth:`forward` returns
    ``(pafs (N, 38, h, w), heatmaps (N, 19, h, w))`` of the last stage -- PAFs first, like
    :class:`~actionpose.pose.openpose.net.CMUPoseNet`, although this network (and its checkpoint)
    computes heatmaps first. ``h = ceil(H / 8)``, ``w = ceil(W / 8)``.

    Parameters
    ----------
    num_refinement_stages
        1 for the published ``checkpoint_iter_370000.pth``.
    """

    architecture = "lightweight"

    def __init__(self, num_refinement_stages: int = 1) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.Sequential(*_conv(3, 32, 3, stride=2, bias=False, bn=True)),
            *(_separable(i, o, stride=s, dilation=d) for i, o, s, d in _MOBILENET_BLOCKS))
        self.cpm = Cpm()
        self.initial_stage = InitialStage()
        self.refinement_stages = nn.ModuleList(RefinementStage()
                                               for _ in range(num_refinement_stages))

    def forward_stages(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``(pafs, heatmaps)`` of every stage, first to last (PAFs first, as in ``forward``)."""
        feats = self.cpm(self.model(x))
        heatmaps, pafs = self.initial_stage(feats)
        outputs = [(pafs, heatmaps)]
        for stage in self.refinement_stages:
            heatmaps, pafs = stage(torch.cat([feats, heatmaps, pafs], dim=1))
            outputs.append((pafs, heatmaps))
        return outputs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The last stage's ``(pafs (N, 38, h, w), heatmaps (N, 19, h, w))`` -- PAFs first."""
        return self.forward_stages(x)[-1]

"""The CMU OpenPose COCO-18 body network (confidence maps + part affinity fields) in torch.

Written from Cao et al., *Realtime Multi-Person 2D Pose Estimation using Part Affinity Fields*
(CVPR 2017) and the layer names of the published Caffe model:

* VGG-19 front ``conv1_1`` ... ``conv4_2`` (3x3 convs, three 2x2 max-pools: stride 8), then
  ``conv4_3_CPM`` (512 -> 256) and ``conv4_4_CPM`` (256 -> 128): the image features F;
* stage 1, two branches: ``L1`` (part affinity fields, 38 channels) and ``L2`` (confidence maps,
  18 parts + background = 19 channels); each ``conv5_{1,2,3}_CPM_L*`` 3x3 128, ``conv5_4_CPM_L*``
  1x1 512, ``conv5_5_CPM_L*`` 1x1 to 38 / 19;
* stages 2-6 take ``cat(PAF, CM, F)`` (38 + 19 + 128 = 185 channels); each branch has five 7x7
  convs ``Mconv1..5_stageT_L*`` (128) and two 1x1 convs ``Mconv6`` (128) and ``Mconv7`` (38 / 19).

ReLU follows every conv except the last of each branch. Every conv is registered on the module
itself under its Caffe name, so ``state_dict()`` has the flat names of the converted checkpoint
(``conv1_1.weight``, ``Mconv7_stage6_L2.bias``, ...) in the same order: front, all ``L1`` layers,
all ``L2`` layers. The published weights are licensed for non-commercial research only; see
:mod:`actionpose.pose.openpose.weights`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

#: PAF channels (19 limbs x (x, y)) and confidence-map channels (18 parts + background)
NUM_PAFS = 38
NUM_HEATMAPS = 19
#: network output stride in input pixels
STRIDE = 8
NUM_STAGES = 6

# VGG-19 front as (name, in, out); ``None`` is a 2x2 max-pool with stride 2.
_FRONT: tuple[tuple[str, int, int] | None, ...] = (
    ("conv1_1", 3, 64), ("conv1_2", 64, 64), None,
    ("conv2_1", 64, 128), ("conv2_2", 128, 128), None,
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv3_4", 256, 256), None,
    ("conv4_1", 256, 512), ("conv4_2", 512, 512),
    ("conv4_3_CPM", 512, 256), ("conv4_4_CPM", 256, 128),
)
_FEATURES = 128
_STAGE_IN = NUM_PAFS + NUM_HEATMAPS + _FEATURES  # 185


class _Layer(NamedTuple):
    name: str
    in_ch: int
    out_ch: int
    kernel: int


def _branch_layers(stage: int, branch: int, out_ch: int) -> list[_Layer]:
    """The conv layers of one branch (1 = PAF, 2 = CM) of one stage, in order."""
    tag = f"L{branch}"
    if stage == 1:
        return [_Layer(f"conv5_1_CPM_{tag}", _FEATURES, 128, 3),
                _Layer(f"conv5_2_CPM_{tag}", 128, 128, 3),
                _Layer(f"conv5_3_CPM_{tag}", 128, 128, 3),
                _Layer(f"conv5_4_CPM_{tag}", 128, 512, 1),
                _Layer(f"conv5_5_CPM_{tag}", 512, out_ch, 1)]
    layers = [_Layer(f"Mconv{i}_stage{stage}_{tag}", _STAGE_IN if i == 1 else 128, 128, 7)
              for i in range(1, 6)]
    layers.append(_Layer(f"Mconv6_stage{stage}_{tag}", 128, 128, 1))
    layers.append(_Layer(f"Mconv7_stage{stage}_{tag}", 128, out_ch, 1))
    return layers


class CMUPoseNet(nn.Module):
    """The six-stage CMU OpenPose COCO-18 body network with flat Caffe parameter names.

    Input: ``(N, 3, H, W)`` float32, BGR, ``img / 256 - 0.5``. Output of :meth:`forward`: the last
    stage's ``(pafs (N, 38, h, w), heatmaps (N, 19, h, w))`` with ``h = ceil(H / 8)``,
    ``w = ceil(W / 8)`` (pools round up, as Caffe's do).
    """

    architecture = "cmu"

    def __init__(self) -> None:
        super().__init__()
        self._front: list[str | None] = []
        for spec in _FRONT:
            if spec is None:
                self._front.append(None)
            else:
                self._add_conv(_Layer(spec[0], spec[1], spec[2], 3))
                self._front.append(spec[0])
        # registration order = state_dict order: every L1 layer, then every L2 layer
        self._branches: dict[int, list[list[str]]] = {}
        for branch, out_ch in ((1, NUM_PAFS), (2, NUM_HEATMAPS)):
            self._branches[branch] = []
            for stage in range(1, NUM_STAGES + 1):
                layers = _branch_layers(stage, branch, out_ch)
                for layer in layers:
                    self._add_conv(layer)
                self._branches[branch].append([layer.name for layer in layers])
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=True)

    def _add_conv(self, layer: _Layer) -> None:
        conv = nn.Conv2d(layer.in_ch, layer.out_ch, layer.kernel, padding=layer.kernel // 2)
        self.add_module(layer.name, conv)

    def _run(self, names: list[str], x: torch.Tensor) -> torch.Tensor:
        """Convs ``names`` in order, ReLU after all but the last."""
        for i, name in enumerate(names):
            x = getattr(self, name)(x)
            if i < len(names) - 1:
                x = torch.relu(x)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-channel stride-8 features F (VGG front and the two CPM layers)."""
        for name in self._front:
            x = self.pool(x) if name is None else torch.relu(getattr(self, name)(x))
        return x

    def forward_stages(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``(pafs, heatmaps)`` of every stage, first to last.

        Parameters
        ----------
        x
            ``(N, 3, H, W)`` normalised BGR images.
        """
        feats = self.features(x)
        pafs, heatmaps = feats, feats
        outputs: list[tuple[torch.Tensor, torch.Tensor]] = []
        for stage in range(NUM_STAGES):
            inp = feats if stage == 0 else torch.cat([pafs, heatmaps, feats], dim=1)
            pafs = self._run(self._branches[1][stage], inp)
            heatmaps = self._run(self._branches[2][stage], inp)
            outputs.append((pafs, heatmaps))
        return outputs

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The last stage's ``(pafs (N, 38, h, w), heatmaps (N, 19, h, w))``."""
        return self.forward_stages(x)[-1]

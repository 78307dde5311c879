"""Temporal convolutional network over per-frame pose vectors.

Each frame's ``P * K * C`` values are batch normalised and projected to ``hidden`` channels, then
``levels`` residual blocks of two dilated 1-D convolutions (dilation 1, 2, 4, ...) follow, as in the
generic TCN of Bai, Kolter and Koltun (2018), with batch norm instead of weight norm. Features are
averaged over time and classified linearly. With ``causal=True`` the convolutions are padded on the
left only, so the features of frame ``t`` depend on frames ``<= t``.

The defaults (64 channels, 4 levels, kernel 3: a receptive field of 61 frames, about 0.1 M parameters)
suit a few hundred training windows.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from actionpose.models.registry import ActionModel, InputNorm
from actionpose.skeleton.layouts import KeypointLayout


class TemporalBlock(nn.Module):
    """Two dilated convolutions with batch norm and ReLU, plus the identity.

    Parameters
    ----------
    channels
        Channels in and out.
    kernel_size
        Temporal kernel.
    dilation
        Dilation of both convolutions.
    causal
        Pad on the left only.
    dropout
        Dropout after each convolution's activation (training only).
    """

    def __init__(self, channels: int, kernel_size: int, dilation: int, causal: bool, dropout: float) -> None:
        super().__init__()
        total = (kernel_size - 1) * dilation
        self.pad = (total, 0) if causal else (total // 2, total - total // 2)
        self.conv1 = nn.Conv1d(channels, channels, kernel_size, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm1d(channels)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm1d(channels)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, channels, T)`` -> the same shape."""
        h = self.dropout(F.relu(self.bn1(self.conv1(F.pad(x, self.pad)))))
        h = self.dropout(self.bn2(self.conv2(F.pad(h, self.pad))))
        return F.relu(h + x)


class TCN(ActionModel):
    """Dilated residual TCN classifier over ``(N, T, P, K, C)`` pose windows.

    Parameters
    ----------
    layout, in_channels, num_classes, num_people
        See :class:`~actionpose.models.registry.ActionModel`.
    hidden
        Channels of every block.
    levels
        Residual blocks; block ``i`` has dilation ``2 ** i``.
    kernel_size
        Temporal kernel of the convolutions.
    causal
        Left-only padding (features never look ahead).
    dropout
        Dropout inside the blocks and before the classifier.
    """

    name = "tcn"

    def __init__(self, layout: KeypointLayout | str, in_channels: int, num_classes: int, num_people: int = 1, *,
                 hidden: int = 64, levels: int = 4, kernel_size: int = 3, causal: bool = False,
                 dropout: float = 0.1) -> None:
        hyper: dict[str, Any] = {"hidden": int(hidden), "levels": int(levels), "kernel_size": int(kernel_size),
                                 "causal": bool(causal), "dropout": float(dropout)}
        super().__init__(layout, in_channels, num_classes, num_people, hyper)
        if levels < 1 or kernel_size < 2 or hidden < 1:
            raise ValueError(f"TCN needs levels >= 1, kernel_size >= 2, hidden >= 1; got {hyper}")
        features = self.num_people * self.num_joints * self.in_channels
        self.input_norm = InputNorm(features)
        self.proj = nn.Conv1d(features, hidden, 1)
        self.blocks = nn.Sequential(*(TemporalBlock(hidden, kernel_size, 2 ** i, causal, dropout)
                                      for i in range(levels)))
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, self.num_classes)

    @property
    def receptive_field(self) -> int:
        """Frames that one output frame sees."""
        k, levels = self.config["kernel_size"], self.config["levels"]
        return 1 + 2 * (k - 1) * (2 ** levels - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, T, P, K, C)`` float32 -> logits ``(N, num_classes)``."""
        self.check_input(x)
        h = self.input_norm(x).flatten(2).transpose(1, 2)  # (N, P*K*C, T)
        h = self.blocks(F.relu(self.proj(h)))
        return self.classifier(self.dropout(h.mean(dim=2)))

"""Recurrent classifier: a (bi)directional GRU over per-frame pose vectors.

Each frame's ``P * K * C`` values are batch normalised and projected to ``hidden`` features with ReLU,
then a ``layers``-deep GRU reads the window. The unidirectional model classifies its state after the
last frame, so it can also run frame by frame (:meth:`GRUClassifier.step`) on a live stream; the
bidirectional one (default; better on whole windows) classifies the last forward and the first
backward output together.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from actionpose.models.registry import ActionModel, InputNorm
from actionpose.skeleton.layouts import KeypointLayout


class GRUClassifier(ActionModel):
    """GRU classifier over ``(N, T, P, K, C)`` pose windows.

    Parameters
    ----------
    layout, in_channels, num_classes, num_people
        See :class:`~actionpose.models.registry.ActionModel`.
    hidden
        Size of the input projection and of the GRU state (per direction).
    layers
        Stacked GRU layers.
    bidirectional
        Read the window both ways (not streamable).
    dropout
        Dropout between GRU layers and before the classifier.
    """

    name = "gru"

    def __init__(self, layout: KeypointLayout | str, in_channels: int, num_classes: int, num_people: int = 1, *,
                 hidden: int = 64, layers: int = 2, bidirectional: bool = True, dropout: float = 0.1) -> None:
        hyper: dict[str, Any] = {"hidden": int(hidden), "layers": int(layers), "bidirectional": bool(bidirectional),
                                 "dropout": float(dropout)}
        super().__init__(layout, in_channels, num_classes, num_people, hyper)
        if hidden < 1 or layers < 1:
            raise ValueError(f"GRU needs hidden >= 1 and layers >= 1; got {hyper}")
        features = self.num_people * self.num_joints * self.in_channels
        self.input_norm = InputNorm(features)
        self.proj = nn.Linear(features, hidden)
        self.gru = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                          dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden * (2 if bidirectional else 1), self.num_classes)

    def _frames(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, T, P, K, C)`` -> projected frame features ``(N, T, hidden)``."""
        return F.relu(self.proj(self.input_norm(x).flatten(2)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, T, P, K, C)`` float32 -> logits ``(N, num_classes)``."""
        self.check_input(x)
        out, _ = self.gru(self._frames(x))
        if self.gru.bidirectional:
            hidden = self.gru.hidden_size
            summary = torch.cat([out[:, -1, :hidden], out[:, 0, hidden:]], dim=1)
        else:
            summary = out[:, -1]
        return self.classifier(self.dropout(summary))

    def step(self, frame: torch.Tensor, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Streaming: feed one frame, get the logits so far (unidirectional models, eval mode).

        Parameters
        ----------
        frame
            ``(N, P, K, C)`` one frame per stream.
        state
            The state returned by the previous call (None to start).

        Returns
        -------
        logits, state
            ``(N, num_classes)`` logits equal to :meth:`forward` on all frames fed so far, and the new state.
        """
        if self.gru.bidirectional:
            raise ValueError("step() needs a unidirectional GRU (bidirectional=False)")
        x = frame.unsqueeze(1)
        self.check_input(x)
        out, state = self.gru(self._frames(x), state)
        return self.classifier(self.dropout(out[:, -1])), state

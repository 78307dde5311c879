"""The torch action models' common base, their input convention and a small registry.

Every model takes ``x`` of shape ``(N, T, P, K, C)`` float32 (windows x frames x people x joints x
channels, as in :class:`actionpose.train.data.WindowSet`) and returns logits ``(N, num_classes)``. Every
model is built as ``Model(layout, in_channels, num_classes, num_people=1, **hyper)`` and keeps those
arguments, minus the layout, in ``model.config`` (JSON-serialisable), so that

>>> from actionpose.models.registry import create_model
>>> model = create_model("tcn", "coco17", 3, 4, num_people=2)
>>> twin = create_model(model.name, model.layout, **model.config)

rebuilds it (then ``twin.load_state_dict(model.state_dict())``). The layout itself is stored by the
caller, by name or with :meth:`~actionpose.skeleton.layouts.KeypointLayout.to_dict`.
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any, ClassVar

import torch
from torch import nn

from actionpose.skeleton.layouts import KeypointLayout, get_layout

log = logging.getLogger(__name__)

#: model name -> (module, class); imported on first use so that importing the registry stays cheap
_MODELS: dict[str, tuple[str, str]] = {
    "stgcn": ("actionpose.models.stgcn", "STGCN"),
    "tcn": ("actionpose.models.tcn", "TCN"),
    "gru": ("actionpose.models.gru", "GRUClassifier"),
}


class ActionModel(nn.Module):
    """Base class: the shared constructor arguments, ``config`` and input checking.

    Parameters
    ----------
    layout
        Joint layout (or its registry name) of the input.
    in_channels
        Channels per joint ``C`` (x, y, [z,] score).
    num_classes
        Number of output logits.
    num_people
        People per window ``P``.
    hyper
        The subclass's own hyperparameters, with their defaults filled in, stored in ``config``.
    """

    #: registry name, set by each subclass
    name: ClassVar[str] = ""

    def __init__(self, layout: KeypointLayout | str, in_channels: int, num_classes: int, num_people: int,
                 hyper: dict[str, Any]) -> None:
        super().__init__()
        for arg, value in (("in_channels", in_channels), ("num_classes", num_classes), ("num_people", num_people)):
            if int(value) != value or value < 1:
                raise ValueError(f"{arg} must be a positive integer, got {value!r}")
        self.layout = get_layout(layout)
        self.in_channels = int(in_channels)
        self.num_classes = int(num_classes)
        self.num_people = int(num_people)
        self.config: dict[str, Any] = {"in_channels": self.in_channels, "num_classes": self.num_classes,
                                       "num_people": self.num_people, **hyper}
        try:
            json.dumps(self.config)
        except TypeError as exc:
            raise ValueError(f"{type(self).__name__} hyperparameters must be JSON-serialisable: {exc}") from None

    @property
    def num_joints(self) -> int:
        """Joints per person ``K``."""
        return self.layout.num_joints

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is ``(N, T, P, K, C)`` with this model's ``P``, ``K``, ``C``."""
        want = (self.num_people, self.num_joints, self.in_channels)
        if x.dim() != 5 or tuple(x.shape[2:]) != want:
            raise ValueError(f"{type(self).__name__} expects (N, T, P, K, C) with (P, K, C) = {want} "
                             f"(layout {self.layout.name!r}), got {tuple(x.shape)}")

    def extra_repr(self) -> str:
        return f"layout={self.layout.name!r}, config={self.config}"


class InputNorm(nn.Module):
    """Batch normalisation of the ``P * K * C`` values of each frame, statistics over windows and frames.

    Parameters
    ----------
    num_features
        ``P * K * C``.
    """

    def __init__(self, num_features: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(num_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, T, P, K, C)`` -> the same shape, normalised."""
        n, t = x.shape[:2]
        return self.bn(x.reshape(n * t, -1)).view(x.shape)

    def affine(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Inference-time ``(scale, shift)`` with ``bn(x) == x * scale + shift`` (eval mode)."""
        bn = self.bn
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        return scale, bn.bias - bn.running_mean * scale


def list_models() -> list[str]:
    """Names accepted by :func:`create_model`."""
    return sorted(_MODELS)


def model_class(name: str) -> type[ActionModel]:
    """The class registered as ``name``; ``ValueError`` for an unknown name."""
    key = str(name).lower()
    if key not in _MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(list_models())}")
    module, cls = _MODELS[key]
    return getattr(importlib.import_module(module), cls)


def create_model(name: str, layout: KeypointLayout | str, in_channels: int, num_classes: int, num_people: int = 1,
                 **hyper: Any) -> ActionModel:
    """Build a registered model.

    Parameters
    ----------
    name
        ``"stgcn"``, ``"tcn"`` or ``"gru"`` (see :func:`list_models`).
    layout, in_channels, num_classes, num_people
        The shared constructor arguments (see :class:`ActionModel`).
    hyper
        The model's own hyperparameters; an unknown one raises ``TypeError``.

    Returns
    -------
    ActionModel
        A freshly initialised model in training mode.
    """
    model = model_class(name)(layout, in_channels, num_classes, num_people=num_people, **hyper)
    log.debug("created %s: %d parameters", name, sum(p.numel() for p in model.parameters()))
    return model

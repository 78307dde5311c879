"""Choosing the torch device for the network backends."""

from __future__ import annotations

import torch

from actionpose.errors import BackendError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else the CPU; anything else as ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise BackendError(f"unknown torch device {device!r}: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise BackendError(f"device {device!r} asked for, but CUDA is not available to torch")
    return resolved

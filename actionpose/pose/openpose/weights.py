"""Loading OpenPose weights: safe unpickling, strict name/shape check, architecture detection.

ActionPose ships no weights and downloads nothing. The user passes a file (``--weights FILE``) and
the architecture is detected from its tensor names:

* ``cmu`` -- the CMU OpenPose COCO-18 body model, published by CMU-Perceptual-Computing-Lab/openpose
  as the Caffe model ``pose/coco/pose_iter_440000.caffemodel`` and commonly converted to
  ``body_pose_model.pth`` by the pytorch-openpose project. **These weights are licensed by CMU for
  non-commercial research use only**; check the OpenPose license before any other use.
* ``lightweight`` -- Lightweight OpenPose ``checkpoint_iter_370000.pth`` from
  Daniil-Osokin/lightweight-human-pose-estimation.pytorch (the tensors are under
  ``checkpoint["state_dict"]``).

Files are read with ``torch.load(..., weights_only=True)``: a file holding anything but tensors and
plain containers is refused, never unpickled.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from actionpose.errors import BackendError
from actionpose.pose.checkpoint import _PREFIX, load_checked, require_file
from actionpose.pose.checkpoint import read_state_dict as _read
from actionpose.pose.openpose.lightweight import LightweightPoseNet
from actionpose.pose.openpose.net import CMUPoseNet

log = logging.getLogger(__name__)

Architecture = Literal["cmu", "lightweight"]

#: where the weights are published; part of every "no weights" error
WEIGHTS_SOURCES = (
    "CMU model: pose_iter_440000.caffemodel from CMU-Perceptual-Computing-Lab/openpose, commonly "
    "converted to body_pose_model.pth by the pytorch-openpose project (NON-COMMERCIAL research "
    "license); Lightweight OpenPose: checkpoint_iter_370000.pth from "
    "Daniil-Osokin/lightweight-human-pose-estimation.pytorch"
)
CMU_LICENSE_WARNING = (
    "the CMU OpenPose weights are licensed for NON-COMMERCIAL research use only "
    "(see the CMU-Perceptual-Computing-Lab/openpose license)"
)
_LIST_FIRST = 3
_cmu_warned = False


def require_weights(path: str | Path | None) -> Path:
    """The weights path; without one, a single line saying where the weights are published."""
    return require_file(path, "openpose", "weights", WEIGHTS_SOURCES)


def detect_architecture(state_dict: Mapping[str, object]) -> Architecture:
    """``"cmu"`` or ``"lightweight"`` from the tensor names of a (possibly ``module.``-prefixed)
    state dict.

    Raises
    ------
    BackendError
        If the names fit neither network.
    """
    keys = [str(k).removeprefix(_PREFIX) for k in state_dict]
    if any(k.startswith(("conv4_3_CPM.", "conv5_1_CPM_L1.", "Mconv1_stage2_L")) for k in keys):
        return "cmu"
    if any(k.startswith(("cpm.align.", "initial_stage.")) for k in keys):
        return "lightweight"
    raise BackendError(f"the weights fit neither the CMU nor the Lightweight OpenPose network "
                       f"(first tensors: {', '.join(keys[:_LIST_FIRST]) or 'none'}). "
                       f"{WEIGHTS_SOURCES}")


def build_model(architecture: Architecture,
                state_dict: Mapping[str, torch.Tensor] | None = None) -> nn.Module:
    """A randomly initialised network of ``architecture`` in eval mode.

    For ``lightweight`` the number of refinement stages is read from ``state_dict`` when given.
    """
    if architecture == "cmu":
        model: nn.Module = CMUPoseNet()
    elif architecture == "lightweight":
        stages = {int(m.group(1)) for k in (state_dict or {})
                  if (m := re.match(r"refinement_stages\.(\d+)\.", k))}
        model = LightweightPoseNet(num_refinement_stages=max(stages) + 1 if stages else 1)
    else:
        raise BackendError(f"unknown OpenPose architecture {architecture!r}; "
                           f"expected 'cmu' or 'lightweight'")
    return model.eval()


def _warn_cmu_license() -> None:
    global _cmu_warned
    if not _cmu_warned:
        _cmu_warned = True
        log.warning(CMU_LICENSE_WARNING)


def _apply(model: nn.Module, state_dict: Mapping[str, torch.Tensor], path: Path) -> str:
    if isinstance(model, CMUPoseNet):
        _warn_cmu_license()
    return load_checked(model, state_dict, path)


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of an OpenPose weights file (see :func:`actionpose.pose.checkpoint.read_state_dict`);
    without a file, the error says where the weights are published."""
    return _read(require_weights(path))


def load_weights(model: nn.Module, path: str | Path) -> str:
    """Load the weights file ``path`` into ``model`` after a strict name/shape check.

    Loading CMU weights logs, once per process, that they are licensed for non-commercial research
    use only.

    Returns
    -------
    str
        The file's SHA-256 (hex), for provenance.

    Raises
    ------
    BackendError
        If the file cannot be read safely or does not fit ``model`` (see :func:`read_state_dict`
        and :func:`check_state_dict`).
    """
    path = Path(path)
    return _apply(model, read_state_dict(path), path)


def load_model(path: str | Path) -> tuple[nn.Module, Architecture, str]:
    """Build the network a weights file is for and load it.

    Returns
    -------
    tuple
        ``(model in eval mode on the CPU, architecture, file SHA-256)``.
    """
    path = require_weights(path)
    state_dict = read_state_dict(path)
    architecture = detect_architecture(state_dict)
    model = build_model(architecture, state_dict)
    return model, architecture, _apply(model, state_dict, path)

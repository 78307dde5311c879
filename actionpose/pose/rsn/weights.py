"""Loading RSN checkpoints: safe unpickling, layout and preset detection, strict name/shape check.

ActionPose ships no weights and downloads nothing; the user passes a checkpoint file. Two layouts
are read:

* ``official`` -- checkpoints of the official code (caiyuanhao1998/RSN on GitHub; the RSN-18 /
  RSN-50 COCO 256x192 models are linked from its README). Their names are those of
  :mod:`actionpose.pose.rsn.net`. Input: BGR crops, ``(x / 255 - mean) / std`` with ImageNet
  statistics in BGR order.
* ``mmpose`` -- checkpoints of MMPose's ``TopdownPoseEstimator`` (``RSN`` backbone +
  ``MSPNHead`` / ``TopdownHeatmapMSMUHead``), published in the MMPose model zoo. The network is the
  same; only the names differ, and MMPose's convs carry no bias (a conv followed by BatchNorm has
  ``bias=False`` there). :func:`mmpose_to_official` renames the tensors and adds zero biases, which
  computes exactly what the MMPose model computes. Input: RGB crops with ImageNet mean / std. Note
  that MMPose's Residual Steps Block has expansion 1 at every depth, so its "RSN-50" is the
  ``(3, 4, 6, 3)`` network at RSN-18 widths, not the official (expansion 4) RSN-50.

The depth (blocks per residual stage), block expansion, number of stages, joints and head channels
are read from the tensor shapes, so 2x / 3x / 4x multi-stage checkpoints load without options.
Files are read with :func:`actionpose.pose.checkpoint.read_state_dict` (``weights_only=True``;
bare state dicts, ``{"model": ...}``, ``{"state_dict": ...}`` and ``module.`` prefixes).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import torch

from actionpose.errors import BackendError
from actionpose.pose.checkpoint import load_checked, read_state_dict, require_file
from actionpose.pose.rsn.net import (
    NUM_UNITS,
    PRESETS,
    RSN,
    TOP_CHANNELS,
    RSNPreset,
    stage_name,
)

log = logging.getLogger(__name__)

Naming = Literal["official", "mmpose"]

#: where checkpoints are published; part of every "no checkpoint" error (one line)
WEIGHTS_SOURCES = (
    "official RSN checkpoints (RSN-18 / RSN-50 COCO 256x192, and the multi-stage RSN-50s) are "
    "linked from the README of caiyuanhao1998/RSN on GitHub; MMPose publishes RSN-18, RSN-50, "
    "2xRSN-50 and 3xRSN-50 COCO 256x192 checkpoints in its model zoo "
    "(download.openmmlab.com/mmpose/top_down/rsn/)"
)
_LIST_FIRST = 3

# MMPose backbone names -> official names (applied in order, after the "backbone." prefix is cut)
_MMPOSE_BACKBONE = (
    (re.compile(r"^top\.top\.0\."), "top.conv."),
    (re.compile(r"^multi_stage_rsn\.(\d+)\."), r"stage\1."),
    (re.compile(r"\.conv_bn3\."), ".conv_bn_relu3."),
    (re.compile(r"\.in_skip\."), ".u_skip."),
    (re.compile(r"\.out_skip([12])\."), r".skip\1."),
)
_MMPOSE_HEAD = re.compile(r"^predict_layers\.(\d+)\.conv_layers\.([01])\.(.+)$")
_MMPOSE_HEAD_PREFIXES = ("keypoint_head.", "head.")  # MMPose 0.x, 1.x
_MMPOSE_MARKERS = ("backbone.multi_stage_rsn.", "backbone.top.top.", "multi_stage_rsn.",
                   "keypoint_head.predict_layers.", "head.predict_layers.")


def require_checkpoint(path: str | Path | None) -> Path:
    """The checkpoint path; without one, a single line saying where checkpoints are published."""
    return require_file(path, "RSN", "RSN checkpoint", WEIGHTS_SOURCES)


def _first(keys: list[str]) -> str:
    return ", ".join(keys[:_LIST_FIRST]) or "none"


def detect_naming(state_dict: Mapping[str, object]) -> Naming:
    """``"official"`` or ``"mmpose"`` from the tensor names.

    Raises
    ------
    BackendError
        If the names are those of neither layout (MSPN checkpoints are named as such).
    """
    keys = list(state_dict)
    if any(k.startswith(_MMPOSE_MARKERS) for k in keys):
        return "mmpose"
    if any(k.startswith(("top.conv.", "stage0.downsample.")) for k in keys):
        return "official"
    if any("multi_stage_mspn." in k for k in keys):
        raise BackendError("this is an MSPN checkpoint (multi_stage_mspn), not RSN; the RSN "
                           "backend reads RSN checkpoints only")
    raise BackendError(f"not an RSN checkpoint (first tensors: {_first(keys)}); {WEIGHTS_SOURCES}")


def _rename_head(key: str) -> str:
    """``predict_layers.{k}.conv_layers.{0,1}.*`` -> ``stage{k // 4}.upsample.up{k % 4 + 1}.
    res_conv{1,2}.*``; other names unchanged (the strict check reports them)."""
    if ".prm." in f".{key}":
        raise BackendError(f"the MMPose head uses the Pose Refine Machine ({key}), which the RSN "
                           f"backend does not implement")
    m = _MMPOSE_HEAD.match(key)
    if m is None:
        return key
    index, layer, rest = int(m.group(1)), int(m.group(2)), m.group(3)
    return (f"stage{index // NUM_UNITS}.upsample.up{index % NUM_UNITS + 1}."
            f"res_conv{layer + 1}.{rest}")


def mmpose_to_official(state_dict: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An MMPose RSN state dict under the official names, with zero conv biases added.

    Renamings (MMPose -> official): prefix ``backbone.`` removed; ``top.top.0.`` -> ``top.conv.``;
    ``multi_stage_rsn.{s}.`` -> ``stage{s}.``; ``.conv_bn3.`` -> ``.conv_bn_relu3.``;
    ``.in_skip.`` -> ``.u_skip.``; ``.out_skip{1,2}.`` -> ``.skip{1,2}.``; head (prefix
    ``keypoint_head.`` or ``head.``) ``predict_layers.{k}.conv_layers.{0,1}.`` ->
    ``stage{k // 4}.upsample.up{k % 4 + 1}.res_conv{1,2}.``. Unchanged: ``downsample``,
    ``layer1..4``, ``conv_bn_relu1``, ``conv_bn_relu2_{i}_{j}``, ``up{1..4}``, ``up_conv``,
    ``cross_conv``, and the ``conv`` / ``bn`` leaves. Every ``*.conv.weight`` without a bias gets a
    zero ``*.conv.bias`` (MMPose's convs before BatchNorm have none), so the official network
    computes the MMPose network's output exactly. Names that fit neither part pass through
    unchanged, for the strict check to report.

    Raises
    ------
    BackendError
        If the head uses the Pose Refine Machine (``prm``), which is not implemented.
    """
    out: dict[str, torch.Tensor] = {}
    for key, value in state_dict.items():
        new = key
        if key.startswith("backbone."):
            new = key.removeprefix("backbone.")
            for pattern, repl in _MMPOSE_BACKBONE:
                new = pattern.sub(repl, new)
        else:
            for prefix in _MMPOSE_HEAD_PREFIXES:
                if key.startswith(prefix):
                    new = _rename_head(key.removeprefix(prefix))
                    break
        out[new] = value
    for key in [k for k in out if k.endswith(".conv.weight")]:
        bias = key.removesuffix("weight") + "bias"
        if bias not in out:
            weight = out[key]
            out[bias] = torch.zeros(weight.shape[0], dtype=weight.dtype)
    return out


def _shape(state_dict: Mapping[str, torch.Tensor], key: str) -> tuple[int, ...]:
    if key not in state_dict:
        raise BackendError(f"not an RSN checkpoint: no tensor {key}")
    return tuple(state_dict[key].shape)


def _indices(state_dict: Mapping[str, torch.Tensor], pattern: str) -> set[int]:
    regex = re.compile(pattern)
    return {int(m.group(1)) for k in state_dict if (m := regex.match(k))}


def preset_for(state_dict: Mapping[str, torch.Tensor], naming: Naming = "official") -> RSNPreset:
    """The :class:`RSNPreset` an official-named state dict was made by, read from its names and
    shapes: stages, blocks per residual stage, block expansion, joints, head channels.

    The name is a published configuration's (``"rsn18"``, ``"2xrsn50"``, ``"mmpose-rsn50"``, ...)
    when the depth and expansion match one, else ``"rsn(layers=..., expansion=...)"``; the input
    convention is the layout's (``naming``). The crop size is not in a checkpoint: 256x192 is
    assumed.

    Raises
    ------
    BackendError
        If tensors that every RSN has are missing.
    """
    stages = _indices(state_dict, r"stage(\d+)\.")
    if not stages:
        raise BackendError(f"not an RSN checkpoint: no stage0.* tensors "
                           f"(first tensors: {_first(list(state_dict))})")
    stage_num = max(stages) + 1
    layers = tuple(len(_indices(state_dict, rf"stage0\.downsample\.layer{k}\.(\d+)\."))
                   for k in range(1, NUM_UNITS + 1))
    if min(layers) == 0:
        raise BackendError(f"not an RSN checkpoint: blocks per residual stage {layers}")
    out_ch = _shape(state_dict, "stage0.downsample.layer1.0.conv_bn_relu3.conv.weight")[0]
    expansion = max(1, out_ch // TOP_CHANNELS)
    last = stage_num - 1
    num_joints = _shape(state_dict, f"stage{last}.upsample.up{NUM_UNITS}.res_conv2.conv.weight")[0]
    channels = _shape(state_dict, "stage0.upsample.up1.u_skip.conv.weight")[0]
    known = [p for p in PRESETS.values()
             if p.naming == naming and p.layers == layers and p.expansion == expansion]
    if known:
        base = known[0]
        name = stage_name(base.name, stage_num)
    else:
        base = PRESETS["mmpose-rsn18" if naming == "mmpose" else "rsn18"]
        prefix = "mmpose-" if naming == "mmpose" else ""
        name = f"{prefix}rsn(layers={list(layers)}, expansion={expansion}, stages={stage_num})"
        log.warning("RSN checkpoint of an unpublished configuration: %s", name)
    return replace(base, name=name, layers=layers, expansion=expansion,  # type: ignore[arg-type]
                   stage_num=stage_num, num_joints=num_joints, channels=channels)


def detect_preset(state_dict: Mapping[str, torch.Tensor]) -> RSNPreset:
    """The preset of a state dict in either layout (:func:`detect_naming`, :func:`preset_for`)."""
    naming = detect_naming(state_dict)
    converted = mmpose_to_official(state_dict) if naming == "mmpose" else state_dict
    return preset_for(converted, naming)


def load_rsn(path: str | Path | None) -> tuple[RSN, RSNPreset, str]:
    """Build the RSN a checkpoint file is for and load it after a strict name/shape check.

    Parameters
    ----------
    path
        An official or MMPose RSN checkpoint (see the module docstring).

    Returns
    -------
    tuple
        ``(model in eval mode on the CPU, preset, file SHA-256)``; the preset carries the input
        convention (``input_order``, ``mean``, ``std``, ``input_size``).

    Raises
    ------
    BackendError
        Without a file (saying where checkpoints are published), for an unreadable or unsafe file,
        or one that does not fit the network (one line naming missing / unexpected keys and shape
        mismatches).
    """
    path = require_checkpoint(path)
    state_dict = read_state_dict(path)
    naming = detect_naming(state_dict)
    if naming == "mmpose":
        state_dict = mmpose_to_official(state_dict)
    preset = preset_for(state_dict, naming)
    model = preset.build()
    sha256 = load_checked(model, state_dict, path)
    log.info("loaded %s checkpoint %s as %s (sha256 %s)", naming, path, preset.name, sha256[:12])
    return model, preset, sha256

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

import hashlib
import logging
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from actionpose.errors import BackendError
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
_WRAPPER_KEYS = ("state_dict", "model")
_PREFIX = "module."
_LIST_FIRST = 3
_cmu_warned = False


def require_weights(path: str | Path | None) -> Path:
    """The weights path as a ``Path``; a readable error saying where to get weights otherwise.

    Raises
    ------
    BackendError
        If ``path`` is ``None`` or names no file.
    """
    if path is None:
        raise BackendError(f"the openpose backend needs a weights file (--weights FILE); "
                           f"ActionPose downloads nothing. {WEIGHTS_SOURCES}")
    path = Path(path)
    if not path.is_file():
        raise BackendError(f"{path}: no such weights file. {WEIGHTS_SOURCES}")
    return path


def file_sha256(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _reason(exc: BaseException) -> str:
    """The first sentence of an exception's message, on one line."""
    text = " ".join(str(exc).split())
    return text.split(". ", 1)[0].rstrip(".")


def _unpickling_reason(exc: pickle.UnpicklingError) -> tuple[bool, str]:
    """``(refused for an unsafe object, short reason)`` from a ``weights_only`` failure."""
    text = " ".join(str(exc).split())
    unsafe = re.search(r"Unsupported global: (GLOBAL \S+)", text)
    if unsafe:
        return True, unsafe.group(1)
    detail = re.search(r"WeightsUnpickler error: (.+?)(?: Check the documentation|$)", text)
    return False, detail.group(1).strip() if detail else (_reason(exc) or "unknown error")


def _unwrap(obj: object, path: Path) -> dict[str, torch.Tensor]:
    """The tensor mapping in a loaded checkpoint, with ``module.`` prefixes removed."""
    if isinstance(obj, Mapping) and not any(isinstance(v, torch.Tensor) for v in obj.values()):
        for key in _WRAPPER_KEYS:
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj:
        raise BackendError(f"{path}: not a state dict (expected a mapping of tensor names to tensors, "
                           f"or one under 'state_dict' or 'model'; got {type(obj).__name__})")
    bad = [str(k) for k, v in obj.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise BackendError(f"{path}: not a state dict: "
                           f"{_listing(len(bad), 'non-tensor entry', bad, 'non-tensor entries')}")
    return {k.removeprefix(_PREFIX): v for k, v in obj.items()}


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, unwrapped and with ``module.`` prefixes removed.

    Accepts a bare state dict, ``{"state_dict": ...}`` (with other entries such as an optimizer
    state beside it) and ``{"model": ...}``.

    Raises
    ------
    BackendError
        If the file is missing, not a torch file, truncated, holds Python objects other than tensors
        (refused by ``weights_only=True``), or holds no state dict.
    """
    path = require_weights(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        unsafe, reason = _unpickling_reason(exc)
        if unsafe:
            raise BackendError(f"{path}: refused: the file holds a Python object other than tensors "
                               f"({reason}); weights are only loaded with weights_only=True, "
                               f"never unpickled") from None
        raise BackendError(f"{path}: not a torch weights file (unpickling failed: {reason})") from None
    except Exception as exc:  # torch.load raises many types on corrupt files (EOF, zip, runtime)
        reason = _reason(exc)
        raise BackendError(f"{path}: not a readable torch weights file, or truncated "
                           f"({type(exc).__name__}{': ' + reason if reason else ''})") from None
    return _unwrap(obj, path)


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


def _listing(n: int, word: str, items: list[str], plural: str | None = None) -> str:
    """``"2 missing keys (a, b)"``, naming the first few items and counting the rest."""
    more = f" and {n - _LIST_FIRST} more" if n > _LIST_FIRST else ""
    noun = word if n == 1 else plural or f"{word}s"
    return f"{n} {noun} ({', '.join(items[:_LIST_FIRST])}{more})"


def check_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor],
                     source: str | Path = "weights") -> None:
    """Strict name and shape check of ``state_dict`` against ``model``, as one readable line.

    A missing ``num_batches_tracked`` is accepted (BatchNorm does not use it in eval mode).

    Raises
    ------
    BackendError
        Naming the first few missing and unexpected keys (with counts) and any shape mismatches.
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict and not k.endswith(".num_batches_tracked")]
    unexpected = [k for k in state_dict if k not in expected]
    mismatched = [f"{k}: file {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}"
                  for k, v in expected.items() if k in state_dict and state_dict[k].shape != v.shape]
    problems = []
    if missing:
        problems.append(_listing(len(missing), "missing key", missing))
    if unexpected:
        problems.append(_listing(len(unexpected), "unexpected key", unexpected))
    if mismatched:
        problems.append(_listing(len(mismatched), "shape mismatch", mismatched, "shape mismatches"))
    if problems:
        name = getattr(model, "architecture", type(model).__name__)
        raise BackendError(f"{source}: the weights do not fit the {name} network: "
                           f"{'; '.join(problems)}")


def _warn_cmu_license() -> None:
    global _cmu_warned
    if not _cmu_warned:
        _cmu_warned = True
        log.warning(CMU_LICENSE_WARNING)


def _apply(model: nn.Module, state_dict: Mapping[str, torch.Tensor], path: Path) -> str:
    check_state_dict(model, state_dict, path)
    if isinstance(model, CMUPoseNet):
        _warn_cmu_license()
    model.load_state_dict(state_dict, strict=False)  # strictness checked above, one readable line
    return file_sha256(path)


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

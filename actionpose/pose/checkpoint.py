"""Reading model checkpoints a user brings, safely: ``torch.load(..., weights_only=True)`` only.

Shared by the torch backends (OpenPose, RSN): a file holding anything but tensors and plain containers
is refused, never unpickled; wrapped checkpoints (``{"state_dict": ...}``, ``{"model": ...}``) and
``module.`` prefixes (DataParallel) are accepted; a file that does not fit the network is reported in
one line naming the missing and unexpected keys and the shape mismatches; the file's sha256 goes into
the sequence metadata.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from actionpose.errors import BackendError
from actionpose.inputs import file_sha256

_WRAPPER_KEYS = ("state_dict", "model")
_PREFIX = "module."
_LIST_FIRST = 3


def require_file(path: str | Path | None, backend: str, kind: str, sources: str) -> Path:
    """``path`` as a ``Path``; otherwise one line saying the ``backend`` needs a ``kind`` file and where
    such files are published.

    Raises
    ------
    BackendError
        If ``path`` is None or names no file.
    """
    if path is None:
        raise BackendError(f"the {backend} backend needs a {kind} file (--weights FILE); ActionPose ships and "
                           f"downloads none. {sources}")
    path = Path(path)
    if not path.is_file():
        raise BackendError(f"{path}: no such {kind} file. {sources}")
    return path


def _reason(exc: BaseException) -> str:
    """The first sentence of an exception's message, on one line."""
    text = " ".join(str(exc).split())
    return text.split(". ", 1)[0].rstrip(".")


def _unpickling_reason(exc: pickle.UnpicklingError) -> tuple[bool, str]:
    """``(refused for an unsafe object, short reason)`` from a ``weights_only`` failure."""
    text = " ".join(str(exc).split())
    unsafe = (re.search(r"Unsupported global: (GLOBAL \S+)", text)
              or re.search(r"unsupported (GLOBAL \S+) whose module \S+ is blocked", text))
    if unsafe:
        return True, unsafe.group(1)
    detail = re.search(r"WeightsUnpickler error: (.+?)(?: Check the documentation|$)", text)
    return False, detail.group(1).strip() if detail else (_reason(exc) or "unknown error")


def _is_pickle(path: Path) -> bool:
    """Whether ``path`` holds a well-formed pickle stream (parsed, never executed): a legacy torch file, or the
    ``data.pkl`` of a zip-format one."""
    import pickletools
    import zipfile

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                member = next(n for n in zf.namelist() if n.endswith("data.pkl"))
                with zf.open(member) as f:
                    for _ in pickletools.genops(f):
                        pass
            return True
        with open(path, "rb") as f:
            for _ in pickletools.genops(f):
                pass
    except Exception:  # any parse failure (or no data.pkl) means "not a pickle"
        return False
    return True


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
    path = Path(path)
    if not path.is_file():
        raise BackendError(f"{path}: no such weights file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        unsafe, reason = _unpickling_reason(exc)
        if unsafe:
            raise BackendError(f"{path}: refused: unsafe: the file holds a Python object other than tensors "
                               f"({reason}); weights are only loaded with weights_only=True, "
                               f"never unpickled") from None
        if _is_pickle(path):
            # a well-formed pickle the weights-only unpickler will not run (other opcodes, objects): refused
            raise BackendError(f"{path}: refused: unsafe or unsupported pickle content ({reason}); weights are "
                               f"only loaded with weights_only=True, never unpickled") from None
        raise BackendError(f"{path}: not a torch weights file (unpickling failed: {reason})") from None
    except Exception as exc:  # torch.load raises many types on corrupt files (EOF, zip, runtime)
        reason = _reason(exc)
        raise BackendError(f"{path}: not a readable torch weights file, or truncated "
                           f"({type(exc).__name__}{': ' + reason if reason else ''})") from None
    return _unwrap(obj, path)


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


def load_checked(model: nn.Module, state_dict: Mapping[str, torch.Tensor], path: str | Path) -> str:
    """Load ``state_dict`` into ``model`` after :func:`check_state_dict`; returns the file's sha256."""
    check_state_dict(model, state_dict, path)
    model.load_state_dict(state_dict, strict=False)  # strictness checked above, in one readable line
    return file_sha256(path)

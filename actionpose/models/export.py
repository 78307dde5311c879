"""ONNX export of the torch action models, checked with onnxruntime.

Exporter: ``torch.onnx.export(..., dynamo=True)`` (the torch.export-based exporter; it needs
``onnxscript``, an ``export`` extra of this package, and works offline) is tried first, with a dynamic
batch axis. If it fails, the TorchScript exporter (``dynamo=False``, deprecated in torch 2.x but still
shipped) is tried with the same dynamic axis, and a warning says so. Either way the file is run with
onnxruntime on the example input and compared with the torch output.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from actionpose.errors import ActionPoseError

log = logging.getLogger(__name__)

INPUT_NAME = "x"
OUTPUT_NAME = "logits"


class ExportError(ActionPoseError):
    """The model could not be exported, or the exported file disagrees with torch."""


#: torch's exporter logs a warning per optional torchvision operator when torchvision is absent
_QUIET_LOGGERS = ("torch.onnx._internal.exporter._registration",)


def _export(model: nn.Module, example: torch.Tensor, path: Path, dynamo: bool) -> None:
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter deprecation and tracer chatter; failures still raise
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        try:
            _run_exporter(model, example, path, dynamo)
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def _run_exporter(model: nn.Module, example: torch.Tensor, path: Path, dynamo: bool) -> None:
    names = {"input_names": [INPUT_NAME], "output_names": [OUTPUT_NAME]}
    if dynamo:
        torch.onnx.export(model, (example,), str(path), **names, dynamic_shapes=({0: torch.export.Dim("batch")},),
                          dynamo=True, external_data=False, verbose=False)
    else:
        torch.onnx.export(model, (example,), str(path), **names, dynamo=False, opset_version=17,
                          dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}})


def run_onnx(path: str | Path, x: np.ndarray) -> np.ndarray:
    """Run an exported model with onnxruntime (CPU) on ``x`` ``(N, T, P, K, C)``; returns the logits."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {INPUT_NAME: np.ascontiguousarray(x, dtype=np.float32)})[0]


def export_onnx(model: nn.Module, example: torch.Tensor, path: str | Path, tolerance: float = 1e-3) -> float:
    """Export ``model`` to ONNX with a dynamic batch axis and check it with onnxruntime.

    Parameters
    ----------
    model
        An action model (put in eval mode for the export and left in eval mode).
    example
        An ``(N, T, P, K, C)`` float32 input, ``N >= 2`` (a batch of 1 would fix the batch axis).
    path
        The ``.onnx`` file to write (weights inside it).
    tolerance
        Largest accepted absolute difference between torch's and onnxruntime's logits.

    Returns
    -------
    float
        The maximum absolute difference of the logits on ``example``.

    Raises
    ------
    ExportError
        When neither exporter succeeds or the difference exceeds ``tolerance``.
    """
    try:
        import onnx  # noqa: F401  (the exporters need it)
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ExportError(f"ONNX export needs onnx, onnxscript and onnxruntime (pip install 'actionpose[export]'): "
                          f"{exc}") from None
    if example.dim() != 5 or example.shape[0] < 2:
        raise ExportError(f"export needs an (N, T, P, K, C) example with N >= 2, got {tuple(example.shape)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.eval()
    example = example.detach().to(torch.float32).cpu()
    with torch.inference_mode():
        expected = model(example).numpy()
    errors = []
    for dynamo in (True, False):
        try:
            _export(model, example, path, dynamo)
            break
        except Exception as exc:  # noqa: BLE001  (any exporter failure: try the other one, report both)
            errors.append(f"{'dynamo' if dynamo else 'torchscript'} exporter: {type(exc).__name__}: {exc}")
            log.warning("ONNX %s exporter failed (%s)%s", "dynamo" if dynamo else "torchscript",
                        type(exc).__name__, "; trying the TorchScript exporter" if dynamo else "")
    else:
        raise ExportError("ONNX export failed: " + " | ".join(errors))
    got = run_onnx(path, example.numpy())
    if got.shape != expected.shape:
        raise ExportError(f"{path}: onnxruntime returned shape {got.shape}, torch {expected.shape}")
    diff = float(np.max(np.abs(got - expected)))
    if not np.isfinite(diff) or diff > tolerance:
        raise ExportError(f"{path}: onnxruntime and torch logits differ by up to {diff:.3g} (> {tolerance:g})")
    log.info("exported %s to %s: max abs difference %.3g", type(model).__name__, path, diff)
    return diff

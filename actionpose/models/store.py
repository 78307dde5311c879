"""One safe file per trained model: a zip holding ``header.json`` and the learned state.

* torch models: ``weights.safetensors`` (tensors only);
* scikit-learn pipelines: ``estimator.skops`` (skops' schema-based format), loaded with an explicit
  allow-list of scikit-learn types, so a file can never run code; such a file may also hold
  ``weights.safetensors`` with plain arrays beside the estimator (e.g. a sign model's open-set
  prototypes).

Nothing is ever unpickled. The header names the classes, layout, window, normalisation, feature set
and library version, so a model file is self-describing.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.atomic import atomic_path
from actionpose.errors import InputError
from actionpose.safezip import check_archive, read_member

FORMAT = "actionpose-classifier"
FORMAT_VERSION = 1
HEADER, WEIGHTS, ESTIMATOR = "header.json", "weights.safetensors", "estimator.skops"
#: the only non-builtin types a stored scikit-learn pipeline may contain (see skops' untrusted types)
TRUSTED_SKLEARN_TYPES = [
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
]


#: the most a header, and the learned state, may expand to (ours are kB and a few MB), and a whole file
HEADER_LIMIT, STATE_LIMIT, FILE_LIMIT = 1 << 20, 512 << 20, 600 << 20
#: what each ``kind`` of model file is, and the command that uses it (for "wrong kind" messages)
KINDS = {
    "sklearn": ("an action classifier", "actionpose predict"),
    "torch": ("an action classifier", "actionpose predict"),
    "static-signs": ("a static sign model", "actionpose signs --model"),
    "dynamic-signs": ("a dynamic sign model", "actionpose signs --model"),
    "gait_classifier": ("a gait classifier", "actionpose gait --classifier"),
}


def describe_kind(kind: Any) -> str:
    """``"a static sign model (use actionpose signs --model)"`` for a header's ``kind``."""
    what, command = KINDS.get(kind, (f"a model of unknown kind {kind!r}", "a newer actionpose"))
    return f"{what} (use {command})"


class ModelFileError(InputError):
    """A model file is unreadable, unsafe or not an ActionPose model."""


def save_model(path: str | Path, header: dict[str, Any], tensors: dict[str, np.ndarray] | None = None,
               estimator: Any = None) -> Path:
    """Write a model file atomically: ``header`` plus torch ``tensors``, an sklearn ``estimator``, or both."""
    from safetensors.numpy import save as save_tensors

    if tensors is None and estimator is None:
        raise ValueError("give tensors, an estimator or both")
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, **header}
    path = Path(path)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(HEADER, json.dumps(header, indent=1))
            if tensors is not None:
                zf.writestr(WEIGHTS, save_tensors({k: np.ascontiguousarray(v) for k, v in tensors.items()}))
            if estimator is not None:
                import skops.io as sio
                zf.writestr(ESTIMATOR, sio.dumps(estimator))
    return path


def load_model_file(path: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray] | None, Any]:
    """``(header, tensors or None, estimator or None)`` from a file written by :func:`save_model`.

    Raises
    ------
    ModelFileError
        If the file is missing, not a model file, or holds types outside the allow-list.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(path, "no such model file")
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, path, FILE_LIMIT, ModelFileError)
            names = set(zf.namelist())
            header = json.loads(read_member(zf, HEADER, HEADER_LIMIT, path, ModelFileError))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ModelFileError(path, "not an ActionPose model file (wrong header)")
            if header.get("format_version", 0) > FORMAT_VERSION:
                raise ModelFileError(path, f"model file format {header['format_version']} is newer than this "
                                           f"ActionPose understands ({FORMAT_VERSION}); upgrade actionpose")
            if WEIGHTS not in names and ESTIMATOR not in names:
                raise ModelFileError(path, "the model file holds neither weights nor an estimator")
            tensors = (_load_tensors(read_member(zf, WEIGHTS, STATE_LIMIT, path, ModelFileError), path)
                       if WEIGHTS in names else None)
            estimator = (_load_estimator(read_member(zf, ESTIMATOR, STATE_LIMIT, path, ModelFileError), path)
                         if ESTIMATOR in names else None)
            return header, tensors, estimator
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise ModelFileError(path, f"not a readable ActionPose model file ({type(exc).__name__}: {exc})") from None


def load_estimator_file(path: str | Path, kind: str, what: str) -> tuple[dict[str, Any], Any]:
    """``(header, estimator)`` of a scikit-learn model file whose header ``kind`` is ``kind``.

    Raises
    ------
    ModelFileError
        If the file is unreadable, holds no estimator, or is another kind of model (``what`` names the
        expected one in the message, e.g. "static sign model").
    """
    header, _, estimator = load_model_file(path)
    if header.get("kind") != kind or estimator is None:
        raise ModelFileError(path, f"not a {what}: it is {describe_kind(header.get('kind'))}")
    return header, estimator


def _load_tensors(data: bytes, path: Path) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load as load_tensors

    try:
        return load_tensors(data)
    except SafetensorError as exc:
        raise ModelFileError(path, f"the weights are not valid safetensors ({exc})") from None


def _load_estimator(data: bytes, path: Path) -> Any:
    import skops.io as sio

    try:
        untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in TRUSTED_SKLEARN_TYPES]
    except Exception as exc:  # skops raises zip, JSON and its own errors on a damaged estimator
        raise ModelFileError(path, f"the estimator is not a readable skops file ({type(exc).__name__}: {exc})"
                             ) from None
    if untrusted:
        raise ModelFileError(path, f"refused: unsafe: the estimator holds types outside the allow-list "
                                   f"({', '.join(untrusted[:3])})")
    return sio.loads(data, trusted=TRUSTED_SKLEARN_TYPES)


def header_of(path: str | Path) -> dict[str, Any]:
    """Only the header of a model file (cheap; for listings)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(read_member(zf, HEADER, HEADER_LIMIT, path, ModelFileError))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, OSError) as exc:
        raise ModelFileError(path, f"not a readable ActionPose model file ({exc})") from None

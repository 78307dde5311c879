"""Reading and writing pose files: one module per format, one entry point each way.

``load_poses(path)`` and ``save_poses(seq, path)`` pick the format from the path (suffix, or the
content of a JSON file, or a directory of OpenPose JSON files); ``format=`` overrides it. Every
reader raises :class:`~actionpose.errors.PoseFormatError` (and nothing else) on bad input, and every
writer writes atomically.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actionpose.errors import PoseFormatError
from actionpose.skeleton.sequence import PoseSequence

logger = logging.getLogger(__name__)

#: format name -> module implementing ``read(path, **kw) -> PoseSequence`` and optionally
#: ``write(seq, path, **kw) -> None`` (the writer is handed a temporary path to fill).
FORMATS: dict[str, str] = {
    "npz": "actionpose.skeleton.io.npz",
    "table": "actionpose.skeleton.io.table",
    "openpose": "actionpose.skeleton.io.openpose_json",
    "coco": "actionpose.skeleton.io.coco",
    "alphapose": "actionpose.skeleton.io.alphapose",
    "ntu": "actionpose.skeleton.io.ntu",
    "pck": "actionpose.skeleton.io.pck_json",
}
SUFFIXES = {".npz": "npz", ".parquet": "table", ".csv": "table", ".skeleton": "ntu"}


def _module(fmt: str) -> Any:
    if fmt not in FORMATS:
        raise PoseFormatError(None, f"unknown pose format {fmt!r}; known: {', '.join(sorted(FORMATS))}")
    return importlib.import_module(FORMATS[fmt])


def detect_format(path: str | Path, for_writing: bool = False) -> str:
    """The format name for ``path``: by suffix, for ``.json`` by content (writing: COCO results)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix == ".json":
        if for_writing:
            return "coco"
        from actionpose.skeleton.io.sniff import sniff_json
        return sniff_json(path)
    if path.is_dir() or (for_writing and not suffix):
        return "openpose"
    raise PoseFormatError(path, f"cannot tell the pose format from the name (suffix {suffix or 'none'}); "
                                "use .npz, .parquet, .csv, .json, .skeleton or a folder of OpenPose JSON")


def _short_reason(exc: BaseException, limit: int = 160) -> str:
    """One readable line about an unexpected exception."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_poses(path: str | Path, format: str | None = None, **options: Any) -> PoseSequence:
    """Read a pose file (or OpenPose JSON folder) into a `PoseSequence`.

    Parameters
    ----------
    path
        The file or folder.
    format
        A key of :data:`FORMATS`; detected from the path (and JSON content) when None.
    **options
        Passed to the format's reader (e.g. ``fps=`` for formats without a frame rate).

    Raises
    ------
    PoseFormatError
        For anything wrong with the file, and nothing else: this is the single point where a
        reader's unexpected exception becomes a one-line ``PoseFormatError``.
    """
    path = Path(path)
    if not path.exists():
        raise PoseFormatError(path, "no such file or folder")
    fmt = format or "pose"
    try:
        fmt = format or detect_format(path)
        reader = _module(fmt).read
        unknown = sorted(set(options) - set(inspect.signature(reader).parameters))
        if unknown:
            raise PoseFormatError(path, f"the {fmt} reader has no option {', '.join(unknown)}")
        return reader(path, **options)
    except PoseFormatError:
        raise
    except Exception as exc:
        logger.debug("reading %s as %s failed", path, fmt, exc_info=True)
        raise PoseFormatError(path, f"not a valid {fmt} pose file: {_short_reason(exc)}") from exc


def save_poses(seq: PoseSequence, path: str | Path, format: str | None = None, **options: Any) -> Path:
    """Write ``seq`` to ``path`` atomically; returns the path."""
    from actionpose.atomic import atomic_path

    path = Path(path)
    fmt = format or detect_format(path, for_writing=True)
    writer: Callable[..., None] | None = getattr(_module(fmt), "write", None)
    if writer is None:
        raise PoseFormatError(path, f"the {fmt} format can be read but not written")
    if fmt == "table" and path.suffix.lower() == ".csv":
        # the CSV and its metadata sidecar move into place together, or neither does
        from actionpose.skeleton.io.table import sidecar_path

        with atomic_path(sidecar_path(path)) as side, atomic_path(path) as tmp:
            writer(seq, tmp, sidecar=side, **options)
        return path
    with atomic_path(path) as tmp:
        writer(seq, tmp, **options)
    return path


__all__ = ["FORMATS", "detect_format", "load_poses", "save_poses"]

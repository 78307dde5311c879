"""Reading and writing pose files: one module per format, one entry point each way.

``load_poses(path)`` and ``save_poses(seq, path)`` pick the format from the path (suffix, or the
content of a JSON file, or a directory of OpenPose JSON files); ``format=`` overrides it. Every
reader raises :class:`~actionpose.errors.PoseFormatError` (and nothing else) on bad input, and every
writer writes atomically.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from actionpose.errors import PoseFormatError
from actionpose.skeleton.sequence import PoseSequence

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


def load_poses(path: str | Path, format: str | None = None, **options: Any) -> PoseSequence:
    """Read a pose file (or OpenPose JSON folder) into a `PoseSequence`."""
    path = Path(path)
    if not path.exists():
        raise PoseFormatError(path, "no such file or folder")
    fmt = format or detect_format(path)
    return _module(fmt).read(path, **options)


def save_poses(seq: PoseSequence, path: str | Path, format: str | None = None, **options: Any) -> Path:
    """Write ``seq`` to ``path`` atomically; returns the path."""
    from actionpose.atomic import atomic_path

    path = Path(path)
    fmt = format or detect_format(path, for_writing=True)
    writer: Callable[..., None] | None = getattr(_module(fmt), "write", None)
    if writer is None:
        raise PoseFormatError(path, f"the {fmt} format can be read but not written")
    with atomic_path(path) as tmp:
        writer(seq, tmp, **options)
    return path


__all__ = ["FORMATS", "detect_format", "load_poses", "save_poses"]

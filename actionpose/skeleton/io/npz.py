"""The native format: a compressed NumPy ``.npz`` that round-trips a `PoseSequence` exactly.

Arrays: ``data`` (T, P, K, C) float32, ``timestamps`` float64, ``track_ids`` int64, ``fps`` float64,
``frame_size`` int64 (2,) or (0,) for None; JSON text (plain unicode arrays, never pickles): ``layout``
(`KeypointLayout.to_dict`, so custom layouts round-trip) and ``meta``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.safezip import check_zip_file
from actionpose.skeleton.io.jsonfile import dumps
from actionpose.skeleton.io.layout_match import layout_from_dict
from actionpose.skeleton.sequence import PoseSequence

FORMAT_TAG = "actionpose-poses"
VERSION = 1
#: the most a pose archive may expand to in memory (an hour at 30 fps of 4 Holistic people is ~0.9 GB)
EXPANDED_LIMIT = 2 << 30
_KEYS = ("data", "timestamps", "track_ids", "fps", "frame_size", "layout", "meta")


def write(seq: PoseSequence, path: str | Path) -> None:
    """Write ``seq`` to ``path`` (exactly that name) as a compressed ``.npz``."""
    frame_size = np.asarray(seq.frame_size if seq.frame_size is not None else (), dtype=np.int64)
    with open(path, "wb") as f:
        np.savez_compressed(
            f, format=np.array(FORMAT_TAG), version=np.array(VERSION, dtype=np.int64),
            data=seq.data.astype(np.float32), timestamps=seq.timestamps.astype(np.float64),
            track_ids=seq.track_ids.astype(np.int64), fps=np.array(seq.fps, dtype=np.float64),
            frame_size=frame_size, layout=np.array(dumps(seq.layout.to_dict())), meta=np.array(dumps(seq.meta)))


def _text(arrays: dict[str, np.ndarray], key: str, path: Path) -> Any:
    value = arrays[key]
    if value.dtype.kind != "U" or value.ndim != 0:
        raise PoseFormatError(path, f"'{key}' must be a JSON string, got a {value.dtype} array of shape {value.shape}")
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as exc:
        raise PoseFormatError(path, f"'{key}' is not valid JSON: {exc.msg}") from None


def _numeric(arrays: dict[str, np.ndarray], key: str, ndim: int, path: Path) -> np.ndarray:
    value = arrays[key]
    if value.dtype.kind not in "biuf" or value.ndim != ndim:
        raise PoseFormatError(path, f"'{key}' must be a {ndim}-d numeric array, got {value.dtype} {value.shape}")
    return value


def read(path: str | Path, fps: float | None = None) -> PoseSequence:
    """Read a file written by :func:`write`.

    ``fps`` replaces the stored nominal frame rate (the stored timestamps are kept).

    Raises
    ------
    PoseFormatError
        When the file is not such an ``.npz`` (keys, shapes, dtypes or JSON wrong).
    """
    path = Path(path)
    check_zip_file(path, EXPANDED_LIMIT, PoseFormatError)
    loaded = np.load(path, allow_pickle=False)
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise PoseFormatError(path, "a single .npy array, not an .npz archive")
    with loaded as z:
        missing = [k for k in _KEYS if k not in z.files]
        if missing:
            raise PoseFormatError(path, f"not an ActionPose pose archive: missing {', '.join(missing)}")
        arrays = {k: z[k] for k in _KEYS}
    layout = layout_from_dict(_text(arrays, "layout", path), path)
    meta = _text(arrays, "meta", path)
    if not isinstance(meta, dict):
        raise PoseFormatError(path, "'meta' must be a JSON object")
    data = _numeric(arrays, "data", 4, path)
    frame_size = _numeric(arrays, "frame_size", 1, path)
    if frame_size.shape not in ((0,), (2,)):
        raise PoseFormatError(path, f"'frame_size' must hold 0 or 2 values, got {frame_size.size}")
    stored_fps = float(_numeric(arrays, "fps", 0, path))
    return PoseSequence(data.astype(np.float32, copy=False), layout, stored_fps if fps is None else float(fps),
                        timestamps=_numeric(arrays, "timestamps", 1, path),
                        track_ids=_numeric(arrays, "track_ids", 1, path),
                        frame_size=tuple(int(v) for v in frame_size) if frame_size.size else None, meta=meta)

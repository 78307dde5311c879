"""Long tables (``.parquet`` or ``.csv``): one row per joint of each person present in a frame.

Columns, in order: ``frame, time, track, joint, x, y, z, score`` (``z`` is NaN without depth). What
a lossless round trip needs beyond the rows (layout, fps, number of frames, frame size, track ids,
meta) is kept in the parquet key-value metadata under ``actionpose`` and, for CSV, in a JSON sidecar
``<name>.csv-metadata.json`` beside it (the W3C "CSV on the Web" naming), so the CSV itself is a plain
table for pandas, spreadsheets and R. CSV files of earlier versions, whose first line is
``# actionpose {json}``, still read. Tables without metadata (written by other tools) read too: the
layout is inferred from the joint names and the fps from the time column.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from actionpose.errors import PoseFormatError
from actionpose.inputs import SIDECAR_SUFFIX
from actionpose.skeleton.io.flat import occupied
from actionpose.skeleton.io.frames import DEFAULT_FPS, frame_axis, missing_poses
from actionpose.skeleton.io.jsonfile import dumps
from actionpose.skeleton.io.layout_match import layout_from_dict, layout_from_names
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence

COLUMNS = ("frame", "time", "track", "joint", "x", "y", "z", "score")
META_KEY = "actionpose"
CSV_PREFIX = "# actionpose "          # the metadata line of CSV files written before the sidecar
#: a sidecar larger than this is not ours (the metadata of an hour at 30 fps is well under 1 MB)
SIDECAR_LIMIT = 16 << 20


def sidecar_path(path: str | Path) -> Path:
    """Where the metadata of the CSV table ``path`` lives: ``poses.csv`` -> ``poses.csv-metadata.json``."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


# ----------------------------------------------------------------------------------------- writing
def to_dataframe(seq: PoseSequence) -> pd.DataFrame:
    """The long table of ``seq``: all K joints of every (frame, track) that holds anything."""
    t_idx, p_idx = np.nonzero(occupied(seq.data))
    k = seq.num_joints
    values = seq.data[t_idx, p_idx].reshape(-1, seq.data.shape[-1])
    frames = np.repeat(t_idx, k).astype(np.int64)
    nan = np.full(len(values), np.nan, dtype=np.float32)
    return pd.DataFrame({
        "frame": frames,
        "time": seq.timestamps[frames].astype(np.float64),
        "track": np.repeat(seq.track_ids[p_idx], k).astype(np.int64),
        "joint": pd.Series(np.tile(np.array(seq.layout.joints, dtype=object), len(t_idx)), dtype="str"),
        "x": values[:, 0], "y": values[:, 1], "z": values[:, 2] if seq.has_z else nan, "score": values[:, -1],
    }, columns=list(COLUMNS))


def table_metadata(seq: PoseSequence) -> dict[str, Any]:
    """What the rows alone do not keep: layout, fps, frame count, frame size, tracks, meta."""
    empty = np.flatnonzero(~occupied(seq.data).any(axis=1))
    return {"version": 1, "layout": seq.layout.to_dict(), "fps": seq.fps, "num_frames": seq.num_frames,
            "frame_size": list(seq.frame_size) if seq.frame_size else None, "track_ids": seq.track_ids.tolist(),
            "has_z": seq.has_z, "empty_frame_times": [[int(t), float(seq.timestamps[t])] for t in empty],
            "meta": seq.meta}


def write(seq: PoseSequence, path: str | Path, sidecar: str | Path | None = None) -> None:
    """Write ``seq`` to ``path`` as parquet or CSV, chosen by the suffix.

    Parameters
    ----------
    sidecar
        For CSV: where the metadata JSON goes (default :func:`sidecar_path` of ``path``).
        :func:`~actionpose.skeleton.io.save_poses` hands both paths in as temporaries and moves them together.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    df, meta = to_dataframe(seq), dumps(table_metadata(seq))
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY.encode(): meta.encode()})
        pq.write_table(table, path)
    elif suffix == ".csv":
        # the reader skips '#' comments; quoted text keeps a joint name with '#' whole
        quoting = csv.QUOTE_NONNUMERIC if any("#" in j for j in seq.layout.joints) else csv.QUOTE_MINIMAL
        df.to_csv(path, index=False, quoting=quoting, encoding="utf-8")
        Path(sidecar or sidecar_path(path)).write_text(meta, encoding="utf-8")
    else:
        raise PoseFormatError(path, f"a pose table must end in .parquet or .csv, not {suffix or 'nothing'}")


# ----------------------------------------------------------------------------------------- reading
def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _parse_metadata(text: str | bytes | None, path: Path) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoseFormatError(path, f"the actionpose metadata is not valid JSON: {exc}") from None
    if not isinstance(meta, dict):
        raise PoseFormatError(path, "the actionpose metadata is not a JSON object")
    return meta


def _read_sidecar(path: Path) -> str | None:
    side = sidecar_path(path)
    if not side.is_file():
        return None
    if side.stat().st_size > SIDECAR_LIMIT:
        raise PoseFormatError(side, f"metadata sidecar larger than {SIDECAR_LIMIT >> 20} MB")
    try:
        return side.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PoseFormatError(side, f"metadata sidecar is not UTF-8 (invalid byte at offset {exc.start})") from None


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    try:
        with open(path, encoding="utf-8") as f:
            first = f.readline()
        header = first[len(CSV_PREFIX):] if first.startswith(CSV_PREFIX) else _read_sidecar(path)
        df = pd.read_csv(path, comment="#", encoding="utf-8", dtype={"joint": str}, keep_default_na=False,
                         na_values={c: ["", "nan", "NaN", "NA", "null"] for c in COLUMNS if c != "joint"})
    except UnicodeDecodeError as exc:
        raise PoseFormatError(path, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    except pd.errors.EmptyDataError:
        raise PoseFormatError(path, "empty CSV file") from None
    except pd.errors.ParserError as exc:
        raise PoseFormatError(path, f"not a valid CSV table: {_first_line(exc)}") from None
    return df, _parse_metadata(header, path)


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise PoseFormatError(path, f"not a readable parquet file: {_first_line(exc)}") from None
    return table.to_pandas(), _parse_metadata((table.schema.metadata or {}).get(META_KEY.encode()), path)


def _numbers(df: pd.DataFrame, column: str, source: str | Path | None, whole: bool = False) -> np.ndarray:
    try:
        values = pd.to_numeric(df[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError):
        raise PoseFormatError(source, f"column '{column}' holds values that are not numbers") from None
    if whole:
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)) or np.any(np.abs(values) > 2**53):
            raise PoseFormatError(source, f"column '{column}' must hold whole numbers")
        return values.astype(np.int64)
    return values


def _fill_times(frame_numbers: np.ndarray, known: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """Times of every frame: the table's where known, linear in between, ``1 / fps`` steps outside."""
    out = frame_numbers / fps
    if known.any():
        kf, kt = frame_numbers[known], times[known]
        out = np.interp(frame_numbers, kf, kt)
        out[frame_numbers < kf[0]] = kt[0] + (frame_numbers[frame_numbers < kf[0]] - kf[0]) / fps
        out[frame_numbers > kf[-1]] = kt[-1] + (frame_numbers[frame_numbers > kf[-1]] - kf[-1]) / fps
    return out


def _infer_fps(frame_numbers: np.ndarray, known: np.ndarray, times: np.ndarray) -> float:
    """Median frame rate of frames whose time the table gives (``DEFAULT_FPS`` when it cannot tell)."""
    f, t = frame_numbers[known], times[known]
    with np.errstate(all="ignore"):
        rates = np.diff(f) / np.diff(t)
    rates = rates[np.isfinite(rates) & (rates > 0)]
    return float(np.median(rates)) if rates.size else DEFAULT_FPS


def from_dataframe(df: pd.DataFrame, metadata: dict[str, Any] | None = None,
                   layout: str | KeypointLayout | None = None, fps: float | None = None,
                   source: str | Path | None = None) -> PoseSequence:
    """Build a `PoseSequence` from a long table (see the module docstring).

    Parameters
    ----------
    df
        Needs ``frame, joint, x, y, score``; ``time``, ``track`` and ``z`` are optional.
    metadata
        What :func:`table_metadata` wrote, or None for a foreign table.
    layout, fps
        Override the stored or inferred values.
    """
    for column in ("frame", "joint", "x", "y", "score"):
        if column not in df.columns:
            raise PoseFormatError(source, f"column '{column}' missing (columns: {', '.join(map(str, df.columns))})")
    md = metadata or {}
    frame = _numbers(df, "frame", source, whole=True)
    track = _numbers(df, "track", source, whole=True) if "track" in df.columns else np.zeros(len(df), np.int64)
    names = df["joint"].astype(str).to_numpy()
    if layout is not None:
        layout = get_layout(layout)
    elif "layout" in md:
        layout = layout_from_dict(md["layout"], source)
    else:
        layout = layout_from_names(pd.unique(names), source)
    joint = pd.Series(names).map({j: i for i, j in enumerate(layout.joints)})
    if joint.isna().any():
        raise PoseFormatError(source, f"joint {names[joint.isna().to_numpy()][0]!r} is not in layout {layout.name!r}")
    joint = joint.to_numpy(dtype=np.int64)

    if "num_frames" in md:
        num_frames = int(md["num_frames"])
        if num_frames < 0 or (frame.size and (frame.min() < 0 or frame.max() >= num_frames)):
            raise PoseFormatError(source, f"frame numbers outside 0..{num_frames - 1}")
        frame_numbers, f_idx = np.arange(num_frames, dtype=np.int64), frame
    else:
        frame_numbers, f_idx = frame_axis(frame, source=source)
    if "track_ids" in md:
        track_ids = np.asarray(md["track_ids"], dtype=np.int64).reshape(-1)
        sorter = np.argsort(track_ids)
        pos = np.clip(np.searchsorted(track_ids, track, sorter=sorter), 0, max(track_ids.size - 1, 0))
        if track.size and (track_ids.size == 0 or np.any(track_ids[sorter[pos]] != track)):
            raise PoseFormatError(source, "the table has a track that its metadata does not list")
        p_idx = sorter[pos]
    else:
        track_ids, p_idx = np.unique(track, return_inverse=True)

    z = _numbers(df, "z", source) if "z" in df.columns else np.full(len(df), np.nan)
    has_z = bool(md["has_z"]) if "has_z" in md else bool(np.isfinite(z).any())
    channels = ["x", "y"] + (["z"] if has_z else []) + ["score"]
    values = np.stack([z if c == "z" else _numbers(df, c, source) for c in channels], axis=1)
    data = missing_poses((frame_numbers.size, track_ids.size, layout.num_joints, len(channels)), source)
    data[f_idx, p_idx.reshape(-1), joint] = values

    known = np.zeros(frame_numbers.size, dtype=bool)
    times = np.full(frame_numbers.size, np.nan)
    if "time" in df.columns:
        t = _numbers(df, "time", source)
        ok = np.isfinite(t)
        times[f_idx[ok]] = t[ok]
        known[f_idx[ok]] = True
    for pair in md.get("empty_frame_times", []):
        f, t = int(pair[0]), float(pair[1])
        if 0 <= f < frame_numbers.size:
            times[f], known[f] = t, True
    if fps is None:
        fps = md["fps"] if "fps" in md else _infer_fps(frame_numbers, known, times)
    fps = float(fps)
    timestamps = _fill_times(frame_numbers, known, times, fps) if np.isfinite(fps) and fps > 0 else None
    frame_size = md.get("frame_size")
    meta = md.get("meta", {"format": "table", "source": str(source)})
    if not isinstance(meta, dict):
        raise PoseFormatError(source, "the stored meta is not a JSON object")
    return PoseSequence(data, layout, fps, timestamps=timestamps, track_ids=track_ids,
                        frame_size=tuple(frame_size) if frame_size else None, meta=meta)


def read(path: str | Path, layout: str | KeypointLayout | None = None, fps: float | None = None) -> PoseSequence:
    """Read a ``.parquet`` or ``.csv`` pose table.

    Parameters
    ----------
    path
        The table; the suffix picks the parser.
    layout
        Use this layout instead of the stored or inferred one.
    fps
        Use this frame rate instead of the stored or inferred one.
    """
    path = Path(path)
    df, metadata = _read_parquet(path) if path.suffix.lower() == ".parquet" else _read_csv(path)
    return from_dataframe(df, metadata, layout=layout, fps=fps, source=path)

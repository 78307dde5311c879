"""ThingX RGB_Fall_TS skeleton CSVs: 14 keypoints per frame and a per-frame fall label."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from actionpose.datasets.segments import frame_segments
from actionpose.errors import PoseFormatError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

FPS = 30.0
NUM_JOINTS = 14
COLUMNS = NUM_JOINTS * 3 + 1
#: per-frame label -> segment name
LABELS = {0: "no_fall", 1: "fall"}
# pandas writes duplicate column names as "name.1", "name.2": a second dot ends a mangled number
_MANGLED = re.compile(r"^([-+]?\d*\.\d+(?:[eE][-+]?\d+)?)\.\d+$")


def _unmangle(cell: str) -> str:
    """``"0.2956.1"`` -> ``"0.2956"``; other cells unchanged."""
    match = _MANGLED.match(cell)
    return match.group(1) if match else cell


def _first_row(cells: list[str], path: Path) -> list[str]:
    """Undo pandas' renaming of duplicate header cells in the first line (a frame written as a header)."""
    out = [_unmangle(c.strip()) for c in cells]
    label = out[-1]
    if label not in ("0", "1", "0.0", "1.0"):
        base = label.rsplit(".", 1)[0]
        if base not in ("0", "1"):
            raise PoseFormatError(path, f"first frame's label {cells[-1]!r} is not 0 or 1")
        out[-1] = base
    return out


def read_thingx_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One ThingX CSV to ``(T, 14, 3)`` x, y, score (missing joints NaN, score 0) and ``(T,)`` 0/1 labels.

    The files have no header, but their first line is the first frame as pandas wrote it as a header:
    a value repeated in that line carries a ``.1``, ``.2`` suffix (``0.2956.1``; the label ``0``
    becomes ``0.1``). The suffix is removed. Scores above 1 (up to about 1.3 in the data) are clipped to 1.
    """
    path = Path(path)
    table = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    if table.shape[1] != COLUMNS:
        raise PoseFormatError(path, f"expected {COLUMNS} columns (14 x (x, y, score) + label), got {table.shape[1]}")
    if len(table):
        table.iloc[0] = _first_row([str(v) for v in table.iloc[0]], path)
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        row, col = np.argwhere(np.isnan(values))[0]
        raise PoseFormatError(path, f"row {row}, column {col} is not a number: {table.iat[row, col]!r}")
    labels = values[:, -1]
    if not np.isin(labels, (0, 1)).all():
        raise PoseFormatError(path, f"labels must be 0 or 1, got {sorted(set(labels.tolist()) - {0.0, 1.0})[:3]}")
    points = values[:, :-1].reshape(len(values), NUM_JOINTS, 3).astype(np.float32)
    points[..., 2] = np.clip(points[..., 2], 0.0, 1.0)
    missing = points[..., 2] == 0
    points[missing, :2] = np.nan
    return points, labels.astype(np.int64)


def load_thingx(folder: str | Path, fps: float = FPS) -> list[LabelledClip]:
    """Load the labelled ThingX fall sequences (``output_csv_label/*.csv``).

    Dataset: github.com/ThingX-Technology/RGB_Fall_TS_stage, ``dwpose/data/output_csv_label/`` (the
    real-data folder's ``falls/thingx_skeleton/output_csv_label``); licence: none stated (testing and
    evaluation only). Each file is one sequence at 30 fps: 14 keypoints x
    (x, y, score) normalised to 0-1, then a 0/1 label per frame (1 = falling or lying). Never mix with
    ``origin_csv_split``: how those 34 sequences relate to these is undocumented.

    Returns one clip per file: layout ``thingx14`` (C = 3), ``frame_size`` None, segments ``"fall"``
    and ``"no_fall"`` covering every frame. Group: the file (sequence), e.g. ``falldown3``; the
    performers are not identified.
    """
    files = sorted(Path(folder).glob("*.csv"), key=lambda p: (len(p.stem), p.stem))
    if not files:
        raise FileNotFoundError(f"no .csv files in {folder}")
    clips = []
    for path in files:
        points, labels = read_thingx_csv(path)
        seq = PoseSequence(points[:, None], "thingx14", fps, meta={"source": str(path)})
        name = path.stem.removesuffix("_label")
        clips.append(LabelledClip(seq, segments=frame_segments(labels, fps, LABELS), group=name,
                                  meta={"dataset": "thingx", "file": path.name}))
    log.info("ThingX: %d sequences, %d frames", len(clips), sum(c.seq.num_frames for c in clips))
    return clips

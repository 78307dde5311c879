"""UR Fall Detection: the official per-frame labels as time segments, paired with poses a user extracted."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from actionpose.datasets.segments import frame_segments
from actionpose.errors import PoseFormatError
from actionpose.skeleton.io import load_poses
from actionpose.train.data import LabelledClip, Segment

log = logging.getLogger(__name__)

FPS = 30.0
#: the label column -> segment name
LABELS = {-1: "not_lying", 0: "falling", 1: "lying"}
_COLUMNS = ("Sequence Name", "Frame #", "Label")


def urfall_segments(csv: str | Path, fps: float = FPS) -> dict[str, list[Segment]]:
    """Per-sequence time segments from ``urfall-cam0-{falls,adls}.csv``.

    The file has one row per labelled frame: ``Sequence Name`` (``fall-01``, ``adl-01``), ``Frame #``
    (from 1), ``Label`` (-1 not lying, 0 falling, 1 lying) and depth features. Frame ``n`` covers
    ``[(n - 1) / fps, n / fps)`` s; frames without a row (some ADLs start late or skip a frame) stay
    outside every segment.

    Raises
    ------
    PoseFormatError
        When a column is missing or a label is not -1, 0 or 1.
    """
    table = pd.read_csv(csv, skipinitialspace=True)
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise PoseFormatError(csv, f"missing columns {missing}; has {list(table.columns)[:5]}")
    if not table["Label"].isin(list(LABELS)).all():
        raise PoseFormatError(csv, "labels must be -1, 0 or 1")
    out: dict[str, list[Segment]] = {}
    for name, rows in table.groupby("Sequence Name", sort=True):
        rows = rows.sort_values("Frame #")
        out[str(name)] = frame_segments(rows["Label"].to_numpy(), fps, LABELS, rows["Frame #"].to_numpy() - 1)
    return out


def _pose_file(folder: Path, name: str) -> Path | None:
    """The entry of ``folder`` holding the poses of sequence ``name`` (``fall-01``): a file or folder named
    ``fall-01`` or ``fall-01`` followed by a non-digit (``fall-01-cam0-rgb.json``); cam0 is preferred."""
    pattern = re.compile(rf"^{re.escape(name)}(?:$|[^0-9])")
    found = sorted(p for p in folder.iterdir() if pattern.match(p.name))
    if len(found) > 1:
        found = [p for p in found if "cam0" in p.name] or found
    if len(found) > 1:
        log.warning("%s: several pose files %s, skipped", name, [p.name for p in found])
        return None
    return found[0] if found else None


def load_urfall(pose_folder: str | Path, csv: str | Path, fps: float = FPS) -> list[LabelledClip]:
    """Pair poses extracted from the UR Fall videos with the official per-frame labels.

    Dataset: UR Fall Detection (University of Rzeszow, Kwolek and Kepski 2014;
    http://fenix.univ.rzeszow.pl/~mkepski/ds/uf.html): 30 falls and 40 ADLs, Kinect depth and RGB at
    30 fps; licence CC BY-NC-SA 4.0 (non-commercial: evaluation only in this project). The label CSVs
    are the official cam0 ones; poses are not part of the set: extract them from the cam0 RGB frames
    (e.g. ``actionpose extract`` on a video made from ``fall-01-cam0-rgb.zip``) into ``pose_folder``
    with file names starting with the sequence name (``fall-01-cam0-rgb.npz``), in any format
    :func:`actionpose.skeleton.io.load_poses` reads.

    Returns one clip per labelled sequence with a pose file, with segments ``not_lying`` / ``falling``
    / ``lying`` (:func:`urfall_segments`), in the layout of the pose files. Group: the sequence
    (``fall-01``); the performers are not identified in the labels.
    """
    folder = Path(pose_folder)
    clips = []
    for name, segments in urfall_segments(csv, fps).items():
        path = _pose_file(folder, name)
        if path is None:
            log.debug("%s: no pose file in %s", name, folder)
            continue
        seq = load_poses(path)
        clips.append(LabelledClip(seq, segments=segments, group=name,
                                  meta={"dataset": "urfall", "sequence": name, "file": path.name,
                                        "kind": "fall" if name.startswith("fall") else "adl"}))
    log.info("UR Fall: %d sequences with poses in %s", len(clips), folder)
    return clips

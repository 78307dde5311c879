"""GMDCSA24 fall detection videos: time-range labels per video, poses extracted on load."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from actionpose.datasets.segments import parse_range, parse_ranges
from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.jsonfile import read_json
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip, Segment

log = logging.getLogger(__name__)

#: ``Name[start to end]`` items of the official CSVs' ``Classes`` column
_ITEM = re.compile(r"([^\[\];]+?)\s*\[([^\]]*)\]")

Extract = Callable[[Path], PoseSequence]


def _name(name: str) -> str:
    name = " ".join(str(name).split())
    if name.count("(") > name.count(")"):  # "Falling (BW[5.9 to 10]" in Subject_2/Fall.csv
        name += ")"
    return name


def _segment(name: str, time_range: str, where: str) -> Segment:
    try:
        start, end = parse_range(time_range)
    except ValueError as exc:
        raise PoseFormatError(where, str(exc)) from None
    return start, end, _name(name)


def _segments(name: str, time_ranges: str, where: str) -> list[Segment]:
    """One segment per range of ``"0 to 0.3; 1.5 to 2.2"`` (several ranges of one class are legal)."""
    try:
        return [(start, end, _name(name)) for start, end in parse_ranges(time_ranges)]
    except ValueError as exc:
        raise PoseFormatError(where, str(exc)) from None


def gmdcsa24_segments(labels_json: str | Path) -> dict[str, tuple[str, list[Segment]]]:
    """Parse ``labels.json``: relative video path -> (kind, segments).

    Each entry is ``{"video": "Subject_1/Fall/13.mp4", "subject", "kind": "Fall" | "ADL", "desc",
    "classes_raw", "segments": [["Falling (BW)", "0.4 to 4"], ...]}``; segments are sorted by start
    and may overlap (``Reading`` while ``Walking``). A segment may hold several ranges separated by ``;``
    (``["Standing", "0 to 0.3; 1.5 to 2.2"]``, as the dataset's CSVs write them): one segment each.

    Raises
    ------
    PoseFormatError
        When an entry lacks a field or a time range does not parse.
    """
    entries = read_json(labels_json)
    if not isinstance(entries, list):
        raise PoseFormatError(labels_json, "expected a list of videos")
    out: dict[str, tuple[str, list[Segment]]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"video", "kind", "segments"} <= set(entry):
            raise PoseFormatError(labels_json, f"entry {i} needs 'video', 'kind' and 'segments'")
        where = f"{labels_json} ({entry['video']})"
        segments = [seg for name, rng in entry["segments"] for seg in _segments(name, rng, where)]
        out[str(entry["video"])] = (str(entry["kind"]), sorted(segments))
    return out


def gmdcsa24_csv_segments(root: str | Path) -> dict[str, tuple[str, list[Segment]]]:
    """The same mapping from the dataset's own ``Subject*/{Fall,ADL}.csv`` (column ``Classes``:
    ``Falling (SW)[3.4 to 6]; Sitting[0 to 3.4]``), for a full copy without ``labels.json``; the
    upstream folders are ``Subject 1`` .. ``Subject 4`` (with a space), the real-data copy's ``Subject_1``.

    The CSVs are hand-written: a bracket may hold several ranges (``Standing[0 to 0.5; 4.2 to 6.5]``,
    one segment each), ``to`` may be missing (``Eating[0.9 4.6]``) and a bracket may close a name
    (``Falling (BW[5.9 to 10]``); all are read as meant. A reversed range (``Sitting[9.7 to 3]``) is
    dropped with a warning rather than guessed.
    """
    out: dict[str, tuple[str, list[Segment]]] = {}
    for csv in sorted(Path(root).glob("Subject*/*.csv")):
        kind = "Fall" if csv.stem.lower() == "fall" else "ADL"
        folder = next((d.name for d in csv.parent.iterdir() if d.is_dir() and d.name.lower() == kind.lower()), kind)
        table = pd.read_csv(csv, dtype=str, skipinitialspace=True)
        table.columns = [c.strip() for c in table.columns]
        if not {"File Name", "Classes"} <= set(table.columns):
            raise PoseFormatError(csv, f"needs columns 'File Name' and 'Classes', has {list(table.columns)}")
        for file_name, classes in zip(table["File Name"], table["Classes"]):
            video = f"{csv.parent.name}/{folder}/{str(file_name).strip()}"
            out[video] = (kind, _classes(str(classes), f"{csv} ({file_name})"))
    return out


def _classes(text: str, where: str) -> list[Segment]:
    """``"Sitting[0 to 0.5; 3.7 to 10]; Walking[0.5 to 3.1]"`` to sorted segments; a reversed range
    (``Sitting[9.7 to 3]`` in Subject_2/ADL.csv) is dropped with a warning rather than guessed."""
    items = _ITEM.findall(text)
    if not items:
        raise PoseFormatError(where, f"no 'Name[start to end]' in {text!r}")
    out = []
    for name, ranges in items:
        for rng in filter(str.strip, ranges.split(";")):
            try:
                out.append(_segment(name, rng, where))
            except PoseFormatError as exc:
                log.warning("%s: dropped", exc)
    return sorted(out)


def _default_extract(path: Path) -> PoseSequence:
    from actionpose.pipeline import extract_poses  # heavy: backends load only when poses are extracted

    return extract_poses(path)


def load_gmdcsa24(root: str | Path, extract: Extract | None = None,
                  labels_json: str | Path | None = None) -> list[LabelledClip]:
    """Extract poses from the GMDCSA24 videos and label them with their time segments.

    Dataset: GMDCSA24 (Alam et al. 2024; github.com/ekramalam/GMDCSA24-A-Dataset-for-Human-Fall-Detection-in-Videos);
    licence MIT (permissive). Indoor videos of falls and daily activities (ADL) by four subjects,
    ``Subject_<n>/{Fall,ADL}/<nn>.mp4``, 15 or 30 fps; labels are time ranges in seconds
    (``Falling (BW)``, ``Standing``, ``Sitting``, ``Walking``, ... ; BW/FW/SW = backward/forward/sideways).

    Parameters
    ----------
    root
        The dataset folder.
    extract
        ``path -> PoseSequence``; default :func:`actionpose.pipeline.extract_poses` with default options.
    labels_json
        A ``labels.json`` (see :func:`gmdcsa24_segments`); default ``root/labels.json`` when present,
        else the dataset's CSVs (:func:`gmdcsa24_csv_segments`).

    Returns one clip per labelled video found under ``root`` (missing videos are skipped with a
    warning), with the segments; time outside them is background. Group: the subject (``Subject_1``,
    also for the upstream ``Subject 1`` folders): split by subject.
    """
    root = Path(root)
    if labels_json is None and (root / "labels.json").is_file():
        labels_json = root / "labels.json"
    labels = gmdcsa24_segments(labels_json) if labels_json is not None else gmdcsa24_csv_segments(root)
    extract = extract or _default_extract
    clips = []
    for video, (kind, segments) in labels.items():
        path = root / video
        if not path.is_file():
            log.warning("%s: labelled but not found, skipped", path)
            continue
        seq = extract(path)
        clips.append(LabelledClip(seq, segments=segments, group=Path(video).parts[0].replace(" ", "_"),
                                  meta={"dataset": "gmdcsa24", "video": video, "kind": kind}))
    log.info("GMDCSA24: %d videos", len(clips))
    return clips

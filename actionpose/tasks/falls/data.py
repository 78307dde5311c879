"""Labelled fall recordings for evaluation: time-range labels (GMDCSA24 ``labels.json``) and per-frame
0/1 labels (ThingX-style CSVs), turned into :class:`~actionpose.tasks.falls.evaluate.FallClip` s."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.falls.detector import FallConfig, detect_falls
from actionpose.tasks.falls.evaluate import FallClip, Interval
from actionpose.train.data import LabelledClip, Segment

log = logging.getLogger(__name__)

#: segment names that start a fall (``Falling (BW)``, ``fall``, UR Fall's ``falling``)
_FALL = re.compile(r"^\s*fall", re.IGNORECASE)
#: segment names that continue a fall when they follow one directly (UR Fall ``lying``)
_AFTER_FALL = re.compile(r"^\s*(lying|down|on[ _]the[ _]floor)", re.IGNORECASE)


def fall_intervals(segments: Iterable[Segment], gap_s: float = 0.1) -> list[Interval]:
    """Labelled falls of a recording from its segments.

    A segment whose name starts with "fall" is a fall; a "lying" segment that follows a fall within
    ``gap_s`` extends it (UR Fall labels falling, then lying). Lying without a fall before it (going
    to bed) is not a fall.

    >>> fall_intervals([(0, 1, "standing"), (1, 2, "falling"), (2, 5, "lying")])
    [(1.0, 5.0)]
    """
    out: list[list[float]] = []
    for start, end, name in sorted(segments):
        if _FALL.match(name):
            if out and start <= out[-1][1] + gap_s:
                out[-1][1] = max(out[-1][1], end)
            else:
                out.append([float(start), float(end)])
        elif _AFTER_FALL.match(name) and out and start <= out[-1][1] + gap_s:
            out[-1][1] = max(out[-1][1], float(end))
    return [(s, e) for s, e in out]


def frame_labels(seq: PoseSequence, falls: list[Interval]) -> np.ndarray:
    """``(T,)`` 1 for frames inside a labelled fall (``[start, end)``), else 0."""
    t = seq.timestamps
    out = np.zeros(len(t), dtype=np.int64)
    for s, e in falls:
        out[(t >= s) & (t < e)] = 1
    return out


def evaluate_clip(name: str, seq: PoseSequence, segments: list[Segment], config: FallConfig | None = None,
                  **detect_options) -> FallClip:
    """Detect falls in one labelled recording and pair them with its labels."""
    falls = fall_intervals(segments)
    result = detect_falls(seq, config, **detect_options)
    duration = float(seq.timestamps[-1] + 1.0 / seq.fps) if seq.num_frames else 0.0
    return FallClip(name, duration, falls, result.events, frame_labels(seq, falls), result.frame_predictions())


def labelled_clips(data: str | Path, extract: Callable[[Path], PoseSequence],
                   poses: str | Path | None = None) -> list[LabelledClip]:
    """Labelled recordings from ``data``.

    Parameters
    ----------
    data
        A ``labels.json`` (GMDCSA24 schema: ``[{"video": "Subject_1/Fall/13.mp4", "kind", "segments":
        [["Falling (BW)", "0.4 to 4"], ...]}]``, videos relative to its folder), a folder holding one,
        or a folder of per-frame-labelled skeleton CSVs (ThingX layout: 14 joints x (x, y, score), then
        0/1).
    extract
        ``video path -> PoseSequence`` for videos without a pose file.
    poses
        Folder of pose files already extracted, named like the videos (``Subject_1/Fall/13.npz``):
        used instead of extracting when present.

    Raises
    ------
    InputError
        When ``data`` is none of these.
    """
    from actionpose.datasets.gmdcsa24 import gmdcsa24_segments
    from actionpose.datasets.thingx import load_thingx
    from actionpose.skeleton.io import load_poses

    data = Path(data)
    labels = data if data.suffix.lower() == ".json" else data / "labels.json"
    if labels.is_file():
        root = labels.parent
        out = []
        for video, (kind, segments) in gmdcsa24_segments(labels).items():
            pose_file = Path(poses) / Path(video).with_suffix(".npz") if poses is not None else None
            if pose_file is not None and pose_file.is_file():
                seq = load_poses(pose_file)
            elif (root / video).is_file():
                seq = extract(root / video)
            else:
                log.warning("%s: labelled but not found, skipped", root / video)
                continue
            out.append(LabelledClip(seq, segments=segments, group=Path(video).parts[0],
                                    meta={"name": video, "kind": kind}))
        return out
    if data.is_dir() and any(data.glob("*.csv")):
        clips = load_thingx(data)
        for clip in clips:
            clip.meta["name"] = clip.group
        return clips
    raise InputError(data, "expected a labels.json (GMDCSA24 schema), a folder with one, or a folder of "
                           "per-frame-labelled skeleton CSVs")

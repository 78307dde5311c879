"""Kinetics-skeleton (ST-GCN): OpenPose COCO-18 poses of Kinetics-400 clips, one JSON per clip."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.flat import flat_to_points
from actionpose.skeleton.io.jsonfile import read_json
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: the clips were resampled to 30 fps before OpenPose ran
FPS = 30.0
NUM_JOINTS = 18


def read_kinetics_json(path: str | Path, fps: float = FPS) -> tuple[PoseSequence, dict[str, Any]]:
    """One Kinetics-skeleton JSON to a ``coco18`` sequence and its ``{"label", "label_index"}``.

    ``{"data": [{"frame_index", "skeleton": [{"pose": [x, y] * 18, "score": [18]}, ...]}], "label",
    "label_index"}``: coordinates normalised to 0-1, a missing joint ``(0, 0)`` with score 0. Frames are
    numbered from 1 (from 0 if a ``frame_index`` 0 occurs); frames without an entry are empty. The
    people of a frame are not tracked: person slot ``m`` holds the ``m``-th skeleton of each frame.
    """
    path = Path(path)
    obj = read_json(path)
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise PoseFormatError(path, "not a Kinetics-skeleton file: needs a 'data' list")
    indices, frames, slots, rows = [], [], [], []
    for entry in obj["data"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("skeleton"), list):
            raise PoseFormatError(path, "each 'data' entry needs 'frame_index' and a 'skeleton' list")
        index = entry.get("frame_index")
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise PoseFormatError(path, f"frame_index must be a non-negative integer, got {index!r}")
        indices.append(index)
        for m, person in enumerate(entry["skeleton"]):
            pose, score = (person.get("pose"), person.get("score")) if isinstance(person, dict) else (None, None)
            if not isinstance(pose, list) or not isinstance(score, list) or len(pose) != 2 * NUM_JOINTS \
                    or len(score) != NUM_JOINTS:
                raise PoseFormatError(path, f"frame {index}: a skeleton needs 36 pose values and 18 scores")
            frames.append(index)
            slots.append(m)
            rows.append([v for j in range(NUM_JOINTS) for v in (pose[2 * j], pose[2 * j + 1], score[j])])
    base = 0 if 0 in indices else 1
    num_frames = max(indices) - base + 1 if indices else 0
    num_people = max(slots) + 1 if slots else 0
    data = np.full((num_frames, num_people, NUM_JOINTS, 3), np.nan, dtype=np.float32)
    data[..., 2] = 0.0
    if rows:
        data[np.asarray(frames) - base, np.asarray(slots)] = flat_to_points(rows, 3, "pose", path)
    seq = PoseSequence(data, "coco18", fps, meta={"source": str(path), "tracked": False})
    return seq, {"label": obj.get("label"), "label_index": obj.get("label_index")}


def load_kinetics_skeleton(folder: str | Path, label_file: str | Path | None = None,
                           fps: float = FPS) -> list[LabelledClip]:
    """Load a folder of Kinetics-skeleton JSON files (``kinetics_train/`` or ``kinetics_val/``).

    Dataset: Kinetics-skeleton, released with ST-GCN (Yan et al., AAAI 2018; github.com/yysijie/st-gcn,
    ``tools/get_models.sh`` / the authors' download links): OpenPose COCO-18 poses of the Kinetics-400
    YouTube clips, resized to 340 x 256 and 30 fps, 300 frames. Licence: the poses are shared for
    research; the underlying Kinetics videos are YouTube content under their owners' terms.

    ``label_file`` is ``kinetics_{train,val}_label.json`` (``{clip: {"has_skeleton", "label",
    "label_index"}}``): with it, only its clips with ``has_skeleton`` are loaded and its labels win;
    without it every JSON in ``folder`` is loaded with its own ``label``.

    Returns one clip per file: layout ``coco18`` (C = 3), normalised 0-1 coordinates (``frame_size``
    None), untracked person slots. Group: the YouTube id (the file stem); use the official
    train / val folders as the split.
    """
    folder = Path(folder)
    wanted: dict[str, dict] | None = None
    if label_file is not None:
        table = read_json(label_file)
        if not isinstance(table, dict):
            raise PoseFormatError(label_file, "a Kinetics label file maps clip ids to {label, label_index}")
        wanted = {k: v for k, v in table.items() if isinstance(v, dict) and v.get("has_skeleton", True)}
    clips: list[LabelledClip] = []
    for path in sorted(folder.glob("*.json")):
        if wanted is not None and path.stem not in wanted:
            continue
        seq, info = read_kinetics_json(path, fps)
        if wanted is not None:
            info = {"label": wanted[path.stem].get("label"), "label_index": wanted[path.stem].get("label_index")}
        if info["label"] is None:
            log.warning("%s: no label, skipped", path.name)
            continue
        clips.append(LabelledClip(seq, label=str(info["label"]), group=path.stem,
                                  meta={"dataset": "kinetics_skeleton", "file": path.name,
                                        "label_index": info["label_index"]}))
    if wanted is not None and len(clips) < len(wanted):
        log.warning("%d clips of %s have no JSON in %s", len(wanted) - len(clips), Path(label_file).name, folder)
    log.info("Kinetics-skeleton %s: %d clips", folder.name, len(clips))
    return clips

"""OpenPose JSON: a folder with one ``{stem}_{frame:012d}_keypoints.json`` per frame.

Each file holds ``{"version": 1.3, "people": [{"person_id": [id], "pose_keypoints_2d": [x, y, c] * K,
"hand_left_keypoints_2d": [...], "hand_right_keypoints_2d": [...], ...}]}``. K = 18 is COCO-18, 25
is BODY_25; with hands the layouts are ``coco18_hands`` / ``body25_hands``. Face and 3-D keypoints
are not read. OpenPose writes ``0, 0, 0`` for a missing joint and stores no frame rate.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.flat import flat_to_points, occupied, points_to_flat
from actionpose.skeleton.io.frames import DEFAULT_FPS, assemble, frame_number, track_id
from actionpose.skeleton.io.jsonfile import read_json, write_json
from actionpose.skeleton.io.layout_match import layout_for_count
from actionpose.skeleton.layouts import BODY25_HANDS, conversion_plan, get_layout
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)

BODY_LAYOUTS = {18: "coco18", 25: "body25"}
HANDS_OF = {"coco18": "coco18_hands", "body25": "body25_hands"}
HAND_JOINTS = 21
HAND_KEYS = ("hand_left_keypoints_2d", "hand_right_keypoints_2d")


def _frame_files(folder: Path) -> tuple[list[Path], np.ndarray]:
    """JSON files of a folder in frame order, with their frame numbers (positions if unnumbered)."""
    files = [p for p in folder.iterdir() if p.suffix.lower() == ".json" and p.is_file()]
    if not files:
        raise PoseFormatError(folder, "no OpenPose JSON files in the folder")
    numbers = [frame_number(p.name) for p in files]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        order = np.argsort(numbers, kind="stable")
        return [files[i] for i in order], np.asarray(numbers, dtype=np.int64)[order]
    files.sort(key=lambda p: p.name)
    return files, np.arange(len(files), dtype=np.int64)


def _people(obj: Any, path: Path) -> list[dict]:
    if not isinstance(obj, dict) or not isinstance(obj.get("people"), list):
        raise PoseFormatError(path, "not an OpenPose frame: no 'people' list")
    people = obj["people"]
    if not all(isinstance(p, dict) for p in people):
        raise PoseFormatError(path, "'people' must be a list of objects")
    return people


def read(path: str | Path, fps: float = DEFAULT_FPS, frame_size: tuple[int, int] | None = None) -> PoseSequence:
    """Read an OpenPose JSON folder, or one OpenPose JSON file as a single frame.

    Parameters
    ----------
    path
        A folder of ``*_keypoints.json`` files (sorted by the frame number in their names, else by
        name) or one such file.
    fps
        Frame rate (OpenPose stores none); timestamps are ``frame number / fps``.
    frame_size
        ``(width, height)`` of the source video, if known.
    """
    path = Path(path)
    files, numbers = _frame_files(path) if path.is_dir() else ([path], np.array([frame_number(path.name) or 0]))
    frame_of, ids, body, hands = [], [], [], []
    for t, file in enumerate(files):
        for person in _people(read_json(file), file):
            body.append(person.get("pose_keypoints_2d", []))
            hands.append([person.get(k) or [] for k in HAND_KEYS])
            ids.append(track_id(person.get("person_id"), "person_id", file))
            frame_of.append(t)
    body_points = flat_to_points(body, 3, "pose_keypoints_2d", path)
    num_joints = body_points.shape[1] if body else 25
    layout = layout_for_count(num_joints, BODY_LAYOUTS, "OpenPose", path)
    points = body_points if body else np.zeros((0, num_joints, 3), np.float32)
    if any(h for pair in hands for h in pair):
        parts = []
        for side, key in enumerate(HAND_KEYS):
            rows = [pair[side] or [0.0] * (3 * HAND_JOINTS) for pair in hands]
            part = flat_to_points(rows, 3, key, path)
            if part.shape[1] != HAND_JOINTS:
                raise PoseFormatError(path, f"{key} has {part.shape[1]} joints, expected {HAND_JOINTS}")
            parts.append(part)
        points = np.concatenate([points] + parts, axis=1)
        layout = get_layout(HANDS_OF[layout.name])
    data, track_ids = assemble(np.asarray(frame_of, dtype=np.int64), points, len(files), ids, path)
    return PoseSequence(data, layout, fps, timestamps=numbers / float(fps), track_ids=track_ids,
                        frame_size=frame_size, meta={"format": "openpose", "source": str(path)})


def _target_layout(seq: PoseSequence) -> str:
    """The OpenPose layout to write ``seq`` in."""
    if seq.layout.name in (*BODY_LAYOUTS.values(), *HANDS_OF.values()) and seq.layout == get_layout(seq.layout.name):
        return seq.layout.name
    plan = conversion_plan(seq.layout, BODY25_HANDS)
    has_hands = any(plan.sources[25:])
    return "body25_hands" if has_hands else "body25"


def write(seq: PoseSequence, path: str | Path, stem: str = "frame") -> None:
    """Write ``seq`` as a folder of OpenPose JSON files at ``path``.

    Layouts other than COCO-18 / BODY_25 (with or without hands) are converted to ``body25``, or to
    ``body25_hands`` when the sequence has hand joints. Only the people present in a frame are
    written; ``person_id`` is the track id; depth is dropped.
    """
    target = _target_layout(seq)
    if target != seq.layout.name:
        log.info("converting %s to %s for OpenPose JSON", seq.layout.name, target)
        seq = seq.convert(target)
    body_joints = 18 if target.startswith("coco18") else 25
    xys = seq.data[..., [0, 1, -1]]
    present = occupied(seq.data)
    folder = Path(path)
    folder.mkdir()
    for t in range(seq.num_frames):
        people = []
        for p in np.flatnonzero(present[t]):
            person = xys[t, p]
            hands = [points_to_flat(person[body_joints + i * HAND_JOINTS: body_joints + (i + 1) * HAND_JOINTS])
                     if target in HANDS_OF.values() else [] for i in range(2)]
            people.append({"person_id": [int(seq.track_ids[p])],
                           "pose_keypoints_2d": points_to_flat(person[:body_joints]),
                           "face_keypoints_2d": [], "hand_left_keypoints_2d": hands[0],
                           "hand_right_keypoints_2d": hands[1], "pose_keypoints_3d": [], "face_keypoints_3d": [],
                           "hand_left_keypoints_3d": [], "hand_right_keypoints_3d": []})
        write_json({"version": 1.3, "people": people}, folder / f"{stem}_{t:012d}_keypoints.json")

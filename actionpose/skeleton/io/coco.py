"""COCO keypoints: detection results (a list, also Detectron2 / MoveNet / PoseNet exports) and dataset
annotation files (``{"images", "annotations", ...}``), both COCO-17.

Results: ``[{"image_id", "category_id": 1, "keypoints": [x, y, s] * 17, "score", "bbox", "track_id"?}]``.
Annotations: visibility flags ``v`` in ``{0, 1, 2}``; ``v = 0`` is missing, otherwise the score is 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.flat import flat_to_points, occupied, points_to_flat
from actionpose.skeleton.io.frames import DEFAULT_FPS, assemble, track_id
from actionpose.skeleton.io.jsonfile import read_json, write_json
from actionpose.skeleton.io.layout_match import layout_for_count
from actionpose.skeleton.io.results import image_frames, read_records
from actionpose.skeleton.sequence import PoseSequence

LAYOUTS = {17: "coco17"}


def _track(record: dict, source: Path) -> int | None:
    return track_id(record.get("track_id"), "track_id", source)


def read_dataset(obj: dict, path: Path, fps: float = DEFAULT_FPS) -> PoseSequence:
    """A COCO annotation file as a sequence: one frame per image (ordered by id), one slot per person."""
    annotations = obj["annotations"]
    images = obj.get("images", [])
    if not isinstance(annotations, list) or not isinstance(images, list):
        raise PoseFormatError(path, "'annotations' and 'images' must be lists")
    if not all(isinstance(a, dict) for a in annotations) or not all(isinstance(i, dict) and "id" in i for i in images):
        raise PoseFormatError(path, "'annotations' and 'images' must hold objects (images with an 'id')")
    people = [a for a in annotations if a.get("keypoints")]
    by_id = {str(i["id"]): i for i in images}
    missing = [a.get("image_id") for a in people if str(a.get("image_id")) not in by_id]
    if images and missing:
        raise PoseFormatError(path, f"an annotation refers to image {missing[0]!r}, which 'images' does not list")
    keys = list(by_id) if images else list(dict.fromkeys(str(a.get("image_id")) for a in people))
    _, position, _ = image_frames(keys, dense=False, source=path)
    order = [k for _, k in sorted(zip(position.tolist(), keys))]
    frame_of = {k: t for t, k in enumerate(order)}
    points = flat_to_points([a["keypoints"] for a in people], 3, "keypoints", path)
    layout = layout_for_count(points.shape[1] if people else 17, LAYOUTS, "COCO", path)
    if not people:
        points = np.zeros((0, layout.num_joints, 3), np.float32)
    visible = points[..., 2] > 0
    points[..., 2] = np.where(visible, 1.0, 0.0)
    points[~visible, :2] = np.nan
    index = np.array([frame_of[str(a["image_id"])] for a in people], dtype=np.int64)
    data, track_ids = assemble(index, points, len(order), [_track(a, path) for a in people], path)
    sizes = {(i.get("width"), i.get("height")) for i in images}
    frame_size = sizes.pop() if len(sizes) == 1 else None
    if frame_size is not None and not all(isinstance(v, int) and v > 0 for v in frame_size):
        frame_size = None
    meta = {"format": "coco", "source": str(path), "image_ids": [by_id[k]["id"] if images else k for k in order]}
    if images:
        meta["file_names"] = [by_id[k].get("file_name") for k in order]
    return PoseSequence(data, layout, fps, track_ids=track_ids, frame_size=frame_size, meta=meta)


def read(path: str | Path, fps: float = DEFAULT_FPS, frame_size: tuple[int, int] | None = None,
         dense: bool | None = None, num_frames: int | None = None) -> PoseSequence:
    """Read COCO keypoint results or a COCO annotation file.

    Parameters
    ----------
    fps
        Frame rate (COCO stores none); timestamps are ``frame number / fps``.
    frame_size
        ``(width, height)`` for results files (annotation files give it when all images agree).
    dense, num_frames
        How image ids become frames in results files (see
        :func:`actionpose.skeleton.io.frames.frame_axis`): by default, ids that look like frame
        indices keep empty frames in between; ``num_frames`` keeps trailing ones.
    """
    path = Path(path)
    obj = read_json(path)
    if isinstance(obj, dict) and "annotations" in obj:
        return read_dataset(obj, path, fps)
    return read_records(obj, path, "COCO", LAYOUTS, _track, fps, frame_size, dense, num_frames)


def write(seq: PoseSequence, path: str | Path) -> None:
    """Write ``seq`` as COCO keypoint results (converted to COCO-17; ``image_id`` is the frame index).

    Each present person gets ``score`` = mean score of its detected joints, ``bbox`` = the box of
    its detected joints and ``track_id`` = its track id; missing joints are ``0, 0, 0``.
    """
    seq = seq.convert("coco17")
    xys = seq.data[..., [0, 1, -1]].astype(np.float64)
    records = []
    for t, p in zip(*np.nonzero(occupied(seq.data))):
        person = xys[t, p]
        found = np.isfinite(person[:, :2]).all(axis=1)
        scored = person[:, 2] > 0
        lo = person[found, :2].min(axis=0) if found.any() else np.zeros(2)
        hi = person[found, :2].max(axis=0) if found.any() else np.zeros(2)
        records.append({"image_id": int(t), "category_id": 1, "keypoints": points_to_flat(person),
                        "score": float(person[scored, 2].mean()) if scored.any() else 0.0,
                        "bbox": [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])],
                        "track_id": int(seq.track_ids[p])})
    write_json(records, path)

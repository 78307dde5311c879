"""Detection-style results: a JSON list with one entry per person and image, as COCO results and
AlphaPose write them (``image_id``, flat ``keypoints``, optional track id)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.flat import flat_to_points
from actionpose.skeleton.io.frames import assemble, frame_axis, frame_number
from actionpose.skeleton.io.layout_match import layout_for_count
from actionpose.skeleton.sequence import PoseSequence


def image_frames(image_ids: list[Any], dense: bool | None = None, num_frames: int | None = None,
                 source: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Frames for a list of image ids: by their numbers when every id has a distinct one, else by name.

    Returns
    -------
    frame_numbers, index, names
        ``(T,)`` numbers (timestamps are ``number / fps``), ``(N,)`` frame of each id, and the
        ids of the frames in order when they are ordered by name (None otherwise).
    """
    numbers = [frame_number(i) for i in image_ids]
    keys = [str(i) for i in image_ids]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(set(keys)):
        frame_numbers, index = frame_axis(numbers, dense=dense, num_frames=num_frames, source=source)
        return frame_numbers, index, None
    names = sorted(set(keys))
    position = {k: i for i, k in enumerate(names)}
    return np.arange(len(names), dtype=np.int64), np.array([position[k] for k in keys], dtype=np.int64), names


def read_records(records: Any, source: Path, fmt: str, layouts: Mapping[int, str],
                 track_of: Callable[[dict, Path], int | None], fps: float, frame_size: tuple[int, int] | None,
                 dense: bool | None, num_frames: int | None) -> PoseSequence:
    """Turn a results list into a `PoseSequence`.

    Parameters
    ----------
    records
        The parsed JSON: a list of objects with ``image_id`` and ``keypoints``.
    layouts
        Joint count -> layout name accepted by the format.
    track_of
        The track id of one record (None: untracked).
    dense, num_frames
        See :func:`actionpose.skeleton.io.frames.frame_axis`.
    """
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise PoseFormatError(source, f"{fmt} results must be a JSON list of objects")
    for i, r in enumerate(records):
        if "image_id" not in r or "keypoints" not in r:
            raise PoseFormatError(source, f"{fmt} entry {i} lacks 'image_id' or 'keypoints'")
    points = flat_to_points([r["keypoints"] for r in records], 3, "keypoints", source)
    layout = layout_for_count(points.shape[1] if records else min(layouts), layouts, fmt, source)
    if not records:
        points = np.zeros((0, layout.num_joints, 3), np.float32)
    frame_numbers, index, names = image_frames([r["image_id"] for r in records], dense, num_frames, source)
    data, track_ids = assemble(index, points, frame_numbers.size, [track_of(r, source) for r in records], source)
    meta: dict[str, Any] = {"format": fmt, "source": str(source)}
    if names is not None:
        meta["image_ids"] = names
    return PoseSequence(data, layout, fps, timestamps=frame_numbers / float(fps), track_ids=track_ids,
                        frame_size=frame_size, meta=meta)


"""AlphaPose results JSON (read only).

``[{"image_id": "0.jpg", "category_id": 1, "keypoints": [x, y, s] * K, "score", "box": [...], "idx": 3}]``
with K = 17 (COCO-17) or 26 (Halpe-26). The frame is the number in ``image_id``, the track ``idx``
(a number or a one-element list; pose tracking on).
"""

from __future__ import annotations

from pathlib import Path

from actionpose.skeleton.io.frames import DEFAULT_FPS, track_id
from actionpose.skeleton.io.jsonfile import read_json
from actionpose.skeleton.io.results import read_records
from actionpose.skeleton.sequence import PoseSequence

LAYOUTS = {17: "coco17", 26: "halpe26"}


def _track(record: dict, source: Path) -> int | None:
    return track_id(record.get("idx"), "idx", source)


def read(path: str | Path, fps: float = DEFAULT_FPS, frame_size: tuple[int, int] | None = None,
         dense: bool | None = None, num_frames: int | None = None) -> PoseSequence:
    """Read an AlphaPose results file.

    Parameters
    ----------
    fps
        Frame rate (AlphaPose stores none); timestamps are ``frame number / fps``.
    frame_size
        ``(width, height)`` of the source frames, if known.
    dense, num_frames
        How frame numbers become frames (see :func:`actionpose.skeleton.io.frames.frame_axis`).

    Raises
    ------
    PoseFormatError
        On a keypoint count other than 17 or 26 (e.g. Halpe-136), or a broken file.
    """
    path = Path(path)
    return read_records(read_json(path), path, "AlphaPose", LAYOUTS, _track, fps, frame_size, dense, num_frames)

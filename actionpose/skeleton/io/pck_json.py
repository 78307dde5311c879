"""pose-classification-kit JSON: one person per frame, coordinates normalised.

``{"info": {"label", "focus": "body" | "left_hand" | "right_hand", ...}, "data": [{"detection_accuracy",
"x": [...], "y": [...], "a": [...]}, ...]}``; ``a`` is OpenPose's confidence. A body is BODY_25, a
hand Hand-21. A joint with ``x = y = a = 0`` is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.flat import zeros_to_missing
from actionpose.skeleton.io.frames import DEFAULT_FPS
from actionpose.skeleton.io.jsonfile import read_json
from actionpose.skeleton.sequence import PoseSequence

LAYOUTS = {"body": "body25", "left_hand": "hand21", "right_hand": "hand21"}


def read(path: str | Path, fps: float = DEFAULT_FPS) -> PoseSequence:
    """Read a pose-classification-kit JSON file: T frames (``data`` entries) of one person.

    ``meta`` holds the ``label`` and ``focus``; ``frame_size`` is None (normalised coordinates).
    """
    path = Path(path)
    obj = read_json(path)
    if not isinstance(obj, dict) or not isinstance(obj.get("info"), dict) or not isinstance(obj.get("data"), list):
        raise PoseFormatError(path, "not a pose-classification-kit file: needs an 'info' object and a 'data' list")
    info, entries = obj["info"], obj["data"]
    focus = info.get("focus")
    if focus not in LAYOUTS:
        raise PoseFormatError(path, f"unknown focus {focus!r}; expected one of {', '.join(LAYOUTS)}")
    seq = PoseSequence.empty(LAYOUTS[focus], fps, num_frames=len(entries), num_people=1)
    if entries:
        if not all(isinstance(e, dict) for e in entries):
            raise PoseFormatError(path, "'data' must be a list of objects")
        columns = []
        for key in ("x", "y", "a"):
            rows = [e.get(key) for e in entries]
            bad = next((i for i, r in enumerate(rows) if not isinstance(r, list) or len(r) != seq.num_joints), None)
            if bad is not None:
                raise PoseFormatError(path, f"data[{bad}].{key} must be a list of {seq.num_joints} numbers "
                                            f"for focus {focus!r}")
            try:
                columns.append(np.array(rows, dtype=np.float64))
            except (TypeError, ValueError, OverflowError):
                raise PoseFormatError(path, f"data[].{key} holds values that are not numbers") from None
        seq.data[:, 0] = zeros_to_missing(np.stack(columns, axis=-1)).astype(np.float32)
    meta = {"format": "pck", "source": str(path), "label": info.get("label"), "focus": focus}
    return PoseSequence(seq.data, seq.layout, fps, meta=meta)

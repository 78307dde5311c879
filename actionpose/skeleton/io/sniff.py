"""Telling the JSON pose formats apart by their content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.jsonfile import read_json


def classify_json(obj: Any) -> str | None:
    """The format of parsed JSON content, or None when it is none of the known ones.

    >>> classify_json({"people": []}), classify_json([{"keypoints": [], "idx": 1}]), classify_json([])
    ('openpose', 'alphapose', 'coco')
    """
    if isinstance(obj, dict):
        if "people" in obj:
            return "openpose"
        if "info" in obj and "data" in obj:
            return "pck"
        if "annotations" in obj:
            return "coco"
        return None
    if isinstance(obj, list):
        if not obj:
            return "coco"  # results without a single detection
        if all(isinstance(r, dict) and "keypoints" in r for r in obj):
            return "alphapose" if all("idx" in r or "box" in r for r in obj) else "coco"
    return None


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        keys = ", ".join(repr(k) for k in list(obj)[:6]) + (", ..." if len(obj) > 6 else "")
        return f"a JSON object with keys {keys}" if obj else "an empty JSON object"
    if isinstance(obj, list):
        return f"a JSON list of {len(obj)} items that are not all objects with 'keypoints'"
    return f"a JSON {type(obj).__name__}"


def sniff_json(path: str | Path) -> str:
    """The pose format of a JSON file: ``openpose``, ``pck``, ``alphapose`` or ``coco``.

    Raises
    ------
    PoseFormatError
        When the file is not JSON or its content matches no known format.
    """
    obj = read_json(path)
    fmt = classify_json(obj)
    if fmt is None:
        raise PoseFormatError(path, f"found {_describe(obj)}; not a known pose JSON format "
                                    "(OpenPose, COCO, AlphaPose, pose-classification-kit)")
    return fmt

"""Reading and writing the JSON files of the JSON-based pose formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import PoseFormatError


def read_json(path: str | Path) -> Any:
    """Parse a UTF-8 JSON file.

    Raises
    ------
    PoseFormatError
        When the file is not UTF-8 text or not valid JSON.
    """
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PoseFormatError(path, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if not text.strip():
        raise PoseFormatError(path, "empty file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PoseFormatError(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise PoseFormatError(path, "JSON nested too deeply") from None


def _plain(value: Any) -> Any:
    """``json.dumps`` fallback for NumPy scalars and arrays (and paths)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(obj: Any) -> str:
    """One-line JSON text; NumPy values become plain numbers and lists.

    >>> dumps({"a": np.int64(3)})
    '{"a": 3}'
    """
    return json.dumps(obj, default=_plain, ensure_ascii=False)


def write_json(obj: Any, path: str | Path) -> None:
    """Write ``obj`` as UTF-8 JSON to exactly ``path``."""
    Path(path).write_text(dumps(obj), encoding="utf-8")

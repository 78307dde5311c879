"""An append-only JSON-lines alert log that survives a crash, and its reader."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from actionpose.alerts.sinks.base import alert_json
from actionpose.alerts.types import SEVERITIES, Alert
from actionpose.errors import InputError

log = logging.getLogger(__name__)

#: how every line written by :class:`JsonlSink` starts (``Alert.to_dict`` puts ``kind`` first)
_LINE_START = b'{"kind"'

_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,), "person": (int,), "time_s": (int, float, type(None)), "severity": (str,), "message": (str,),
    "source": (str,), "confidence": (int, float, type(None)), "details": (dict,), "id": (str,),
    "created": (str,),
}
_REQUIRED = ("kind", "person", "time_s", "severity", "message")


class JsonlSink:
    """Append each alert as one JSON line, flushed and fsync'd before :meth:`send` returns.

    Parameters
    ----------
    path
        The log file; created with its folder if missing, appended to otherwise. A partial last line left
        by a crash is cut off (with a warning) so the log stays readable.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "ab")
        except OSError as err:
            raise InputError(self.path, f"cannot open the alert log for writing ({err.strerror or err})") from None
        self._lock = threading.Lock()
        self._repair_tail()

    def _repair_tail(self) -> None:
        """Cut off a partial last line written by a crashed run, so the next line starts cleanly."""
        size = self._file.seek(0, os.SEEK_END)
        if size == 0:
            return
        with open(self.path, "rb") as f:
            f.seek(max(0, size - 65536))
            tail = f.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n") + 1
        partial = tail[cut:]
        ours = partial.startswith(_LINE_START) or _LINE_START.startswith(partial) or not partial.strip(b"\0 \t\r")
        if ours and not _parses(partial):
            log.warning("%s: cutting off a partial last line of %d bytes (a crash mid-write)", self.path,
                        len(partial))
            self._file.truncate(size - len(partial))
        else:  # a complete line without its newline, or someone else's text: keep it
            self._file.write(b"\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def send(self, alert: Alert) -> None:
        """Append the alert and fsync."""
        line = (alert_json(alert) + "\n").encode("utf-8")
        with self._lock:
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file (again: nothing)."""
        with self._lock:
            self._file.close()


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _record_to_alert(data: Any) -> Alert:
    """An alert from one parsed line, or ValueError saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    for key, types in _FIELD_TYPES.items():
        if key in data and (not isinstance(data[key], types) or isinstance(data[key], bool)):
            raise ValueError(f"{key} has the wrong type ({type(data[key]).__name__})")
    if data["severity"] not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
    for key in ("time_s", "confidence"):  # NaN is written as null (strict JSON)
        if key in data and data[key] is None:
            data = {**data, key: float("nan")}
    return Alert.from_dict(data)


def read_jsonl(path: str | Path) -> list[Alert]:
    """Read an alert log written by :class:`JsonlSink`.

    A partial last line (a crash mid-write) is skipped with a warning; blank lines are skipped.

    Raises
    ------
    InputError
        The file is missing or a line (other than a partial last one) is not an alert; the message names
        the file and the line.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "alert log not found") from None
    except OSError as err:
        raise InputError(path, f"cannot read the alert log ({err.strerror or err})") from None
    lines = raw.split(b"\n")
    last = len(lines) - 1  # lines[last] is b"" when the file ends with a newline
    alerts = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            alerts.append(_record_to_alert(json.loads(line.decode("utf-8"))))
        except (ValueError, TypeError, RecursionError) as err:
            if number - 1 == last:
                log.warning("%s: skipping a partial last line %d (a crash mid-write?)", path, number)
                continue
            problem = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else (
                f"not valid JSON ({err.msg})" if isinstance(err, json.JSONDecodeError) else f"not an alert: {err}")
            raise InputError(path, f"line {number}: {problem}") from None
    return alerts

"""What every alert sink provides, the callback sink, and the alert's JSON form shared by the sinks."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from actionpose.alerts.types import Alert


@runtime_checkable
class AlertSink(Protocol):
    """Where alerts go: ``send`` must not block a camera loop for long; ``close`` releases the sink."""

    def send(self, alert: Alert) -> None:
        """Deliver or store one alert."""

    def close(self) -> None:
        """Finish pending work and release files or connections."""


class CallbackSink:
    """Call ``fn(alert)`` for every alert (e.g. to show it in a window or a dashboard)."""

    def __init__(self, fn: Callable[[Alert], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"CallbackSink needs a function, got {type(fn).__name__}")
        self.fn = fn

    def send(self, alert: Alert) -> None:
        """Call the function."""
        self.fn(alert)

    def close(self) -> None:
        """Nothing to release."""


def jsonable(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as Python numbers and lists, paths as text, and NaN or
    infinite floats as None, so that it is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array
        return jsonable(value.tolist())
    if isinstance(value, Path):
        return str(value)
    return str(value)


def alert_json(alert: Alert) -> str:
    """The alert as one line of strict JSON (the JSONL line, the webhook body)."""
    return json.dumps(jsonable(alert.to_dict()), ensure_ascii=False, allow_nan=False, separators=(",", ":"))

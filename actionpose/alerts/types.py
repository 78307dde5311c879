"""What flows through the alerting path: conditions observed per person, and the alerts they raise."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

#: severities, least to most urgent
SEVERITIES = ("info", "warning", "critical")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class Observation:
    """One frame's view of a condition for one person, fed to :class:`AlertManager.observe`.

    Parameters
    ----------
    kind
        The condition, e.g. ``"fall"``.
    person
        Track id.
    time_s
        Seconds into the source (clip or stream time), increasing.
    active
        Whether the condition holds now (for a fall: the person fell and is down).
    confidence
        0-1, carried into the alert.
    point
        ``(x, y)`` image position of the person (hip centre or box bottom), for ignore zones; None
        when unknown (no zone can then suppress the alert).
    message, details
        Carried into the alert.
    """

    kind: str
    person: int
    time_s: float
    active: bool
    confidence: float = 1.0
    point: tuple[float, float] | None = None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alert:
    """An alert sent to the sinks.

    Parameters
    ----------
    kind
        ``"fall"`` (raised), ``"fall_escalation"`` (still down), ``"fall_recovered"`` (got up),
        ``"gait"``, or a user's own.
    person
        Track id.
    time_s
        Seconds into the source when the alert was raised.
    severity
        ``"info"``, ``"warning"`` or ``"critical"``.
    message
        One human-readable line.
    source
        The clip, camera or stream.
    confidence
        0-1.
    details
        JSON-serialisable extras (impact time, zone, rule, values).
    id
        Unique; sinks use it to deliver each alert once (idempotent re-sends).
    created
        Wall-clock time (ISO 8601, UTC) the alert was made.
    """

    kind: str
    person: int
    time_s: float
    severity: str
    message: str
    source: str = ""
    confidence: float = 1.0
    details: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(default_factory=_now)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the JSONL, SQLite and webhook payload)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        """The inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})

"""A persisted queue of alert payloads not yet delivered (the webhook's outbox), in a SQLite file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from actionpose.alerts.sinks.db import LockedTable

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    added TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""
COLUMNS = ("seq", "id", "payload", "added", "attempts", "last_error")


class Outbox(LockedTable):
    """Alert payloads waiting for delivery, oldest first; each add and remove is committed to disk.

    The queue lives in the SQLite file ``path``, created with its folder when missing (an existing
    file that is not an outbox raises :class:`~actionpose.errors.InputError`).
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "outbox", SCHEMA, COLUMNS, "webhook outbox")

    def add(self, alert_id: str, payload: str) -> None:
        """Queue a payload (an id already queued is kept once, in its first place)."""
        added = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        self.execute("INSERT OR IGNORE INTO outbox (id, payload, added) VALUES (?, ?, ?)", (alert_id, payload, added))

    def head(self, limit: int = 100) -> list[tuple[str, str]]:
        """Up to ``limit`` oldest ``(id, payload)`` pairs."""
        return self.execute("SELECT id, payload FROM outbox ORDER BY seq LIMIT ?", (limit,))

    def remove(self, alert_id: str) -> None:
        """Drop a delivered payload."""
        self.execute("DELETE FROM outbox WHERE id = ?", (alert_id,))

    def failed(self, alert_id: str, error: str) -> None:
        """Record a failed delivery attempt."""
        self.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error, alert_id))

    def ids(self) -> list[str]:
        """The queued alert ids, oldest first."""
        return [r[0] for r in self.execute("SELECT id FROM outbox ORDER BY seq")]

    def __len__(self) -> int:
        return self.execute("SELECT COUNT(*) FROM outbox")[0][0]

"""A persisted queue of alert payloads not yet delivered (the webhook's outbox), in a SQLite file."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from actionpose.alerts.sinks.db import open_db

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


class Outbox:
    """Alert payloads waiting for delivery, oldest first; each add and remove is committed to disk.

    Parameters
    ----------
    path
        The SQLite file; created with its folder when missing.

    Raises
    ------
    InputError
        ``path`` exists but is not an outbox.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = open_db(self.path, "outbox", SCHEMA, COLUMNS, "webhook outbox")
        self._lock = threading.Lock()

    def add(self, alert_id: str, payload: str) -> None:
        """Queue a payload (an id already queued is kept once, in its first place)."""
        added = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO outbox (id, payload, added) VALUES (?, ?, ?)",
                               (alert_id, payload, added))

    def head(self, limit: int = 100) -> list[tuple[str, str]]:
        """Up to ``limit`` oldest ``(id, payload)`` pairs."""
        with self._lock:
            return self._conn.execute("SELECT id, payload FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()

    def remove(self, alert_id: str) -> None:
        """Drop a delivered payload."""
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE id = ?", (alert_id,))

    def failed(self, alert_id: str, error: str) -> None:
        """Record a failed delivery attempt."""
        with self._lock:
            self._conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                               (error, alert_id))

    def ids(self) -> list[str]:
        """The queued alert ids, oldest first."""
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT id FROM outbox ORDER BY seq")]

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def close(self) -> None:
        """Close the file (again: nothing)."""
        with self._lock:
            self._conn.close()

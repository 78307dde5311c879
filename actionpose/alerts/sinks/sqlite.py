"""A SQLite alert database (WAL, one row per alert id) and a query helper for reports and the dashboard."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actionpose.alerts.sinks.base import jsonable
from actionpose.alerts.sinks.db import LockedTable, open_db_readonly
from actionpose.alerts.types import Alert
from actionpose.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

#: the columns of the ``alerts`` table, in order
COLUMNS = ("id", "kind", "person", "time_s", "severity", "message", "source", "confidence", "details",
           "created")

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    person INTEGER NOT NULL,
    time_s REAL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    confidence REAL,
    details TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts (created);
CREATE INDEX IF NOT EXISTS alerts_kind_person ON alerts (kind, person);
"""

_WHAT = "alert database"


def _row(alert: Alert) -> tuple[Any, ...]:
    def num(x: float) -> float | None:
        return float(x) if x is not None and math.isfinite(x) else None

    details = json.dumps(jsonable(alert.details), ensure_ascii=False, allow_nan=False)
    return (alert.id, alert.kind, int(alert.person), num(alert.time_s), alert.severity, alert.message,
            alert.source, num(alert.confidence), details, alert.created)


class SQLiteSink(LockedTable):
    """Store alerts in a SQLite table ``alerts``; a re-sent alert (same id) is stored once.

    The database is in WAL mode, so the dashboard (another process) can read it with
    :func:`read_alerts` while this sink writes.

    Parameters
    ----------
    path
        The database file; created with its folder when missing.

    Raises
    ------
    InputError
        ``path`` is not a SQLite database, or a database of something else.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "alerts", SCHEMA, COLUMNS, _WHAT)

    def send(self, alert: Alert) -> None:
        """Insert the alert (committed before returning; ignored when its id is already stored)."""
        self.execute(f"INSERT OR IGNORE INTO alerts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                     _row(alert))


def _since_text(since: datetime | str | float) -> str:
    """``since`` as the ISO 8601 UTC text stored in ``created`` (numbers are Unix times; a naive datetime
    is local time)."""
    if isinstance(since, (int, float)) and not isinstance(since, bool):
        when = datetime.fromtimestamp(since, tz=timezone.utc)
    elif isinstance(since, str):
        try:
            when = datetime.fromisoformat(since)
        except ValueError:
            raise InputError(since, "not an ISO 8601 time (e.g. 2024-05-01T08:00:00)") from None
    elif isinstance(since, datetime):
        when = since
    else:
        raise TypeError(f"since must be a datetime, ISO 8601 text or a Unix time, got {type(since).__name__}")
    return when.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _parse_details(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def read_alerts(path: str | Path, kind: str | Sequence[str] | None = None, person: int | None = None,
                source: str | None = None, since: datetime | str | float | None = None) -> pd.DataFrame:
    """The alerts in a database written by :class:`SQLiteSink`, oldest first.

    Parameters
    ----------
    path
        The database; opened read-only, so this works while the writer runs.
    kind, person, source
        Keep only these (``kind`` may be a list of kinds).
    since
        Keep alerts created at or after this wall-clock time: a datetime (naive: local time), ISO 8601
        text, or a Unix time in seconds.

    Returns
    -------
    pandas.DataFrame
        One row per alert, columns :data:`COLUMNS`, ``details`` parsed back to dicts (an empty frame
        with these columns when nothing matches).

    Raises
    ------
    InputError
        The file is missing, or is not an alert database.
    """
    import pandas as pd

    path = Path(path)
    where, params = [], []
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params += kinds
    if person is not None:
        where.append("person = ?")
        params.append(int(person))
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if since is not None:
        where.append("created >= ?")
        params.append(_since_text(since))
    sql = f"SELECT {', '.join(COLUMNS)} FROM alerts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    conn = open_db_readonly(path, "alerts", COLUMNS, _WHAT)
    try:
        rows = conn.execute(sql + " ORDER BY rowid", params).fetchall()
    except sqlite3.Error as err:
        raise InputError(path, f"cannot read the alerts ({err})") from None
    finally:
        conn.close()
    dtypes = {"person": "int64", "time_s": "float64", "confidence": "float64"}
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in COLUMNS})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["details"] = [_parse_details(d) for d in frame["details"]]
    return frame.astype({"time_s": "float64", "confidence": "float64"})

"""Open the SQLite files of the alert path (the alert log, the webhook outbox) safely."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path

from actionpose.errors import InputError


def open_db(path: Path, table: str, schema: str, columns: tuple[str, ...], what: str) -> sqlite3.Connection:
    """A write connection to ``path`` in WAL mode with ``table`` present.

    Parameters
    ----------
    path
        The database file; created with its folder when missing.
    table, schema, columns
        The table that must be there, the SQL that creates it (and its indexes), and the columns it must
        have.
    what
        The file's role in a user error, e.g. ``"alert database"``.

    Raises
    ------
    InputError
        The file is not a SQLite database, or is someone else's (it has tables but not ``table``).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _create(path, schema)
        conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    except (OSError, sqlite3.Error) as err:
        raise InputError(path, f"cannot open the {what} ({err})") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if table not in tables and tables - {"sqlite_sequence"}:
            raise InputError(path, f"a SQLite database without a {table!r} table, not an ActionPose {what}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.executescript(schema)
        check_columns(conn, path, table, columns, what)
    except sqlite3.Error as err:
        conn.close()
        raise InputError(path, f"not an ActionPose {what} ({err})") from None
    except InputError:
        conn.close()
        raise
    return conn


def _create(path: Path, schema: str) -> None:
    """Create the database beside ``path`` and link it into place whole.

    A reader polling for the file (``read_alerts`` in a dashboard or a test) never sees it before its
    tables exist; when two writers race, the first link wins and the second simply opens it.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(schema)
        finally:
            conn.close()
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system
            if not path.exists():
                os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def open_db_readonly(path: Path, table: str, columns: tuple[str, ...], what: str) -> sqlite3.Connection:
    """A read-only connection to an existing database with ``table``; usable while a writer runs."""
    if not path.is_file():
        raise InputError(path, f"{what} not found")
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10.0)
        check_columns(conn, path, table, columns, what)
    except sqlite3.Error as err:
        raise InputError(path, f"not an ActionPose {what} ({err})") from None
    return conn


def check_columns(conn: sqlite3.Connection, path: Path, table: str, columns: tuple[str, ...], what: str) -> None:
    """Raise InputError (closing ``conn``) unless ``table`` exists with all of ``columns``."""
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    missing = [c for c in columns if c not in have]
    if not have or missing:
        conn.close()
        problem = f"no {table!r} table" if not have else f"the {table!r} table lacks {', '.join(missing)}"
        raise InputError(path, f"{problem}: not an ActionPose {what}")


class LockedTable:
    """One table of a SQLite file written from several threads: a WAL connection behind a lock.

    Parameters
    ----------
    path, table, schema, columns, what
        As for :func:`open_db`.

    Raises
    ------
    InputError
        ``path`` is not a SQLite database, or a database of something else.
    """

    def __init__(self, path: str | Path, table: str, schema: str, columns: tuple[str, ...], what: str) -> None:
        self.path = Path(path)
        self._conn = open_db(self.path, table, schema, columns, what)
        self._lock = threading.Lock()

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run one statement (committed when it returns: autocommit) and return its rows."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the connection (again: nothing)."""
        with self._lock:
            self._conn.close()

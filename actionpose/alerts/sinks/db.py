"""Open the SQLite files of the alert path (the alert log, the webhook outbox) safely."""

from __future__ import annotations

import sqlite3
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

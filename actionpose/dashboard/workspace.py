"""The dashboard's private data folder: uploads stored under their content hash, the result cache, the
model library's files, the alert log and acknowledgements.

Uploaded file names never become paths: a file is stored as ``uploads/<sha256><suffix>``, where the suffix
is one of a fixed list (the uploaded name only chooses which), and the folder is created readable by its
owner only. Layout::

    <data dir>/            (0700)
        config.json        password hash, backend weights, alert settings (0600)
        uploads/           <sha256>.<suffix>
        results/           <key>/  poses.npz, overlay.mp4, gait plots (key: content hash + settings)
        models/            <sha256>.apm + index.json (the model library)
        training/          training clips by content hash, and their extracted poses
        alerts.sqlite      the default alert log
        dashboard.sqlite   acknowledged alert ids
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from actionpose.errors import InputError
from actionpose.inputs import POSE_SUFFIXES, VIDEO_SUFFIXES

log = logging.getLogger(__name__)

#: suffixes an upload may have (videos, pose files, ZIP archives of clips or OpenPose JSON)
UPLOAD_SUFFIXES = frozenset(VIDEO_SUFFIXES | POSE_SUFFIXES | {".zip"})
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    """An upload in the workspace: ``path`` is ``uploads/<sha256><suffix>``; ``name`` is for display only."""

    path: Path
    sha256: str
    name: str
    size: int

    @property
    def is_video(self) -> bool:
        return self.path.suffix in VIDEO_SUFFIXES


def upload_suffix(name: str, allowed: Iterable[str] = UPLOAD_SUFFIXES) -> str:
    """The lower-case suffix of an uploaded name when it is in ``allowed``.

    Raises
    ------
    InputError
        For any other suffix (the message lists the accepted ones).
    """
    allowed = frozenset(allowed)
    suffix = Path(name.replace("\\", "/")).suffix.lower()
    if suffix not in allowed:
        raise InputError(name, f"unsupported file type {suffix or '(none)'}; accepted: "
                               f"{', '.join(sorted(s.lstrip('.') for s in allowed))}")
    return suffix


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class Workspace:
    """The private data folder (created with mode 0700).

    Parameters
    ----------
    root
        The folder (``--data`` of ``actionpose dashboard``).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = _private_dir(Path(root).expanduser().resolve())
        try:
            os.chmod(self.root, 0o700)
        except OSError:
            log.warning("cannot make %s private (mode 0700)", self.root)
        self.uploads = _private_dir(self.root / "uploads")
        self.results = _private_dir(self.root / "results")
        self.models = _private_dir(self.root / "models")
        self.training = _private_dir(self.root / "training")
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- uploads
    def store(self, data: bytes | BinaryIO, name: str, limit_bytes: int | None = None,
              allowed: Iterable[str] = UPLOAD_SUFFIXES, folder: Path | None = None) -> StoredFile:
        """Store uploaded content under its SHA-256 (once; storing it again is free).

        Parameters
        ----------
        data
            The content, or a binary file object (read in chunks).
        name
            The uploaded file name: only its suffix is used (checked against ``allowed``).
        limit_bytes
            Refuse larger content.
        folder
            Where to store (default ``uploads/``).

        Raises
        ------
        InputError
            Unsupported type, empty, or over the limit.
        """
        suffix = upload_suffix(name, allowed)
        folder = folder or self.uploads
        stream = _as_stream(data)
        digest, size = hashlib.sha256(), 0
        tmp = folder / f".incoming-{os.getpid()}-{threading.get_ident()}{suffix}"
        try:
            with open(tmp, "wb") as out:
                for block in iter(lambda: stream.read(_CHUNK), b""):
                    size += len(block)
                    if limit_bytes is not None and size > limit_bytes:
                        raise InputError(name, f"is larger than the upload limit of {limit_bytes / 2 ** 20:g} MB")
                    digest.update(block)
                    out.write(block)
            if size == 0:
                raise InputError(name, "the file is empty")
            path = folder / f"{digest.hexdigest()}{suffix}"
            if path.exists():
                tmp.unlink()
            else:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return StoredFile(path, digest.hexdigest(), Path(name.replace("\\", "/")).name or "upload", size)

    def result_dir(self, key: str) -> Path:
        """``results/<key>`` (created)."""
        if not key or not all(c in "0123456789abcdefghijklmnopqrstuvwxyz-" for c in key):
            raise ValueError(f"not a result key: {key!r}")
        return _private_dir(self.results / key)

    # ----------------------------------------------------------------- alerts
    def alert_db(self, configured: str | None = None) -> Path:
        """The alert log: the configured database, else ``alerts.sqlite`` here."""
        return Path(configured).expanduser() if configured else self.root / "alerts.sqlite"

    def outbox(self) -> Path:
        """The webhook outbox (undelivered alerts wait here)."""
        return self.root / "alerts.outbox.sqlite"

    def _acks(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.root / "dashboard.sqlite", timeout=10.0, isolation_level=None)
        conn.execute("CREATE TABLE IF NOT EXISTS acks (id TEXT PRIMARY KEY, at TEXT NOT NULL)")
        return conn

    def acknowledged(self) -> dict[str, str]:
        """Acknowledged alert ids -> when (ISO 8601, UTC)."""
        with self._lock:
            conn = self._acks()
            try:
                return dict(conn.execute("SELECT id, at FROM acks").fetchall())
            finally:
                conn.close()

    def set_acknowledged(self, ids: Iterable[str], acknowledged: bool = True) -> None:
        """Mark alerts acknowledged (or not)."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock:
            conn = self._acks()
            try:
                if acknowledged:
                    conn.executemany("INSERT OR IGNORE INTO acks (id, at) VALUES (?, ?)", [(i, now) for i in ids])
                else:
                    conn.executemany("DELETE FROM acks WHERE id = ?", [(i,) for i in ids])
            finally:
                conn.close()


def _as_stream(data: bytes | BinaryIO) -> BinaryIO:
    import io

    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(data))
    if hasattr(data, "seek"):
        data.seek(0)
    return data


__all__ = ["UPLOAD_SUFFIXES", "StoredFile", "Workspace", "upload_suffix"]

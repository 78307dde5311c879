"""What a monitor's worker and the supervisor write to the state folder, and how the dashboard reads it.

Layout of the state folder::

    supervisor.json        pid and heartbeat of the supervisor (``supervisor.lock`` keeps it to one)
    <monitor>.status.json  one :class:`MonitorStatus` per monitor, rewritten about once a second
    <monitor>.jpg          the latest frame with skeletons, about once a second
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: monitor states
STATES = ("starting", "running", "reconnecting", "restarting", "stopped", "failed")
SUPERVISOR_FILE = "supervisor.json"


@dataclass
class MonitorStatus:
    """The state of one monitor.

    Attributes
    ----------
    name
        The monitor.
    state
        One of :data:`STATES`.
    pid
        The worker process (None when none runs).
    fps
        Frames processed per second (the last few seconds).
    source_fps
        The source's nominal frame rate.
    last_frame_at, heartbeat_at, started_at
        Unix times of the last frame processed, of this status, and of the worker's start.
    frames, alerts
        Frames processed and alerts raised by this worker.
    restarts
        Times the supervisor restarted the worker (crash or stall).
    reconnects
        Times the worker reconnected to its source.
    error
        The last problem (one line), or "".
    """

    name: str
    state: str = "starting"
    pid: int | None = None
    fps: float = 0.0
    source_fps: float = 0.0
    last_frame_at: float | None = None
    heartbeat_at: float = 0.0
    started_at: float = 0.0
    frames: int = 0
    alerts: int = 0
    restarts: int = 0
    reconnects: int = 0
    error: str = ""

    def age_s(self, now: float | None = None) -> float:
        """Seconds since the last heartbeat."""
        return (time.time() if now is None else now) - self.heartbeat_at

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitorStatus:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def status_path(state_dir: Path, slug: str) -> Path:
    return Path(state_dir) / f"{slug}.status.json"


def snapshot_path(state_dir: Path, slug: str) -> Path:
    return Path(state_dir) / f"{slug}.jpg"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def write_status(state_dir: Path, slug: str, status: MonitorStatus) -> None:
    status.heartbeat_at = time.time()
    write_json(status_path(state_dir, slug), status.to_dict())


def read_one(state_dir: Path, slug: str) -> MonitorStatus | None:
    """The status of one monitor, or None when it has none (yet)."""
    try:
        return MonitorStatus.from_dict(json.loads(status_path(state_dir, slug).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def read_status(state_dir: str | Path) -> dict[str, MonitorStatus]:
    """Monitor name -> its last status, for every status file in ``state_dir``."""
    out = {}
    for path in sorted(Path(state_dir).glob("*.status.json")):
        try:
            status = MonitorStatus.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            continue
        out[status.name] = status
    return out


def supervisor_alive(state_dir: str | Path, max_age_s: float = 10.0) -> dict[str, Any] | None:
    """The supervisor's record when it is running (its pid exists and its heartbeat is fresh), else None."""
    try:
        info = json.loads((Path(state_dir) / SUPERVISOR_FILE).read_text())
        pid = int(info["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if time.time() - float(info.get("heartbeat_at", 0)) > max_age_s:
        return None
    return info


__all__ = ["STATES", "SUPERVISOR_FILE", "MonitorStatus", "read_one", "read_status", "snapshot_path",
           "status_path", "supervisor_alive", "write_json", "write_status"]

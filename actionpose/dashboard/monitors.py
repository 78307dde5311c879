"""The dashboard's monitors: a monitors file in the data folder and the supervisor process that runs it.

The supervisor (``actionpose monitor <data dir>/monitors.json``) runs outside Streamlit's script runs, so
monitors keep running across page reloads and closed browsers; the Live page only edits the file (the
supervisor picks changes up within a second) and reads the status files. Alerts go to the dashboard's own
alert log, beside those of analysed clips.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from actionpose.dashboard.workspace import Workspace
from actionpose.monitor.config import MonitorConfig, MonitorsFile, load_monitors, save_monitors
from actionpose.monitor.status import supervisor_alive

log = logging.getLogger(__name__)
MONITORS_FILE = "monitors.json"
STATE_DIR = "monitors.state"
#: do not start another supervisor this soon after starting one (it is still importing)
_LAUNCH_GRACE_S = 20.0


def monitors_path(ws: Workspace) -> Path:
    return ws.root / MONITORS_FILE


def state_dir(ws: Workspace) -> Path:
    return ws.root / STATE_DIR


def load(ws: Workspace) -> MonitorsFile:
    """The dashboard's monitors file (written empty when missing)."""
    path = monitors_path(ws)
    if not path.exists():
        save(ws, [])
    return load_monitors(path)


def save(ws: Workspace, monitors: list[MonitorConfig]) -> Path:
    """Write the monitors (checked; alerts to the dashboard's own log, state in the data folder)."""
    return save_monitors(monitors_path(ws), monitors, state_dir=STATE_DIR, alert_db=ws.alert_db())


def add(ws: Workspace, raw: dict) -> MonitorConfig:
    """Add a monitor from the form's fields (checked like a monitors file).

    Raises
    ------
    InputError
        A field is not valid, or the name is taken.
    """
    from actionpose.monitor.config import parse_monitors

    current = load(ws).monitors
    data = {"monitors": [m.to_dict() for m in current] + [raw]}
    checked = parse_monitors(data, monitors_path(ws)).monitors
    save(ws, checked)
    return checked[-1]


def set_enabled(ws: Workspace, name: str, enabled: bool) -> None:
    """Start (enabled) or stop a monitor."""
    monitors = load(ws).monitors
    for m in monitors:
        if m.name == name:
            m.enabled = enabled
    save(ws, monitors)


def remove(ws: Workspace, name: str) -> None:
    """Delete a monitor (its worker stops)."""
    save(ws, [m for m in load(ws).monitors if m.name != name])


def ensure_supervisor(ws: Workspace) -> dict | None:
    """Start the supervisor for the dashboard's monitors unless one runs; returns its record when running."""
    load(ws)
    state = state_dir(ws)
    info = supervisor_alive(state)
    if info is not None:
        return info
    stamp = state / "launched"
    try:
        if time.time() - stamp.stat().st_mtime < _LAUNCH_GRACE_S:
            return None
    except OSError:
        pass
    state.mkdir(parents=True, exist_ok=True)
    stamp.touch()
    out = open(state / "supervisor.log", "ab")
    cmd = [sys.executable, "-m", "actionpose.cli", "monitor", str(monitors_path(ws))]
    subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=os.environ.copy(),
                     close_fds=True)
    out.close()
    log.info("started the monitor supervisor: %s", " ".join(cmd))
    return None


__all__ = ["add", "ensure_supervisor", "load", "monitors_path", "remove", "save", "set_enabled", "state_dir"]

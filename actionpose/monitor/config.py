"""The monitors file: which live sources to watch, with which tasks, ignore zones and alert sinks.

JSON or YAML::

    state_dir: monitor-state          # status and snapshots (default: <file stem>.state beside the file)
    alert_db: alerts.sqlite           # the alert log every monitor writes to unless it names its own
    monitors:
      - name: bedroom                 # letters, digits, space, - _ . (unique)
        source: 0                     # a camera index, an rtsp:// / http(s):// URL, or a video file
        loop: false                   # a file only: start again at its end (for testing)
        tasks: [falls]                # falls, gait
        ignore_zones: [{name: bed, polygon: [[10, 200], [300, 200], [300, 400]]}]
        alert_jsonl: null             # more sinks: a JSON-lines log, a webhook URL
        alert_webhook: null
        cooldown_s: 60
        debounce_s: 0.5
        escalate_after_s: 30
        max_fps: null                 # analyse at most this many frames a second (e.g. 15 on a slow machine)
        enabled: true                 # false: configured but not running

Relative paths are relative to the file. :func:`load_monitors` checks everything and raises one
:class:`~actionpose.errors.InputError` naming the file, the monitor and the problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from actionpose.atomic import atomic_path
from actionpose.errors import InputError
from actionpose.settings_file import read_settings_file

#: the tasks a monitor can run live
LIVE_TASKS = ("falls", "gait")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$")
_STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


@dataclass
class MonitorConfig:
    """One live source and what to do with it (see the module docstring for the fields)."""

    name: str
    source: str | int
    loop: bool = False
    tasks: list[str] = field(default_factory=lambda: ["falls"])
    ignore_zones: list[dict[str, Any]] = field(default_factory=list)
    alert_db: str | None = None
    alert_jsonl: str | None = None
    alert_webhook: str | None = None
    cooldown_s: float = 60.0
    debounce_s: float = 0.5
    escalate_after_s: float | None = 30.0
    backend: str = "mediapipe"
    max_fps: float | None = None
    enabled: bool = True

    @property
    def kind(self) -> str:
        """``"camera"``, ``"stream"`` or ``"file"``."""
        if isinstance(self.source, int):
            return "camera"
        return "stream" if str(self.source).lower().startswith(_STREAM_SCHEMES) else "file"

    @property
    def slug(self) -> str:
        """The name as a file name (status and snapshot files)."""
        return re.sub(r"[^A-Za-z0-9_.\-]", "_", self.name)

    def zones(self):
        """The ignore zones as :class:`~actionpose.alerts.zones.Zone` objects."""
        from actionpose.alerts.zones import Zone

        return [Zone(z.get("name", f"zone{i}"), z["polygon"]) for i, z in enumerate(self.ignore_zones, 1)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MonitorsFile:
    """A monitors file: the monitors, where their state goes and the default alert log."""

    path: Path
    state_dir: Path
    alert_db: Path | None
    monitors: list[MonitorConfig]

    def get(self, name: str) -> MonitorConfig | None:
        return next((m for m in self.monitors if m.name == name), None)


def _problem(where: str, text: str) -> str:
    return f"{where}: {text}" if where else text


def _check_monitor(raw: Any, i: int, base: Path) -> MonitorConfig:
    where = f"monitor {i}"
    if not isinstance(raw, dict):
        raise ValueError(_problem(where, "must be a mapping of settings"))
    names = {f.name for f in fields(MonitorConfig)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ValueError(_problem(where, f"unknown setting(s) {unknown}; known: {sorted(names)}"))
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(_problem(where, f"name {name!r} must be 1-64 letters, digits, spaces, '-', '_' or '.'"))
    where = f"monitor {name!r}"
    if "source" not in raw or raw["source"] is None or raw["source"] == "":
        raise ValueError(_problem(where, "needs a source (camera index, stream URL or video file)"))
    source = raw["source"]
    if isinstance(source, bool) or not isinstance(source, (int, str)):
        raise ValueError(_problem(where, "source must be a camera index, a stream URL or a file path"))
    if isinstance(source, str) and source.strip().isdigit():
        source = int(source.strip())
    if isinstance(source, int) and source < 0:
        raise ValueError(_problem(where, "a camera index is 0 or more"))
    data = {**raw, "source": source}
    tasks = data.get("tasks", ["falls"])
    if isinstance(tasks, str):
        tasks = [tasks]
    if not isinstance(tasks, list) or not tasks or any(t not in LIVE_TASKS for t in tasks):
        raise ValueError(_problem(where, f"tasks must be a non-empty list of {', '.join(LIVE_TASKS)}, got {tasks!r}"))
    data["tasks"] = list(dict.fromkeys(tasks))
    for key in ("cooldown_s", "debounce_s", "escalate_after_s"):
        if key in data and not (data[key] is None and key == "escalate_after_s"):
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e6:
                raise ValueError(_problem(where, f"{key} must be a number of seconds >= 0, got {value!r}"))
            data[key] = float(value)
    if data.get("max_fps") is not None:
        value = data["max_fps"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 240:
            raise ValueError(_problem(where, f"max_fps must be a number of frames a second from 1 to 240, "
                                             f"got {value!r}"))
        data["max_fps"] = float(value)
    for key in ("loop", "enabled"):
        if key in data and not isinstance(data[key], bool):
            raise ValueError(_problem(where, f"{key} must be true or false"))
    for key in ("alert_db", "alert_jsonl"):
        if data.get(key) is not None:
            if not isinstance(data[key], str) or not data[key].strip():
                raise ValueError(_problem(where, f"{key} must be a file path"))
            data[key] = str((base / Path(data[key]).expanduser()).resolve())
    hook = data.get("alert_webhook")
    if hook is not None and (not isinstance(hook, str) or not hook.lower().startswith(("http://", "https://"))):
        raise ValueError(_problem(where, "alert_webhook must be an http:// or https:// URL"))
    backend = data.get("backend", "mediapipe")
    if not isinstance(backend, str) or not backend:
        raise ValueError(_problem(where, "backend must be a backend name"))
    zones = data.get("ignore_zones", [])
    if not isinstance(zones, list):
        raise ValueError(_problem(where, 'ignore_zones must be a list of {"name", "polygon"}'))
    from actionpose.alerts.zones import Zone

    for j, z in enumerate(zones, 1):
        if not isinstance(z, dict) or "polygon" not in z:
            raise ValueError(_problem(where, f'ignore zone {j} must be {{"name": ..., "polygon": [[x, y], ...]}}'))
        try:
            Zone(str(z.get("name", f"zone{j}")), z["polygon"])
        except (TypeError, ValueError) as exc:
            raise ValueError(_problem(where, f"ignore zone {j}: {exc}")) from None
    config = MonitorConfig(**data)
    if config.kind == "file":
        path = (base / Path(str(source)).expanduser()).resolve()
        config.source = str(path)
    elif config.loop:
        raise ValueError(_problem(where, "loop applies to a video file only"))
    return config


def parse_monitors(data: Any, path: Path) -> MonitorsFile:
    """A :class:`MonitorsFile` from parsed JSON/YAML ``data`` (paths relative to ``path``'s folder).

    Raises
    ------
    InputError
        Naming ``path`` and the first problem found.
    """
    base = path.parent.resolve()
    try:
        if data is None:
            data = {}
        if isinstance(data, list):
            data = {"monitors": data}
        if not isinstance(data, dict):
            raise ValueError("must be a mapping with a 'monitors' list")
        unknown = sorted(set(data) - {"state_dir", "alert_db", "monitors"})
        if unknown:
            raise ValueError(f"unknown setting(s) {unknown}; known: ['alert_db', 'monitors', 'state_dir']")
        raw = data.get("monitors") or []
        if not isinstance(raw, list):
            raise ValueError("'monitors' must be a list")
        monitors = [_check_monitor(m, i, base) for i, m in enumerate(raw, 1)]
        seen: set[str] = set()
        for m in monitors:
            if m.slug.lower() in seen:
                raise ValueError(f"two monitors are named {m.name!r}")
            seen.add(m.slug.lower())
        for key in ("state_dir", "alert_db"):
            if data.get(key) is not None and (not isinstance(data[key], str) or not data[key].strip()):
                raise ValueError(f"{key} must be a folder or file path")
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    state = (base / Path(data["state_dir"]).expanduser()).resolve() if data.get("state_dir") \
        else base / f"{path.stem}.state"
    db = (base / Path(data["alert_db"]).expanduser()).resolve() if data.get("alert_db") else None
    return MonitorsFile(path.resolve(), state, db, monitors)


def load_monitors(path: str | Path) -> MonitorsFile:
    """Read and check a monitors file (JSON, or YAML for ``.yaml``/``.yml``).

    Raises
    ------
    InputError
        The file is missing or unreadable, not JSON/YAML, or a monitor is not valid (one line).
    """
    path = Path(path)
    return parse_monitors(read_settings_file(path, "monitors file", empty={}), path)


def save_monitors(path: str | Path, monitors: list[MonitorConfig], state_dir: str | Path | None = None,
                  alert_db: str | Path | None = None) -> Path:
    """Write a monitors file (JSON, atomically) after checking it; returns its path.

    Raises
    ------
    InputError
        A monitor is not valid (nothing is written).
    """
    path = Path(path)
    data: dict[str, Any] = {"monitors": [m.to_dict() for m in monitors]}
    if state_dir is not None:
        data["state_dir"] = str(state_dir)
    if alert_db is not None:
        data["alert_db"] = str(alert_db)
    parse_monitors(json.loads(json.dumps(data)), path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1))
    return path


__all__ = ["LIVE_TASKS", "MonitorConfig", "MonitorsFile", "load_monitors", "parse_monitors", "save_monitors"]

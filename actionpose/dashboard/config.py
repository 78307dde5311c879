"""Dashboard settings: what the ``actionpose dashboard`` command passes in environment variables, and the
persisted ``config.json`` of the private data folder (password hash, backend weights, alert settings)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from actionpose.atomic import atomic_path
from actionpose.errors import InputError
from actionpose.settings_file import read_settings_file

log = logging.getLogger(__name__)

#: environment variables the command sets for the Streamlit process (tests set them too)
ENV_DIR = "ACTIONPOSE_DASHBOARD_DIR"
ENV_MAX_UPLOAD_MB = "ACTIONPOSE_DASHBOARD_MAX_UPLOAD_MB"
ENV_HOST = "ACTIONPOSE_DASHBOARD_HOST"
#: default upload limit, megabytes (also given to Streamlit as ``server.maxUploadSize``)
DEFAULT_MAX_UPLOAD_MB = 200
CONFIG_FILE = "config.json"
#: backends that take a weights file (``actionpose dashboard --weights``)
WEIGHTED_BACKENDS = ("openpose", "rsn")
#: backends offered without one: OpenPose then runs its built-in mobilenet_v2_small
BUILTIN_BACKENDS = ("mediapipe", "openpose")


def default_data_dir() -> Path:
    """``$ACTIONPOSE_HOME/dashboard``, else ``~/.actionpose/dashboard``."""
    home = os.environ.get("ACTIONPOSE_HOME")
    return (Path(home) if home else Path.home() / ".actionpose") / "dashboard"


@dataclass(frozen=True)
class Settings:
    """How this dashboard process runs (from the environment; see :meth:`from_env`)."""

    data_dir: Path
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    host: str = "127.0.0.1"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls) -> Settings:
        """:data:`ENV_DIR` (default :func:`default_data_dir`), :data:`ENV_MAX_UPLOAD_MB`, :data:`ENV_HOST`."""
        raw = os.environ.get(ENV_MAX_UPLOAD_MB, "")
        try:
            limit = float(raw) if raw else DEFAULT_MAX_UPLOAD_MB
        except ValueError:
            log.warning("%s=%r is not a number; using %d MB", ENV_MAX_UPLOAD_MB, raw, DEFAULT_MAX_UPLOAD_MB)
            limit = DEFAULT_MAX_UPLOAD_MB
        data_dir = Path(os.environ[ENV_DIR]) if os.environ.get(ENV_DIR) else default_data_dir()
        return cls(data_dir=data_dir.expanduser(), max_upload_mb=limit,
                   host=os.environ.get(ENV_HOST, "127.0.0.1"))


@dataclass
class DashboardConfig:
    """The persisted settings (``config.json`` in the data folder, readable by its owner only).

    Parameters
    ----------
    password
        A record of :func:`actionpose.dashboard.auth.hash_password` (never the password itself); when
        set, every page asks for it.
    weights
        Backend name -> weights file (``openpose``, ``rsn``): RSN is offered once set; OpenPose runs
        these weights instead of its built-in network.
    alert_db
        The SQLite alert log the Alerts page shows (default: ``alerts.sqlite`` in the data folder; point
        it at the database ``actionpose watch --alert-db`` writes to see live alerts).
    webhook_url, webhook_timeout_s
        Where alerts are POSTed (the test-alert button, and analysed clips when ``webhook_on_analyze``).
    webhook_on_analyze
        Also send the fall and gait alerts of analysed clips to the webhook (off: they only go to the log).
    """

    password: dict[str, Any] | None = None
    weights: dict[str, str] = field(default_factory=dict)
    alert_db: str | None = None
    webhook_url: str | None = None
    webhook_timeout_s: float = 5.0
    webhook_on_analyze: bool = False

    def backend_weights(self, backend: str) -> Path | None:
        """The configured weights of ``backend`` when the file exists."""
        path = self.weights.get(backend)
        return Path(path) if path and Path(path).is_file() else None


def check_webhook_url(url: str) -> str:
    """The stripped URL when it is ``http(s)://host...`` (``InputError`` otherwise)."""
    import urllib.parse

    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise InputError(None, f"the webhook must be an http:// or https:// URL with a host, not {url!r}")
    return url


def config_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / CONFIG_FILE


def load_config(data_dir: str | Path) -> DashboardConfig:
    """The data folder's config (defaults when there is none).

    Raises
    ------
    InputError
        If ``config.json`` exists but is not a valid dashboard config.
    """
    path = config_path(data_dir)
    if not path.is_file():
        return DashboardConfig()
    raw = read_settings_file(path, "dashboard config", yaml_ok=False)
    if not isinstance(raw, dict):
        raise InputError(path, "the dashboard config must be a JSON object")
    known = {f.name for f in fields(DashboardConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        log.warning("%s: ignoring unknown settings %s", path, ", ".join(unknown))
    try:
        return DashboardConfig(**{k: v for k, v in raw.items() if k in known})
    except TypeError as exc:
        raise InputError(path, f"not a dashboard config ({exc})") from None


def save_config(data_dir: str | Path, config: DashboardConfig) -> Path:
    """Write the config atomically, readable and writable by its owner only."""
    path = config_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_path(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(asdict(config), f, indent=1)
    return path


__all__ = ["BUILTIN_BACKENDS", "CONFIG_FILE", "DEFAULT_MAX_UPLOAD_MB", "ENV_DIR", "ENV_HOST", "ENV_MAX_UPLOAD_MB",
           "WEIGHTED_BACKENDS", "DashboardConfig", "Settings", "check_webhook_url", "config_path", "default_data_dir",
           "load_config", "save_config"]

"""``actionpose dashboard``: start the Streamlit dashboard (Analyze, Train, Alerts) in a subprocess.

It binds to 127.0.0.1 unless told otherwise; any other address needs a password first
(``--set-password``, stored as a salted scrypt hash in the data folder's ``config.json``).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

from actionpose.errors import InputError

#: the entry script Streamlit runs
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the dashboard command."""
    d = sub.add_parser("dashboard", help="the Streamlit dashboard: analyse clips, train your own classes, alerts",
                       description="Start the Streamlit dashboard: upload a clip and see the skeleton video, the "
                                   "timeline, falls, gait, reps and signs; train your own action classes; manage "
                                   "alerts. Serves 127.0.0.1 by default; another address needs a password.")
    d.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; others need a password)")
    d.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    d.add_argument("--data", metavar="DIR",
                   help="private data folder: uploads, results, models, alert log, config (default "
                        "$ACTIONPOSE_HOME/dashboard or ~/.actionpose/dashboard)")
    d.add_argument("--set-password", action="store_true",
                   help="set the dashboard password (asked twice; read from stdin when it is not a terminal) and exit")
    d.add_argument("--max-upload-mb", type=float, default=None, metavar="MB",
                   help="largest upload in megabytes (default 200)")
    d.add_argument("--weights", action="append", default=[], metavar="BACKEND=FILE",
                   help="remember the weights of the openpose or rsn backend, so the Analyze page offers it "
                        "(repeatable)")
    d.set_defaults(func=cmd_dashboard)


def data_dir_of(args: argparse.Namespace) -> Path:
    from actionpose.dashboard.config import default_data_dir

    return Path(args.data).expanduser() if args.data else default_data_dir()


def read_new_password() -> str:
    """The new password: asked twice on a terminal, else one line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("New dashboard password: ")
        if getpass.getpass("Once more: ") != first:
            raise InputError(None, "the two passwords differ; nothing changed")
        return first
    return (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")


def set_password(data_dir: Path, password: str) -> Path:
    """Store the salted scrypt hash of ``password`` in the data folder's config; returns the config file."""
    from actionpose.dashboard.auth import hash_password
    from actionpose.dashboard.config import load_config, save_config

    try:
        record = hash_password(password)
    except ValueError as exc:
        raise InputError(None, str(exc)) from None
    config = load_config(data_dir)
    config.password = record
    return save_config(data_dir, config)


def store_weights(data_dir: Path, specs: list[str]) -> Path:
    """Remember ``BACKEND=FILE`` weights in the config."""
    from actionpose.dashboard.config import WEIGHTED_BACKENDS, load_config, save_config

    config = load_config(data_dir)
    for spec in specs:
        backend, _, file = spec.partition("=")
        if backend not in WEIGHTED_BACKENDS or not file:
            raise InputError(None, f"--weights takes BACKEND=FILE with BACKEND one of "
                                   f"{', '.join(WEIGHTED_BACKENDS)}, not {spec!r}")
        path = Path(file).expanduser().resolve()
        if not path.is_file():
            raise InputError(path, "no such weights file")
        config.weights[backend] = str(path)
    return save_config(data_dir, config)


def streamlit_command(host: str, port: int, max_upload_mb: float) -> list[str]:
    """The ``streamlit run`` command line for the dashboard."""
    return [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.headless", "true",
            "--server.address", host,
            "--server.port", str(port),
            "--server.maxUploadSize", str(max(1, math.ceil(max_upload_mb))),
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false",
            "--client.showErrorDetails", "none",
            "--client.toolbarMode", "minimal",
            "--global.developmentMode", "false"]


def dashboard_env(data_dir: Path, host: str, max_upload_mb: float) -> dict[str, str]:
    """The environment of the Streamlit process: the dashboard's settings added to ours."""
    from actionpose.dashboard.config import ENV_DIR, ENV_HOST, ENV_MAX_UPLOAD_MB

    return {**os.environ, ENV_DIR: str(data_dir), ENV_HOST: host, ENV_MAX_UPLOAD_MB: f"{max_upload_mb:g}",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}


def check_serving(host: str, port: int, data_dir: Path) -> None:
    """``InputError`` for a bad port, or for an address beyond loopback without a password."""
    from actionpose.dashboard.auth import is_loopback
    from actionpose.dashboard.config import load_config

    if not 1 <= port <= 65535:
        raise InputError(None, f"--port must be 1-65535, not {port}")
    if not is_loopback(host) and load_config(data_dir).password is None:
        raise InputError(None, f"serving the dashboard on {host} (beyond this machine) needs a password: run "
                               f"`actionpose dashboard --set-password{' --data ' + str(data_dir) if data_dir else ''}` "
                               "first")


def _warn_incompatible_server() -> None:
    """Streamlit 1.60 cannot serve video with starlette >= 1.8 (its gzip middleware drops the response start)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        major, minor = (int(p) for p in version("starlette").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return
    if (major, minor) >= (1, 8):
        print(f"actionpose: warning: starlette {major}.{minor} breaks video playback in Streamlit 1.60; "
              "install starlette<1.8", file=sys.stderr)


def cmd_dashboard(args: argparse.Namespace) -> int:
    from actionpose.dashboard.config import DEFAULT_MAX_UPLOAD_MB

    data_dir = data_dir_of(args)
    if args.set_password:
        path = set_password(data_dir, read_new_password())
        print(f"dashboard password set (salted scrypt hash in {path})")
        return 0
    if args.weights:
        store_weights(data_dir, args.weights)
    check_serving(args.host, args.port, data_dir)
    limit = args.max_upload_mb if args.max_upload_mb is not None else DEFAULT_MAX_UPLOAD_MB
    if not limit > 0:
        raise InputError(None, f"--max-upload-mb must be positive, not {limit:g}")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _warn_incompatible_server()
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"ActionPose dashboard: http://{shown}:{args.port}  (data in {data_dir}; Ctrl+C stops it)", flush=True)
    proc = subprocess.Popen(streamlit_command(args.host, args.port, limit),
                            env=dashboard_env(data_dir, args.host, limit))
    try:
        previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())  # stopping us stops Streamlit
    except ValueError:  # not the main thread
        previous = None
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0 if code in (0, -signal.SIGTERM) else 1


__all__ = ["APP", "add_parser", "check_serving", "cmd_dashboard", "dashboard_env", "set_password",
           "store_weights", "streamlit_command"]

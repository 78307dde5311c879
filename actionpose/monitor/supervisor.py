"""The supervisor: one worker process per enabled monitor, restarted when it dies or stalls.

It re-reads the monitors file when it changes (the dashboard edits it to add, start and stop monitors), so
it runs outside any Streamlit script run and survives page reloads; ``actionpose monitor CONFIG`` runs it in
the foreground. A lock file in the state folder keeps it to one supervisor per state folder.
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actionpose.errors import InputError
from actionpose.monitor.config import MonitorConfig, MonitorsFile, load_monitors
from actionpose.monitor.status import SUPERVISOR_FILE, MonitorStatus, read_one, write_json, write_status
from actionpose.monitor.stopflag import StopFlag

log = logging.getLogger(__name__)

#: restart back-off after a crash: first wait, longest wait (seconds); reset after a minute of running
RESTART_BACKOFF = (1.0, 30.0)
#: a running worker whose status is older than this is stuck (a hung read) and is killed and restarted
STALL_S = 30.0
#: grace for the first status of a new worker (imports, model load)
START_GRACE_S = 90.0


@dataclass
class _Worker:
    config: MonitorConfig
    process: Any = None
    stop: Any = None
    started: float = 0.0
    restarts: int = 0
    retry_at: float = 0.0
    wait: float = RESTART_BACKOFF[0]
    finished: bool = False
    last: dict[str, Any] = field(default_factory=dict)


class Supervisor:
    """Run the monitors of a monitors file, each in its own process.

    Parameters
    ----------
    path
        The monitors file (re-read whenever it changes).
    poll_s
        How often to check the workers and the file.
    stall_s
        Kill and restart a running worker silent this long.
    """

    def __init__(self, path: str | Path, poll_s: float = 0.5, stall_s: float = STALL_S) -> None:
        self.path = Path(path)
        self.poll_s = poll_s
        self.stall_s = stall_s
        self.file: MonitorsFile = load_monitors(self.path)
        self._mtime = self._stat()
        self.state_dir = self.file.state_dir
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.workers: dict[str, _Worker] = {}
        self._ctx = mp.get_context("spawn")
        self._lock_fd: int | None = None
        self.stopping = threading.Event()
        self._signalled = False  # set by SIGTERM/SIGINT: a handler must take no lock (Event.set does)

    # ------------------------------------------------------------------ lifetime
    def acquire(self) -> bool:
        """Take the state folder's lock; False when another supervisor holds it."""
        fd = os.open(self.state_dir / "supervisor.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def run(self, duration_s: float | None = None) -> None:
        """Supervise until :attr:`stopping` is set, SIGTERM/SIGINT arrives, or ``duration_s`` passes."""
        if self._lock_fd is None and not self.acquire():
            raise InputError(self.state_dir, "another supervisor already runs the monitors of this state folder")
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
        end = None if duration_s is None else time.monotonic() + duration_s
        try:
            while not (self.stopping.is_set() or self._signalled) and (end is None or time.monotonic() < end):
                self.step()
                self.stopping.wait(self.poll_s)
        finally:
            self.shutdown()

    def _on_signal(self, *_: object) -> None:
        # Event.set() here could deadlock: the main thread may hold the event's lock inside wait()
        self._signalled = True

    def shutdown(self) -> None:
        """Stop every worker and release the lock."""
        for name in list(self.workers):
            self._stop(name)
        try:
            (self.state_dir / SUPERVISOR_FILE).unlink(missing_ok=True)
        except OSError:
            pass
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # ------------------------------------------------------------------ one round
    def _stat(self) -> float | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    def reload(self) -> None:
        """Re-read the monitors file if it changed (a bad file is logged and the running set kept)."""
        mtime = self._stat()
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            self.file = load_monitors(self.path)
        except InputError as exc:
            log.error("%s; keeping the monitors as they were", exc)

    def step(self) -> None:
        """One round: reload the file, stop removed/disabled/changed monitors, start and restart the rest."""
        self.reload()
        now = time.time()
        write_json(self.state_dir / SUPERVISOR_FILE, {"pid": os.getpid(), "heartbeat_at": now,
                                                      "config": str(self.path)})
        wanted = {m.name: m for m in self.file.monitors if m.enabled}
        for name in list(self.workers):
            w = self.workers[name]
            if name not in wanted or wanted[name].to_dict() != w.config.to_dict():
                self._stop(name)
                del self.workers[name]
        for m in self.file.monitors:
            if not m.enabled and m.name not in self.workers:
                st = read_one(self.state_dir, m.slug)
                if st is None or st.state != "stopped" or st.pid is not None:
                    write_status(self.state_dir, m.slug, MonitorStatus(m.name, "stopped", restarts=0
                                                                      if st is None else st.restarts))
        for name, config in wanted.items():
            w = self.workers.setdefault(name, _Worker(config))
            self._check(w)

    def _check(self, w: _Worker) -> None:
        now = time.time()
        if w.finished:
            return
        if w.process is None:
            if now >= w.retry_at:
                self._start(w)
            return
        if w.process.is_alive():
            st = read_one(self.state_dir, w.config.slug)
            fresh = st is not None and st.pid == w.process.pid
            age = st.age_s(now) if fresh else now - w.started
            limit = self.stall_s if fresh else START_GRACE_S
            if age > limit:
                log.error("monitor %s: no sign of life for %.0f s; restarting its worker", w.config.name, age)
                self._kill(w)
                self._crashed(w, f"stalled ({age:.0f} s without a heartbeat)")
            elif now - w.started > 60.0:
                w.wait = RESTART_BACKOFF[0]
            return
        code = w.process.exitcode
        w.process = None
        st = read_one(self.state_dir, w.config.slug)
        if code == 0 and st is not None and st.state == "stopped":
            w.finished = True  # a file without loop has ended
            return
        self._crashed(w, f"worker exited with code {code}")

    def _crashed(self, w: _Worker, why: str) -> None:
        w.process = None
        w.restarts += 1
        w.retry_at = time.time() + w.wait
        log.warning("monitor %s: %s; restart %d in %.1f s", w.config.name, why, w.restarts, w.wait)
        st = read_one(self.state_dir, w.config.slug) or MonitorStatus(w.config.name)
        st.state, st.error, st.pid, st.fps, st.restarts = "restarting", why, None, 0.0, w.restarts
        write_status(self.state_dir, w.config.slug, st)
        w.wait = min(w.wait * 2.0, RESTART_BACKOFF[1])

    def _start(self, w: _Worker) -> None:
        from actionpose.monitor.worker import worker_main

        db = str(self.file.alert_db) if self.file.alert_db else None
        w.stop = StopFlag(self._ctx)
        w.process = self._ctx.Process(target=worker_main, name=f"actionpose-monitor-{w.config.slug}",
                                      args=(w.config.to_dict(), str(self.state_dir), db, w.restarts, w.stop),
                                      daemon=True)
        w.process.start()
        w.started = time.time()
        log.info("monitor %s: worker %d started (%s)", w.config.name, w.process.pid, w.config.source)

    def _kill(self, w: _Worker) -> None:
        if w.process is not None and w.process.is_alive():
            w.process.kill()
            w.process.join(5.0)

    def _stop(self, name: str) -> None:
        w = self.workers.get(name)
        if w is None or w.process is None:
            return
        w.stop.set()
        w.process.join(10.0)
        if w.process.is_alive():
            w.process.terminate()
            w.process.join(5.0)
        self._kill(w)
        st = read_one(self.state_dir, w.config.slug) or MonitorStatus(w.config.name)
        st.state, st.pid, st.fps = "stopped", None, 0.0
        write_status(self.state_dir, w.config.slug, st)
        w.process = None


def run_supervisor(path: str | Path, duration_s: float | None = None) -> None:
    """Supervise the monitors of ``path`` in the foreground (``actionpose monitor``).

    Raises
    ------
    InputError
        The file is not valid, or another supervisor runs its state folder.
    """
    Supervisor(path).run(duration_s)


__all__ = ["RESTART_BACKOFF", "STALL_S", "Supervisor", "run_supervisor"]

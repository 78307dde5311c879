"""Stopping live monitors: a worker killed at any moment cannot leave the stop request locked, and
``actionpose monitor`` told to stop (SIGTERM to it and its workers, as a service manager or a closing
terminal sends) exits with its workers instead of hanging."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from actionpose.monitor.config import load_monitors, save_monitors
from actionpose.monitor.status import read_one
from actionpose.monitor.stopflag import StopFlag
from tests.test_monitor import FALL_CLIP, _wait, _write


def _wait_on(flag, timeout_s: float) -> None:
    flag.wait(timeout_s)


def test_a_worker_killed_while_waiting_cannot_block_the_stop_request() -> None:
    """A multiprocessing.Event's set() waits for every sleeper to wake: a sleeper killed in wait() never
    does, and set() blocked for ever (the supervisor hung at shutdown). The flag takes no lock."""
    ctx = mp.get_context("spawn")
    flag = StopFlag(ctx)
    child = ctx.Process(target=_wait_on, args=(flag, 100.0), daemon=True)
    child.start()
    time.sleep(1.5)  # well inside its wait
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    setter = threading.Thread(target=flag.set, daemon=True)
    setter.start()
    setter.join(5)
    assert not setter.is_alive() and flag.is_set()
    assert flag.wait(0.0) is True
    other = StopFlag(ctx)
    t0 = time.monotonic()
    assert other.wait(0.2) is False and 0.15 < time.monotonic() - t0 < 2.0


@pytest.mark.slow  # about 15-25 s here: a MediaPipe worker has to start
def test_sigterm_stops_the_supervisor_and_its_workers(tmp_path: Path, data_file) -> None:
    path = save_monitors(tmp_path / "m.json", load_monitors(_write(tmp_path, [
        {"name": "room", "source": str(data_file(FALL_CLIP)), "loop": True}])).monitors,
        alert_db=tmp_path / "alerts.sqlite")
    log = open(tmp_path / "supervisor.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "actionpose.cli", "monitor", str(path)], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        state = load_monitors(path).state_dir
        worker = _wait(lambda: (s := read_one(state, "room")) and s.state == "running" and s.pid and s, 120,
                       "the worker to run")
        time.sleep(1.0)  # the worker is pacing the file: inside its stop flag's wait most of the time
        os.killpg(proc.pid, signal.SIGTERM)  # the supervisor and its worker, as a service manager does
        assert proc.wait(timeout=40) == 0
        _wait(lambda: not _alive(worker.pid), 20, "the worker to be gone")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    assert (s := read_one(state, "room")) is not None and s.state == "stopped"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True

"""Live monitors: the monitors file is checked with one clear error, the supervisor restarts a killed worker,
and a source that disappears and comes back (a file moved away, a local MJPEG-over-HTTP camera stopped and
restarted) is reconnected without losing an alert."""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from actionpose.monitor.config import load_monitors, save_monitors
from actionpose.monitor.status import read_one, supervisor_alive
from tests.cli_helpers import assert_one_line_error, run

FALL_CLIP = "falls/gmdcsa24/Subject_2/Fall/13.mp4"  # 15 fps, 9 s; the fall is confirmed about 5 s in


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "monitors.json"
    path.write_text(json.dumps(data))
    return path


def _wait(predicate, timeout_s: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def test_a_valid_file_resolves_paths_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x")
    path = _write(tmp_path, {"alert_db": "log.sqlite", "monitors": [
        {"name": "bedroom", "source": 0}, {"name": "hall", "source": "rtsp://cam/1", "tasks": ["falls", "gait"]},
        {"name": "test", "source": "clip.mp4", "loop": True, "ignore_zones": [{"name": "bed", "polygon":
                                                                                [[0, 0], [10, 0], [10, 10]]}]}]})
    file = load_monitors(path)
    assert [m.kind for m in file.monitors] == ["camera", "stream", "file"]
    assert file.monitors[2].source == str(tmp_path / "clip.mp4")
    assert file.alert_db == tmp_path / "log.sqlite" and file.state_dir == tmp_path / "monitors.state"
    assert file.monitors[0].tasks == ["falls"] and file.monitors[2].zones()[0].name == "bed"


@pytest.mark.parametrize("monitors, words", [
    ([{"source": 0}], ["monitor 1", "name"]),
    ([{"name": "a"}], ["'a'", "needs a source"]),
    ([{"name": "a", "source": 0, "tasks": ["dance"]}], ["tasks", "dance"]),
    ([{"name": "a", "source": 0, "colour": "red"}], ["unknown setting", "colour"]),
    ([{"name": "a", "source": 0}, {"name": "a", "source": 1}], ["two monitors", "'a'"]),
    ([{"name": "a", "source": "rtsp://x", "loop": True}], ["loop", "file"]),
    ([{"name": "a", "source": 0, "cooldown_s": -1}], ["cooldown_s"]),
    ([{"name": "a", "source": 0, "max_fps": 0}], ["max_fps"]),
    ([{"name": "a", "source": 0, "alert_webhook": "ftp://x"}], ["alert_webhook"]),
    ([{"name": "a", "source": 0, "ignore_zones": [{"polygon": [[0, 0], [1, 1]]}]}], ["ignore zone 1", "3 points"]),
])
def test_bad_monitors_files_give_one_line_and_exit_2(tmp_path: Path, capsys, monitors, words) -> None:
    path = _write(tmp_path, {"monitors": monitors})
    code, _, err = run(["monitor", str(path), "--check"], capsys)
    assert_one_line_error(code, err, str(path), *words)


def test_unreadable_files_give_one_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    code, _, err = run(["monitor", str(bad)], capsys)
    assert_one_line_error(code, err, "not valid JSON")
    code, _, err = run(["monitor", str(tmp_path / "missing.yaml")], capsys)
    assert_one_line_error(code, err, "not found")


def test_check_lists_the_monitors(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, [{"name": "door", "source": "http://cam/mjpg", "enabled": False}])
    code, out, _ = run(["monitor", str(path), "--check"], capsys)
    assert code == 0 and "door: stream http://cam/mjpg" in out and "disabled" in out


def test_save_refuses_an_invalid_monitor(tmp_path: Path) -> None:
    from actionpose.errors import InputError
    from actionpose.monitor.config import MonitorConfig

    with pytest.raises(InputError, match="tasks"):
        save_monitors(tmp_path / "m.json", [MonitorConfig("x", 0, tasks=["nope"])])
    assert not (tmp_path / "m.json").exists()


@pytest.mark.slow
def test_a_killed_worker_is_restarted_and_counted(tmp_path: Path, data_file) -> None:
    from actionpose.monitor.supervisor import Supervisor

    clip = data_file(FALL_CLIP)
    path = save_monitors(tmp_path / "m.json", [], alert_db=tmp_path / "alerts.sqlite")
    sup = Supervisor(path)
    thread = threading.Thread(target=sup.run, daemon=True)
    thread.start()
    try:
        _wait(lambda: supervisor_alive(sup.state_dir), 10, "the supervisor's heartbeat")
        time.sleep(0.05)
        save_monitors(path, [load_monitors(_write(tmp_path, [{"name": "room", "source": str(clip),
                                                              "loop": True}])).monitors[0]],
                      alert_db=tmp_path / "alerts.sqlite")
        first = _wait(lambda: (s := read_one(sup.state_dir, "room")) and s.state == "running" and s.pid and s,
                      90, "the worker to run")
        assert first.restarts == 0
        os.kill(first.pid, signal.SIGKILL)
        again = _wait(lambda: (s := read_one(sup.state_dir, "room")) and s.state == "running" and s.pid
                      and s.pid != first.pid and s, 90, "the worker to be restarted")
        assert again.restarts == 1 and (sup.state_dir / "room.jpg").stat().st_size > 1000
        save_monitors(path, [sup.file.monitors[0].__class__(**{**sup.file.monitors[0].to_dict(), "enabled": False})],
                      alert_db=tmp_path / "alerts.sqlite")
        _wait(lambda: (s := read_one(sup.state_dir, "room")) and s.state == "stopped", 30, "the monitor to stop")
    finally:
        sup.stopping.set()
        thread.join(30)
    assert not thread.is_alive()


@pytest.mark.slow
def test_a_source_that_disappears_and_returns_is_reconnected_and_loses_no_alert(tmp_path: Path, data_file) -> None:
    from actionpose.alerts.sinks import read_alerts
    from actionpose.monitor.config import MonitorConfig
    from actionpose.monitor.worker import run_monitor

    clip = tmp_path / "camera.mp4"
    shutil.copyfile(data_file(FALL_CLIP), clip)
    db, state = tmp_path / "alerts.sqlite", tmp_path / "state"
    config = MonitorConfig("ward", str(clip), loop=True, cooldown_s=1.0)
    stop = threading.Event()
    thread = threading.Thread(target=run_monitor, args=(config, state, str(db)), kwargs={"stop": stop}, daemon=True)
    thread.start()

    def falls() -> int:
        return int((read_alerts(db)["kind"] == "fall").sum()) if db.exists() else 0

    try:
        _wait(lambda: falls() >= 1, 60, "the first fall alert")
        clip.rename(tmp_path / "away.mp4")  # the source goes away; the next connection fails
        _wait(lambda: (s := read_one(state, "ward")) and s.state == "reconnecting", 30, "reconnecting")
        time.sleep(1.5)  # a couple of failed tries with back-off
        (tmp_path / "away.mp4").rename(clip)
        _wait(lambda: falls() >= 2, 60, "the fall alert after the reconnect")
        status = read_one(state, "ward")
        assert status.state == "running" and status.reconnects >= 1
    finally:
        stop.set()
        thread.join(30)
    alerts = read_alerts(db)
    falls_ = alerts[alerts["kind"] == "fall"]
    assert set(falls_["severity"]) == {"critical"} and set(alerts["source"]) == {"ward"}
    assert falls_["time_s"].is_monotonic_increasing  # stream time went on across the reconnect


@pytest.mark.slow
def test_an_http_camera_that_stops_and_restarts_is_reconnected_and_loses_no_alert(tmp_path: Path, data_file) -> None:
    """A real network stream: MJPEG over HTTP from a local server playing a real fall clip, stopped after the
    first fall and started again; the fall after the restart is alerted once, none is lost or doubled."""
    from actionpose.alerts.sinks import read_alerts
    from actionpose.monitor.config import MonitorConfig
    from actionpose.monitor.worker import run_monitor
    from tests.mjpeg_server import MJPEGServer

    camera = MJPEGServer.from_video(data_file(FALL_CLIP)).start()
    db, state = tmp_path / "alerts.sqlite", tmp_path / "state"
    monitors = [{"name": "ward cam", "source": camera.url, "cooldown_s": 1.0}]
    config = load_monitors(_write(tmp_path, monitors)).monitors[0]
    assert isinstance(config, MonitorConfig) and config.kind == "stream"
    stop = threading.Event()
    thread = threading.Thread(target=run_monitor, args=(config, state, str(db)), kwargs={"stop": stop}, daemon=True)
    thread.start()

    def falls() -> int:
        return int((read_alerts(db)["kind"] == "fall").sum()) if db.exists() else 0

    def state_is(name: str):
        return lambda: (s := read_one(state, "ward_cam")) and s.state == name and s

    try:
        _wait(lambda: falls() >= 1, 90, "the first fall alert")
        assert _wait(state_is("running"), 5, "running").reconnects == 0
        camera.stop()  # the camera goes away in the middle of the clip, after its fall
        down = _wait(state_is("reconnecting"), 30, "reconnecting")
        time.sleep(2.0)  # tries against a closed port ("connection refused"), with back-off
        assert read_one(state, "ward_cam").state == "reconnecting" and falls() == 1
        camera.start()  # same port, the clip from its first frame
        _wait(lambda: falls() >= 2, 60, "the fall alert after the restart")
        up = _wait(state_is("running"), 5, "running again")
    finally:
        stop.set()
        thread.join(30)
        camera.stop()
    assert not thread.is_alive()
    assert up.reconnects > down.reconnects >= 1 and camera.connections >= 2
    alerts = read_alerts(db)
    falls_ = alerts[alerts["kind"] == "fall"]
    assert len(falls_) == 2  # one before the drop, exactly one after the restart
    assert set(falls_["severity"]) == {"critical"} and set(alerts["source"]) == {"ward cam"}
    assert falls_["time_s"].is_monotonic_increasing


@pytest.mark.slow
def test_one_store_one_policy_a_real_fall_is_critical_in_a_clip_and_live(tmp_path: Path, data_file) -> None:
    """The same real fall, analysed as an uploaded clip and watched by a monitor, lands in the dashboard's one
    alert log as two critical fall alerts, each named for where it was seen."""
    from types import SimpleNamespace

    from actionpose.alerts.sinks import read_alerts
    from actionpose.analysis import analyze_sequence
    from actionpose.dashboard import monitors as mon
    from actionpose.dashboard.config import DashboardConfig
    from actionpose.dashboard.runs import record_alerts
    from actionpose.dashboard.workspace import Workspace
    from actionpose.monitor.worker import run_monitor
    from actionpose.pipeline import extract_poses

    clip = data_file(FALL_CLIP)
    ws = Workspace(tmp_path / "workspace")
    seq = extract_poses(clip)
    seq.meta["source"] = "upload 13.mp4"  # as the Analyze page names an uploaded clip
    analysis = analyze_sequence(seq, ["falls"])
    assert record_alerts(SimpleNamespace(alerts=analysis.alerts(clip_id="sha")), ws, DashboardConfig()) == 1
    mon.save(ws, [load_monitors(_write(tmp_path, [{"name": "ward 3", "source": str(clip)}])).monitors[0]])
    file = mon.load(ws)
    status = run_monitor(file.monitors[0], file.state_dir, str(file.alert_db), pace=False)
    assert status.state == "stopped" and status.alerts >= 1
    alerts = read_alerts(ws.alert_db())
    falls = alerts[alerts["kind"] == "fall"]
    assert sorted(falls["source"]) == ["upload 13.mp4", "ward 3"]
    assert set(falls["severity"]) == {"critical"}
    assert alerts["source"].str.len().gt(0).all()  # every alert names its source
    clip_t, live_t = (float(falls.loc[falls["source"] == s, "time_s"].iloc[0]) for s in ("upload 13.mp4", "ward 3"))
    assert abs(clip_t - live_t) < 1.5  # the same fall, at about the same time into the video


@pytest.mark.slow
def test_max_fps_feeds_the_backend_at_a_fixed_rate(data_file) -> None:
    import numpy as np

    from actionpose.stream import stream_poses

    clip = data_file("gait/digigait_side_view/demo.mp4")  # 1280x720, 30 fps
    every = [f.time_s for f in stream_poses(clip, max_frames=30)]
    half = [f.time_s for f in stream_poses(clip, max_frames=30, max_fps=15)]
    assert len(every) == 30 and len(half) == 15
    assert np.allclose(np.diff(half), 1 / 15, atol=0.01) and half[0] == every[0]

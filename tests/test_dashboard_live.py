"""The dashboard's Live page through AppTest: add a monitor (checked with one clear error), see its status, and
see and acknowledge its alerts; the supervisor itself is covered by test_monitor.py (here it is not started)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dashboard_helpers import APP, _restore_actionpose_logging  # noqa: F401 (a fixture)
from streamlit.testing.v1 import AppTest

from actionpose.alerts.sinks import SQLiteSink
from actionpose.alerts.types import Alert
from actionpose.dashboard import monitors as mon
from actionpose.dashboard.workspace import Workspace
from actionpose.monitor.status import MonitorStatus, write_status


@pytest.fixture
def ws_dir(ws_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The private workspace, with the supervisor not started (its start is recorded)."""
    started = []
    monkeypatch.setattr(mon, "ensure_supervisor", lambda ws: started.append(ws.root) or None)
    return ws_dir


def live() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("pages/live.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.error, *at.success,
                                           *at.subheader])


def test_add_a_monitor_and_a_bad_one(ws_dir: Path, tmp_path: Path) -> None:
    at = live()
    assert "No monitors yet" in _text(at)
    at.text_input[0].input("door")
    at.text_input[1].input("rtsp://127.0.0.1:8554/door")
    at.number_input[1].set_value(15.0)                    # analyse at most 15 frames a second
    at.button[0].click().run()
    assert not at.exception
    file = mon.load(Workspace(ws_dir))
    assert [m.name for m in file.monitors] == ["door"] and file.monitors[0].kind == "stream"
    assert file.monitors[0].max_fps == 15.0 and "at most 15 frames/s" in _text(at)
    assert file.alert_db == Workspace(ws_dir).alert_db()  # the dashboard's own log
    assert "door" in _text(at)
    at.text_input[0].input("door")
    at.text_input[1].input("rtsp://127.0.0.1:8554/other")
    at.button[0].click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "two monitors are named 'door'" in errors[0] and "Traceback" not in errors[0]
    at.text_input[0].input("loop")
    at.text_input[1].input("rtsp://x")
    at.checkbox[0].check()
    at.button[0].click().run()
    assert any("loop applies to a video file only" in e.value for e in at.error)
    assert len(mon.load(Workspace(ws_dir)).monitors) == 1


def test_status_alerts_and_one_click_acknowledge(ws_dir: Path) -> None:
    ws = Workspace(ws_dir)
    mon.add(ws, {"name": "ward", "source": 0})
    write_status(mon.state_dir(ws), "ward", MonitorStatus("ward", "running", pid=4242, fps=14.8, source_fps=15,
                                                          last_frame_at=time.time(), restarts=2, alerts=1))
    sink = SQLiteSink(ws.alert_db())
    fall = Alert("fall", 0, 5.2, "critical", "person 0 fell and is down", source="ward")
    sink.send(fall)
    sink.send(Alert("fall", 0, 1.0, "critical", "a clip's fall", source="clip.mp4"))
    sink.close()
    at = live()
    text = _text(at)
    assert "running" in text and "restarts **2**" in text and "fps **14.8**" in text
    assert "1 unacknowledged, 1 critical" in text
    assert [e.value for e in at.error if "fell" in e.value]  # critical: shown as an error box
    assert len(at.get("audio")) == 1  # and a tone
    ack = next(b for b in at.button if b.label == "Acknowledge")
    ack.click().run()
    assert fall.id in ws.acknowledged()
    assert "0 unacknowledged, 0 critical" in _text(at) and not at.get("audio")


def test_stop_and_start_a_monitor(ws_dir: Path) -> None:
    ws = Workspace(ws_dir)
    mon.add(ws, {"name": "hall", "source": 1})
    at = live()
    next(b for b in at.button if b.label == "Stop").click().run()
    assert not mon.load(ws).get("hall").enabled
    next(b for b in at.button if b.label == "Start").click().run()
    assert mon.load(ws).get("hall").enabled
    next(b for b in at.button if b.label == "Remove").click().run()
    assert mon.load(ws).monitors == []

"""``actionpose falls`` and ``evaluate-falls`` on pose files: output, alerts to every sink, bad input."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from fall_scenes import scene, sequence

from actionpose.alerts import read_alerts, read_jsonl
from actionpose.cli import main
from actionpose.skeleton.io import save_poses

FALL = [("lying", 0.7, 4.0)]


@pytest.fixture
def fall_file(tmp_path):
    path = tmp_path / "fall.npz"
    save_poses(sequence(scene(FALL)), path)
    return path


def test_falls_json(fall_file, capsys):
    assert main(["falls", str(fall_file), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["frames"] == 172 and doc["layout"] == "coco17"
    (event,) = doc["events"]
    assert {"person", "start_s", "impact_s", "confirmed_s", "end_s", "confidence", "got_up"} <= set(event)
    assert event["got_up"] is False and 1.0 < event["impact_s"] < 2.0
    assert [a["kind"] for a in doc["alerts"]] == ["fall"]


def test_falls_text_timeline_and_logs(fall_file, tmp_path, capsys):
    timeline, jsonl, db = tmp_path / "t.csv", tmp_path / "alerts.jsonl", tmp_path / "alerts.sqlite"
    assert main(["falls", str(fall_file), "--timeline", str(timeline), "--alert-jsonl", str(jsonl),
                 "--alert-db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "ALERT critical fall" in out and "1 fall(s)" in out   # a confirmed fall is critical everywhere
    states = pd.read_csv(timeline)["state"]
    assert {"upright", "falling", "down"} <= set(states)
    assert [a.kind for a in read_jsonl(jsonl)] == ["fall"]
    table = read_alerts(db)
    assert table["kind"].tolist() == ["fall"] and table["source"].iloc[0] == str(fall_file)


def test_ignore_zone_on_the_command_line(fall_file, capsys):
    assert main(["falls", str(fall_file), "--json", "--ignore-zone", "bed:0,300 1280,300 1280,720 0,720"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["events"]) == 1 and doc["alerts"] == []


class _Receiver(BaseHTTPRequestHandler):
    fail_first = 2
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Receiver.fail_first > 0:
            _Receiver.fail_first -= 1
            self.send_response(503)
        else:
            _Receiver.received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_receiver_down_then_up_loses_nothing(fall_file, tmp_path, capsys):
    _Receiver.fail_first, _Receiver.received = 100, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/alerts"
    outbox = tmp_path / "outbox.sqlite"
    try:
        # the receiver fails every request: the alert stays in the outbox
        assert main(["falls", str(fall_file), "--alert-webhook", url, "--outbox", str(outbox)]) == 0
        assert _Receiver.received == []
        # it recovers: the next run re-sends what was waiting, then its own alert
        _Receiver.fail_first = 1
        assert main(["falls", str(fall_file), "--alert-webhook", url, "--outbox", str(outbox)]) == 0
    finally:
        server.shutdown()
    assert [a["kind"] for a in _Receiver.received] == ["fall", "fall"]
    assert len({a["id"] for a in _Receiver.received}) == 2


def test_evaluate_falls_on_labels_json_with_pose_files(tmp_path, capsys):
    poses = tmp_path / "poses" / "S1"
    poses.mkdir(parents=True)
    save_poses(sequence(scene(FALL)), poses / "fall.npz")
    save_poses(sequence(scene([("seated", 1.0, 3.0)])), poses / "adl.npz")
    labels = [{"video": "S1/fall.mp4", "kind": "Fall", "segments": [["Falling (FW)", "1 to 5.7"]]},
              {"video": "S1/adl.mp4", "kind": "ADL", "segments": [["Sitting", "0 to 5"]]}]
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    report = tmp_path / "report.json"
    assert main(["evaluate-falls", str(tmp_path), "--poses", str(tmp_path / "poses"), "--json",
                 "--report", str(report)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["true_positives"], doc["false_alarms"], doc["missed"]) == (1, 0, 0)
    assert doc["f1"] == 1.0 and 0 < doc["latency_median_s"] < 3
    assert json.loads(report.read_text())["config"]["impact_velocity"] > 0


def test_evaluate_falls_accepts_several_ranges_in_one_segment(tmp_path, capsys):
    """``"0 to 0.3; 1.5 to 2.2"`` is legal in GMDCSA24 labels: it used to stop evaluate-falls."""
    poses = tmp_path / "poses" / "S1"
    poses.mkdir(parents=True)
    save_poses(sequence(scene(FALL)), poses / "fall.npz")
    labels = [{"video": "S1/fall.mp4", "kind": "Fall",
               "segments": [["Standing", "0 to 0.3; 0.5 to 0.9"], ["Falling (FW)", "1 to 3; 3 to 5.7"]]}]
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    assert main(["evaluate-falls", str(tmp_path / "labels.json"), "--poses", str(tmp_path / "poses"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["falls"], doc["true_positives"], doc["false_alarms"]) == (1, 1, 0)   # the two ranges are one fall


def test_config_file_changes_thresholds(fall_file, tmp_path, capsys):
    cfg = tmp_path / "strict.yaml"
    cfg.write_text("impact_velocity: 9\ncollapse_velocity: 9\n")
    assert main(["falls", str(fall_file), "--json", "--config", str(cfg)]) == 0
    assert json.loads(capsys.readouterr().out)["events"] == []


def test_config_file_turns_the_learned_second_opinion_off(fall_file, tmp_path, capsys):
    cfg = tmp_path / "rules_only.yaml"
    cfg.write_text("second_opinion: false\n")
    assert main(["falls", str(fall_file), "--json"]) == 0
    (on,) = json.loads(capsys.readouterr().out)["events"]
    assert main(["falls", str(fall_file), "--json", "--config", str(cfg)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["config"]["second_opinion"] is False and on["learned_score"] > 0.5
    assert [e["learned_score"] for e in doc["events"]] == [None]


@pytest.mark.parametrize("argv, needle", [
    (["falls", "missing.npz"], "missing.npz"),
    (["falls", "{fall}", "--ignore-zone", "bed:1,2 3"], "bed:1,2 3"),
    (["falls", "{fall}", "--config", "{bad_cfg}"], "unknown setting"),
    (["falls", "{fall}", "--alert-webhook", "ftp://x"], "http"),
    (["falls", "{fall}", "--classifier", "nope.apm"], "nope.apm"),
    (["evaluate-falls", "{tmp}"], "labels.json"),
])
def test_bad_input_is_one_line_exit_2(argv, needle, fall_file, tmp_path, capsys):
    bad_cfg = tmp_path / "bad.json"
    bad_cfg.write_text('{"impact": 1}')
    argv = [a.format(fall=fall_file, bad_cfg=bad_cfg, tmp=tmp_path / "empty") for a in argv]
    (tmp_path / "empty").mkdir()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err

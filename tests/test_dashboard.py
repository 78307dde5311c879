"""The Streamlit dashboard: every page through ``streamlit.testing.v1.AppTest`` (the real page scripts, in
process), the error paths (bad, empty, unsupported, too large, no person, one class only, unsafe model),
alerts (filter, acknowledge, test alert, webhook), the password gate and the ``dashboard`` command."""

from __future__ import annotations

import argparse
import http.server
import io
import json
import pickle
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from dashboard_helpers import APP, TIMEOUT, _restore_actionpose_logging  # noqa: F401 (a fixture)
from fall_scenes import scene, sequence
from streamlit.testing.v1 import AppTest
from synthetic_actors import actor

from actionpose.alerts.sinks import SQLiteSink, read_alerts
from actionpose.alerts.types import Alert
from actionpose.dashboard import auth, runs
from actionpose.dashboard.archive import unpack_classes, unpack_openpose
from actionpose.dashboard.config import ENV_DIR, ENV_HOST, ENV_MAX_UPLOAD_MB, load_config, save_config
from actionpose.dashboard.feedback import GENERIC_ERROR
from actionpose.dashboard.library import ModelLibrary
from actionpose.dashboard.workspace import Workspace
from actionpose.demo import synthetic_walker
from actionpose.errors import InputError
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.sequence import PoseSequence


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    return at


def npz_bytes(seq: PoseSequence, tmp: Path, name: str = "poses.npz") -> bytes:
    path = tmp / name
    save_poses(seq, path)
    return path.read_bytes()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def no_traceback(at: AppTest) -> None:
    assert not at.exception, at.exception
    for e in errors(at):
        assert "Traceback" not in e and 'File "' not in e


def blank_video(path: Path, frames: int = 12, size: tuple[int, int] = (160, 120)) -> Path:
    """A short H.264 clip of a grey frame: nobody in it."""
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(str(path), size, fps=10, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=1, ffmpeg_log_level="error")
    writer.send(None)
    for _ in range(frames):
        writer.send(np.full((size[1], size[0], 3), 128, np.uint8))
    writer.close()
    return path


# ---------------------------------------------------------------------------------------------- Analyze
def test_analyze_pose_file_shows_video_timeline_gait_and_downloads(ws_dir: Path, tmp_path: Path) -> None:
    at = app()
    assert at.title[0].value == "Analyze a clip"
    at.file_uploader[0].upload("walk.npz", npz_bytes(synthetic_walker(), tmp_path), "application/octet-stream")
    at.run()
    no_traceback(at)
    assert not errors(at)
    assert len(at.get("video")) == 1
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart"), "no timeline chart"
    assert any("No fall detected" in s.value for s in at.success)
    assert any("walk.npz: 120 frames" in c.value for c in at.caption)
    tabs = [t.label for t in at.tabs]
    assert tabs[:3] == ["Falls", "Gait", "Exercise reps"] and tabs[-1] == "Downloads"
    assert any("parameter" in d.value.columns for d in at.dataframe), "no gait parameter table"
    assert len(at.get("download_button")) >= 6
    overlay = next(ws_dir.glob("results/*/overlay.mp4"))
    assert overlay.read_bytes()[4:8] == b"ftyp"
    # uploaded names never become paths: only content hashes under uploads/
    assert [p.name for p in (ws_dir / "uploads").iterdir()] == [next((ws_dir / "uploads").iterdir()).name]
    assert next((ws_dir / "uploads").iterdir()).stem != "walk" and len(next((ws_dir / "uploads").iterdir()).stem) == 64
    # re-opening is instant (the result is remembered)
    at.run()
    assert any("from the cache" in c.value for c in at.caption)


def test_analyze_example_clip_button_runs_on_the_packaged_real_fall(ws_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("ACTIONPOSE_DATA", str(ws_dir / "no-data-folder"))  # works without the data folder
    at = app()
    assert any("try the example clip" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Try the example clip").click().run()
    no_traceback(at)
    assert all(e.startswith("Fall detected") for e in errors(at)) and len(at.get("video")) == 1
    assert any("fall_gmdcsa24.mp4: 133 frames at 15 fps, 1 tracked person(s)" in c.value for c in at.caption)
    # labelled falling backward from 2.5 s; measured: impact at 3.4 s, still down at the end
    banners = [e for e in errors(at) if e.startswith("Fall detected: person 0 fell at")]
    assert len(banners) == 1 and "still down" in banners[0], errors(at)
    assert list(read_alerts(ws_dir / "alerts.sqlite")["source"]) == ["fall_gmdcsa24.mp4"]
    # the example stays chosen across reruns, from the cache
    at.run()
    assert any("from the cache" in c.value for c in at.caption)


def test_analyze_fall_shows_banner_and_records_the_alert(ws_dir: Path, tmp_path: Path) -> None:
    fall = sequence(scene([("lying", 0.7, 4.0)]))
    at = app()
    at.file_uploader[0].upload("fall.npz", npz_bytes(fall, tmp_path), "application/octet-stream")
    at.run()
    no_traceback(at)
    banners = [e for e in errors(at) if e.startswith("Fall detected")]
    assert banners and "person" in banners[0]
    alerts = read_alerts(ws_dir / "alerts.sqlite")
    assert list(alerts["kind"]) == ["fall"] and alerts["source"][0] == "fall.npz"
    # the same clip again records nothing twice
    runs.forget()
    at.run()
    assert len(read_alerts(ws_dir / "alerts.sqlite")) == 1


def test_analyze_bad_file_then_keeps_working(ws_dir: Path, tmp_path: Path) -> None:
    at = app()
    at.file_uploader[0].upload("holiday.mp4", b"this is not a video at all" * 10, "video/mp4")
    at.run()
    no_traceback(at)
    msgs = errors(at)
    assert len(msgs) == 1 and msgs[0].startswith("Cannot analyse holiday.mp4: holiday.mp4")
    assert str(ws_dir) not in msgs[0], "a private path leaked into the message"
    at.file_uploader[0].upload("walk.npz", npz_bytes(synthetic_walker(), tmp_path), "application/octet-stream")
    at.run()
    no_traceback(at)
    assert not errors(at) and len(at.get("video")) == 1


@pytest.mark.parametrize("name, content, expected", [
    ("empty.mp4", b"", "empty"),
    ("broken.npz", b"PK\x03\x04 definitely not numpy", "not a valid npz pose file"),
    ("frames.zip", b"not a zip", "not a readable ZIP archive"),
])
def test_analyze_unusable_files_give_one_line(ws_dir: Path, name: str, content: bytes, expected: str) -> None:
    at = app()
    at.file_uploader[0].upload(name, content, "application/octet-stream")
    at.run()
    no_traceback(at)
    msgs = errors(at)
    assert len(msgs) == 1 and expected in msgs[0] and "\n" not in msgs[0], msgs


def test_analyze_upload_limit(ws_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MAX_UPLOAD_MB, "0.001")
    at = app()
    at.file_uploader[0].upload("walk.npz", npz_bytes(synthetic_walker(), tmp_path), "application/octet-stream")
    at.run()
    no_traceback(at)
    assert any("upload limit is 0.001 MB" in e for e in errors(at))
    assert not any((ws_dir / "uploads").iterdir())


def test_analyze_video_without_a_person(ws_dir: Path, tmp_path: Path) -> None:
    video = blank_video(tmp_path / "empty_room.mp4")
    at = app()
    at.file_uploader[0].upload("empty_room.mp4", video.read_bytes(), "video/mp4")
    at.run()
    no_traceback(at)
    msgs = errors(at)
    assert len(msgs) == 1 and "no person found" in msgs[0] and "empty_room.mp4" in msgs[0], msgs


def test_unexpected_errors_show_a_generic_message(ws_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise ZeroDivisionError("internal detail that users should not see")

    monkeypatch.setattr(runs, "run_clip", broken)
    at = app()
    at.file_uploader[0].upload("walk.npz", npz_bytes(synthetic_walker(), tmp_path), "application/octet-stream")
    at.run()
    no_traceback(at)
    assert errors(at) == [f"Cannot analyse walk.npz: {GENERIC_ERROR}"]


def test_analyze_with_a_model_from_the_library(ws_dir: Path, tmp_path: Path) -> None:
    from actionpose.models.classifier import ActionClassifier

    clips = [actor(a, s) for s in range(6) for a in ("wave", "squat")]
    clf = ActionClassifier(model="logreg", window=15).fit(clips, [a for _ in range(6) for a in ("wave", "squat")])
    ModelLibrary(Workspace(ws_dir).models).add(clf, "wave or squat")
    at = app()
    at.selectbox(key="analyze_model").set_value("wave or squat")
    at.file_uploader[0].upload("wave.npz", npz_bytes(actor("wave", 99, frames=90), tmp_path))
    at.run()
    no_traceback(at)
    assert "Model: wave or squat" in [t.label for t in at.tabs]
    labels = [set(d.value["label"]) for d in at.dataframe if "label" in d.value.columns and "confidence" in d.value]
    assert labels and labels[0] <= {"wave", "squat"}
    assert any(s.value.startswith("Clip verdict: **wave**") for s in at.success), [s.value for s in at.success]


# ------------------------------------------------------------------------------------------------ Train
def _train_uploads(at: AppTest, tmp_path: Path, classes: dict[str, int]) -> None:
    at.text_input(key="train_classes").set_value(", ".join(classes)).run()
    for label, n in classes.items():
        uploader = next(u for u in at.file_uploader if u.key == f"train_clips:{label}")
        for i in range(n):
            seq = actor(label, 10 * i + (label == "squat"))
            uploader.upload(f"{label}{i}.npz", npz_bytes(seq, tmp_path, f"{label}{i}.npz"))


def test_train_one_class_only_is_refused(ws_dir: Path, tmp_path: Path) -> None:
    at = app("train")
    _train_uploads(at, tmp_path, {"wave": 3})
    at.selectbox[0].set_value("logreg")
    at.button[0].click().run()
    no_traceback(at)
    assert errors(at) == ["Cannot train: training needs clips of at least two classes; only 'wave' has clips"]


def test_train_save_and_use_on_analyze(ws_dir: Path, tmp_path: Path) -> None:
    at = app("train")
    assert at.title[0].value == "Train your own action classes"
    _train_uploads(at, tmp_path, {"wave": 4, "squat": 4})
    at.selectbox[0].set_value("logreg")
    at.number_input[0].set_value(15)
    at.button[0].click().run()
    no_traceback(at)
    assert not errors(at)
    assert any("held-out clips" in c.value for c in at.caption)
    assert {m.label for m in at.metric} >= {"Accuracy", "Macro-F1"}
    assert any(set(d.value.get("class", [])) == {"wave", "squat"} for d in at.dataframe)
    at.text_input[1].set_value("my moves")
    at.button[1].click().run()  # the form's submit button
    no_traceback(at)
    assert any("Saved 'my moves'" in s.value for s in at.success)
    assert ModelLibrary(ws_dir / "models").names() == ["my moves"]
    at.switch_page("pages/analyze.py").run()
    assert at.selectbox(key="analyze_model").value == "my moves"
    at.file_uploader[0].upload("squat.npz", npz_bytes(actor("squat", 98, frames=90), tmp_path))
    at.run()
    no_traceback(at)
    assert "Model: my moves" in [t.label for t in at.tabs]
    assert any(s.value.startswith("Clip verdict: **squat**") for s in at.success), [s.value for s in at.success]
    at.switch_page("pages/train.py").run()  # a page without the selectbox runs: the choice must survive it
    at.switch_page("pages/analyze.py").run()
    assert at.selectbox(key="analyze_model").value == "my moves"


def test_a_model_no_better_than_the_baseline_is_flagged(ws_dir: Path, tmp_path: Path) -> None:
    at = app("train")
    at.text_input(key="train_classes").set_value("often, rare").run()
    for label, n in (("often", 6), ("rare", 3)):
        uploader = next(u for u in at.file_uploader if u.key == f"train_clips:{label}")
        for i in range(n):  # the same motion in both classes: nothing to learn
            uploader.upload(f"{label}{i}.npz", npz_bytes(actor("wave", 50 * (label == "rare") + i), tmp_path,
                                                           f"{label}{i}.npz"))
    at.selectbox[0].set_value("logreg")
    at.number_input[0].set_value(15)
    at.button[0].click().run()
    no_traceback(at)
    assert any("NOT better than always answering the most common class" in e for e in errors(at)), errors(at)
    assert any("add clips of 'rare' from other people" in i.value for i in at.info)
    warnings = " | ".join(w.value for w in at.warning)
    assert "'rare' has only 3 clip(s)" in warnings and "optimistic" in warnings
    assert any(b.label == "Save anyway (not better than the baseline)" for b in at.button)


def test_export_a_model_from_the_library(ws_dir: Path, tmp_path: Path) -> None:
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier(model="logreg", window=15).fit([actor(a, s) for s in range(4) for a in ("wave", "squat")],
                                                          [a for _ in range(4) for a in ("wave", "squat")])
    lib = ModelLibrary(Workspace(ws_dir).models)
    lib.add(clf, "mine")
    at = app("train")
    no_traceback(at)
    assert at.selectbox(key="export_model").value == "mine"
    download = at.get("download_button")
    assert download and download[0].proto.label == "Download"
    exported = tmp_path / "exported.apm"
    exported.write_bytes(lib.path("mine").read_bytes())
    assert ActionClassifier.load(exported).classes_.tolist() == ["squat", "wave"]


def test_train_from_a_zip_of_class_folders(ws_dir: Path, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for label in ("wave", "squat"):
            for i in range(3):
                zf.writestr(f"my_clips/{label}/{i}.npz", npz_bytes(actor(label, 7 * i + len(label)), tmp_path))
        zf.writestr("my_clips/../../escape.npz", b"ignored")
        zf.writestr("my_clips/readme.txt", b"ignored")
    at = app("train")
    at.radio[0].set_value("One ZIP with a folder per class").run()
    at.file_uploader[0].upload("clips.zip", buffer.getvalue(), "application/zip")
    at.selectbox[0].set_value("rf")
    at.number_input[0].set_value(15)
    at.button[0].click().run()
    no_traceback(at)
    assert not errors(at)
    assert {m.label for m in at.metric} >= {"Accuracy", "Macro-F1"}
    assert not (tmp_path / "escape.npz").exists() and not (ws_dir.parent / "escape.npz").exists()


def test_import_model_never_unpickles(ws_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    at = app("train")
    at.file_uploader(key="import_model").upload("evil.apm", pickle.dumps(Exploit()))
    at.text_input(key="import_name").set_value("evil")
    next(b for b in at.button if b.label == "Import").click().run()
    no_traceback(at)
    assert any("Cannot import the model" in e for e in errors(at))
    assert not marker.exists()
    assert ModelLibrary(ws_dir / "models").names() == []


def test_import_a_valid_model_file(ws_dir: Path, tmp_path: Path) -> None:
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier(model="logreg", window=15).fit([actor(a, s) for s in range(4) for a in ("wave", "squat")],
                                                          [a for _ in range(4) for a in ("wave", "squat")])
    path = clf.save(tmp_path / "m.apm")
    at = app("train")
    at.file_uploader(key="import_model").upload("m.apm", path.read_bytes())
    at.text_input(key="import_name").set_value("imported")
    next(b for b in at.button if b.label == "Import").click().run()
    no_traceback(at)
    assert any("Imported 'imported'" in s.value for s in at.success)


# ----------------------------------------------------------------------------------------------- Alerts
def _log_alerts(ws_dir: Path) -> list[Alert]:
    alerts = [Alert("fall", 1, 3.2, "critical", "person 1 fell", source="hall.mp4"),
              Alert("gait", 2, 0.0, "warning", "cadence 70 steps/min is below 90", source="walk.mp4"),
              Alert("fall_recovered", 1, 9.0, "info", "person 1 got up", source="hall.mp4")]
    sink = SQLiteSink(Workspace(ws_dir).alert_db())
    for a in alerts:
        sink.send(a)
    sink.close()
    return alerts


def test_alerts_page_empty(ws_dir: Path) -> None:
    at = app("alerts")
    no_traceback(at)
    assert at.title[0].value == "Alerts"
    assert any("No alerts yet" in i.value for i in at.info)


def test_alerts_filter_and_acknowledge(ws_dir: Path) -> None:
    alerts = _log_alerts(ws_dir)
    at = app("alerts")
    no_traceback(at)
    assert [m.value for m in at.metric] == ["3", "3", "1"]
    shown = at.dataframe[0].value
    assert len(shown) == 3
    at.multiselect[0].set_value(["fall"]).run()
    assert list(at.dataframe[0].value["kind"]) == ["fall"]
    next(b for b in at.button if b.label.startswith("Acknowledge the 1 shown")).click().run()
    no_traceback(at)
    assert set(Workspace(ws_dir).acknowledged()) == {alerts[0].id}
    assert [m.value for m in at.metric] == ["3", "2", "0"]
    at.multiselect[0].set_value([]).run()
    at.selectbox[0].set_value("acknowledged").run()
    assert list(at.dataframe[0].value["message"]) == ["person 1 fell"]


def test_changed_acks_reads_the_editor() -> None:
    import pandas as pd

    from actionpose.dashboard.tables import changed_acks

    before = pd.DataFrame({"acknowledged": [False, True, False]}, index=["a", "b", "c"])
    after = pd.DataFrame({"acknowledged": [True, False, False]}, index=["a", "b", "c"])
    assert changed_acks(before, after) == (["a"], ["b"])


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.got.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_test_alert_goes_to_the_log_and_the_webhook(ws_dir: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        at = app("alerts")
        at.text_input[0].set_value(f"http://127.0.0.1:{server.server_port}/hook")
        next(b for b in at.button if b.label == "Save settings").click().run()
        no_traceback(at)
        assert any("Settings saved" in s.value for s in at.success)
        next(b for b in at.button if b.label == "Send a test alert").click().run()
        no_traceback(at)
        assert any("delivered to the webhook" in s.value for s in at.success)
        assert _Receiver.got and _Receiver.got[-1]["kind"] == "test"
        assert list(read_alerts(ws_dir / "alerts.sqlite")["kind"]) == ["test"]
        assert at.dataframe[0].value["kind"].tolist() == ["test"]
    finally:
        server.shutdown()


def test_test_alert_with_the_webhook_down_waits_in_the_outbox(ws_dir: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    config = load_config(ws_dir)
    config.webhook_url, config.webhook_timeout_s = f"http://127.0.0.1:{port}/hook", 1.0
    save_config(ws_dir, config)
    at = app("alerts")
    next(b for b in at.button if b.label == "Send a test alert").click().run()
    no_traceback(at)
    assert any("wait in the outbox" in w.value for w in at.warning)


def test_bad_webhook_url_is_refused(ws_dir: Path) -> None:
    at = app("alerts")
    at.text_input[0].set_value("file:///etc/passwd")
    next(b for b in at.button if b.label == "Save settings").click().run()
    no_traceback(at)
    assert any("http:// or https://" in e for e in errors(at))
    assert load_config(ws_dir).webhook_url is None


# ------------------------------------------------------------------------------------------ Who gets in
def test_password_hash_and_verify() -> None:
    record = auth.hash_password("correct horse")
    assert record["scheme"] == "scrypt" and "correct horse" not in json.dumps(record)
    assert auth.verify_password("correct horse", record)
    assert not auth.verify_password("correct hors", record)
    assert auth.hash_password("correct horse")["salt"] != record["salt"]
    assert not auth.verify_password("x", None) and not auth.verify_password("x", {"scheme": "scrypt"})
    with pytest.raises(ValueError):
        auth.hash_password("short")


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True),
                                            ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                            ("::", False), ("example.org", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert auth.is_loopback(host) is loopback


def _command(argv: list[str]) -> argparse.Namespace:
    from actionpose.commands.dashboard import add_parser

    parser = argparse.ArgumentParser(prog="actionpose")
    parser.add_argument("--debug", action="store_true")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_non_loopback_needs_a_password(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from actionpose.cli import _run
    from actionpose.commands.dashboard import check_serving, set_password

    data = tmp_path / "data"
    assert _run(_command(["dashboard", "--host", "0.0.0.0", "--data", str(data)])) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs a password" in err
    check_serving("127.0.0.1", 8501, data)  # loopback: fine without
    config_file = set_password(data, "a long password")
    assert (config_file.stat().st_mode & 0o777) == 0o600
    check_serving("0.0.0.0", 8501, data)
    assert "a long password" not in config_file.read_text()
    with pytest.raises(InputError):
        check_serving("127.0.0.1", 0, data)


def test_set_password_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture) -> None:
    from actionpose.cli import _run

    monkeypatch.setattr("sys.stdin", io.StringIO("sesame-open-please\n"))
    assert _run(_command(["dashboard", "--set-password", "--data", str(tmp_path)])) == 0
    assert "password set" in capsys.readouterr().out
    assert auth.verify_password("sesame-open-please", load_config(tmp_path).password)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert _run(_command(["dashboard", "--set-password", "--data", str(tmp_path)])) == 2


def test_streamlit_command_line(tmp_path: Path) -> None:
    from actionpose.commands.dashboard import APP as APP_PATH
    from actionpose.commands.dashboard import dashboard_env, streamlit_command

    cmd = streamlit_command("127.0.0.1", 8600, 150.5)
    flags = dict(zip(cmd[5::2], cmd[6::2]))
    assert cmd[3:5] == ["run", str(APP_PATH)] and Path(APP_PATH) == APP
    assert flags == {"--server.headless": "true", "--server.address": "127.0.0.1", "--server.port": "8600",
                     "--server.maxUploadSize": "151", "--server.fileWatcherType": "none",
                     "--server.runOnSave": "false", "--browser.gatherUsageStats": "false",
                     "--client.showErrorDetails": "none", "--client.toolbarMode": "minimal",
                     "--global.developmentMode": "false"}
    env = dashboard_env(tmp_path, "127.0.0.1", 150.5)
    assert env[ENV_DIR] == str(tmp_path) and env[ENV_MAX_UPLOAD_MB] == "150.5" and env[ENV_HOST] == "127.0.0.1"


def test_weights_make_a_backend_available(tmp_path: Path) -> None:
    from actionpose.commands.dashboard import store_weights

    weights = tmp_path / "body_pose_model.pth"
    weights.write_bytes(b"weights")
    store_weights(tmp_path, [f"openpose={weights}"])
    assert load_config(tmp_path).backend_weights("openpose") == weights
    with pytest.raises(InputError):
        store_weights(tmp_path, ["yolo=x.pt"])
    with pytest.raises(InputError):
        store_weights(tmp_path, [f"rsn={tmp_path / 'missing.pth'}"])


def test_openpose_runs_its_built_in_network_without_weights_and_rsn_needs_them(tmp_path: Path) -> None:
    from actionpose.dashboard.runs import AnalyzeRequest, extract_options

    config = load_config(tmp_path)
    options = extract_options(AnalyzeRequest(backend="openpose"), config)
    assert options.backend == "openpose" and "model_path" not in options.backend_options
    with pytest.raises(InputError, match="rsn=FILE"):
        extract_options(AnalyzeRequest(backend="rsn"), config)
    weights = tmp_path / "body_pose_model.pth"
    weights.write_bytes(b"weights")
    config.weights["openpose"] = str(weights)
    assert extract_options(AnalyzeRequest(backend="openpose"), config).backend_options["model_path"] == weights


def test_password_gate(ws_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(ws_dir)
    config.password = auth.hash_password("let me in please")
    save_config(ws_dir, config)
    monkeypatch.setattr("time.sleep", lambda s: None)
    at = app()
    assert not at.file_uploader and at.text_input[0].label == "Password"
    at.text_input[0].set_value("wrong guess!")
    at.button[0].click().run()
    assert errors(at) == ["Wrong password."] and not at.file_uploader
    at.text_input[0].set_value("let me in please")
    at.button[0].click().run()
    no_traceback(at)
    assert at.title[0].value == "Analyze a clip" and at.file_uploader


def test_served_beyond_loopback_without_password_shows_nothing(ws_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_HOST, "0.0.0.0")
    at = app()
    assert any("no password" in e for e in errors(at)) and not at.file_uploader


# -------------------------------------------------------------------------------------- Private storage
def test_uploads_are_stored_under_their_content_hash(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    assert (ws.root.stat().st_mode & 0o777) == 0o700
    a = ws.store(b"same bytes", "../../../etc/passwd.npz")
    b = ws.store(io.BytesIO(b"same bytes"), "other name.NPZ")
    assert a.path == b.path and a.path.parent == ws.uploads and a.path.name == f"{a.sha256}.npz"
    assert a.name == "passwd.npz" and b.name == "other name.NPZ"
    assert sorted(p.name for p in ws.uploads.iterdir()) == [a.path.name]
    with pytest.raises(InputError, match="empty"):
        ws.store(b"", "x.mp4")
    with pytest.raises(InputError, match="unsupported"):
        ws.store(b"#!/bin/sh", "run.sh")
    with pytest.raises(InputError, match="upload limit"):
        ws.store(b"x" * 100, "big.mp4", limit_bytes=10)
    assert sorted(p.name for p in ws.uploads.iterdir()) == [a.path.name]


def test_openpose_zip_frames_are_renamed(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    frame = json.dumps({"version": 1.3, "people": [{"pose_keypoints_2d": [10.0, 20.0, 0.9] * 18}]})
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in (2, 0, 1):
            zf.writestr(f"clip/../x_{i:012d}_keypoints.json", frame)
    archive = tmp_path / "a.zip"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="no .json files"):  # members with '..' are never read
        unpack_openpose(archive, tmp_path / "frames", "a.zip", 10 ** 6)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in (2, 0, 1):
            zf.writestr(f"clip/x_{i:012d}_keypoints.json", frame)
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="upload limit"):
        unpack_openpose(archive, tmp_path / "small", "a.zip", 100)
    out = unpack_openpose(archive, tmp_path / "frames2", "a.zip", 10 ** 6)
    assert sorted(p.name for p in out.iterdir()) == [f"frame_{i:012d}_keypoints.json" for i in range(3)]


def test_class_zip_needs_class_folders(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("loose.npz", b"x")
    archive = tmp_path / "c.zip"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="class folders"):
        unpack_classes(archive, "c.zip", Workspace(tmp_path / "ws"), 10 ** 6)


def test_analyze_offers_the_form_standards(ws_dir: Path) -> None:
    at = app()
    standard = at.selectbox(key="analyze_standard")
    assert standard.options == ["default", "strict (push-up)", "powerlifting (squat)"]
    exercise = next(s for s in at.selectbox if s.label == "Exercise")
    exercise.set_value("squat").run()
    assert at.selectbox(key="analyze_standard").options == ["default", "powerlifting"]
    from actionpose.dashboard.pages.analyze import _standards

    assert list(_standards("pushup")) == ["default", "strict"]

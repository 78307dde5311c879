"""Alert sinks: JSONL and SQLite logs, the webhook with its outbox against a real local HTTP receiver."""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionpose.alerts import (
    Alert,
    AlertManager,
    CallbackSink,
    JsonlSink,
    SQLiteSink,
    WebhookSink,
    open_sinks,
    read_alerts,
    read_jsonl,
)
from actionpose.alerts.sinks import default_outbox
from actionpose.errors import InputError


def make_alerts(n: int, kind: str = "fall", person: int = 1, source: str = "cam") -> list[Alert]:
    return [Alert(kind, person, float(i), "warning", f"alert {i}", source=source, confidence=0.5,
                  details={"i": i, "zone": None, "values": [1.5, 2.5]}) for i in range(n)]


# -- JSONL ---------------------------------------------------------------------------------------

def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "alerts.jsonl"
    alerts = make_alerts(3)
    sink = JsonlSink(path)
    for a in alerts:
        sink.send(a)
    sink.close()
    assert read_jsonl(path) == alerts
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[1])["id"] == alerts[1].id
    # appending in a later run keeps what was there
    with_more = JsonlSink(path)
    with_more.send(make_alerts(1, kind="gait")[0])
    with_more.close()
    assert [a.kind for a in read_jsonl(path)] == ["fall"] * 3 + ["gait"]


def test_jsonl_writes_numpy_and_nan_as_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    alert = Alert("gait", 2, 1.0, "info", "x", confidence=float("nan"),
                  details={"v": np.float32(0.5), "arr": np.arange(3), "bad": float("inf"), "p": tmp_path})
    sink = JsonlSink(path)
    sink.send(alert)
    sink.close()
    raw = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert raw["details"] == {"v": 0.5, "arr": [0, 1, 2], "bad": None, "p": str(tmp_path)}
    back = read_jsonl(path)[0]
    assert np.isnan(back.confidence) and back.id == alert.id


def test_jsonl_truncated_last_line_is_skipped_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "a.jsonl"
    alerts = make_alerts(4)
    sink = JsonlSink(path)
    for a in alerts[:3]:
        sink.send(a)
    sink.close()
    whole = path.read_bytes()
    line = (json.dumps(alerts[3].to_dict()) + "\n").encode()
    path.write_bytes(whole + line[:25])     # a crash in the middle of the fourth line
    with caplog.at_level(logging.WARNING):
        assert read_jsonl(path) == alerts[:3]
    assert "partial last line" in caplog.text
    # the next run cuts the partial line off and appends cleanly
    sink = JsonlSink(path)
    sink.send(alerts[3])
    sink.close()
    assert read_jsonl(path) == alerts


def test_jsonl_corrupt_middle_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    good = json.dumps(make_alerts(1)[0].to_dict())
    for middle, problem in [("{not json", "not valid JSON"), ('{"kind": "fall"}', "missing person"),
                            ('[1, 2]', "JSON object"), (good.replace('"warning"', '"loud"'), "severity")]:
        path.write_text(f"{good}\n{middle}\n{good}\n")
        with pytest.raises(InputError) as err:
            read_jsonl(path)
        assert str(path) in str(err.value) and "line 2" in str(err.value) and problem in str(err.value)
    with pytest.raises(InputError, match="not found"):
        read_jsonl(tmp_path / "missing.jsonl")


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])
_GOOD_LINE = json.dumps(make_alerts(1)[0].to_dict())


@FUZZ
@given(st.one_of(st.text(), st.binary(),
                 st.lists(st.one_of(st.just(_GOOD_LINE), st.text(max_size=40),
                                    st.integers(1, len(_GOOD_LINE)).map(lambda k: _GOOD_LINE[:k])),
                          max_size=4).map("\n".join)))
def test_read_jsonl_fuzz_parses_or_raises_input_error(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    try:
        alerts = read_jsonl(path)
    except InputError as err:
        assert "\n" not in err.problem
        return
    assert all(isinstance(a, Alert) for a in alerts)


# -- SQLite --------------------------------------------------------------------------------------

def test_sqlite_round_trip_dedupe_and_filters(tmp_path: Path) -> None:
    path = tmp_path / "db" / "alerts.sqlite"
    falls, gaits = make_alerts(3), make_alerts(2, kind="gait", person=7, source="cam2")
    sink = SQLiteSink(path)
    for a in falls + gaits + [falls[0]]:      # falls[0] re-sent
        sink.send(a)
    frame = read_alerts(path)
    assert list(frame["id"]) == [a.id for a in falls + gaits]
    assert frame["details"].iloc[1] == {"i": 1, "zone": None, "values": [1.5, 2.5]}
    assert frame["time_s"].dtype == np.float64 and frame["person"].tolist() == [1, 1, 1, 7, 7]
    assert list(read_alerts(path, kind="gait")["id"]) == [a.id for a in gaits]
    assert len(read_alerts(path, kind=["gait", "fall"])) == 5
    assert len(read_alerts(path, person=1)) == 3
    assert len(read_alerts(path, source="cam2", person=1)) == 0
    assert len(read_alerts(path, since=datetime.now(timezone.utc) - timedelta(minutes=5))) == 5
    assert len(read_alerts(path, since=time.time() + 3600)) == 0
    late = Alert("fall", 1, 9.0, "critical", "late", created="2999-01-01T00:00:00.000+00:00")
    sink.send(late)
    assert list(read_alerts(path, since="2998-06-01T00:00:00+00:00")["id"]) == [late.id]
    sink.close()


def test_sqlite_empty_database_gives_frame_with_columns(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite"
    SQLiteSink(path).close()
    frame = read_alerts(path)
    assert frame.empty and list(frame.columns) == ["id", "kind", "person", "time_s", "severity", "message",
                                                   "source", "confidence", "details", "created"]


def test_a_new_database_appears_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dashboard polling for the file never sees it before its table exists (it is linked into place)."""
    import os

    path = tmp_path / "alerts.sqlite"
    seen = []
    real_link = os.link

    def link(src, dst, *args, **kwargs):
        assert not Path(dst).exists()
        with sqlite3.connect(Path(src).resolve().as_uri() + "?mode=ro", uri=True) as conn:
            seen.append({r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")})
        conn.close()
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    SQLiteSink(path).close()
    assert seen == [{"alerts"}]
    assert read_alerts(path).empty
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]   # no temporary file left


def test_sqlite_readable_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite"
    sink = SQLiteSink(path)
    first, second = make_alerts(2)
    sink.send(first)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")                      # a writer holds the write lock, uncommitted
    other.execute("INSERT INTO alerts (id, kind, person, time_s, severity, message, details, created) "
                  "VALUES ('x', 'fall', 3, 1.0, 'info', 'm', '{}', '2020-01-01')")
    assert list(read_alerts(path)["id"]) == [first.id]    # readers are not blocked, and see committed rows
    other.execute("COMMIT")
    sink.send(second)
    assert list(read_alerts(path)["id"]) == [first.id, "x", second.id]
    other.close()
    sink.close()


def test_sqlite_rejects_files_that_are_not_alert_databases(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(InputError, match="not an ActionPose alert database"):
        SQLiteSink(garbage)
    with pytest.raises(InputError, match="not an ActionPose alert database"):
        read_alerts(garbage)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    conn.close()
    with pytest.raises(InputError, match="without a 'alerts' table"):
        SQLiteSink(other)
    with pytest.raises(InputError, match="no 'alerts' table"):
        read_alerts(other)
    with pytest.raises(InputError, match="not found"):
        read_alerts(tmp_path / "missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()


# -- webhook -------------------------------------------------------------------------------------

class Receiver:
    """A real HTTP receiver on 127.0.0.1: fails the first ``fail_first`` requests with 500, optionally
    hangs, records what it accepted (dropping repeats by alert id)."""

    def __init__(self, port: int = 0, fail_first: int = 0, hang_s: float = 0.0) -> None:
        self.fail_first, self.hang_s = fail_first, hang_s
        self.requests = 0
        self.accepted: list[str] = []       # ids answered 200, repeats included
        self.received: list[dict] = []      # payloads, repeats dropped by id
        self.headers: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests += 1
                    fail = receiver.requests <= receiver.fail_first
                if receiver.hang_s:
                    time.sleep(receiver.hang_s)
                if not fail:
                    alert_id = self.headers["X-ActionPose-Alert-Id"]
                    with receiver.lock:
                        receiver.accepted.append(alert_id)
                        receiver.headers.append(dict(self.headers))
                        if alert_id not in {r["id"] for r in receiver.received}:
                            receiver.received.append(json.loads(body))
                try:
                    self.send_response(500 if fail else 200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_webhook_retries_5xx_and_delivers_each_alert_once(tmp_path: Path) -> None:
    with Receiver(fail_first=5) as rx:
        alerts = make_alerts(3)
        sink = WebhookSink(rx.url, tmp_path / "outbox.sqlite", timeout_s=0.5, retries=3, backoff_s=0.01,
                           background=False)
        sink.send(alerts[0])                 # 4 attempts, all 500: kept
        assert sink.pending() == 1
        sink.send(alerts[1])                 # 500 once more, then both go, oldest first
        sink.send(alerts[2])
        assert sink.pending() == 0 and sink.flush(1.0) == 0
        sink.close()
    assert rx.requests == 5 + 3
    assert rx.accepted == [a.id for a in alerts]           # exactly once each, in order
    assert [r["id"] for r in rx.received] == [a.id for a in alerts]
    assert rx.received[0] == json.loads(json.dumps(alerts[0].to_dict()))
    assert rx.headers[0]["Content-Type"] == "application/json"


def test_webhook_background_send_does_not_block_and_flush_delivers(tmp_path: Path) -> None:
    with Receiver(fail_first=2, hang_s=0.05) as rx:
        alerts = make_alerts(4)
        sink = WebhookSink(rx.url, tmp_path / "outbox.sqlite", timeout_s=0.5, retries=3, backoff_s=0.01)
        start = time.perf_counter()
        for a in alerts:
            sink.send(a)
        assert time.perf_counter() - start < 0.2 * len(alerts)   # the receiver takes >= 0.05 s a request
        assert sink.flush(5.0) == 0
        sink.close()
    assert rx.accepted == [a.id for a in alerts]


def test_webhook_receiver_down_keeps_alerts_then_new_sink_delivers_in_order(tmp_path: Path) -> None:
    with Receiver() as rx:
        port, url = rx.port, rx.url
    # nothing listens there now: connection refused
    outbox = tmp_path / "outbox.sqlite"
    alerts = make_alerts(3)
    sink = WebhookSink(url, outbox, timeout_s=0.2, retries=1, backoff_s=0.01, background=False)
    for a in alerts:
        sink.send(a)
    assert sink.pending() == 3 and sink.flush(0.5) == 3
    sink.close()                                          # a run that ends with the receiver down
    with sqlite3.connect(outbox) as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM outbox ORDER BY seq")] == [a.id for a in alerts]
    conn.close()
    with Receiver(port=port) as rx:                       # the receiver is back; a new run starts
        restarted = WebhookSink(url, outbox, timeout_s=0.5, retries=1, backoff_s=0.01)
        assert restarted.flush(5.0) == 0
        restarted.close()
    assert rx.accepted == [a.id for a in alerts]


def test_webhook_hanging_receiver_counts_as_failure(tmp_path: Path) -> None:
    with Receiver(hang_s=0.6) as rx:
        alert = make_alerts(1)[0]
        sink = WebhookSink(rx.url, tmp_path / "outbox.sqlite", timeout_s=0.2, retries=0, background=False)
        start = time.perf_counter()
        sink.send(alert)
        assert time.perf_counter() - start < 0.5
        assert sink.pending() == 1
        with sqlite3.connect(tmp_path / "outbox.sqlite") as conn:
            attempts, error = conn.execute("SELECT attempts, last_error FROM outbox").fetchone()
        conn.close()
        assert attempts == 1 and "timed out" in error
        rx.hang_s = 0.0
        assert sink.flush(2.0) == 0          # delivered again; the receiver drops the repeat by id
        sink.close()
    assert [r["id"] for r in rx.received] == [alert.id]


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "localhost:8080/hook",
                                 "http://", "", "http://[::1"])
def test_webhook_rejects_non_http_urls(tmp_path: Path, url: str) -> None:
    with pytest.raises(InputError) as err:
        WebhookSink(url, tmp_path / "outbox.sqlite")
    assert err.value.source == url


def test_webhook_redirect_is_not_delivery(tmp_path: Path) -> None:
    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        sink = WebhookSink(f"http://127.0.0.1:{server.server_address[1]}/", tmp_path / "o.sqlite", timeout_s=0.5,
                           retries=0, background=False)
        sink.send(make_alerts(1)[0])
        assert sink.pending() == 1
        sink.close()
    finally:
        server.shutdown()
        server.server_close()


# -- callback, open_sinks, end to end ------------------------------------------------------------

def test_open_sinks_and_manager_end_to_end(tmp_path: Path) -> None:
    with Receiver() as rx:
        got = []
        sinks = open_sinks(jsonl=tmp_path / "a.jsonl", sqlite=tmp_path / "a.sqlite", webhook=rx.url,
                           callback=got.append, background=False, timeout_s=0.5)
        assert [type(s).__name__ for s in sinks] == ["JsonlSink", "SQLiteSink", "WebhookSink", "CallbackSink"]
        assert sinks[2].outbox.path == tmp_path / "a.outbox.sqlite"
        with AlertManager(sinks=sinks) as m:
            m.notify(make_alerts(1, kind="gait")[0])
    ids = [a.id for a in m.sent]
    assert [a.id for a in read_jsonl(tmp_path / "a.jsonl")] == ids
    assert list(read_alerts(tmp_path / "a.sqlite")["id"]) == ids
    assert rx.accepted == ids and [a.id for a in got] == ids


def test_open_sinks_closes_what_it_opened_on_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        open_sinks(jsonl=tmp_path / "a.jsonl", webhook="ftp://nope")
    assert default_outbox() == Path("actionpose-outbox.sqlite")
    assert default_outbox(jsonl=tmp_path / "x.jsonl") == tmp_path / "x.outbox.sqlite"


def test_callback_sink() -> None:
    got = []
    sink = CallbackSink(got.append)
    alert = make_alerts(1)[0]
    sink.send(alert)
    sink.close()
    assert got == [alert]
    with pytest.raises(TypeError):
        CallbackSink("not callable")  # type: ignore[arg-type]


def test_unused_port_is_refused() -> None:
    """Guard for the receiver-down test: a port freed by a stopped server refuses connections."""
    rx = Receiver()
    rx.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", rx.port), timeout=0.2).close()

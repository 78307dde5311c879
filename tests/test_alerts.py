"""The alert manager (debounce, cooldown, escalation, recovery, ignore zones, notify, sink failures) and zones."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionpose.alerts import Alert, AlertManager, CallbackSink, Observation, Zone, load_zones, parse_zone
from actionpose.errors import InputError

FPS = 10


def feed(manager: AlertManager, segments: list[tuple[float, bool]], end: float, person: int = 1,
         kind: str = "fall", point: tuple[float, float] | None = None) -> list[Alert]:
    """Observe at FPS from 0 to ``end``; ``segments`` are ``(from_s, active)`` switches (inactive before the
    first). Returns every alert raised, in order."""
    out = []
    for i in range(int(round(end * FPS)) + 1):
        t = i / FPS
        active = False
        for start, state in segments:
            if t >= start - 1e-9:
                active = state
        out += manager.observe(Observation(kind, person, t, active, confidence=0.9, point=point))
    return out


def kinds_times(alerts: list[Alert]) -> list[tuple[str, float]]:
    return [(a.kind, round(a.time_s, 6)) for a in alerts]


# -- debounce ------------------------------------------------------------------------------------

def test_flicker_shorter_than_debounce_raises_nothing() -> None:
    m = AlertManager(debounce_s=0.5)
    # on for 0.4 s, off for 0.1 s, repeated for 10 s: never 0.5 s continuously
    segments = [(s / 2, on) for k in range(20) for s, on in ((k, True), (k + 0.8, False))]
    assert feed(m, segments, 10.0) == []
    assert m.sent == [] and m.suppressed == 0


def test_steady_condition_raises_one_alert_after_debounce() -> None:
    got = []
    m = AlertManager(sinks=[got.append], debounce_s=0.5, escalate_after_s=None, source="cam1")
    alerts = feed(m, [(1.0, True)], 20.0)
    assert kinds_times(alerts) == [("fall", 1.5)]
    a = alerts[0]
    assert (a.severity, a.person, a.source, a.confidence) == ("critical", 1, "cam1", 0.9)  # the one policy
    assert a.details["episode_start_s"] == pytest.approx(1.0)
    assert got == alerts == m.sent


def test_observe_returns_alert_on_the_frame_it_is_raised() -> None:
    m = AlertManager(debounce_s=0.3)
    assert m.observe(Observation("fall", 0, 0.0, True)) == []
    assert m.observe(Observation("fall", 0, 0.2, True)) == []
    raised = m.observe(Observation("fall", 0, 0.3, True))
    assert [a.kind for a in raised] == ["fall"]
    assert m.observe(Observation("fall", 0, 0.4, True)) == []


@pytest.mark.parametrize("escalate_after_s, segments, follow_up, severity, figure", [
    # down 1.0-3.0, up for 0.3 s (< debounce), down again 3.3-4.0, then up for good: one episode, recovered
    (None, [(1.0, True), (3.0, False), (3.3, True), (4.0, False)], ("fall_recovered", 4.5), "info", "duration_s"),
    # down for good: escalated exactly once, 3 s after the alert
    (3.0, [(1.0, True)], ("fall_escalation", 4.5), "critical", "since_alert_s"),
])
def test_episode_follow_up_is_sent_once_and_points_to_its_alert(escalate_after_s, segments, follow_up, severity,
                                                                figure) -> None:
    m = AlertManager(debounce_s=0.5, escalate_after_s=escalate_after_s)
    alerts = feed(m, segments, 30.0)
    assert kinds_times(alerts) == [("fall", 1.5), follow_up]
    assert alerts[1].severity == severity
    assert alerts[1].details["alert_id"] == alerts[0].id
    assert alerts[1].details[figure] == pytest.approx(3.0)


def test_no_recovery_when_disabled() -> None:
    m = AlertManager(debounce_s=0.5, escalate_after_s=None, notify_recovery=False)
    assert kinds_times(feed(m, [(1.0, True), (3.0, False)], 6.0)) == [("fall", 1.5)]


# -- cooldown ------------------------------------------------------------------------------------

def test_cooldown_suppresses_new_episode_and_defers_one_still_going_on() -> None:
    m = AlertManager(debounce_s=0.5, cooldown_s=10.0, escalate_after_s=None)
    segments = [(1.0, True), (2.0, False),     # alert 1.5, recovered 2.5
                (4.0, True), (6.0, False),     # inside the cooldown: suppressed, no recovery
                (8.0, True), (13.0, False),    # suppressed at 8.5, still down when the cooldown ends at 11.5
                (22.0, True)]                  # cooldown from 11.5 over: alert 22.5
    alerts = feed(m, segments, 24.0)
    assert kinds_times(alerts) == [("fall", 1.5), ("fall_recovered", 2.5), ("fall", 11.5),
                                   ("fall_recovered", 13.5), ("fall", 22.5)]
    assert m.suppressed == 2
    assert [a.details["suppressed"] for a in m.suppressed_alerts] == ["cooldown", "cooldown"]
    assert [round(a.time_s, 6) for a in m.suppressed_alerts] == [4.5, 8.5]
    assert alerts[2].details["after_cooldown"] is True
    assert alerts[2].details["episode_start_s"] == pytest.approx(8.0)


def test_cooldown_is_per_person_and_per_kind() -> None:
    m = AlertManager(debounce_s=0.5, cooldown_s=60.0, escalate_after_s=None)
    a = feed(m, [(1.0, True)], 3.0, person=1)
    b = feed(m, [(1.0, True)], 3.0, person=2)
    c = feed(m, [(1.0, True)], 3.0, person=1, kind="lying")
    assert [(x.kind, x.person) for x in a + b + c] == [("fall", 1), ("fall", 2), ("lying", 1)]
    assert m.suppressed == 0


# -- escalation ----------------------------------------------------------------------------------

def test_no_escalation_when_the_person_got_up_in_time_or_disabled() -> None:
    m = AlertManager(debounce_s=0.5, escalate_after_s=3.0)
    assert kinds_times(feed(m, [(1.0, True), (3.0, False)], 10.0)) == [("fall", 1.5), ("fall_recovered", 3.5)]
    m = AlertManager(debounce_s=0.5, escalate_after_s=None)
    assert kinds_times(feed(m, [(1.0, True)], 60.0)) == [("fall", 1.5)]


def test_escalation_waits_while_a_short_gap_is_open() -> None:
    m = AlertManager(debounce_s=0.5, escalate_after_s=3.0)
    # the escalation would be due at 4.5, but the condition lapses 4.3-4.6 (shorter than debounce)
    alerts = feed(m, [(1.0, True), (4.3, False), (4.6, True)], 10.0)
    assert kinds_times(alerts) == [("fall", 1.5), ("fall_escalation", 4.6)]


# -- ignore zones --------------------------------------------------------------------------------

BED = Zone("bed", np.array([[100, 100], [200, 100], [200, 200], [100, 200]]))


def test_zone_suppresses_inside_not_outside(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="actionpose.alerts.manager"):
        m = AlertManager(debounce_s=0.5, ignore_zones=[BED], escalate_after_s=3.0)
        inside = feed(m, [(1.0, True), (5.0, False)], 7.0, person=1, point=(150.0, 150.0))
    assert inside == []          # no alert, so neither escalation nor recovery
    assert m.suppressed == 1
    assert m.suppressed_alerts[0].details["zone"] == "bed"
    assert m.suppressed_alerts[0].details["suppressed"] == "zone"
    assert "bed" in caplog.text
    outside = feed(m, [(1.0, True)], 2.0, person=2, point=(250.0, 150.0))
    unknown = feed(m, [(1.0, True)], 2.0, person=3, point=None)
    assert [(a.kind, a.person) for a in outside + unknown] == [("fall", 2), ("fall", 3)]
    assert m.suppressed == 1


def test_zone_contains_uses_the_polygon_not_its_box() -> None:
    ell = Zone("L", np.array([[0, 0], [100, 0], [100, 40], [40, 40], [40, 100], [0, 100]]))
    assert ell.contains(20, 80) and ell.contains(80, 20)
    assert not ell.contains(80, 80)          # inside the bounding box, outside the L
    assert ell.contains(100, 20)             # on the edge
    assert not ell.contains(-1, 50)
    assert not ell.contains(float("nan"), 10)


# -- notify, sinks, people -----------------------------------------------------------------------

def gait(t: float, person: int = 1) -> Alert:
    return Alert("gait", person, t, "warning", "asymmetric gait", details={"rule": "asymmetry"})


def test_notify_respects_cooldown() -> None:
    got = []
    m = AlertManager(sinks=[CallbackSink(got.append)], cooldown_s=10.0)
    assert m.notify(gait(1.0)) is True
    assert m.notify(gait(5.0)) is False
    assert m.notify(gait(5.0, person=2)) is True
    assert m.notify(gait(11.5)) is True
    assert [(a.person, a.time_s) for a in got] == [(1, 1.0), (2, 5.0), (1, 11.5)]
    assert m.suppressed == 1


def test_raising_sink_does_not_stop_the_others_or_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        closed = False

        def send(self, alert: Alert) -> None:
            raise OSError("disk full")

        def close(self) -> None:
            raise OSError("still full")

    got = []
    with caplog.at_level(logging.ERROR, logger="actionpose.alerts.manager"):
        with AlertManager(sinks=[Broken(), got.append], debounce_s=0.5) as m:
            alerts = feed(m, [(1.0, True)], 2.0)
            assert m.notify(gait(1.0)) is True
    assert [a.kind for a in alerts] == ["fall"]
    assert [a.kind for a in got] == ["fall", "gait"]
    assert "disk full" in caplog.text and "Broken" in caplog.text


def test_close_closes_every_sink_once() -> None:
    closed = []

    class Sink:
        def __init__(self, name: str) -> None:
            self.name = name

        def send(self, alert: Alert) -> None:
            pass

        def close(self) -> None:
            closed.append(self.name)

    with AlertManager(sinks=[Sink("a"), Sink("b")]) as m:
        pass
    m.close()
    assert closed == ["a", "b"]


def test_two_people_are_independent() -> None:
    m = AlertManager(debounce_s=0.5, escalate_after_s=None)
    alerts = []
    for i in range(0, 51):
        t = i / FPS
        alerts += m.observe(Observation("fall", 1, t, t >= 1.0))                 # steady from 1.0
        alerts += m.observe(Observation("fall", 2, t, (i % 4) != 0))             # flicker, 0.2 s runs
        alerts += m.observe(Observation("fall", 3, t, 2.0 <= t < 3.0))           # one episode
    assert [(a.kind, a.person, round(a.time_s, 6)) for a in alerts] == [
        ("fall", 1, 1.5), ("fall", 3, 2.5), ("fall_recovered", 3, 3.5)]


def test_time_going_back_starts_afresh() -> None:
    m = AlertManager(debounce_s=0.5, cooldown_s=0.0, escalate_after_s=None)
    feed(m, [(1.0, True)], 3.0)
    # a restarted stream: time begins again at 0 with the person up, then down
    again = feed(m, [(1.0, True)], 2.0)
    assert kinds_times(again) == [("fall", 1.5)]


def test_bad_settings_raise() -> None:
    with pytest.raises(ValueError):
        AlertManager(debounce_s=-1)


# -- parse_zone / load_zones ---------------------------------------------------------------------

def test_parse_zone() -> None:
    z = parse_zone("bed: 10,20 110,20 110,80 10,80")
    assert z.name == "bed"
    np.testing.assert_array_equal(z.polygon, [[10, 20], [110, 20], [110, 80], [10, 80]])
    assert z.contains(50, 50) and not z.contains(50, 90)
    anon = parse_zone("0,0;10,0;0,10")
    assert anon.name == "zone" and anon.contains(2, 2)


@pytest.mark.parametrize("text, problem", [
    ("", "no points"),
    ("bed:", "no points"),
    ("bed:1,2 3,4", "at least 3 points"),
    ("bed:1,2 3 4,5", "'3' is not \"x,y\""),
    ("bed:1,2 a,b 4,5", "not two numbers"),
    ("bed:0,0 1,1 2,2", "no area"),
    ("bed:0,0 nan,1 2,0", "finite"),
    ("bed:0,0 1e9,1 2,0", "image pixels"),
])
def test_parse_zone_errors_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(InputError) as err:
        parse_zone(text)
    assert problem in str(err.value)
    assert err.value.source == text


def test_load_zones(tmp_path) -> None:
    path = tmp_path / "zones.json"
    path.write_text(json.dumps([{"name": "bed", "polygon": [[0, 0], [10, 0], [10, 10]]},
                                {"polygon": [[20, 20], [30, 20], [30, 30], [20, 30]]}]))
    zones = load_zones(path)
    assert [z.name for z in zones] == ["bed", "zone2"]
    assert zones[1].contains(25, 25) and not zones[0].contains(25, 25)
    assert load_zones(path)[0].to_dict() == {"name": "bed", "polygon": [[0, 0], [10, 0], [10, 10]]}


@pytest.mark.parametrize("content, problem", [
    (None, "not found"),
    ("[{", "not valid JSON"),
    ('{"name": "bed"}', "JSON list"),
    ('[{"name": "bed"}]', '"polygon"'),
    ('[{"name": "bed", "polygon": [[0, 0], [1, 1]]}]', "at least 3 points"),
    ('[{"name": "bed", "polygon": [[0, 0], [1, "x"], [0, 1]]}]', "[x, y] numbers"),
    ('[{"name": 3, "polygon": [[0, 0], [1, 0], [0, 1]]}]', "name must be text"),
])
def test_load_zones_errors_name_file_and_problem(tmp_path, content: str | None, problem: str) -> None:
    path = tmp_path / "zones.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputError) as err:
        load_zones(path)
    assert problem in str(err.value) and str(path) in str(err.value)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_num = st.one_of(st.integers(-5, 5000).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.text(alphabet="0123456789.-e+", max_size=6))
_zone_text = st.builds(lambda name, pts, sep: f"{name}:" + sep.join(f"{x},{y}" for x, y in pts),
                       st.text(max_size=8), st.lists(st.tuples(_num, _num), max_size=6),
                       st.sampled_from([" ", ";", "  ", "\t"]))


@FUZZ
@given(st.one_of(st.text(), _zone_text))
def test_parse_zone_fuzz_parses_or_raises_input_error(text: str) -> None:
    try:
        zone = parse_zone(text)
    except InputError as err:
        assert err.problem and "\n" not in err.problem
        return
    assert zone.polygon.shape[0] >= 3 and np.isfinite(zone.polygon).all()
    assert isinstance(zone.contains(*zone.polygon[0]), bool)

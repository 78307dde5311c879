"""The task protocol and the shared analysis runner: every task on one sequence, a task whose premise fails
says why and raises no alert, a task stopped by bad input never stops the others, one alert adapter."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from fall_scenes import scene, sequence

from actionpose.alerts.adapter import result_alerts
from actionpose.alerts.policy import severity
from actionpose.alerts.zones import parse_zone
from actionpose.analysis import DEFAULT_TASKS, analyze_sequence, check_tasks
from actionpose.tasks.base import TaskEvent, TaskResult, get_task, list_tasks, register_task
from actionpose.tasks.exercise.task import ExerciseConfig
from actionpose.tasks.falls import FallConfig
from actionpose.tasks.signs.task import SignsConfig


def test_every_builtin_task_is_registered_with_a_config():
    assert list_tasks()[:5] == ["falls", "gait", "reps", "signs", "actions"]
    for name in list_tasks():
        task = get_task(name)
        assert task.name == name and task.description and task.config() is not None
    with pytest.raises(ValueError, match="unknown task 'dance'"):
        get_task("dance")


def test_every_task_runs_and_inapplicable_ones_say_why():
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    seq.meta["source"] = "fall.npz"
    result = analyze_sequence(seq, list_tasks())
    assert result.tasks == list_tasks() and not result.errors
    falls = result.applied("falls")
    assert falls is not None and falls.summary()["falls"] == 1 and len(falls.events) == 1
    assert falls.task == "falls" and falls.source == "fall.npz"
    assert "hand landmarks" in result.note("signs")
    assert result.note("actions") == "no action model given"
    row = result.summary_row()
    assert row["source"] == "fall.npz" and row["falls.falls"] == 1 and row["signs.applies"] is False
    doc = json.loads(json.dumps(result.to_dict()))            # the document is JSON-ready
    assert doc["tasks"]["signs"]["applies"] is False and doc["tasks"]["falls"]["applies"] is True


def test_a_task_stopped_by_bad_input_records_its_error(tmp_path):
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    bad = tmp_path / "model.apm"
    bad.write_bytes(b"not a model")
    result = analyze_sequence(seq, ["signs", "falls"], {"signs": SignsConfig(model=str(bad))})
    assert list(result.results) == ["signs", "falls"]          # signs does not apply: the layout has no hands
    result = analyze_sequence(seq, ["reps", "falls"], {"reps": ExerciseConfig(exercise="no-such-exercise")})
    assert "reps" in result.errors and result.applied("falls") is not None
    assert result.to_dict()["tasks"]["reps"]["error"] == result.errors["reps"]


def test_configs_reach_the_tasks():
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    strict = {"falls": FallConfig(impact_velocity=9, collapse_velocity=9)}
    assert analyze_sequence(seq, ["falls"], strict).results["falls"].summary()["falls"] == 0


def test_unknown_task_is_refused():
    with pytest.raises(ValueError, match="unknown task"):
        check_tasks(["falls", "dance"])
    assert check_tasks(["gait", "falls", "gait"]) == ["gait", "falls"]


def test_a_confirmed_fall_is_critical_and_zones_and_ids_apply():
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    falls = analyze_sequence(seq, ["falls"]).results["falls"]
    alerts = result_alerts(falls, "clip.mp4", clip_id="abc")
    assert [(a.kind, a.severity, a.source) for a in alerts] == [("fall", "critical", "clip.mp4")]
    assert alerts[0].time_s == pytest.approx(falls.events[0].confirmed_s, abs=1e-3)
    assert result_alerts(falls, "clip.mp4", clip_id="abc")[0].id == alerts[0].id      # stable per clip
    x, y = falls.events[0].point
    zone = parse_zone(f"bed:{x - 50},{y - 50} {x + 50},{y - 50} {x + 50},{y + 50} {x - 50},{y + 50}")
    assert result_alerts(falls, "clip.mp4", zones=[zone]) == []
    assert severity("fall", "info") == "critical" and severity("gait", "info") == "info"
    assert severity("gait") == "warning" and severity("fall_recovered") == "info"


@dataclass
class _WaveConfig:
    min_score: float = 0.5


@dataclass
class _WaveResult(TaskResult):
    times: list[float] | None = None

    def task_events(self) -> list[TaskEvent]:
        return [TaskEvent("wave", 0, t, alert="wave", message="waved") for t in self.times or []]


def test_your_own_task_plugs_in_and_stays_silent_when_its_premise_fails():
    @register_task("wave", _WaveConfig, "hand waves")
    def analyze(seq, config):
        waving = bool(np.nanmean(seq.data[..., 2]) > config.min_score)
        return _WaveResult(times=[1.0], applies=waving, reason="" if waving else "nobody waves")

    try:
        seq = sequence(scene([("lying", 0.7, 4.0)]))
        result = analyze_sequence(seq, ["wave"], {"wave": _WaveConfig(min_score=0.0)})
        assert [a.kind for a in result.alerts()] == ["wave"]
        silent = analyze_sequence(seq, ["wave"], {"wave": _WaveConfig(min_score=2.0)})
        assert silent.note("wave") == "nobody waves" and silent.alerts() == []
    finally:
        from actionpose.tasks import base

        base._REGISTRY.pop("wave", None)


def test_demo_without_data_runs_on_the_packaged_real_clip(tmp_path, monkeypatch):
    from actionpose.demo import run_demo

    monkeypatch.setenv("ACTIONPOSE_DATA", str(tmp_path / "no-such-folder"))
    lines = run_demo(tmp_path / "out")
    assert lines[0].startswith("fall_gmdcsa24.mp4 (real GMDCSA24 fall")
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert set(doc["tasks"]) == set(DEFAULT_TASKS)
    # the clip is labelled falling from 2.5 s; measured: one fall, onset 2.9 s, impact 3.4 s, still down
    events = doc["tasks"]["falls"]["events"]
    assert len(events) == 1 and 2.4 <= events[0]["start_s"] <= 4.0 and not events[0]["got_up"]
    assert any(line.startswith("  fall: person 0 starts falling at") for line in lines)
    assert any(line.startswith("gait: ") for line in lines)
    assert (tmp_path / "out" / "overlay.mp4").stat().st_size > 0


def test_auto_exercise_needs_a_complete_rep():
    seq = sequence(scene([("lying", 0.7, 4.0)]))               # a fall, not an exercise
    analysis = analyze_sequence(seq, ["reps"])
    assert analysis.applied("reps") is None and "no complete repetition" in analysis.note("reps")
    from actionpose.tasks.exercise.synthetic import synthetic_sequence

    squats = synthetic_sequence("squat", reps=[1, 1, 1], noise_px=1.0, track_id=0, origin=(160, 420), depth=68)
    done = analyze_sequence(squats, ["reps"]).applied("reps")
    assert done is not None and done.summary() == {"exercise": "squat", "reps": 3}

"""The shared analysis runner: every task on one sequence, a task that does not apply never stops the others."""

from __future__ import annotations

import json

import pytest

from actionpose.analysis import TASKS, AnalysisOptions, analyze_sequence, check_tasks
from actionpose.tasks.falls import FallConfig
from fall_scenes import scene, sequence


def test_every_task_runs_and_inapplicable_ones_say_why():
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    seq.meta["source"] = "fall.npz"
    result = analyze_sequence(seq, TASKS)
    assert list(result.outcomes) == list(TASKS)
    falls = result.outcomes["falls"]
    assert falls.ok and falls.summary["falls"] == 1 and len(falls.result.events) == 1
    assert "hand landmarks" in result.outcomes["signs"].error
    row = result.summary_row()
    assert row["source"] == "fall.npz" and row["falls.falls"] == 1 and "signs.error" in row
    json.dumps(result.to_dict())                         # the document is JSON-ready


def test_options_reach_the_tasks():
    seq = sequence(scene([("lying", 0.7, 4.0)]))
    strict = AnalysisOptions(fall_config=FallConfig(impact_velocity=9, collapse_velocity=9))
    assert analyze_sequence(seq, ["falls"], strict).outcomes["falls"].summary["falls"] == 0


def test_unknown_task_is_refused():
    with pytest.raises(ValueError, match="unknown task"):
        check_tasks(["falls", "dance"])
    assert check_tasks(["gait", "falls", "gait"]) == ["gait", "falls"]


def test_demo_without_data_runs_the_analysis_too(tmp_path, monkeypatch):
    from actionpose.demo import run_demo

    monkeypatch.setenv("ACTIONPOSE_DATA", str(tmp_path / "no-such-folder"))
    lines = run_demo(tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert set(doc["tasks"]) == {"falls", "gait", "reps"}
    assert doc["tasks"]["falls"]["events"] == []                       # a walker does not fall
    assert 90 < doc["tasks"]["gait"]["people"][0]["parameters"]["cadence_spm"] < 130
    assert any(line.startswith("gait: ") for line in lines)
    assert (tmp_path / "out" / "overlay.mp4").stat().st_size > 0


def test_auto_exercise_needs_a_complete_rep():
    seq = sequence(scene([("lying", 0.7, 4.0)]))               # a fall, not an exercise
    outcome = analyze_sequence(seq, ["reps"]).outcomes["reps"]
    assert not outcome.ok and "no complete repetition" in outcome.error
    from actionpose.tasks.exercise.synthetic import synthetic_sequence

    squats = synthetic_sequence("squat", reps=[1, 1, 1], noise_px=1.0, track_id=0, origin=(160, 420), depth=68)
    done = analyze_sequence(squats, ["reps"]).outcomes["reps"]
    assert done.ok and done.summary == {"exercise": "squat", "reps": 3}

"""Tasks stay silent when their premise fails: gait rules and gait alerts only on a detected walk.

A push-up, a sit-to-stand, a squat or a sit-up moves the feet and the pelvis enough for the event detectors to
find "heel strikes"; none of them may raise a gait alert, through the task, the analysis path (``analyze``,
batch runs) or the ``gait`` command.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fall_scenes import scene, sequence

from actionpose.analysis import analyze_sequence
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import get_task
from actionpose.tasks.exercise.synthetic import synthetic_sequence
from actionpose.tasks.gait import GaitConfig, analyze_gait
from actionpose.tasks.gait.premise import is_walk, walk_premise
from actionpose.tasks.gait.rules import gait_alerts, rule_findings
from actionpose.tasks.gait.synthetic import synthetic_walk


def sit_to_stand(repeats: int = 5) -> PoseSequence:
    """Chair stands: seated, stand up, sit down again, a few times (COCO-17, side view)."""
    steps = [("stand", 1.0, 0.6), ("seated", 1.0, 0.6)] * repeats
    seq = sequence(scene(steps, start="seated", noise=0.004, seed=3))
    seq.meta["source"] = "synthetic sit-to-stand"
    return seq


NOT_WALKS = {
    "pushup": lambda: synthetic_sequence("pushup", reps=[1] * 6, noise_px=2.0, seed=1),
    "sit_to_stand": sit_to_stand,
    "squat": lambda: synthetic_sequence("squat", reps=[1] * 6, noise_px=2.0, seed=1),
    "situp": lambda: synthetic_sequence("situp", reps=[1] * 6, noise_px=2.0, seed=1),
    "lunge": lambda: synthetic_sequence("lunge", reps=[1] * 6, noise_px=2.0, seed=1),
    "bicep_curl": lambda: synthetic_sequence("bicep_curl", reps=[1] * 6, noise_px=2.0, seed=1),
}


@pytest.mark.parametrize("name", sorted(NOT_WALKS))
def test_an_exercise_is_not_a_walk_and_raises_no_gait_alert(name: str) -> None:
    seq = NOT_WALKS[name]()
    for report in analyze_gait(seq):
        assert not is_walk(report) and walk_premise(report).startswith("not a walk")
        assert rule_findings(report) == [] and gait_alerts(report) == []
    result = get_task("gait").run(seq)
    assert not result.applies and "not a walk" in result.reason and result.findings == []
    analysis = analyze_sequence(seq)                       # the default tasks, as analyze and batch runs do
    assert [a for a in analysis.alerts() if a.kind == "gait"] == []
    assert analysis.note("gait") == result.reason


@pytest.mark.parametrize("view", ["side", "frontal"])
def test_a_walk_is_a_walk(view: str) -> None:
    seq = synthetic_walk(view=view)[0]
    report = analyze_gait(seq)[0]
    assert is_walk(report), report.walk
    assert report.walk["strides"] >= 10 and report.walk["alternation"] == 1.0 and report.walk["trunk_deg"] < 10
    assert report.to_dict()["walk"] == report.walk
    assert get_task("gait").run(seq).applies


def test_a_given_view_still_needs_an_upright_trunk() -> None:
    """``--view side`` skips the view-confidence cue; a push-up is still no walk (its trunk is level)."""
    report = analyze_gait(NOT_WALKS["pushup"](), GaitConfig(view="side"))[0]
    assert report.view.forced and report.walk["trunk_deg"] > 60
    assert "trunk" in walk_premise(report) and gait_alerts(report) == []


def test_feet_that_do_not_take_turns_are_no_walk() -> None:
    from dataclasses import replace

    from actionpose.tasks.gait.results import HEEL_STRIKE

    walk = analyze_gait(synthetic_walk(view="side")[0])[0]
    left_only = [replace(e, foot="left") if e.kind == HEEL_STRIKE else e for e in walk.events]
    assert "take turns" in walk_premise(replace(walk, events=left_only))


def test_gait_command_on_a_pushup_raises_no_alert(tmp_path: Path, capsys) -> None:
    from actionpose.cli import main

    poses = tmp_path / "pushup.npz"
    save_poses(NOT_WALKS["pushup"](), poses)
    jsonl = tmp_path / "alerts.jsonl"
    code = main(["gait", str(poses), "--json", "--alert-jsonl", str(jsonl)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["alerts"] == []
    assert all("not a walk" in p["walk"]["premise"] for p in doc["people"])
    assert not jsonl.exists() or jsonl.read_text().strip() == ""


def test_real_pushup_clip_raises_no_gait_alert(data_file) -> None:
    """The real push-up clip, default tasks: reps found, gait does not apply, no gait alert."""
    import actionpose

    analysis = actionpose.analyze(data_file("exercise/clips/pushup_correct_001.mp4"))
    assert analysis.applied("reps") is not None
    assert analysis.applied("gait") is None and "not a walk" in analysis.note("gait")
    assert [a for a in analysis.alerts() if a.kind == "gait"] == []


def test_premise_cues_are_numbers() -> None:
    report = analyze_gait(sit_to_stand())[0]
    assert set(report.walk) >= {"strides", "view_confidence", "view_forced", "trunk_deg", "alternation"}
    assert np.isfinite(report.walk["view_confidence"])

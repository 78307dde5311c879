"""Named form standards per exercise: squat ``default`` / ``powerlifting``, push-up ``default`` / ``strict``.

Each standard is judged on synthetic reps whose geometry is known: a rep that meets one standard and
misses the other is a fault under exactly one of them, and the fault carries the measured value, the
limit, the unit and the standard's name.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from actionpose.errors import InputError
from actionpose.skeleton.io import save_poses
from actionpose.tasks.exercise import analyze
from actionpose.tasks.exercise.counter import RepSpan
from actionpose.tasks.exercise.definitions import builtin_definition, parse_definition
from actionpose.tasks.exercise.faults import rep_faults
from actionpose.tasks.exercise.synthetic import synthetic_sequence
from actionpose.tasks.exercise.task import ExerciseConfig
from actionpose.tasks.exercise.task import analyze as reps_task


def faults(exercise: str, standard: str, **pose) -> list[list]:
    seq = synthetic_sequence(exercise, reps=[1, 1], noise_px=0.5, **pose)
    person = analyze(seq, exercise, standard=standard).people[0]
    assert person.count == 2, person.summary
    return [r.faults for r in person.reps if r.complete]


def test_the_standards_are_in_the_definitions() -> None:
    assert builtin_definition("squat").standard_names() == ["default", "powerlifting"]
    assert builtin_definition("pushup").standard_names() == ["default", "strict"]
    assert builtin_definition("lunge").standard_names() == ["default"]
    squat = builtin_definition("squat")
    assert squat.standard == "default"
    depth = {r.id: r for r in squat.rules}["shallow_depth"]
    assert (depth.measure, depth.zone.threshold, depth.view) == ("knee_angle", 90.0, "side")
    ipf = {r.id: r for r in squat.with_standard("powerlifting").rules}["shallow_depth"]
    assert (ipf.measure, ipf.zone.threshold, ipf.view) == ("hip_above_knee", 0.0, "side")
    strict = {r.id: r.zone.threshold for r in builtin_definition("pushup").with_standard("strict").rules}
    assert strict == {"shallow_elbows": 0.47, "hip_sag": -10.0, "hip_pike": 10.0}


@pytest.mark.parametrize("standard", ["default", "powerlifting"])
def test_a_deep_squat_passes_every_standard(standard: str) -> None:
    assert all(f == [] for f in faults("squat", standard, depth=100))


def test_a_squat_to_90_degrees_passes_default_but_not_powerlifting() -> None:
    """Thigh 15 degrees above parallel: knee angle 75 (default: fine), hip 0.2 torso above the knee (IPF: no)."""
    assert all(f == [] for f in faults("squat", "default", depth=75))
    for rep in faults("squat", "powerlifting", depth=75):
        (f,) = rep
        assert f.id == "shallow_depth" and f.standard == "powerlifting" and f.unit == "torso"
        assert f.threshold == 0.0 and 0.1 < f.value < 0.35


def test_a_half_squat_misses_the_default_with_the_knee_angle_beside_it() -> None:
    for rep in faults("squat", "default", depth=55):       # knee angle 180 - 55 - 30 = 95 degrees
        (f,) = rep
        assert f.id == "shallow_depth" and f.standard == "default" and f.unit == "deg" and f.threshold == 90
        assert 90 < f.value < 100
        assert "95 deg (limit 90)" in f.measured()


def test_squat_depth_is_not_judged_from_the_front() -> None:
    d = builtin_definition("squat")
    T = 60
    values = {"signal": np.r_[np.linspace(1, 0.5, 30), np.linspace(0.5, 1, 30)],
              "knee_angle": np.full(T, 130.0), "trunk_lean": np.full(T, 20.0), "knee_past_toes": np.zeros(T)}
    span = RepSpan(0, 30, T - 1, True, 1.0)
    for standard in ("default", "powerlifting"):
        sd = d.with_standard(standard)
        vals = {**values, "hip_above_knee": np.full(T, 0.4)}
        found, skipped = rep_faults(sd, vals, span, "front", half=3)
        assert found == [] and "shallow_depth" in skipped
        found, _ = rep_faults(sd, vals, span, "side", half=3)
        assert [f.id for f in found] == ["shallow_depth"] and found[0].standard == standard


def test_a_pushup_to_95_degrees_passes_default_but_not_strict() -> None:
    assert all(f == [] for f in faults("pushup", "default", bottom_elbow=95))
    for rep in faults("pushup", "strict", bottom_elbow=95):
        (f,) = rep
        assert f.id == "shallow_elbows" and f.standard == "strict" and f.unit == "ratio" and f.threshold == 0.47
        assert 0.47 < f.value < 0.55


@pytest.mark.parametrize("bend, fault", [(-12, "hip_sag"), (12, "hip_pike")])
def test_a_12_degree_hip_break_is_a_fault_only_under_strict(bend: float, fault: str) -> None:
    assert all(f == [] for f in faults("pushup", "default", bend=bend))
    for rep in faults("pushup", "strict", bend=bend):
        assert [f.id for f in rep] == [fault]
        assert rep[0].standard == "strict" and rep[0].unit == "deg" and abs(rep[0].value) > 10


@pytest.mark.parametrize("standard", ["default", "strict"])
def test_a_clean_pushup_passes_every_standard(standard: str) -> None:
    assert all(f == [] for f in faults("pushup", standard))


def test_an_unknown_standard_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown standard 'ipf' for squat; standards: default, powerlifting"):
        builtin_definition("squat").with_standard("ipf")


def test_a_user_definition_can_bring_its_own_standards() -> None:
    doc = {"name": "mine", "signal": {"height": "pelvis", "above": "ankle", "scale": "self"},
           "rest": {"above": 0.9}, "peak": {"below": 0.7},
           "measures": {"knee": {"angle": ["hip", "knee", "ankle"]}},
           "rules": [{"id": "deep", "measure": "knee", "at": "peak", "above": 100, "message": "deeper"}],
           "standards": {"default": {}, "easy": {"rules": {"deep": {"above": 120}}}}}
    d = parse_definition(doc)
    assert {r.id: r.zone.threshold for r in d.with_standard("easy").rules} == {"deep": 120.0}
    with pytest.raises(InputError, match="standards must include 'default'"):
        parse_definition({**doc, "standards": {"easy": {}}})
    with pytest.raises(InputError, match="unknown measure"):
        parse_definition({**doc, "standards": {"default": {}, "x": {"rules": {"deep": {"measure": "nope"}}}}})


def test_the_task_config_takes_a_standard() -> None:
    seq = synthetic_sequence("squat", reps=[1, 1], noise_px=0.5, depth=75)
    report = reps_task(seq, ExerciseConfig(exercise="squat", standard="powerlifting"))
    assert report.standard == "powerlifting"
    assert all([f.id for f in r.faults] == ["shallow_depth"] for p in report.people for r in p.reps if r.complete)
    # auto with a standard the picked exercise lacks: judged by its default, not an error
    report = reps_task(seq, ExerciseConfig(exercise="auto", standard="strict"))
    assert report.exercise == "squat" and report.standard == "default"


def test_reps_standard_on_the_command_line(tmp_path: Path, capsys) -> None:
    path = save_poses(synthetic_sequence("squat", reps=[1, 1], noise_px=0.5, depth=75), tmp_path / "squat.npz")
    code, out, err = run(["reps", str(path), "--exercise", "squat", "--standard", "powerlifting", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["standard"] == "powerlifting"
    fault = doc["people"][0]["reps"][0]["faults"][0]
    assert fault["standard"] == "powerlifting" and fault["unit"] == "torso" and fault["threshold"] == 0.0
    assert fault["value"] > 0
    code, out, err = run(["reps", str(path), "--exercise", "squat"], capsys)
    assert code == 0 and "'default' standard" in out and "Good squat" in out
    code, out, err = run(["reps", str(path), "--exercise", "squat", "--standard", "ipf"], capsys)
    assert_one_line_error(code, err, "unknown standard 'ipf'", "powerlifting")
    code, out, err = run(["exercises"], capsys)
    assert code == 0 and "standard powerlifting" in out and "standard strict" in out

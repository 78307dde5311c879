"""``actionpose reps``, ``exercises`` and ``learn-states``: JSON schema, text output, and the bad-input contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from actionpose.skeleton.io import save_poses
from actionpose.tasks.exercise.synthetic import stack_people, synthetic_sequence

REP_KEYS = {"number", "start_s", "bottom_s", "end_s", "duration_s", "tempo", "complete", "reason", "rom", "rom_deg",
            "depth", "asymmetry", "view", "faults", "not_assessed", "feedback", "frames"}
FAULT_KEYS = {"id", "message", "value", "threshold", "direction", "unit", "why", "share", "source", "phase", "start_s",
              "end_s", "duration_s", "standard"}


@pytest.fixture(scope="module")
def two_people(tmp_path_factory) -> Path:
    a = synthetic_sequence("squat", reps=[1, 1, 1], noise_px=1.0, track_id=0, origin=(160, 420), depth=55)
    b = synthetic_sequence("squat", reps=[1, 1, 0.55, 1, 1], noise_px=1.0, track_id=1, origin=(480, 420), seed=3)
    return save_poses(stack_people([a, b]), tmp_path_factory.mktemp("poses") / "two_squatters.npz")


def test_reps_json_schema_per_person(two_people: Path, capsys) -> None:
    code, out, err = run(["reps", str(two_people), "--exercise", "squat", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["exercise"] == "squat" and doc["kind"] == "reps" and doc["input"] == str(two_people)
    assert doc["units"]["depth"] == "torso" and doc["units"]["rom_deg"] == "deg"
    people = {p["person"]: p for p in doc["people"]}
    assert people[0]["count"] == 3 and people[1]["count"] == 4 and people[1]["partial"] == 1
    for p in doc["people"]:
        assert {"person", "count", "partial", "reps", "holds", "summary"} <= set(p)
        for rep in p["reps"]:
            assert set(rep) == REP_KEYS
            assert set(rep["tempo"]) == {"down", "up"}
            for f in rep["faults"]:
                assert set(f) == FAULT_KEYS
    assert all("shallow_depth" in [f["id"] for f in r["faults"]] for r in people[0]["reps"])
    assert not any(r["faults"] for r in people[1]["reps"] if r["complete"])


def test_reps_person_filter_text_and_auto(two_people: Path, capsys) -> None:
    code, out, err = run(["reps", str(two_people), "--exercise", "squat", "--person", "1"], capsys)
    assert code == 0, err
    assert "person 1: 4 reps, 1 partial" in out and "person 0" not in out
    assert "rep  1" in out and "partial" in out
    code, out, err = run(["reps", str(two_people), "--json"], capsys)       # --exercise auto is the default
    assert code == 0, err
    doc = json.loads(out)
    assert doc["exercise"] == "squat" and doc["auto"]["exercise"] == "squat"


def test_reps_plank_hold_json(tmp_path: Path, capsys) -> None:
    path = save_poses(synthetic_sequence("plank", phase=np.zeros(240), bend=-25), tmp_path / "plank.npz")
    code, out, err = run(["reps", str(path), "--exercise", "plank", "--json"], capsys)
    assert code == 0, err
    p = json.loads(out)["people"][0]
    assert p["holds"][0]["faults"][0]["id"] == "low_back" and p["time_in_position_s"] == pytest.approx(8.0, abs=0.1)


def test_reps_with_a_user_definition_and_learned_states(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(0)
    phase = np.r_[rng.uniform(0, 0.1, 30), rng.uniform(0.9, 1.0, 30)]
    seq = synthetic_sequence("pushup", phase=phase, noise_px=2.0)
    rows = [[f"img{i}.png", "pushups_up" if i < 30 else "pushups_down", *seq.data[i, 0, :, :3].ravel().tolist()]
            for i in range(60)]
    samples = tmp_path / "samples.csv"
    samples.write_text("\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    model = tmp_path / "pushup_states.npz"
    code, out, err = run(["learn-states", str(samples), "-o", str(model)], capsys)
    assert code == 0 and model.is_file() and "peak = pushups_down" in out, err
    clip = save_poses(synthetic_sequence("pushup", reps=[1, 1, 1], noise_px=1.0), tmp_path / "pushups.npz")
    code, out, err = run(["reps", str(clip), "--exercise", str(model), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["people"][0]["count"] == 3
    definition = tmp_path / "my_pushup.yaml"
    definition.write_text("name: my_pushup\nsignal: {learned: pushup_states.npz}\nrest: {below: 0.3}\n"
                          "peak: {above: 0.7}\nphases: [lower, press]\n")
    code, out, err = run(["reps", str(clip), "--exercise", str(definition), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["exercise"] == "my_pushup" and doc["people"][0]["count"] == 3
    assert set(doc["people"][0]["reps"][0]["tempo"]) == {"lower", "press"}


def test_reps_with_a_learned_fault_model(tmp_path: Path, capsys) -> None:
    from actionpose.models.classifier import ActionClassifier
    from actionpose.train.data import LabelledClip

    clips = []
    for i in range(6):
        for label, lean in (("C", 0.0), ("L", 30.0)):
            seq = synthetic_sequence("bicep_curl", reps=[1, 1], noise_px=1.0, seed=i, lean_back=lean)
            clips.append(LabelledClip(seq, label=label, group=f"g{i}"))
    model = ActionClassifier(model="rf", window=15, stride=8).fit(clips).save(tmp_path / "curl_form.apm")
    clip = save_poses(synthetic_sequence("bicep_curl", reps=[1, 1], noise_px=1.0, seed=9, lean_back=30.0),
                      tmp_path / "curls.npz")
    code, out, err = run(["reps", str(clip), "--exercise", "bicep_curl", "--fault-model", str(model), "--json"], capsys)
    assert code == 0, err
    for rep in json.loads(out)["people"][0]["reps"]:
        ids = {f["id"]: f for f in rep["faults"]}
        assert "leaning_back" in ids and "learned:L" in ids and ids["learned:L"]["source"] == "learned"


def test_exercises_lists_builtins(capsys) -> None:
    code, out, _ = run(["exercises"], capsys)
    assert code == 0 and "squat" in out and "shallow_depth" in out and "plank" in out
    code, out, _ = run(["exercises", "--json"], capsys)
    assert {d["name"] for d in json.loads(out)} >= {"squat", "pushup", "lunge", "bicep_curl", "jumping_jack",
                                                    "situp", "plank"}


@pytest.mark.parametrize("case", ["missing", "unknown_exercise", "bad_definition", "missing_person", "bad_poses",
                                  "missing_model", "nothing_to_pick"])
def test_reps_bad_input_exit_2_one_line(case: str, two_people: Path, tmp_path: Path, capsys) -> None:
    args = {"missing": ([str(tmp_path / "nope.npz"), "--exercise", "squat"], "nope.npz"),
            "unknown_exercise": ([str(two_people), "--exercise", "burpee"], "burpee"),
            "missing_person": ([str(two_people), "--exercise", "squat", "--person", "9"], "no person 9"),
            "missing_model": ([str(two_people), "--exercise", str(tmp_path / "states.npz")], "states.npz")}
    if case == "bad_definition":
        bad = tmp_path / "bad.yaml"
        bad.write_text("name: x\nsignal: {angle: [hip, knee]}\nrest: {above: 1}\npeak: {below: 0}\n")
        args[case] = ([str(two_people), "--exercise", str(bad)], "bad.yaml")
    if case == "bad_poses":
        junk = tmp_path / "junk.npz"
        junk.write_bytes(b"not a pose file at all")
        args[case] = ([str(junk), "--exercise", "squat"], "junk.npz")
    if case == "nothing_to_pick":
        still = save_poses(synthetic_sequence("squat", phase=np.zeros(120)), tmp_path / "still.npz")
        args[case] = ([str(still), "--exercise", "auto"], "could not tell the exercise")
    argv, word = args[case]
    code, out, err = run(["reps", *argv, "--json"], capsys)
    assert_one_line_error(code, err, word)
    assert out == ""


def test_learn_states_bad_input(tmp_path: Path, capsys) -> None:
    code, _, err = run(["learn-states", str(tmp_path / "none.csv"), "-o", str(tmp_path / "m.npz")], capsys)
    assert_one_line_error(code, err, "none.csv")
    short = tmp_path / "short.csv"
    short.write_text("a.png,up,1,2,3\n")
    code, _, err = run(["learn-states", str(short), "-o", str(tmp_path / "m.npz")], capsys)
    assert_one_line_error(code, err, "short.csv")
    assert not (tmp_path / "m.npz").exists()

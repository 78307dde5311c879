"""``actionpose gait``: table, JSON schema, report folder, alert rules; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from actionpose.skeleton.io import save_poses
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.gait.synthetic import WalkerSpec, synthetic_walk


@pytest.fixture(scope="module")
def walk_file(tmp_path_factory) -> Path:
    spec = WalkerSpec(cadence_spm=84, step_length_m=(0.6, 0.42), left_step_fraction=0.58, duration_s=10)
    seq, _ = synthetic_walk(spec, view="side", seed=3, noise=0.005, drop=0.05)
    return save_poses(seq, tmp_path_factory.mktemp("gait") / "walk.npz")


def test_table_output(walk_file: Path, capsys) -> None:
    code, out, err = run(["gait", str(walk_file), "--height-m", "1.7"], capsys)
    assert code == 0, err
    assert "person 0: side view" in out
    assert "Cadence" in out and "steps/min" in out and "Step length" in out and " m" in out
    assert "ALERT [warning] slow cadence" in out


def test_json_schema(walk_file: Path, capsys) -> None:
    code, out, err = run(["gait", str(walk_file), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)                                          # one document, nothing else
    assert set(doc) >= {"input", "people", "alerts"}
    person = doc["people"][0]
    assert set(person) >= {"person", "view", "parameters", "events", "angles", "quality", "units", "methods", "norm"}
    assert person["view"]["view"] == "side" and person["units"]["length"] == "leg_length"
    params = person["parameters"]
    assert params["cadence_spm"] == pytest.approx(84, rel=0.02)
    assert params["step_length_m"] is None and params["step_length"] > 0
    ev = person["events"][0]
    assert set(ev) == {"foot", "kind", "time_s", "frame", "confidence"}
    assert {e["kind"] for e in person["events"]} == {"heel_strike", "toe_off"}
    assert {a["joint"] for a in person["angles"]} == {"knee_flexion", "hip_flexion"}
    assert len(person["angles"][0]["mean"]) == 101
    rules = {a["details"]["rule"] for a in doc["alerts"]}
    assert "slow_cadence" in rules and all(a["kind"] == "gait" for a in doc["alerts"])


def test_report_folder_and_rules_file(walk_file: Path, tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("- name: fast_enough\n  metric: cadence_spm\n  min: 100\n  severity: info\n")
    code, out, err = run(["gait", str(walk_file), "--report", str(tmp_path / "rep"), "--alert-rules", str(rules),
                          "--person", "0", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert [a["details"]["rule"] for a in doc["alerts"]] == ["fast_enough"]
    assert all(Path(p).is_file() for p in doc["report_files"])
    assert (tmp_path / "rep" / "person0_knee_flexion.png").is_file()


def test_alerts_reach_the_logs(walk_file: Path, tmp_path: Path, capsys) -> None:
    from actionpose.alerts import read_alerts, read_jsonl

    jsonl, db = tmp_path / "alerts.jsonl", tmp_path / "alerts.sqlite"
    code, out, err = run(["gait", str(walk_file), "--json", "--alert-jsonl", str(jsonl), "--alert-db", str(db)], capsys)
    assert code == 0, err
    printed = {a["details"]["rule"] for a in json.loads(out)["alerts"]}
    assert {a.details["rule"] for a in read_jsonl(jsonl)} == printed     # every rule that fired, none held back
    table = read_alerts(db, kind="gait")
    assert set(table["details"].map(lambda d: d["rule"])) == printed and len(table) == len(printed) >= 2


def test_frontal_view_forced(walk_file: Path, capsys) -> None:
    code, out, err = run(["gait", str(walk_file), "--view", "frontal", "--json"], capsys)
    assert code == 0, err
    person = json.loads(out)["people"][0]
    assert person["view"]["forced"] and person["view"]["view"] == "frontal"


def _short(tmp: Path) -> Path:
    seq, _ = synthetic_walk(WalkerSpec(duration_s=10), view="side", seed=1)
    return save_poses(seq.slice_frames(0, 20), tmp / "short.npz")


def _nobody(tmp: Path) -> Path:
    return save_poses(PoseSequence.empty("blazepose33", 30.0, num_frames=60, num_people=1), tmp / "nobody.npz")


def _hands(tmp: Path) -> Path:
    seq = PoseSequence.empty("hand21", 30.0, num_frames=90, num_people=1)
    seq.data[..., :2] = np.random.default_rng(0).uniform(0, 100, seq.data[..., :2].shape)
    seq.data[..., 2] = 0.9
    return save_poses(seq, tmp / "hands.npz")


def _standing(tmp: Path) -> Path:
    seq, _ = synthetic_walk(WalkerSpec(duration_s=5), view="side", seed=1)
    seq.data[:] = seq.data[:1]
    return save_poses(seq, tmp / "standing.npz")


def _garbage(tmp: Path) -> Path:
    path = tmp / "garbage.npz"
    path.write_bytes(b"not a pose file" * 10)
    return path


@pytest.mark.parametrize("make,words", [
    (_short, ["short.npz", "too short"]),
    (_nobody, ["nobody.npz", "no person"]),
    (_hands, ["hands.npz", "knees"]),
    (_standing, ["standing.npz", "no walking"]),
    (_garbage, ["garbage.npz"]),
    (lambda tmp: tmp / "missing.npz", ["missing.npz", "no such file"]),
])
def test_bad_input_exits_2_with_one_line(make, words, tmp_path: Path, capsys) -> None:
    path = make(tmp_path)
    report = tmp_path / "rep"
    code, out, err = run(["gait", str(path), "--json", "--report", str(report)], capsys)
    assert_one_line_error(code, err, *words)
    assert out == "" and not report.exists()


def test_bad_options_exit_2(walk_file: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(["gait", str(walk_file), "--height-m", "175"], capsys)
    assert_one_line_error(code, err, "height")
    code, _, err = run(["gait", str(walk_file), "--person", "3"], capsys)
    assert_one_line_error(code, err, "no person 3")
    bad = tmp_path / "rules.yaml"
    bad.write_text("- metric: nonsense\n  min: 1\n")
    code, _, err = run(["gait", str(walk_file), "--alert-rules", str(bad)], capsys)
    assert_one_line_error(code, err, "rules.yaml", "unknown metric")
    code, _, err = run(["gait", str(walk_file), "--classifier", str(tmp_path / "none.apm")], capsys)
    assert_one_line_error(code, err, "none.apm")

"""Gait rules -> gait alerts, rule files, the report files and the classifier API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from actionpose.alerts.types import Alert
from actionpose.errors import InputError
from actionpose.tasks.gait import GaitConfig, analyze_gait
from actionpose.tasks.gait.classify import GaitClassifier, evaluate_by_person, report_features
from actionpose.tasks.gait.norms import band_from_npz, load_band
from actionpose.tasks.gait.report import format_table, write_report
from actionpose.tasks.gait.results import GaitParameters
from actionpose.tasks.gait.rules import DEFAULT_RULES, GaitRule, gait_alerts, load_rules, rules_to_data
from actionpose.tasks.gait.synthetic import WalkerSpec, synthetic_walk


@pytest.fixture(scope="module")
def normal_report():
    seq, _ = synthetic_walk(WalkerSpec(cadence_spm=112, duration_s=10), view="side", seed=1, noise=0.005, drop=0.05)
    return analyze_gait(seq, GaitConfig(height_m=1.75))[0]


@pytest.fixture(scope="module")
def impaired_report():
    spec = WalkerSpec(cadence_spm=78, step_length_m=(0.55, 0.35), left_step_fraction=0.6,
                      stance_fraction=(0.62, 0.72), duration_s=14)
    seq, _ = synthetic_walk(spec, view="side", seed=2, noise=0.005, drop=0.05)
    return analyze_gait(seq, GaitConfig(height_m=1.75))[0]


def test_normal_walk_raises_no_warning(normal_report) -> None:
    alerts = gait_alerts(normal_report)
    assert [a for a in alerts if a.severity != "info"] == []


def test_impaired_walk_raises_gait_alerts(impaired_report) -> None:
    alerts = gait_alerts(impaired_report, person=5, source="clip.mp4")
    rules = {a.details["rule"] for a in alerts}
    assert {"slow_cadence", "step_time_asymmetry", "step_length_asymmetry", "slow_gait_speed"} <= rules
    assert "slow_gait_speed_relative" not in rules               # only a fallback when no height is known
    for a in alerts:
        assert isinstance(a, Alert) and a.kind == "gait" and a.person == 5 and a.source == "clip.mp4"
        assert a.severity in ("warning", "info")
        assert set(a.details) >= {"rule", "metric", "value", "reference", "unit"}
        json.dumps(a.to_dict())
    cadence = next(a for a in alerts if a.details["rule"] == "slow_cadence")
    assert cadence.severity == "warning"
    assert cadence.details["reference"] == {"min": 90.0, "max": None}
    assert cadence.details["value"] == pytest.approx(78, rel=0.02)
    assert cadence.time_s == pytest.approx(impaired_report.start_s + impaired_report.duration_s, abs=0.01)


def test_speed_in_leg_lengths_without_height(impaired_report) -> None:
    from dataclasses import replace

    p = replace(impaired_report.parameters, gait_speed_mps=None)
    rules = {a.details["rule"] for a in gait_alerts(replace(impaired_report, parameters=p))}
    assert "slow_gait_speed_relative" in rules and "slow_gait_speed" not in rules


def test_uncertain_analysis_downgrades_warnings(impaired_report) -> None:
    from dataclasses import replace

    from actionpose.tasks.gait.results import QualityFlag

    doubtful = replace(impaired_report, quality=[QualityFlag("too_few_cycles", "few")])
    alerts = gait_alerts(doubtful)
    assert alerts and all(a.severity == "info" for a in alerts)
    assert "uncertain" in alerts[0].message


def test_rules_load_from_yaml_and_json(tmp_path: Path, impaired_report) -> None:
    yml = tmp_path / "rules.yaml"
    yml.write_text("rules:\n  - name: very_slow\n    metric: cadence_spm\n    min: 60\n    severity: info\n"
                   "  - name: weak_knee\n    metric: knee_rom_deg\n    min: 80\n")
    rules = load_rules(yml)
    assert [r.name for r in rules] == ["very_slow", "weak_knee"]
    alerts = gait_alerts(impaired_report, rules)
    assert [a.details["rule"] for a in alerts] == ["weak_knee"]
    js = tmp_path / "rules.json"
    js.write_text(json.dumps(rules_to_data(DEFAULT_RULES)))
    assert load_rules(js) == list(DEFAULT_RULES)


@pytest.mark.parametrize("text,problem", [
    ("- name: x\n  metric: nonsense\n  min: 1\n", "unknown metric"),
    ("- name: x\n  metric: cadence_spm\n", "min, a max"),
    ("- name: x\n  metric: cadence_spm\n  min: 1\n  colour: red\n", "unknown key"),
    ("- name: x\n  metric: cadence_spm\n  min: 1\n  severity: panic\n", "severity"),
    ("rules: [\n", "not valid YAML"),
    ("{}\n", "non-empty list"),
])
def test_bad_rule_files(bad_file, text: str, problem: str) -> None:
    message = bad_file("rules.yaml", text, load_rules)
    assert problem in message


def test_rule_message_and_derived_metrics() -> None:
    p = GaitParameters(knee_rom_left_deg=62.0, knee_rom_right_deg=41.0, stance_left_pct=60, stance_right_pct=64)
    assert p.get("knee_rom_deg") == 41.0 and p.get("stance_pct") == 62.0 and p.get("cadence_spm") is None
    rule = GaitRule("knee", "knee_rom_deg", min=50, unit="deg")
    assert rule.broken_by(41.0) and not rule.broken_by(None) and not rule.broken_by(55.0)
    assert "below 50" in rule.describe(41.0)


def test_report_files_and_table(tmp_path: Path, impaired_report) -> None:
    alerts = gait_alerts(impaired_report)
    text = format_table(impaired_report, alerts)
    assert "Cadence" in text and "ALERT" in text and "m/s" in text
    written = write_report([impaired_report], tmp_path / "rep", alerts, source="clip")
    names = {p.name for p in written}
    assert {"gait.json", "gait_parameters.csv", "gait_events.csv", "gait_cycles.csv", "person0_knee_flexion.png",
            "person0_hip_flexion.png", "person0_events.png"} <= names
    doc = json.loads((tmp_path / "rep" / "gait.json").read_text())
    assert doc["people"][0]["parameters"]["cadence_spm"] == pytest.approx(impaired_report.parameters.cadence_spm,
                                                                          abs=1e-3)
    assert len(doc["alerts"]) == len(alerts)
    for p in written:
        if p.suffix == ".png":
            assert p.read_bytes()[:4] == b"\x89PNG"
    assert not list((tmp_path / "rep").glob("*.part*"))


def test_shipped_band_matches_the_source(data_file) -> None:
    npz = data_file("gait/digigait_side_view/norm_data.npz")
    for condition in ("overground", "treadmill"):
        shipped, source = load_band("knee_flexion", condition), band_from_npz(npz, condition)
        np.testing.assert_allclose(shipped.mean, source.mean, atol=1e-3)
        np.testing.assert_allclose(shipped.sd, source.sd, atol=1e-3)
    assert "MIT" in load_band().licence
    assert load_band().mean.max() == pytest.approx(61.2, abs=0.5)       # peak swing knee flexion


def test_gait_classifier_api_and_safe_file(tmp_path: Path, normal_report, impaired_report) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8))
    y = np.where(X[:, 0] > 0, "impaired", "normal")
    groups = np.repeat(np.arange(12), 5)
    result = evaluate_by_person(X, y, groups, model="logreg", n_splits=4, feature_set="pose_gait")
    assert result.accuracy > 0.8 and result.splitter == "GroupKFold(4)"
    feats = np.stack([report_features(normal_report), report_features(impaired_report)])
    clf = GaitClassifier(model="rf", feature_set="pose_gait").fit(np.repeat(feats, 5, axis=0),
                                                                  ["normal"] * 5 + ["impaired"] * 5)
    path = clf.save(tmp_path / "gait.apm")
    loaded = GaitClassifier.load(path)
    assert loaded.opinion(impaired_report)["label"] == "impaired"
    assert loaded.opinion(normal_report)["label"] == "normal"
    kinect = GaitClassifier(model="logreg", feature_set="kinect_cycles").fit(X, y)
    with pytest.raises(InputError, match="2D video"):
        kinect.opinion(normal_report)

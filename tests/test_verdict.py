"""Clip-level verdicts: one smoothed label per clip and per segment, with confidence, in the classifier, the
``actions`` task result and ``actionpose predict``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run
from synthetic_actors import actor

from actionpose.models.classifier import ActionClassifier
from actionpose.models.verdict import UNKNOWN, clip_verdict
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.actions import ActionsConfig
from actionpose.tasks.base import get_task


def _windows(labels: str, confident: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows of 1 s every 0.5 s, one per letter of ``labels`` ("a" or "b")."""
    n = len(labels)
    starts = np.arange(n) * 0.5
    proba = np.array([[confident, 1 - confident] if c == "a" else [1 - confident, confident] for c in labels])
    return starts, starts + 1.0, proba


def test_two_segments_and_a_flicker_is_absorbed() -> None:
    starts, ends, proba = _windows("aaaaabaaaaaabbbbbb")
    v = clip_verdict(starts, ends, proba, ["a", "b"], smooth=1, min_windows=2)
    assert [s.label for s in v.segments] == ["a", "b"]
    assert v.segments[0].windows == 12 and v.segments[1].windows == 6
    assert v.segments[0].start_s == 0.0 and v.segments[-1].end_s == pytest.approx(ends[-1])
    assert v.segments[0].end_s == pytest.approx(v.segments[1].start_s)  # they tile, no overlap
    assert v.segments[0].end_s == pytest.approx((0.5 * 11 + 0.5 + 0.5 * 12 + 0.5) / 2)
    assert v.label == "a" and v.confidence == pytest.approx(proba[:, 0].mean())
    assert 0.5 < v.segments[1].confidence <= 0.9


def test_smoothing_removes_a_single_disagreeing_window() -> None:
    starts, ends, proba = _windows("aaaabaaaa", confident=0.6)
    v = clip_verdict(starts, ends, proba, ["a", "b"], smooth=3, min_windows=1)
    assert [s.label for s in v.segments] == ["a"]
    assert v.segments[0].windows == 9


def test_unsure_clip_is_unknown_and_empty_clip_too() -> None:
    starts, ends, proba = _windows("abababab", confident=0.55)
    v = clip_verdict(starts, ends, proba, ["a", "b"])
    assert v.label == UNKNOWN and 0.45 < v.confidence < 0.55
    empty = clip_verdict([], [], np.zeros((0, 2)), ["a", "b"])
    assert empty.label == UNKNOWN and empty.segments == [] and empty.windows == 0
    low = clip_verdict(*_windows("aaaa", confident=0.6), ["a", "b"], min_confidence=0.7)
    assert [s.label for s in low.segments] == [UNKNOWN]


def _concat(a: PoseSequence, b: PoseSequence) -> PoseSequence:
    return PoseSequence(np.concatenate([a.data, b.data]), a.layout, a.fps, frame_size=a.frame_size)


@pytest.fixture(scope="module")
def wave_squat_model(tmp_path_factory: pytest.TempPathFactory):
    clips = [actor(a, s, frames=60) for s in range(6) for a in ("wave", "squat")]
    clf = ActionClassifier(model="logreg", window=15).fit(clips, [a for _ in range(6) for a in ("wave", "squat")],
                                                          groups=[str(s) for s in range(6) for _ in range(2)])
    return clf, clf.save(tmp_path_factory.mktemp("model") / "ws.apm")


def test_a_synthetic_clip_gets_its_class_and_a_mixed_clip_two_segments(wave_squat_model) -> None:
    clf, _ = wave_squat_model
    wave = clf.predict_verdict(actor("wave", 101, frames=90))
    assert wave.label == "wave" and wave.confidence > 0.6
    assert [s.label for s in wave.segments] == ["wave"]
    mixed = clf.predict_verdict(_concat(actor("wave", 102, frames=90), actor("squat", 103, frames=90)))
    assert [s.label for s in mixed.segments] == ["wave", "squat"]
    boundary = mixed.segments[0].end_s
    assert 4.0 < boundary < 8.0  # the switch is at 6 s (90 frames at 15 fps)


def test_actions_task_result_carries_the_verdict(wave_squat_model) -> None:
    _, path = wave_squat_model
    result = get_task("actions").run(actor("squat", 104, frames=90), ActionsConfig(model=str(path)))
    assert result.applies and result.verdict.label == "squat"
    summary = result.summary()
    assert summary["label"] == "squat" and summary["confidence"] > 0.6 and summary["segments"] == 1
    doc = result.to_dict()
    assert doc["verdict"]["label"] == "squat" and doc["verdict"]["segments"][0]["label"] == "squat"
    assert [e["label"] for e in doc["events"]] == ["squat"]
    assert len(doc["windows"]) == len(result.windows) > 1
    json.dumps(doc)


def test_predict_command_prints_the_verdict(wave_squat_model, tmp_path, capsys) -> None:
    _, path = wave_squat_model
    clip = save_poses(actor("wave", 105, frames=90), tmp_path / "wave.npz")
    code, out, err = run(["predict", str(path), str(clip), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["verdict"]["label"] == "wave" and doc["verdict"]["segments"]
    code, out, _ = run(["predict", str(path), str(clip)], capsys)
    assert code == 0 and out.splitlines()[0].startswith("clip: wave (confidence")


def test_analysis_json_has_the_verdict(wave_squat_model) -> None:
    from actionpose.analysis import analyze_sequence

    _, path = wave_squat_model
    analysis = analyze_sequence(actor("wave", 106, frames=90), ["actions"], {"actions": ActionsConfig(model=str(path))})
    doc = json.loads(json.dumps(analysis.to_dict()))
    verdict = doc["tasks"]["actions"]["verdict"]
    assert verdict["label"] == "wave" and verdict["confidence"] > 0.6 and verdict["segments"][0]["label"] == "wave"

"""The shipped learned fall score: loads, scores, vetoes only what it is sure of, can be switched off."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fall_scenes import scene, sequence

from actionpose.tasks.falls import FallConfig, FallDetector, FallState, detect_falls
from actionpose.tasks.falls.learned import FEATURES, MODEL_PATH, FallScore, load_fall_score, trail_features

FALL = [("lying", 0.6, 3.0)]


def _refuse_all() -> FallScore:
    """A model that scores every window 0: vetoes every upright fall it is asked about."""
    n = len(FEATURES)
    return FallScore(np.zeros(n), np.ones(n), np.zeros(n), -50.0, veto_below=0.05)


def _statuses(seq, det: FallDetector) -> list:
    out = []
    for t in range(seq.num_frames):
        people = np.flatnonzero(seq.present[t])
        out += det.update(float(seq.timestamps[t]), seq.data[t, people], seq.track_ids[people])
    det.finish()
    return out


def test_the_shipped_model_loads_and_is_json_with_its_card():
    model = load_fall_score()
    d = json.loads(MODEL_PATH.read_text())
    assert d["features"] == list(FEATURES) and 0 < model.veto_below <= 0.1
    assert (MODEL_PATH.parent / "MODEL_CARD.md").is_file()
    assert set(d["meta"]["loso"]) == {"Subject_1", "Subject_2"}
    assert all(f["falls_vetoed"] == 0 for f in d["meta"]["loso"].values())


def test_the_shipped_model_scores_a_fast_drop_high_and_standing_still_low():
    model = load_fall_score()
    t = np.arange(0, 3.0, 1 / 30)
    down = t > 1.0
    fall = np.c_[t, np.where(down, 0.1, 0.8), np.where((t > 0.8) & (t < 1.3), 1.6, 0.0),
                 np.where(down, 85.0, 5.0), np.where(down, 0.05, 0.3)]
    stand = np.c_[t, np.full_like(t, 0.8), np.zeros_like(t), np.full_like(t, 5.0), np.full_like(t, 0.3)]
    assert model.score(trail_features(fall, 2.99)) > 0.9
    assert model.score(trail_features(stand, 2.99)) < model.veto_below


def test_a_rule_fall_carries_the_learned_score_and_is_kept():
    result = detect_falls(sequence(scene(FALL)))
    (ev,) = result.events
    assert ev.learned_score is not None and ev.learned_score > 0.5
    assert ev.confidence == pytest.approx(ev.rule_score)   # the second opinion vetoes; it does not blend
    assert "learned_score" in ev.to_dict()
    assert result.task_events()[0].details["learned_score"] == pytest.approx(ev.learned_score, abs=1e-3)


def test_a_candidate_the_model_is_sure_is_not_a_fall_is_vetoed():
    seq = sequence(scene(FALL))
    det = FallDetector(seq.layout)
    det.score_model = _refuse_all()
    statuses = _statuses(seq, det)
    assert det.events == []                                         # the rules confirmed it; the model vetoed
    assert not any(s.alarm for s in statuses)
    assert statuses[-1].state == FallState.LYING


def test_the_veto_never_touches_a_fall_from_a_bed():
    seq = sequence(scene([("lying@0.3", 0.1, 2.0), ("lying", 0.35, 3.0)], start="lying@0.3"))
    det = FallDetector(seq.layout)
    det.score_model = _refuse_all()
    _statuses(seq, det)
    (ev,) = det.events
    assert ev.start_level == "raised" and ev.learned_score < 0.05


def test_the_switch_turns_the_second_opinion_off():
    off = FallConfig(second_opinion=False)
    assert FallDetector("coco17", off).score_model is None
    (ev,) = detect_falls(sequence(scene(FALL)), off).events
    assert ev.learned_score is None


def test_it_never_adds_a_fall():
    for steps in ([("seated", 1.2, 3.0)], [("floor_sit", 2.5, 1.0), ("lying", 2.0, 3.0)], [("bent", 1.0, 2.0)]):
        seq = sequence(scene(steps))
        assert detect_falls(seq).events == [] and detect_falls(seq, FallConfig(second_opinion=False)).events == []


def test_a_model_file_of_another_kind_is_refused(tmp_path):
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps({"format": "something-else", "features": list(FEATURES)}))
    with pytest.raises(ValueError, match="not an actionpose fall score"):
        load_fall_score(bad)
    good = tmp_path / "ok.json"
    load_fall_score().save(good)
    assert load_fall_score(good).score(np.ones(4)) == pytest.approx(load_fall_score().score(np.ones(4)))

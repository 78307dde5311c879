"""Fall detection on synthetic people: falls caught, everyday movements left alone, any layout."""

from __future__ import annotations

import numpy as np
import pytest
from fall_scenes import scene, sequence

from actionpose.alerts import AlertManager, Zone
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.falls import FallConfig, FallDetector, FallEvent, FallState, detect_falls
from actionpose.tasks.falls.data import fall_intervals, frame_labels
from actionpose.tasks.falls.evaluate import FallClip, evaluate_falls, match_events

FEET = ("left_ankle", "right_ankle")

FALLS = {
    "fall forward": [("lying", 0.7, 4.0)],
    "fall then get up": [("lying", 0.7, 3.0), ("floor_sit", 1.0, 0.5), ("stand", 1.5, 2.0)],
    "fall from a chair": [("seated", 1.0, 2.0), ("lying", 0.8, 3.0)],
    "collapse in 1.1 s": [("lying", 1.1, 3.0)],
}
EVERYDAY = {
    "sit on a chair": [("seated", 1.0, 3.0)],
    "drop onto a chair": [("seated", 0.5, 3.0)],
    "bend to tie a shoe": [("bent", 1.0, 2.0), ("stand", 1.0, 1.0)],
    "bend fast": [("bent", 0.5, 2.0), ("stand", 0.6, 1.0)],
    "squat": [("squat", 0.6, 1.0), ("stand", 0.6, 1.0)],
    "lie down on the floor": [("floor_sit", 2.0, 1.0), ("lying", 2.0, 3.0)],
    "sit on the floor fast": [("floor_sit", 1.0, 3.0)],
}


@pytest.mark.parametrize("drop", [(), FEET], ids=["whole body", "feet out of frame"])
@pytest.mark.parametrize("name", list(FALLS))
def test_falls_are_detected(name, drop):
    steps = FALLS[name]
    result = detect_falls(sequence(scene(steps, drop=drop)))
    assert len(result.events) == 1, name
    ev = result.events[0]
    onset = 1.0 + sum(m + h for _, m, h in steps[:-1]) if "chair" in name else 1.0
    assert onset - 0.2 <= ev.start_s <= ev.impact_s <= onset + 1.3
    assert ev.confirmed_s == pytest.approx(ev.impact_s + 1.0, abs=0.05)
    assert ev.got_up == ("get up" in name)
    assert 0.3 < ev.confidence <= 1.0
    assert ev.peak_velocity > 0.4


@pytest.mark.parametrize("drop", [(), FEET], ids=["whole body", "feet out of frame"])
@pytest.mark.parametrize("name", list(EVERYDAY))
def test_everyday_movements_raise_nothing(name, drop):
    result = detect_falls(sequence(scene(EVERYDAY[name], drop=drop)))
    assert result.events == [], name


def test_lying_down_slowly_is_lying_not_down():
    result = detect_falls(sequence(scene(EVERYDAY["lie down on the floor"])))
    states = result.states[:, 0]
    assert (states[-30:] == FallState.LYING).all()
    assert not (states == FallState.DOWN).any()


def test_state_track_goes_upright_falling_down_recovered_upright():
    result = detect_falls(sequence(scene(FALLS["fall then get up"])))
    runs = [FallState(s) for i, s in enumerate(result.states[:, 0]) if i == 0 or s != result.states[i - 1, 0]]
    assert runs == [FallState.UPRIGHT, FallState.FALLING, FallState.DOWN, FallState.RECOVERED, FallState.UPRIGHT]
    table = result.state_table()
    assert {"time_s", "person", "state", "height", "descent", "torso_angle", "aspect", "motion"} <= set(table)
    assert table["height"].iloc[0] == pytest.approx(0.78, abs=0.08)  # shoulders of a standing person


@pytest.mark.parametrize("layout", ["body25", "thingx14", "blazepose33", "halpe26", "h36m17"])
def test_any_layout_with_shoulders_and_hips(layout):
    seq = sequence(scene(FALLS["fall forward"])).convert(layout)
    events = detect_falls(seq).events
    assert len(events) == 1
    assert detect_falls(sequence(scene(EVERYDAY["sit on a chair"])).convert(layout)).events == []


def test_a_layout_without_hips_is_refused():
    with pytest.raises(ValueError, match="shoulders or hips"):
        FallDetector("hand21")


def test_two_people_are_judged_separately():
    faller = scene(FALLS["fall forward"], x0=200)
    walker = scene([("stand", 1.0, 4.0)], x0=900, walk=0.3, seed=1)
    seq = sequence(faller, walker)
    seq.track_ids = np.array([7, 3])
    events = detect_falls(seq).events
    assert [e.person for e in events] == [7]


def test_far_and_small_person_is_the_same_as_near():
    near = detect_falls(sequence(scene(FALLS["fall forward"], scale=400))).events
    far = detect_falls(sequence(scene(FALLS["fall forward"], scale=60, noise=0.002))).events
    assert len(near) == len(far) == 1
    assert far[0].impact_s == pytest.approx(near[0].impact_s, abs=0.15)


def test_streaming_equals_the_whole_sequence_result():
    seq = sequence(scene(FALLS["fall then get up"]))
    det = FallDetector(seq.layout)
    for t in range(seq.num_frames):
        det.update(float(seq.timestamps[t]), seq.data[t], seq.track_ids)
    live = det.finish(float(seq.timestamps[-1]))
    offline = detect_falls(seq).events
    assert [e.to_dict() for e in live] == [e.to_dict() for e in offline]


def test_a_person_lost_while_down_ends_the_event():
    poses = scene(FALLS["fall forward"])
    poses[100:] = np.nan
    poses[100:, :, 2] = 0
    seq = sequence(poses)
    events = detect_falls(seq, FallConfig(lost_s=1.0)).events
    assert len(events) == 1 and not events[0].got_up
    assert events[0].end_s == pytest.approx(seq.timestamps[99], abs=1e-6)


def test_short_dropout_during_the_fall_is_bridged():
    poses = scene(FALLS["fall forward"])
    poses[60:66] = np.nan  # 0.2 s missing just after the impact
    poses[60:66, :, 2] = 0
    assert len(detect_falls(sequence(poses)).events) == 1


def test_thresholds_are_configurable():
    seq = sequence(scene(FALLS["fall forward"]))
    assert detect_falls(seq, FallConfig(impact_velocity=5.0, collapse_velocity=5.0)).events == []
    late = detect_falls(seq, FallConfig(confirm_s=3.0)).events[0]
    assert late.confirmed_s == pytest.approx(late.impact_s + 3.0, abs=0.05)


def test_status_feeds_the_alert_manager_once_with_escalation_and_zone():
    seq = sequence(scene([("lying", 0.7, 8.0), ("floor_sit", 1.0, 0.5), ("stand", 1.5, 2.0)]))
    with AlertManager(debounce_s=0.5, escalate_after_s=3.0) as manager:
        detect_falls(seq, on_status=lambda s: manager.observe(s.observation()))
    kinds = [a.kind for a in manager.sent]
    assert kinds == ["fall", "fall_escalation", "fall_recovered"]
    fall = manager.sent[0]
    assert fall.person == 0 and 2.9 < fall.time_s < 3.2 and fall.details["impact_s"] < fall.time_s

    bed = Zone("bed", np.array([[0, 300], [1280, 300], [1280, 720], [0, 720]], float))
    with AlertManager(ignore_zones=[bed]) as manager:
        detect_falls(seq, on_status=lambda s: manager.observe(s.observation()))
    assert manager.sent == [] and manager.suppressed == 1


def test_learned_score_blends_into_confidence():
    from actionpose.models.classifier import ActionClassifier
    from actionpose.train.data import LabelledClip

    clips = [LabelledClip(sequence(scene(FALLS["fall forward"], seed=s)), label="fall") for s in range(4)]
    clips += [LabelledClip(sequence(scene(EVERYDAY["sit on a chair"], seed=s)), label="other") for s in range(4)]
    clf = ActionClassifier(model="rf", window=30, seed=0).fit(clips)
    result = detect_falls(sequence(scene(FALLS["fall forward"], seed=9)), classifier=clf)
    ev = result.events[0]
    assert ev.learned_score is not None and ev.learned_score > 0.5
    assert ev.confidence == pytest.approx(0.5 * (ev.rule_score + ev.learned_score))
    assert detect_falls(sequence(scene(FALLS["fall forward"], seed=9)), classifier=clf, min_learned=1.01).events == []
    with pytest.raises(ValueError, match="no class"):
        FallDetector("coco17", classifier=clf, fall_label="falling")


# ------------------------------------------------------------------ evaluation
def _event(start, impact, end, person=0, confirmed=None):
    return FallEvent(person, start, impact, confirmed_s=impact + 1.0 if confirmed is None else confirmed, end_s=end)


def test_match_by_overlap_earliest_first_and_duplicates_are_false_alarms():
    events = [_event(5.0, 5.5, 9.0), _event(1.0, 1.5, 3.0), _event(6.0, 6.5, None)]
    matched, unmatched = match_events(events, [(2.0, 4.0), (5.2, 8.0)], duration_s=10.0)
    assert matched == {0: 1, 1: 0}
    assert unmatched == [2]


def test_evaluation_counts_latency_and_false_alarms_per_hour():
    clips = [FallClip("a", 600.0, [(10.0, 20.0)], [_event(10.5, 11.0, None)]),
             FallClip("b", 1200.0, [], [_event(100.0, 101.0, 105.0)]),
             FallClip("c", 1200.0, [(50.0, 60.0)], [])]
    report = evaluate_falls(clips)
    assert (report.true_positives, report.false_alarms, report.missed) == (1, 1, 1)
    assert report.precision == 0.5 and report.recall == 0.5 and report.f1 == 0.5
    assert report.latency_median_s == pytest.approx(2.0)       # confirmed 12.0 - labelled start 10.0
    assert report.impact_to_alert_median_s == pytest.approx(1.0)
    assert report.non_fall_hours == pytest.approx((3000 - 20) / 3600)
    assert report.false_alarms_per_hour == pytest.approx(1 / report.non_fall_hours)
    assert report.to_dict()["per_clip"][0]["clip"] == "a"


def test_unconfirmed_events_are_not_counted():
    clip = FallClip("a", 60.0, [], [FallEvent(0, 1.0, 1.5)])
    assert evaluate_falls([clip]).false_alarms == 0


def test_frame_f1_from_labels_and_events():
    seq = sequence(scene(FALLS["fall forward"]))
    result = detect_falls(seq)
    truth = frame_labels(seq, [(1.0, seq.timestamps[-1] + 1)])
    clip = FallClip("a", 5.7, [(1.0, 5.7)], result.events, truth, result.frame_predictions())
    assert evaluate_falls([clip]).frame_f1 > 0.9


def test_fall_intervals_merge_falling_and_lying_but_not_lying_alone():
    assert fall_intervals([(0, 1, "not_lying"), (1, 2, "falling"), (2, 5, "lying")]) == [(1.0, 5.0)]
    assert fall_intervals([(0, 3, "not_lying"), (3, 9, "lying")]) == []
    assert fall_intervals([(0.4, 4, "Falling (BW)"), (0, 0.3, "Standing")]) == [(0.4, 4.0)]
    assert fall_intervals([(0, 1, "fall"), (5, 6, "fall")]) == [(0.0, 1.0), (5.0, 6.0)]


def test_frame_predictions_cover_events():
    seq = PoseSequence(np.zeros((10, 1, 17, 3), np.float32), "coco17", 10.0)
    from actionpose.tasks.falls import FallResult

    result = FallResult([_event(0.3, 0.4, 0.6)], np.zeros((10, 1), np.int8), seq.timestamps, seq.track_ids)
    assert result.frame_predictions().tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]


def test_people_who_left_are_forgotten():
    det = FallDetector("coco17", FallConfig(lost_s=1.0))
    poses = scene([("stand", 1.0, 1.0)])
    for i, pose in enumerate(poses):
        det.update(i / 30, pose[None], [i // 10])          # a new id every 10 frames
    assert len(det._tracks) <= 32                          # ids unseen for over 1 s are dropped
    det.update(len(poses) / 30 + 5, np.empty((0, 17, 3)), [])
    assert det._tracks == {} and det.update(len(poses) / 30 + 6, np.empty((0, 17, 3)), []) == []

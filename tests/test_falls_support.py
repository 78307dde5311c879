"""Falls that do not start upright: a fast drop from a raised resting level (bed, sofa) to the floor is a
fall; lying on the bed or sofa, getting into bed and sliding down slowly are not. And a state change needs
evidence over several frames, so stray poses (dark footage) neither hide a fall nor raise one."""

from __future__ import annotations

import numpy as np
import pytest
from fall_scenes import scene, sequence

from actionpose.tasks.falls import FallConfig, FallState, detect_falls

FEET = ("left_ankle", "right_ankle")


def roll_off(height: float, drop_s: float) -> list[tuple[str, float, float]]:
    """Asleep on something ``height`` H high: turn towards its edge, drop to the floor, stay there."""
    return [(f"lying@{height}>0.1", 1.0, 0.5), ("lying>0.5", drop_s, 4.0)]


# (resting height in H, seconds the drop takes): a sofa seat is ~0.25 H, a bed 0.3 H, a care bed 0.4 H
HEIGHTS = [(0.2, 0.35), (0.25, 0.4), (0.3, 0.4), (0.4, 0.45)]


@pytest.mark.parametrize("drop", [(), FEET], ids=["whole body", "feet out of frame"])
@pytest.mark.parametrize("height, drop_s", HEIGHTS, ids=[f"{h} H" for h, _ in HEIGHTS])
def test_a_person_first_seen_lying_who_drops_from_a_bed_has_fallen(height, drop_s, drop):
    seq = sequence(scene(roll_off(height, drop_s), start=f"lying@{height}", start_hold_s=3.0, drop=drop))
    result = detect_falls(seq)
    assert result.states[0, 0] == FallState.LYING          # never upright: the old path saw nothing
    (ev,) = result.events
    drop_at = 3.0 + 1.0 + 0.5                               # the drop starts here and takes drop_s
    assert ev.start_level == "raised"
    assert drop_at - 0.1 <= ev.start_s <= ev.impact_s <= drop_at + drop_s + 0.1
    assert ev.confirmed_s == pytest.approx(ev.impact_s + 1.0, abs=0.05)
    assert not ev.got_up and 0.3 < ev.confidence <= 1.0
    (task_event,) = result.task_events()
    assert task_event.alert == "fall" and "raised level" in task_event.message
    assert task_event.details["start_level"] == "raised"


def test_get_into_bed_then_fall_out_of_it():
    steps = [("seated", 1.0, 1.0), ("lying@0.27", 1.5, 3.0)]  # sit on the edge, lie down on the bed
    quiet = detect_falls(sequence(scene(steps)))
    assert quiet.events == [] and quiet.states[-1, 0] == FallState.LYING
    result = detect_falls(sequence(scene(steps + roll_off(0.27, 0.4))))
    (ev,) = result.events
    assert ev.start_level == "raised" and 8.9 <= ev.impact_s <= 9.5


EVERYDAY_IN_BED = {
    "get into bed and turn over": dict(steps=[("seated", 1.0, 1.0), ("lying@0.3", 1.5, 2.0),
                                              ("lying@0.3>0.15", 0.6, 1.5), ("lying@0.3", 0.6, 2.0)]),
    "get into bed, then out again": dict(steps=[("seated", 1.0, 1.0), ("lying@0.3", 1.5, 3.0), ("seated", 1.5, 1.0),
                                                ("stand", 1.0, 2.0)]),
    "lie on a sofa and shift": dict(steps=[("lying@0.25>0.05", 0.5, 1.0), ("lying@0.22", 0.4, 2.0),
                                           ("lying@0.25", 0.5, 3.0)], start="lying@0.25", start_hold_s=3.0),
    "sit up in bed and flop back": dict(steps=[("floor_sit@0.3", 1.5, 1.0), ("lying@0.3", 0.3, 3.0)],
                                        start="lying@0.3", start_hold_s=2.0),
    "slide slowly from the sofa to the floor": dict(steps=[("lying>0.3", 3.0, 3.0)], start="lying@0.25",
                                                    start_hold_s=3.0),
    "lie down slowly on the floor, then turn": dict(steps=[("floor_sit", 2.0, 1.0), ("lying", 2.0, 2.0),
                                                           ("lying>0.1", 0.5, 3.0)]),
}


@pytest.mark.parametrize("drop", [(), FEET], ids=["whole body", "feet out of frame"])
@pytest.mark.parametrize("name", list(EVERYDAY_IN_BED))
def test_lying_on_beds_and_sofas_raises_nothing(name, drop):
    result = detect_falls(sequence(scene(**EVERYDAY_IN_BED[name], drop=drop)))
    assert result.events == [], name


def test_two_people_in_a_room_one_falls_out_of_bed():
    sleeper = scene(roll_off(0.3, 0.4), start="lying@0.3", start_hold_s=3.0, x0=200)
    on_sofa = scene([("lying@0.25>0.05", 0.5, 7.0)], start="lying@0.25", start_hold_s=2.0, x0=800, seed=1)
    walker = scene([("stand", 1.0, 8.0)], x0=500, walk=0.2, seed=2)
    seq = sequence(sleeper, on_sofa, walker)
    seq.track_ids = np.array([4, 9, 2])
    events = detect_falls(seq).events
    assert [(e.person, e.start_level) for e in events] == [(4, "raised")]


def test_someone_lying_on_the_floor_cannot_fall_further():
    """The floor is known (the person stood first): a jump in the pose of someone on the floor is no fall."""
    poses = scene([("floor_sit", 2.0, 1.0), ("lying", 2.0, 6.0)])
    poses[200:215, :, 1] += 0.25 * 300                     # 0.5 s of poses pushed 0.25 H down (a glitch)
    assert detect_falls(sequence(poses)).events == []


def test_a_drop_that_returns_to_the_bed_is_called_off():
    poses = scene([("lying@0.3", 1.0, 6.0)], start="lying@0.3", start_hold_s=2.0)
    poses[100:118, :, 1] += 0.3 * 300                      # 0.6 s looks like the floor, then back on the bed
    assert detect_falls(sequence(poses)).events == []


def test_a_stray_low_pose_does_not_hide_the_fall_that_follows():
    """Dark footage: single noisy poses read 'lying' before the real fall; the fall is still caught."""
    poses = scene([("lying", 0.7, 4.0)], start_hold_s=3.0)
    for frame in (20, 45, 70):                             # three stray frames, the person is standing
        poses[frame, :, 1] = 420 - 0.1 * 300 + np.random.default_rng(frame).normal(0, 3, 17)
    result = detect_falls(sequence(poses))
    assert not (result.states[:85, 0] == FallState.LYING).any()
    (ev,) = result.events
    assert 2.9 <= ev.start_s <= ev.impact_s <= 4.0 and ev.start_level == "upright"


def test_a_stray_high_pose_does_not_call_off_a_fall():
    poses = scene([("lying", 0.7, 4.0)])
    poses[62] = scene([("stand", 0.1, 0.1)])[0]            # one frame after the impact reads standing
    (ev,) = detect_falls(sequence(poses)).events
    assert ev.confirmed


def test_evidence_window_is_configurable():
    poses = scene([("lying", 0.7, 4.0)], start_hold_s=3.0)
    poses[20:24, :, 1] = 420 - 0.1 * 300                  # 4 low frames (0.13 s) while standing
    strict = detect_falls(sequence(poses), FallConfig(evidence_s=0.1))
    assert (strict.states[:85, 0] == FallState.LYING).any()   # with a short window they count
    assert not (detect_falls(sequence(poses)).states[:85, 0] == FallState.LYING).any()

"""Gait analysis on synthetic walkers with exactly known parameters (side and frontal views, noise, drops)."""

from __future__ import annotations

import numpy as np
import pytest

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.gait import GaitConfig, analyze_gait, symmetry_index
from actionpose.tasks.gait.events import stride_period
from actionpose.tasks.gait.synthetic import WalkerSpec, synthetic_walk

NOISY = {"noise": 0.005, "drop": 0.05}
CASES = [("side", "left_to_right", False), ("side", "right_to_left", False), ("side", "left_to_right", True),
         ("frontal", "approaching", False), ("frontal", "leaving", False)]


def analyse(seq: PoseSequence, **config):
    reports = analyze_gait(seq, GaitConfig(**config))
    assert len(reports) == 1
    return reports[0]


@pytest.mark.parametrize("view,direction,treadmill", CASES)
@pytest.mark.parametrize("seed,cadence", [(0, 92.0), (1, 118.0)])
def test_cadence_and_step_time_recovered(view: str, direction: str, treadmill: bool, seed: int, cadence: float) -> None:
    spec = WalkerSpec(cadence_spm=cadence, step_length_m=0.55 + 0.1 * seed, duration_s=10, treadmill=treadmill)
    seq, truth = synthetic_walk(spec, view=view, direction=direction, seed=seed, **NOISY)
    r = analyse(seq)
    p = r.parameters
    assert r.view.view == view
    assert abs(p.cadence_spm / truth.cadence_spm - 1) < 0.02
    assert abs(p.step_time_s - truth.stride_time_s / 2) < 0.02
    assert abs(p.stride_time_s - truth.stride_time_s) < 0.04
    assert min(p.strides_left, p.strides_right) >= 4


@pytest.mark.parametrize("view,direction", [("side", "left_to_right"), ("side", "right_to_left"),
                                            ("frontal", "approaching"), ("frontal", "leaving")])
def test_view_and_direction_detected(view: str, direction: str) -> None:
    seq, _ = synthetic_walk(WalkerSpec(duration_s=8), view=view, direction=direction, seed=3, **NOISY)
    r = analyse(seq)
    assert r.view.view == view
    assert r.view.direction == direction
    assert r.view.confidence > 0.5
    forced = analyse(seq, view="side" if view == "frontal" else "frontal")
    assert forced.view.forced and forced.view.view != view


def test_side_view_events_match_the_truth() -> None:
    seq, truth = synthetic_walk(WalkerSpec(duration_s=10), view="side", seed=4, **NOISY)
    r = analyse(seq)
    frame = 1.0 / seq.fps
    for foot in ("left", "right"):
        for kind in ("heel_strike", "toe_off"):
            got, want = r.event_times(foot, kind), truth.times(foot, kind)
            inner = want[(want > 0.6) & (want < 9.4)]            # the first and last events may be cut off
            errors = np.array([np.min(np.abs(got - w)) for w in inner])
            assert np.all(errors < 2 * frame), (foot, kind, errors)
            assert len(got) <= len(want)                          # no spurious events


def test_side_view_parameters_in_metres_with_height() -> None:
    spec = WalkerSpec(height_m=1.62, cadence_spm=104, step_length_m=0.62, stance_fraction=0.62, duration_s=12)
    seq, truth = synthetic_walk(spec, view="side", seed=5, **NOISY)
    r = analyse(seq, height_m=1.62)
    p = r.parameters
    step_m = np.mean(list(truth.step_length_m.values()))
    assert p.step_length_m == pytest.approx(step_m, rel=0.06)
    assert p.step_length == pytest.approx(step_m / truth.leg_length_m, rel=0.06)
    assert p.stride_length_m == pytest.approx(2 * step_m, rel=0.06)
    assert p.gait_speed_mps == pytest.approx(truth.speed_mps, rel=0.06)
    assert p.stance_left_pct == pytest.approx(62, abs=4) and p.stance_right_pct == pytest.approx(62, abs=4)
    assert p.swing_left_pct == pytest.approx(100 - p.stance_left_pct)
    assert p.double_support_pct == pytest.approx(truth.double_support_pct, abs=7)
    assert p.knee_rom_left_deg == pytest.approx(truth.knee_rom_deg["left"], abs=6)
    assert p.knee_within_norm_pct is not None and p.knee_norm_rmsd_deg is not None
    assert p.step_width is None                                   # a frontal-view parameter
    assert r.quality == []
    # without the height: leg lengths only
    plain = analyse(seq).parameters
    assert plain.step_length_m is None and plain.gait_speed_mps is None
    assert plain.step_length == pytest.approx(p.step_length)


def test_frontal_view_step_width_and_limits() -> None:
    spec = WalkerSpec(height_m=1.75, step_width_m=0.14, duration_s=10)
    seq, truth = synthetic_walk(spec, view="frontal", direction="approaching", seed=6, **NOISY)
    r = analyse(seq, height_m=1.75)
    p = r.parameters
    assert p.step_width_m == pytest.approx(0.14, abs=0.03)
    assert p.step_length is None and p.gait_speed is None and p.stance_left_pct is None and not r.angles
    assert "frontal_view" in [q.code for q in r.quality]


def test_asymmetric_walker_symmetry_indices() -> None:
    # left steps take 58 % of the stride and are longer; the right stance is longer
    spec = WalkerSpec(cadence_spm=100, left_step_fraction=0.58, step_length_m=(0.72, 0.52),
                      stance_fraction=(0.58, 0.68), duration_s=12)
    seq, truth = synthetic_walk(spec, view="side", seed=7, **NOISY)
    p = analyse(seq).parameters
    assert p.step_time_left_s == pytest.approx(truth.step_time_s["left"], abs=0.02)
    assert p.step_time_right_s == pytest.approx(truth.step_time_s["right"], abs=0.02)
    want_si = symmetry_index(truth.step_time_s["left"], truth.step_time_s["right"])
    assert p.step_time_si == pytest.approx(want_si, abs=5)
    assert p.step_length_si == pytest.approx(symmetry_index(*truth.step_length_m.values()), abs=4)
    assert p.stance_si == pytest.approx(symmetry_index(58, 68), abs=4)
    assert p.step_length_left > p.step_length_right
    symmetric = analyse(synthetic_walk(WalkerSpec(duration_s=12), view="side", seed=7, **NOISY)[0]).parameters
    assert symmetric.step_time_si < 3 and symmetric.step_length_si < 5


def test_ankle_only_layout_and_missing_legs() -> None:
    seq, truth = synthetic_walk(WalkerSpec(duration_s=10), view="side", layout="coco17", seed=8, **NOISY)
    p = analyse(seq).parameters
    assert abs(p.cadence_spm / truth.cadence_spm - 1) < 0.02
    hands = PoseSequence.empty("hand21", 30.0, num_frames=90, num_people=1)
    with pytest.raises(InputError, match="knees"):
        analyze_gait(hands)


def test_bad_input_raises_input_error() -> None:
    seq, _ = synthetic_walk(WalkerSpec(duration_s=10), view="side", seed=9)
    with pytest.raises(InputError, match="too short"):
        analyze_gait(seq.slice_frames(0, 30))
    with pytest.raises(InputError, match="no person"):
        analyze_gait(PoseSequence.empty("blazepose33", 30.0, num_frames=90, num_people=1))
    with pytest.raises(InputError, match="no person 7"):
        analyze_gait(seq, person=7)
    with pytest.raises(InputError, match="height"):
        GaitConfig(height_m=175)


def test_stride_period_and_standing_person() -> None:
    t = np.arange(300) / 30.0
    assert stride_period([np.sin(2 * np.pi * t / 1.2)], 30.0) == pytest.approx(1.2, rel=0.02)
    seq, _ = synthetic_walk(WalkerSpec(duration_s=6), view="side", seed=10)
    still = seq.copy()
    still.data[:] = seq.data[:1]                                   # frozen in the first pose
    r = analyse(still)
    assert r.events == [] and r.parameters.cadence_spm is None
    assert "no_events" in [q.code for q in r.quality]


def test_quality_flags_for_a_short_low_confidence_cut_walk() -> None:
    seq, _ = synthetic_walk(WalkerSpec(duration_s=3.2), view="side", seed=11)
    seq.data[..., 2] = np.where(seq.data[..., 2] > 0, 0.4, 0.0)
    seq.data[40:70, 0, 25:33] = np.nan                             # legs out of the frame for a second
    seq.data[40:70, 0, 25:33, 2] = 0
    flags = [q.code for q in analyse(seq).quality]
    assert {"too_few_cycles", "low_confidence", "out_of_frame"} <= set(flags)


def _late_entry(seq: PoseSequence, frames: int) -> PoseSequence:
    """``seq`` with ``frames`` empty frames before the walker appears (someone walks into view)."""
    empty = np.full((frames, *seq.data.shape[1:]), np.nan, np.float32)
    empty[..., -1] = 0.0
    dt = 1.0 / seq.fps
    times = np.concatenate([seq.timestamps[0] - dt * np.arange(frames, 0, -1), seq.timestamps]) + frames * dt
    return PoseSequence(np.concatenate([empty, seq.data]), seq.layout, seq.fps, timestamps=times,
                        track_ids=seq.track_ids, frame_size=seq.frame_size)


@pytest.mark.parametrize("view", ["side", "frontal"])
def test_event_frames_count_from_the_start_of_the_video(view: str) -> None:
    seq, _ = synthetic_walk(view=view, seed=2)
    late = _late_entry(seq, 45)
    r = analyse(late)
    assert r.events
    for e in r.events:                        # the frame number and the time name the same moment
        assert abs(e.frame - e.time_s * late.fps) <= 1.0, (e.frame, e.time_s)
    assert min(e.frame for e in r.events) >= 45
    early = analyse(seq)
    assert [e.frame + 45 for e in early.events] == [e.frame for e in r.events]


def test_frontal_view_finds_the_last_heel_strikes() -> None:
    """A stance window that runs past the clip's end is cut to what there is, so the last strides count."""
    seq, truth = synthetic_walk(view="frontal", direction="approaching", seed=3)
    strikes = [t for _, kind, t in truth.events if kind == "heel_strike"]
    last = [t for t in strikes if t < 0.75 * float(seq.timestamps[-1])][-1]
    cut = seq.slice_time(float(seq.timestamps[0]), last + 0.3 * truth.stride_time_s)   # ends early in stance
    found = [e.time_s for e in analyse(cut).events if e.kind == "heel_strike"]
    assert found and min(abs(s - last) for s in found) < 0.08, (last, found)

"""Exercise task on synthetic sequences with known reps and faults: definitions, counter, metrics, rules."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise import (
    MultiTrackCounter,
    RepCounter,
    TerminalStateClassifier,
    Zone,
    analyze,
    builtin_definition,
    builtin_names,
    count_signal,
    get_definition,
    load_definition_file,
    parse_definition,
    pick_exercise,
)
from actionpose.tasks.exercise.evaluation import label_reps, near_duplicate_groups
from actionpose.tasks.exercise.learned import embed
from actionpose.tasks.exercise.synthetic import (
    phase_curve,
    plank_pose,
    poses_to_array,
    stack_people,
    synthetic_sequence,
)

BUILT_IN = ["bicep_curl", "jumping_jack", "lunge", "plank", "pushup", "situp", "squat"]
#: a partial rep's amplitude per exercise (goes past half-way to the peak zone, not into it)
PARTIAL = {"squat": 0.55, "pushup": 0.55, "bicep_curl": 0.55, "lunge": 0.55, "jumping_jack": 0.55, "situp": 0.4}


def person(seq, exercise):
    report = analyze(seq, exercise)
    assert len(report.people) == 1
    return report.people[0]


# ---------------------------------------------------------------- definitions
def test_builtin_definitions_load_and_describe_every_threshold() -> None:
    assert builtin_names() == BUILT_IN
    for name in BUILT_IN:
        d = builtin_definition(name)
        assert d.origin == "built-in" and d.title
        assert d.rules, name
        for rule in d.rules:
            assert rule.message and len(rule.why) > 20, (name, rule.id)
        if d.kind == "reps":
            assert d.rest.direction != d.peak.direction
        json.dumps(d.summary())
    assert get_definition("push-up").name == "pushup" and get_definition("curl").name == "bicep_curl"
    assert builtin_definition("plank").kind == "hold"


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="squat"):
        get_definition("burpee")


def test_user_definition_file_yaml_and_json(tmp_path: Path) -> None:
    doc = {"name": "wall_sit_reps", "signal": {"angle": ["hip", "knee", "ankle"]}, "rest": {"above": 150},
           "peak": {"below": 110}, "rules": [{"id": "deep", "measure": "signal", "at": "peak", "below": 60,
                                              "message": "Too deep"}]}
    (tmp_path / "mine.json").write_text(json.dumps(doc))
    import yaml
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(doc))
    for name in ("mine.json", "mine.yaml"):
        d = load_definition_file(tmp_path / name)
        assert d.name == "wall_sit_reps" and d.rules[0].zone == Zone("below", 60.0)
        seq = synthetic_sequence("squat", reps=[1, 1])
        assert analyze(seq, tmp_path / name).people[0].count == 2


@pytest.mark.parametrize("text, problem", [
    ("name: x\nsignal: {angle: [hip, knee]}\nrest: {above: 1}\npeak: {below: 0}\n", "angle takes 3 joint"),
    ("name: x\nsignal: {height: hip, above: knee}\nrest: {above: 0.5}\npeak: {below: 0.7}\n", "overlap"),
    ("name: x\nsignal: {height: hip, above: knee}\nrest: {above: 0.9}\npeak: {above: 0.5}\n", "opposite"),
    ("name: x\nsignal: {speed: hip}\nrest: {above: 0.9}\npeak: {below: 0.5}\n", "exactly one type key"),
    ("name: x\nsignal: {height: hip}\nrest: {above: 0.9}\npeak: {below: 0.5}\n", "needs 'above'"),
    ("name: x\nkind: reps\nsignal: {height: hip, above: knee}\n", "needs signal, rest and peak"),
    ("name: x\nsignal: {height: hip, above: knee}\nrest: {above: 0.9}\npeak: {below: 0.5}\nrules:\n"
     "  - {id: r, measure: nope, below: 1, message: m}\n", "unknown measure 'nope'"),
    ("name: x\nsignal: {height: hip, above: knee}\nrest: {above: 0.9}\npeak: {below: zero}\n", "must be a number"),
    ("name: x\ncolour: red\n", "unknown key"),
    ("name: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "must be a mapping"),
])
def test_bad_user_definition_names_file_and_problem(bad_file, text: str, problem: str) -> None:
    message = bad_file("bad.yaml", text, load_definition_file)
    assert problem in message
    assert "\n" not in message


def test_missing_definition_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such exercise definition"):
        get_definition(tmp_path / "nope.yaml")


# ------------------------------------------------------------------- counter
def test_counter_hysteresis_ignores_jitter_around_one_threshold() -> None:
    rest, peak = Zone("above", 160), Zone("below", 100)
    rng = np.random.default_rng(0)
    jitter = 160 + rng.normal(0, 4, 300)            # standing, flickering across the rest threshold
    assert count_signal(jitter, rest, peak, min_state=3) == []
    one = np.r_[np.full(30, 170), np.linspace(170, 80, 30), np.linspace(80, 170, 30), np.full(30, 170)]
    spans = count_signal(one + rng.normal(0, 3, len(one)), rest, peak, min_state=3)
    assert len(spans) == 1 and spans[0].complete and 40 < spans[0].bottom < 80


def test_counter_partial_reps_and_reasons() -> None:
    rest, peak = Zone("above", 160), Zone("below", 100)
    shallow = np.r_[np.full(20, 170), np.linspace(170, 120, 15), np.linspace(120, 170, 15), np.full(20, 170)]
    spans = count_signal(shallow, rest, peak, min_state=2)
    assert [(s.complete, s.reason) for s in spans] == [(False, "shallow")]
    tiny = np.r_[np.full(20, 170), np.linspace(170, 150, 10), np.linspace(150, 170, 10), np.full(20, 170)]
    assert count_signal(tiny, rest, peak, min_state=2) == []           # under half-way: noise, not a rep
    mid = np.r_[np.full(10, 90), np.linspace(90, 170, 20), np.full(10, 170)]
    assert [s.reason for s in count_signal(mid, rest, peak, min_state=2)] == ["started mid-rep"]
    unfinished = np.r_[np.full(10, 170), np.linspace(170, 90, 20), np.full(10, 90)]
    assert [s.reason for s in count_signal(unfinished, rest, peak, min_state=2)] == ["unfinished"]


def test_counter_bridges_short_dropouts_and_abandons_long_ones() -> None:
    rest, peak = Zone("above", 160), Zone("below", 100)
    rep = np.r_[np.full(20, 170.0), np.linspace(170, 80, 20), np.linspace(80, 170, 20), np.full(20, 170.0)]
    short = rep.copy()
    short[38:46] = np.nan                         # 8 missing frames at the bottom
    spans = count_signal(short, rest, peak, min_state=2, max_gap=15)
    assert [s.complete for s in spans] == [True]
    long = rep.copy()
    long[30:55] = np.nan
    spans = count_signal(long, rest, peak, min_state=2, max_gap=15)
    assert not any(s.complete for s in spans)


def test_multitrack_counter_keeps_state_per_track() -> None:
    c = MultiTrackCounter(Zone("above", 160), Zone("below", 100), min_state=1, min_rep=1)
    a = [170, 90, 170, 90, 170, 90, 170]
    b = [170, 170, 90, 90, 170, 170, 170]
    for i, (va, vb) in enumerate(zip(a, b)):        # interleaved updates of two people
        c.update(1, i, va)
        c.update(2, i, vb)
    assert c.counts() == {1: 3, 2: 1}
    assert isinstance(c.counter(1), RepCounter)


# ------------------------------------------------------- synthetic sequences
@pytest.mark.parametrize("exercise", ["squat", "pushup", "bicep_curl", "lunge", "jumping_jack", "situp"])
def test_counts_full_and_partial_reps_with_jitter(exercise: str) -> None:
    seq = synthetic_sequence(exercise, reps=[1, 1, PARTIAL[exercise], 1], noise_px=1.5, seed=1)
    p = person(seq, exercise)
    assert p.count == 3, p.summary
    assert p.partial == 1 and [r.complete for r in p.reps] == [True, True, False, True]
    assert [r.number for r in p.reps] == [1, 2, None, 3]
    assert p.reps[2].reason == "shallow"
    assert p.reps[2].feedback.startswith("Partial rep (shallow). " + builtin_definition(exercise).partial)


def test_counts_through_detection_dropouts() -> None:
    seq = synthetic_sequence("squat", reps=[1, 1, 1, 1], noise_px=1.0, dropouts=[(45, 52), (120, 128), (200, 203)])
    assert person(seq, "squat").count == 4


def test_two_people_never_mix_counts() -> None:
    a = synthetic_sequence("squat", reps=[1, 1, 1], noise_px=1.0, track_id=3, origin=(160, 420))
    b = synthetic_sequence("squat", reps=[1, 1, 1, 1, 1], noise_px=1.0, track_id=8, origin=(480, 420), seed=2,
                           phase=phase_curve([1] * 5, down_s=0.6, up_s=0.6, rest_s=0.5))
    report = analyze(stack_people([a, b]), "squat")
    assert {p.person: p.count for p in report.people} == {3: 3, 8: 5}
    only = analyze(stack_people([a, b]), "squat", person=8)
    assert [p.person for p in only.people] == [8]
    with pytest.raises(InputError, match="no person 5"):
        analyze(stack_people([a, b]), "squat", person=5)


def test_rep_metrics_tempo_depth_rom_and_asymmetry() -> None:
    seq = synthetic_sequence("squat", phase=phase_curve([1, 1], down_s=1.5, up_s=0.75, hold_s=0.2))
    reps = person(seq, "squat").reps
    assert len(reps) == 2
    for r in reps:
        assert r.tempo["down"] > r.tempo["up"] > 0.3          # slow down, fast up
        assert abs(r.duration_s - (r.tempo["down"] + r.tempo["up"])) < 1e-6
        assert r.depth < 0 and r.rom_deg > 60 and r.view == "side"
        assert r.asymmetry is not None and r.asymmetry < 5      # both legs alike
    # a front view where one arm lifts less: jumping jack asymmetry
    seq = synthetic_sequence("jumping_jack", reps=[1, 1])
    seq.data[:, 0, 16, :2] = seq.data[:, 0, 14, :2] + 0.7 * (seq.data[:, 0, 16, :2] - seq.data[:, 0, 14, :2])
    assert all(r.asymmetry is not None for r in person(seq, "jumping_jack").reps)


# ------------------------------------------------------------------- faults
#: exercise -> (fault id, pose option that causes it)
FAULTS = [
    ("squat", "shallow_depth", {"depth": 55}),
    ("squat", "forward_lean", {"lean": 65}),
    ("squat", "knee_travel", {"shin": 55}),
    ("pushup", "shallow_elbows", {"bottom_elbow": 103}),
    ("pushup", "hip_sag", {"bend": -25}),
    ("pushup", "hip_pike", {"bend": 25}),
    ("bicep_curl", "leaning_back", {"lean_back": 25}),
    ("bicep_curl", "elbow_drift", {"elbow_drift": 55}),
    ("lunge", "knee_over_toe", {"knee_forward": 0.2}),
    ("lunge", "shallow_lunge", {"knee_forward": -0.15}),
    ("jumping_jack", "arms_not_overhead", {"top_arm": 140}),
    ("jumping_jack", "feet_not_wide", {"feet_out": 0.0}),
    ("situp", "not_upright", {"top": 55}),
]


def test_every_rule_has_a_synthetic_case() -> None:
    covered = {(e, f) for e, f, _ in FAULTS}
    for name in BUILT_IN:
        if name == "plank":
            continue
        assert {(name, r.id) for r in builtin_definition(name).rules} <= covered, name


@pytest.mark.parametrize("exercise", ["squat", "pushup", "bicep_curl", "lunge", "jumping_jack", "situp"])
def test_clean_reps_have_no_faults(exercise: str) -> None:
    p = person(synthetic_sequence(exercise, reps=[1, 1, 1], noise_px=1.0), exercise)
    assert p.count == 3
    assert [f.id for r in p.reps for f in r.faults] == []
    assert all(r.feedback == builtin_definition(exercise).good for r in p.reps)


@pytest.mark.parametrize("exercise, fault, options", FAULTS)
def test_each_fault_fires_on_a_faulty_rep(exercise: str, fault: str, options: dict) -> None:
    p = person(synthetic_sequence(exercise, reps=[1, 1, 1], noise_px=1.0, **options), exercise)
    assert p.count == 3, p.summary
    for rep in p.reps:
        found = {f.id: f for f in rep.faults}
        assert fault in found, (rep.faults, rep.not_assessed)
        f = found[fault]
        assert f.message in rep.feedback and f.why and f.threshold is not None and np.isfinite(f.value)
    assert builtin_definition(exercise).rules and found[fault].message in p.summary


def test_side_view_rules_are_not_assessed_from_the_front() -> None:
    seq = synthetic_sequence("squat", reps=[1, 1])
    # turn the side view into a front view: spread the left and right joints apart
    layout = seq.layout
    for j in layout.joints:
        if j.startswith("left_"):
            seq.data[:, 0, layout.index(j), 0] += 40
        elif j.startswith("right_"):
            seq.data[:, 0, layout.index(j), 0] -= 40
    for rep in person(seq, "squat").reps:
        assert rep.view == "front"
        assert {"forward_lean", "knee_travel"} <= set(rep.not_assessed)


@pytest.mark.parametrize("bend, fault", [(0, None), (25, "high_back"), (-25, "low_back")])
def test_plank_hold_time_in_good_form(bend: float, fault: str | None) -> None:
    seq = synthetic_sequence("plank", phase=np.zeros(300), noise_px=1.0, bend=bend)
    p = person(seq, "plank")
    assert p.count == 0 and len(p.holds) == 1
    hold = p.holds[0]
    assert hold.duration_s == pytest.approx(10.0, abs=0.1)
    if fault is None:
        assert hold.good_form_s == pytest.approx(10.0, abs=0.2) and not hold.faults
    else:
        assert hold.good_form_s < 0.5 and hold.faults[0].id == fault and hold.faults[0].share > 0.9


def test_plank_good_form_time_counts_only_the_good_part() -> None:
    poses = poses_to_array([plank_pose(0.0, bend=b) for b in [0.0] * 240 + [-25.0] * 150])
    seq = PoseSequence(poses[:, None], "blazepose33", 30.0, frame_size=(640, 480))
    hold = person(seq, "plank").holds[0]
    assert hold.duration_s == pytest.approx(13.0, abs=0.1)
    assert hold.good_form_s == pytest.approx(8.0, abs=0.5)
    assert hold.faults[0].id == "low_back" and 0.3 < hold.faults[0].share < 0.45


# ----------------------------------------------------------- learned states
def _state_samples(exercise: str, rest: str, peak: str, n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    p = np.r_[rng.uniform(0, 0.1, n), rng.uniform(0.9, 1.0, n)]
    seq = synthetic_sequence(exercise, phase=p, noise_px=2.0, seed=seed)
    return seq.data[:, 0], np.array([rest] * n + [peak] * n)


def test_learned_terminal_states_classify_save_load_and_count(tmp_path: Path) -> None:
    X, y = _state_samples("pushup", "pushups_up", "pushups_down")
    clf = TerminalStateClassifier().fit(X, y)
    assert clf.peak_class_ == "pushups_down" and clf.rest_class_ == "pushups_up"
    Xt, yt = _state_samples("pushup", "pushups_up", "pushups_down", seed=5)
    assert (clf.predict(Xt) == yt).mean() > 0.95
    # mirrored poses (person facing the other way) are recognised too
    mirrored = Xt.copy()
    mirrored[..., 0] = 640 - mirrored[..., 0]
    assert (clf.predict(mirrored) == yt).mean() > 0.95
    path = clf.save(tmp_path / "pushup_states.npz")
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == {"embeddings", "labels", "header"}
    loaded = TerminalStateClassifier.load(path)
    assert (loaded.predict(Xt) == clf.predict(Xt)).all()
    seq = synthetic_sequence("pushup", reps=[1, 1, 1, 1], noise_px=1.0, seed=3)
    report = analyze(seq, path)
    assert report.people[0].count == 4


def test_learned_states_model_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(InputError, match="bad.npz"):
        TerminalStateClassifier.load(bad)
    with pytest.raises(InputError, match="no such"):
        TerminalStateClassifier.load(tmp_path / "none.npz")
    X, _ = _state_samples("squat", "up", "down")
    with pytest.raises(InputError, match="two states"):
        TerminalStateClassifier().fit(X, ["up"] * len(X))


def test_embedding_is_position_and_scale_invariant() -> None:
    X, _ = _state_samples("squat", "up", "down", n=5)
    moved = X.copy()
    moved[..., :2] = moved[..., :2] * 1.7 + 55
    assert np.allclose(embed(X), embed(moved), atol=1e-4)


# ------------------------------------------------------------------- auto
@pytest.mark.parametrize("exercise", ["squat", "pushup", "bicep_curl", "lunge", "jumping_jack", "situp"])
def test_auto_picks_the_exercise(exercise: str) -> None:
    seq = synthetic_sequence(exercise, reps=[1, 1, 1, 1], noise_px=1.0)
    choice = pick_exercise(seq)
    assert choice.exercise == exercise, choice.scores


def test_auto_picks_plank_for_a_still_hold_and_none_for_standing() -> None:
    assert pick_exercise(synthetic_sequence("plank", phase=np.zeros(300), noise_px=1.0)).exercise == "plank"
    assert pick_exercise(synthetic_sequence("squat", phase=np.zeros(200), noise_px=1.0)).exercise is None


# ------------------------------------------------------------- evaluation
def test_label_reps_and_near_duplicate_groups() -> None:
    labels = ["up"] * 5 + ["down"] * 5 + ["up"] * 2 + ["down"] * 5 + ["up"] * 5 + ["down"] * 3
    assert label_reps(labels) == 2
    glitch = ["up"] * 5 + ["down"] * 5 + ["up"] * 2 + ["down"] * 5 + ["up"] * 5
    assert label_reps(glitch) == 2 and label_reps(glitch, min_run=3) == 1
    E = np.array([[0.0, 0.0], [0.01, 0.0], [5.0, 5.0], [9.0, 9.0]])
    merged, pairs = near_duplicate_groups(E, np.array(["a", "b", "c", "c"]), radius=0.1)
    assert pairs == 1 and merged[0] == merged[1] and merged[2] == merged[3] and merged[0] != merged[2]


def test_definition_parse_round_trip_of_every_builtin() -> None:
    for name in BUILT_IN:
        d = builtin_definition(name)
        for m in list(d.measures.values()) + ([d.signal] if d.signal else []):
            assert m.unit in ("deg", "torso", "ratio", "prob")
    d = parse_definition({"name": "t", "signal": {"learned": "x.npz"}, "rest": {"below": 0.4},
                          "peak": {"above": 0.6}}, "t", base="/models")
    assert str(d.signal.model) == "/models/x.npz"

"""Tracking: synthetic COCO-17 stick figures walking, crossing, hiding and appearing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from actionpose.skeleton.layouts import COCO17, HAND21
from actionpose.skeleton.tracking import (
    COCO_SIGMAS,
    DEFAULT_SIGMA,
    PoseTracker,
    TrackingError,
    keypoint_sigmas,
    pose_similarity,
    track_detections,
)

FPS = 30.0

# A frontal stick figure in torso units (pelvis at the origin, neck at (0, -1), image y down).
_POSE = {
    "nose": (0.0, -1.5), "left_eye": (0.07, -1.57), "right_eye": (-0.07, -1.57), "left_ear": (0.15, -1.52),
    "right_ear": (-0.15, -1.52), "left_shoulder": (0.35, -1.0), "right_shoulder": (-0.35, -1.0),
    "left_elbow": (0.45, -0.55), "right_elbow": (-0.45, -0.55), "left_wrist": (0.5, -0.1),
    "right_wrist": (-0.5, -0.1), "left_hip": (0.2, 0.0), "right_hip": (-0.2, 0.0), "left_knee": (0.22, 0.85),
    "right_knee": (-0.22, 0.85), "left_ankle": (0.22, 1.7), "right_ankle": (-0.22, 1.7),
}
BASE = np.array([_POSE[j] for j in COCO17.joints])                          # (17, 2)
# walking swing: arms and legs move forth and back in opposite phase, left against right
SWING = np.array([0.0] * 7 + [0.1, -0.1, 0.18, -0.18, 0.0, 0.0, -0.12, 0.12, -0.22, 0.22])


def walker(start: tuple[float, float], velocity: tuple[float, float], times: np.ndarray, torso: float = 60.0,
           noise: float = 2.0, score: float = 0.9, rng: np.random.Generator | None = None) -> np.ndarray:
    """``(T, 17, 3)`` detections of one person walking at constant velocity (pixels per second)."""
    rng = rng or np.random.default_rng(0)
    t = np.asarray(times, dtype=np.float64)[:, None, None]
    pelvis = np.asarray(start) + np.asarray(velocity) * t                   # (T, 1, 2)
    pose = BASE[None].copy()
    pose = pose + np.stack([SWING[None] * np.sin(2 * np.pi * 1.8 * t[..., 0]), np.zeros((len(t), 17))], -1)
    xy = pelvis + torso * pose + rng.normal(0, noise, (len(t), 17, 2))
    sc = np.clip(score + rng.normal(0, 0.03, (len(t), 17, 1)), 0.05, 1.0)
    return np.concatenate([xy, sc], axis=-1).astype(np.float32)


def frames_of(*people: np.ndarray, present: list[np.ndarray] | None = None,
              order_seed: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per-frame detection arrays from per-person ``(T, 17, C)`` tracks, shuffled within each frame.

    Returns the frames and, per frame, the ground-truth person index of each row.
    """
    rng = np.random.default_rng(order_seed)
    T = people[0].shape[0]
    present = present or [np.ones(T, dtype=bool)] * len(people)
    frames, truth = [], []
    for f in range(T):
        who = [p for p in range(len(people)) if present[p][f]]
        rng.shuffle(who)
        frames.append(np.stack([people[p][f] for p in who]) if who else np.zeros((0, 17, people[0].shape[-1]),
                                                                                 np.float32))
        truth.append(np.array(who, dtype=np.int64))
    return frames, truth


def run_tracker(frames: list[np.ndarray], times: np.ndarray, **options) -> list[np.ndarray]:
    tracker = PoseTracker(COCO17, **options)
    return [tracker.update(f, t) for f, t in zip(frames, times)]


def id_switches(truth: list[np.ndarray], ids: list[np.ndarray]) -> int:
    """Identity switches: how often a person's track id differs from its previous one."""
    last: dict[int, int] = {}
    switches = 0
    for who, got in zip(truth, ids):
        for person, tid in zip(who.tolist(), got.tolist()):
            if person in last and last[person] != tid:
                switches += 1
            last[person] = tid
    return switches


def nearest_position_ids(frames: list[np.ndarray]) -> list[np.ndarray]:
    """The baseline the tracker must beat: Hungarian on the distance to each track's last centroid."""
    last: list[np.ndarray] = []
    out = []
    for det in frames:
        cen = np.nanmean(det[..., :2], axis=1)
        ids = np.arange(len(det))
        if last:
            rows, cols = linear_sum_assignment(np.linalg.norm(cen[:, None] - np.array(last)[None], axis=-1))
            ids[rows] = cols
        last = list(cen[np.argsort(ids)])
        out.append(ids)
    return out


def crossing(seed: int, occlude_back: bool = False):
    """Two people of the same size walking towards each other, crossing between frames 29 and 30."""
    times = np.arange(60) / FPS
    speed = 220.0                                   # px/s, 3.7 torsos/s: a brisk walk
    t_cross = 29.5 / FPS
    rng = np.random.default_rng(seed)
    a = walker((320 - speed * t_cross, 300), (speed, 0), times, rng=rng)
    b = walker((320 + speed * t_cross, 302), (-speed, 0), times, rng=rng)
    present = [np.ones(60, bool), np.ones(60, bool)]
    if occlude_back:  # b walks behind a: unseen while they overlap, 0.2 s
        present[1] = np.abs(np.arange(60) - 29.5) > 3
    return times, (a, b), present


# ------------------------------------------------------------------ matching
@pytest.mark.parametrize("occlude_back", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_people_crossing_keep_their_ids(seed: int, occlude_back: bool) -> None:
    times, people, present = crossing(seed, occlude_back)
    frames, truth = frames_of(*people, present=present, order_seed=seed)
    ids = run_tracker(frames, times)
    assert id_switches(truth, ids) == 0
    assert sorted({i for f in ids for i in f.tolist()}) == [0, 1]
    # the scenario is hard: without the constant-velocity prediction the two people are swapped
    assert id_switches(truth, run_tracker(frames, times, max_predict_s=0.0)) >= 2
    if not occlude_back:
        # and so does plain matching on the last centroid
        assert id_switches(truth, nearest_position_ids(frames)) >= 2


def test_crossing_at_different_depths_vertical_offset() -> None:
    """People of the same size crossing diagonally; the constant-velocity prediction follows both."""
    times = np.arange(45) / FPS
    rng = np.random.default_rng(5)
    a = walker((150, 250), (200, 40), times, rng=rng)
    b = walker((450, 280), (-200, 10), times, rng=rng)
    frames, truth = frames_of(a, b)
    assert id_switches(truth, run_tracker(frames, times)) == 0


def test_short_occlusion_keeps_id_long_absence_opens_a_new_one() -> None:
    times = np.arange(150) / FPS
    walking = walker((100, 300), (60, 0), times)
    standing = walker((420, 290), (0, 0), times, rng=np.random.default_rng(3))
    f = np.arange(150)
    hidden_short = (f >= 30) & (f < 45)          # 0.5 s behind something
    hidden_long = (f >= 75) & (f < 120)          # 1.5 s > max_age_s = 1.0
    frames, truth = frames_of(walking, standing, present=[~hidden_short & ~hidden_long, np.ones(150, bool)])
    ids = run_tracker(frames, times, max_age_s=1.0)
    walker_ids = [int(i[w == 0][0]) for i, w in zip(ids, truth) if (w == 0).any()]
    first, after_short, after_long = walker_ids[0], walker_ids[30], walker_ids[-1]
    assert after_short == first                      # frame 45 is the 31st frame the walker is seen
    assert after_long != first and after_long > max(walker_ids[:60])
    standing_ids = {int(i[w == 1][0]) for i, w in zip(ids, truth)}
    assert len(standing_ids) == 1 and standing_ids.isdisjoint(walker_ids)


def test_occluded_walker_is_found_where_the_prediction_says() -> None:
    """A person hidden 0.5 s while walking reappears 1 m further and is still matched (prediction)."""
    times = np.arange(60) / FPS
    person = walker((100, 300), (240, 0), times)       # 4 torsos/s: 2 torsos further after 0.5 s
    present = (np.arange(60) < 20) | (np.arange(60) >= 35)
    frames, truth = frames_of(person, present=[present])
    ids = run_tracker(frames, times)
    assert {int(i[0]) for i in ids if len(i)} == {0}
    # without velocity the reappearing person is too far away to be matched
    ids_static = run_tracker(frames, times, max_predict_s=0.0)
    assert {int(i[0]) for i in ids_static if len(i)} == {0, 1}


def test_new_person_entering_gets_a_new_id() -> None:
    times = np.arange(40) / FPS
    a = walker((100, 300), (30, 0), times)
    b = walker((500, 300), (-30, 0), times, rng=np.random.default_rng(9))
    present_b = np.arange(40) >= 20
    frames, truth = frames_of(a, b, present=[np.ones(40, bool), present_b])
    ids = run_tracker(frames, times)
    assert all(len(i) == 1 for i in ids[:20])
    assert {int(i[w == 1][0]) for i, w in zip(ids[20:], truth[20:])} == {1}
    assert {int(i[w == 0][0]) for i, w in zip(ids, truth)} == {0}


def test_empty_frames_and_empty_input() -> None:
    tracker = PoseTracker("coco17")
    person = walker((200, 300), (0, 0), np.arange(12) / FPS)
    assert tracker.update(np.zeros((0, 17, 3), np.float32), 0.0).shape == (0,)
    assert tracker.update(person[1], 1 / FPS).tolist() == [0]                   # (K, C): one person
    for f in range(2, 8):                                                       # 0.2 s of nobody
        out = tracker.update(np.zeros((0, 17, 3), np.float32), f / FPS)
        assert out.shape == (0,) and out.dtype == np.int64
    assert tracker.live_ids == [0]
    assert tracker.update(person[8:9], 8 / FPS).tolist() == [0]
    assert tracker.update(None, 9 / FPS).shape == (0,)
    tracker.update(None, 8 / FPS + 1.01)                                       # max_age_s = 1 s later
    assert tracker.live_ids == [] and tracker.update(person[0], 2.5).tolist() == [1]


def test_max_people_keeps_the_most_confident_then_the_largest() -> None:
    times = np.arange(10) / FPS
    confident = walker((100, 300), (0, 0), times, score=0.95)
    doubtful = walker((300, 300), (0, 0), times, score=0.4, rng=np.random.default_rng(1))
    medium = walker((500, 300), (0, 0), times, score=0.7, rng=np.random.default_rng(2))
    tracker = PoseTracker(COCO17, max_people=2)
    for f, t in enumerate(times):
        ids = tracker.update(np.stack([doubtful[f], confident[f], medium[f]]), t)
        assert ids[0] == -1 and ids[1] >= 0 and ids[2] >= 0
    assert tracker.next_id == 2
    # same confidence: the larger (closer) person wins
    big = walker((150, 300), (0, 0), times, torso=90, score=0.8)
    small = walker((450, 300), (0, 0), times, torso=30, score=0.8, rng=np.random.default_rng(4))
    ids = PoseTracker(COCO17, max_people=1).update(np.stack([small[0], big[0]]), 0.0)
    assert ids.tolist() == [-1, 0]


def test_partial_detections_with_many_nan_joints() -> None:
    times = np.arange(30) / FPS
    person = walker((200, 300), (90, 0), times)
    other = walker((520, 300), (-20, 0), times, rng=np.random.default_rng(7))
    upper = np.zeros(17, bool)
    upper[:7] = True                                            # head and shoulders only
    two = np.zeros(17, bool)
    two[[11, 12]] = True                                        # hips only: the IoU fallback
    tracker = PoseTracker(COCO17)
    for f, t in enumerate(times):
        det = person[f].copy()
        mask = upper if 10 <= f < 15 else two if 15 <= f < 18 else np.ones(17, bool)
        det[~mask, :2] = np.nan
        det[~mask, 2] = 0.0
        ids = tracker.update(np.stack([other[f], det]), t)
        assert ids.tolist() == [0, 1], f"frame {f}"
    nothing = np.full((1, 17, 3), np.nan, np.float32)
    assert tracker.update(nothing, 1.0).tolist() == [-1]


def test_detection_far_away_is_gated_into_a_new_track() -> None:
    tracker = PoseTracker(COCO17, min_similarity=0.1)
    person = walker((100, 300), (0, 0), np.arange(3) / FPS)
    assert tracker.update(person[0], 0.0).tolist() == [0]
    moved = person[1].copy()
    moved[:, 0] += 400                                          # teleported: not the same person
    assert tracker.update(moved, 1 / FPS).tolist() == [1]
    assert tracker.live_ids == [0, 1]


def test_reset_time_checks_and_bad_shapes() -> None:
    tracker = PoseTracker(COCO17)
    person = walker((100, 300), (0, 0), np.arange(2) / FPS)
    tracker.update(person, 0.0)
    with pytest.raises(TrackingError):
        tracker.update(person, -1.0)
    with pytest.raises(TrackingError):
        tracker.update(np.zeros((1, 5, 3)), 1.0)
    tracker.reset()
    assert tracker.live_ids == [] and tracker.next_id == 0
    assert tracker.update(person[:1], 5.0).tolist() == [0]


def test_sigmas_and_similarity() -> None:
    sig = keypoint_sigmas(COCO17)
    assert sig[COCO17.index("left_hip")] == COCO_SIGMAS["left_hip"] == 0.107
    assert np.all(keypoint_sigmas(HAND21) == DEFAULT_SIGMA)
    pose = walker((100, 300), (0, 0), np.zeros(1), noise=0.0)[0]
    xy, ok = pose[None, :, :2].astype(float), np.ones((1, 17), bool)
    same = pose_similarity(xy, ok, ok, xy, ok, ok, sig)
    near = pose_similarity(xy + 5.0, ok, ok, xy, ok, ok, sig)
    far = pose_similarity(xy + 300.0, ok, ok, xy, ok, ok, sig)
    assert same[0, 0] == pytest.approx(1.0) and 0.3 < near[0, 0] < 1.0 and far[0, 0] < 1e-3
    few = ok.copy()
    few[0, 2:] = False                                           # 2 shared joints: half OKS, half IoU
    blended = pose_similarity(xy, few, ok, xy, few, ok, sig, oks_min_joints=4)
    assert blended[0, 0] == pytest.approx(1.0)                   # same boxes and same joints


# ------------------------------------------------------- property: id hygiene
@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 4), min_size=1, max_size=25), seed=st.integers(0, 2**16),
       max_age_s=st.sampled_from([0.0, 0.1, 1.0]))
def test_ids_unique_per_frame_and_never_reused(counts: list[int], seed: int, max_age_s: float) -> None:
    rng = np.random.default_rng(seed)
    tracker = PoseTracker(COCO17, max_age_s=max_age_s)
    last_seen: dict[int, float] = {}
    closed: set[int] = set()
    expected_next = 0
    for f, n in enumerate(counts):
        t = f / FPS
        centres = rng.uniform(0, 640, (n, 2))
        det = np.concatenate([centres[:, None] + 40 * BASE[None] + rng.normal(0, 3, (n, 17, 2)),
                              rng.uniform(0.2, 1.0, (n, 17, 1))], axis=-1).astype(np.float32)
        ids = tracker.update(det, t).tolist()
        assert len(ids) == n and len(set(ids)) == n and min(ids, default=0) >= 0
        closed |= {i for i, s in last_seen.items() if t - s > max_age_s}
        assert closed.isdisjoint(ids)                            # a closed track never comes back
        for i in sorted(set(ids) - set(last_seen)):              # new ids count up from 0, no gaps
            assert i == expected_next
            expected_next += 1
        last_seen.update({i: t for i in ids})
        assert tracker.live_ids == sorted(i for i, s in last_seen.items() if t - s <= max_age_s)
    assert tracker.next_id == expected_next


# ------------------------------------------------------------ track_detections
def test_track_detections_builds_the_sequence() -> None:
    T = 40
    times = np.arange(T) / FPS
    a = walker((100, 300), (60, 0), times)
    b = walker((520, 300), (-60, 0), times, rng=np.random.default_rng(2))
    present_a = np.arange(T) >= 10                               # b appears first, a from frame 10
    present_b = np.arange(T) < 30                                # b leaves at frame 30
    frames, truth = frames_of(a, b, present=[present_a, present_b])
    # a one-frame ghost in frame 5: dropped as spurious
    ghost = walker((320, 100), (0, 0), times[:1], torso=20, rng=np.random.default_rng(8))
    frames[5] = np.concatenate([frames[5], ghost])
    seq = track_detections(frames, times, "coco17", FPS, frame_size=(640, 480), meta={"source": "synthetic"})
    assert seq.data.shape == (T, 2, 17, 3)
    assert seq.track_ids.tolist() == [0, 2]                      # slot order = first appearance; ghost was 1
    assert seq.frame_size == (640, 480) and seq.meta["source"] == "synthetic"
    assert seq.meta["tracking"]["dropped_tracks"] == [1]
    np.testing.assert_array_equal(seq.present[:, 0], present_b)   # slot 0 is b
    np.testing.assert_array_equal(seq.present[:, 1], present_a)
    assert np.isnan(seq.data[:10, 1, :, :2]).all() and (seq.data[:10, 1, :, 2] == 0).all()
    assert np.isnan(seq.data[30:, 0, :, :2]).all()
    np.testing.assert_allclose(seq.data[12, 1], a[12])
    np.testing.assert_allclose(seq.data[12, 0], b[12])
    np.testing.assert_allclose(seq.timestamps, times)
    everything = track_detections(frames, times, "coco17", FPS, min_track_frames=1)
    assert everything.track_ids.tolist() == [0, 1, 2]


def test_track_detections_with_z_max_people_and_edge_cases() -> None:
    T = 12
    times = np.arange(T) / FPS
    a = walker((100, 300), (0, 0), times, score=0.9)
    b = walker((400, 300), (0, 0), times, score=0.5, rng=np.random.default_rng(1))
    add_z = lambda p, z: np.concatenate([p[..., :2], np.full(p.shape[:-1] + (1,), z, np.float32), p[..., 2:]], -1)
    frames, _ = frames_of(add_z(a, 1.0), add_z(b, 2.0))
    seq = track_detections(frames, times, COCO17, FPS, max_people=1)
    assert seq.data.shape == (T, 1, 17, 4) and seq.has_z
    assert np.allclose(seq.z, 1.0)                                # the confident person, with its depth
    assert track_detections([None] * 3, times[:3], COCO17, FPS).data.shape == (3, 0, 17, 3)
    single = track_detections([a[0]], [0.0], COCO17, FPS)        # one frame: min_track_frames shrinks to 1
    assert single.num_people == 1
    with pytest.raises(TrackingError):
        track_detections(frames, times[:-1], COCO17, FPS)
    with pytest.raises(TrackingError):
        track_detections([a[:1], add_z(b, 0.0)[:1]], times[:2], COCO17, FPS)


def test_track_detections_crossing_has_no_identity_switch() -> None:
    times, people, present = crossing(seed=11)
    frames, truth = frames_of(*people, present=present)
    seq = track_detections(frames, times, COCO17, FPS)
    assert seq.num_people == 2
    # each slot holds one person's detections in every frame
    a, b = people
    slot_of_a = int(np.argmin([np.nanmean(np.abs(seq.data[0, p] - a[0])) for p in range(2)]))
    np.testing.assert_array_equal(seq.data[:, slot_of_a], a)
    np.testing.assert_array_equal(seq.data[:, 1 - slot_of_a], b)


def _rotated_about_centre(pose: np.ndarray, degrees: float) -> np.ndarray:
    """The same detection with its joints turned about their centre (a detector's other 'view')."""
    out = pose.copy()
    c = np.nanmean(pose[:, :2], axis=0)
    a = np.deg2rad(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out[:, :2] = (pose[:, :2] - c) @ rot.T + c
    return out


def test_pose_that_changes_faster_than_its_box_stays_on_one_track() -> None:
    """A lying person whose detections alternate between two very different joint layouts in the same
    place (head and feet swapped): pose similarity alone splits them, the box stage keeps one track."""
    times = np.arange(40) / FPS
    person = walker((300, 300), (0, 0), times, noise=1.0)
    frames = [p[None] if i % 2 else _rotated_about_centre(p, 180)[None] for i, p in enumerate(person)]
    ids = run_tracker(frames, times)
    assert {int(i[0]) for i in ids} == {0}
    split = run_tracker(frames, times, min_box_iou=1.01)     # the box stage off: the person splits
    assert len({int(i[0]) for i in split}) > 1


def test_max_people_caps_live_identities() -> None:
    """With max_people=1 a detection that matches nothing continues the live track, so a single-person
    detector never yields two alternating ids; the identity is held for hold_s, then a new id opens."""
    times = np.arange(30) / FPS
    person = walker((200, 300), (0, 0), times)
    jumpy = person.copy()
    jumpy[1::2, :, 0] += 250                                  # every other frame far away
    frames = [p[None] for p in jumpy]
    capped = run_tracker(frames, times, max_people=1)
    assert {int(i[0]) for i in capped} == {0}
    uncapped = run_tracker(frames, times)
    assert len({int(i[0]) for i in uncapped}) == 2
    tracker = PoseTracker(COCO17, max_people=1, max_age_s=0.5, hold_s=2.0)
    assert tracker.update(person[0], 0.0).tolist() == [0]
    far = person[1].copy()
    far[:, 0] += 250
    assert tracker.update(far, 1.0).tolist() == [0]            # past max_age_s, but the identity is held
    assert tracker.update(person[0], 3.5).tolist() == [1]      # unseen for 2.5 s > hold_s: a new id
    free = PoseTracker(COCO17, max_age_s=0.5, hold_s=2.0)      # without max_people nothing is held
    free.update(person[0], 0.0)
    assert free.update(person[0], 1.0).tolist() == [1]


def test_a_duplicate_detection_does_not_take_the_free_track_of_someone_out_of_view() -> None:
    """Two people, cap 2: while B is out of view the detector reports A twice; the copy gets -1 and B, back
    two seconds later elsewhere, keeps their id (the case of a person lost while falling)."""
    times = np.arange(12) / FPS
    a, b = walker((200, 300), (0, 0), times), walker((600, 300), (0, 0), times)
    tracker = PoseTracker(COCO17, max_people=2)
    assert tracker.update(np.stack([a[0], b[0]]), 0.0).tolist() == [0, 1]
    ghost = a[1].copy()
    ghost[:, :2] += 12.0                                       # the same person found twice, a little apart
    assert tracker.update(np.stack([a[1], ghost]), 0.5).tolist() == [0, -1]
    lying = b[2].copy()
    lying[:, 1] += 150                                         # B again, lower down and long unseen
    assert sorted(tracker.update(np.stack([lying, a[2]]), 2.0).tolist()) == [0, 1]
    assert tracker.next_id == 2

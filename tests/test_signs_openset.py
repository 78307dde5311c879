"""Open-set signs: a non-sign hand is ``unknown``; a mirrored (left-handed) signer gives the same sign.

Synthetic hands and clips first; then the real photos and signers of the shared data (skipped when
absent). Floors are a little under what ``benchmarks/signs_acceptance.py`` measured.
"""

from __future__ import annotations

import numpy as np
import pytest

from actionpose.skeleton.layouts import HOLISTIC
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs import UNKNOWN, DynamicSignClassifier, StaticSignClassifier, augment_clip, load_builtin
from actionpose.tasks.signs.openset import (
    MIN_HELD_ROWS,
    OpenSetGate,
    calibration_folds,
    conformal_quantile,
    fit_open_set,
    nearest_sign,
    signer_folds,
)
from tests.test_signs import SHAPES, hand_samples, make_hand, sign_clip


# ----------------------------------------------------------------------------------------------- calibration
def test_calibration_folds_leave_each_signer_out_within_training() -> None:
    y = np.array(["a", "b"] * 20 + ["a", "b"] * 20 + ["a"] * 4)
    groups = np.array(["s1"] * 40 + ["s2"] * 40 + ["s3"] * 4)
    folds = calibration_folds(y, groups)
    # s3 has fewer than MIN_HELD_ROWS rows: not a fold of its own, but kept in every training part
    assert 4 < MIN_HELD_ROWS and len(folds) == 2
    assert [set(groups[f]) for f in folds] == [{"s1"}, {"s2"}]
    # a signer is a fold when the others share one of its signs, even one sign only (its rows are
    # measured against that sign's prototypes)
    y1 = np.array(["a", "b"] * 20 + ["a"] * 20)
    g1 = np.array(["s1"] * 40 + ["s2"] * 20)
    assert [set(g1[f]) for f in calibration_folds(y1, g1)] == [{"s1"}, {"s2"}]
    assert [set(g1[f]) for f in signer_folds(y1, g1)] == [{"s1"}, {"s2"}]
    # signers who share no sign are no folds: nothing of theirs the others could be near
    y2 = np.array(["a"] * 20 + ["b"] * 20)
    g2 = np.array(["s1"] * 20 + ["s2"] * 20)
    fallback = calibration_folds(y2, g2, in_order=True)
    assert len(fallback) == 1  # the later part of each class instead
    held = fallback[0]
    assert held[15:20].all() and not held[:15].any() and held[35:].all() and held.sum() == 10
    assert signer_folds(y2, g2) == []


def test_held_out_signers_are_measured_in_the_space_of_every_signer() -> None:
    """A gate fitted on one signer whitens by that signer's spread alone; the other signer then looks
    many times too far and the threshold lets anything through. Measured in the space of both signers,
    the threshold stays near the signers' real distance and a far-off movement is rejected."""
    rng = np.random.default_rng(3)
    centres = np.array([[0.0] * 6, [4.0] + [0.0] * 5])

    def signer(offset: float, n: int = 40) -> np.ndarray:
        rows = np.repeat(centres, n, axis=0) + rng.normal(0, 0.3, (2 * n, 6))
        rows[:, 3] = offset + rng.normal(0, 0.02, 2 * n)  # a signer's own habit, nearly constant
        return rows

    feats = np.concatenate([signer(0.0), signer(1.0)])
    y = np.tile(np.repeat(["a", "b"], 40), 2)
    folds = calibration_folds(y, np.repeat(["s1", "s2"], 80))
    _, apart = fit_open_set("logreg", 0, feats, y, folds, dims=6)
    _, together = fit_open_set("logreg", 0, feats, y, folds, dims=6, by_signer=True)
    assert apart.distance_threshold > 5 * together.distance_threshold
    probe = np.array([[2.0, 3.0, -3.0, 0.5, 3.0, 0.0]])  # between the signs, far off in three features
    proba = np.array([[0.5, 0.5]])
    assert together.sign_distance(probe, proba, ["a", "b"])[0] > together.distance_threshold
    assert apart.sign_distance(probe, proba, ["a", "b"])[0] < apart.distance_threshold


def test_conformal_quantile_is_an_order_statistic() -> None:
    scores = np.arange(1.0, 11.0)  # 10 held-out scores
    assert conformal_quantile(scores, 0.5) == 6.0  # ceil(11 * 0.5) = 6th smallest
    assert conformal_quantile(scores, 0.99) == 10.0  # too few rows: the largest
    assert conformal_quantile(np.array([np.nan]), 0.9) == float("inf")


def test_distance_is_to_the_prototypes_of_the_named_sign() -> None:
    rng = np.random.default_rng(0)
    feats = np.concatenate([rng.normal(0, 0.1, (50, 4)), rng.normal(3, 0.1, (50, 4))])
    y = np.repeat([0, 1], 50)
    gate = OpenSetGate.fit(feats, y, dims=4)
    probe = np.full((1, 4), 3.0)  # sits on class 1
    near_any, which = gate.distance(probe)
    to_zero = gate.distance(probe, to=np.array([0]))[0]
    assert which[0] == 1 and to_zero[0] > 5 * near_any[0]
    # the nearest *sign* skips the none class however probable it is
    proba = np.array([[0.2, 0.1, 0.7]])
    assert nearest_sign(proba, ["a", "b", "none"]).tolist() == [0]


# ----------------------------------------------------------------------------------------------- synthetic
def test_non_sign_hand_gives_unknown_synthetic() -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    rng = np.random.default_rng(5)
    # a "call" hand (thumb and pinky out) and a "rock" hand (index and pinky): never trained
    for ext in ((1, 0, 0, 0, 1), (0, 1, 0, 0, 1)):
        hands = np.stack([make_hand(ext, rng.uniform(20, 120), rng.uniform(100, 500, 2), rng=rng)
                          for _ in range(12)])
        verdicts = clf.verdicts(hands)
        assert sum(v.label == UNKNOWN for v in verdicts) >= 11
        assert all(v.nearest in SHAPES and v.reason for v in verdicts if v.label == UNKNOWN)
    Xt, yt = hand_samples(10, seed=9)
    assert (clf.predict_open(Xt) == yt).mean() >= 0.9  # the real signs stay


def test_mirrored_signer_gives_the_same_sign_synthetic() -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    Xt, yt = hand_samples(10, seed=3)
    mirrored = Xt.copy()
    mirrored[..., 0] = 640.0 - mirrored[..., 0]  # the same hands seen as left hands
    assert clf.predict_open(mirrored, left=True).tolist() == clf.predict_open(Xt).tolist()
    train = [PoseSequence(sign_clip(s, seed=i), "holistic", 30.0, frame_size=(640, 480))
             for s in ("up", "across") for i in range(8)]
    dyn = DynamicSignClassifier().fit(train, ["up"] * 8 + ["across"] * 8,
                                      groups=[f"s{i % 2}" for i in range(16)])
    test = [PoseSequence(sign_clip(s, seed=70 + i), "holistic", 30.0, frame_size=(640, 480))
            for s in ("up", "across") for i in range(3)]
    assert dyn.predict_open([seq.mirrored() for seq in test]).tolist() == dyn.predict_open(test).tolist() \
        == ["up"] * 3 + ["across"] * 3


def test_augment_clip_is_another_signer_of_the_same_clip() -> None:
    seq = PoseSequence(sign_clip("up", seed=1), "holistic", 30.0, frame_size=(640, 480))
    rng = np.random.default_rng(0)
    copies = [augment_clip(seq, rng) for _ in range(20)]
    assert all(c.layout.name == "holistic" and 2 <= c.num_frames <= seq.num_frames for c in copies)
    wrist = HOLISTIC.index("right_hand_wrist")
    shoulder = HOLISTIC.index("right_shoulder")
    # hands are moved against the body (not only the whole picture), and some copies are mirrored
    mirrored = [bool((c.data[:, 0, HOLISTIC.index("left_hand_wrist"), 2] > 0).any()) for c in copies]
    assert 3 <= sum(mirrored) <= 17  # about half are a left-handed signer
    offsets = np.stack([np.nanmean(c.data[:, 0, wrist, :2] - c.data[:, 0, shoulder, :2], axis=0)
                        for c, m in zip(copies, mirrored) if not m])
    plain = np.nanmean(seq.data[:, 0, wrist, :2] - seq.data[:, 0, shoulder, :2], axis=0)
    assert np.ptp(offsets[:, 0]) > 5.0 and np.abs(offsets - plain).max() > 5.0  # pixels; shoulders 100 apart


# ----------------------------------------------------------------------------------------------- real data
def test_non_sign_photos_give_unknown(data_file) -> None:
    pytest.importorskip("mediapipe")
    from actionpose.tasks.signs.extract import poses_from_images
    from actionpose.tasks.signs.normalize import hands_of

    files = sorted(data_file("signs/gesture_images").glob("none/*.jpg"))[:6]
    files += sorted(data_file("signs/gesture_images").glob("rock/*.jpg"))[:6]
    hands = hands_of(poses_from_images(files))
    ok = hands.present[:, 0]
    verdicts = load_builtin().verdicts(hands.points[:, 0][ok], left=np.broadcast_to([True, False], ok.shape)[ok])
    assert len(verdicts) >= 10
    unknown = [v for v in verdicts if v.label == UNKNOWN]
    assert len(unknown) >= 0.8 * len(verdicts)  # measured: all but one of the rock and none photos
    assert all(v.nearest and v.reason for v in unknown)


@pytest.fixture(scope="module")
def holistic(data_file):
    from actionpose.datasets import load_holistic_signs

    return load_holistic_signs(data_file("signs/holistic_sequences"))


def test_mirrored_real_signer_gives_the_same_sign(holistic) -> None:
    groups = np.array([c.group for c in holistic])
    labels = np.array([c.label for c in holistic])
    train = np.isin(labels, ["hello", "thanks"]) & (groups != "signer_AbtgCoder")
    clf = DynamicSignClassifier().fit([c.seq for c, k in zip(holistic, train) if k], labels[train],
                                      groups=groups[train])
    test = [c.seq for c in holistic if c.group == "signer_AbtgCoder" and c.label in ("hello", "thanks")]
    truth = labels[(groups == "signer_AbtgCoder") & np.isin(labels, ["hello", "thanks"])]
    plain = clf.predict(test)
    mirrored = clf.predict([seq.mirrored() for seq in test])
    assert (mirrored == plain).mean() >= 0.95
    assert (mirrored == truth).mean() >= 0.9  # a signer never trained on, seen left-handed


@pytest.mark.slow  # about 25 s here: MediaPipe Holistic on three clips
def test_non_sign_movement_is_unknown_for_a_model_of_two_signers(holistic, data_file) -> None:
    """People at home who are not signing (the GMDCSA24 daily-activity clips), read by a model of two
    signers' hello and thanks: a 1 s window is almost never a sign. Before the held-out signer was
    measured in the space of both signers, this model's threshold was 12.0 and 92 % of such windows
    of non-sign movement passed."""
    pytest.importorskip("mediapipe")
    from actionpose.pipeline import extract

    groups = np.array([c.group for c in holistic])
    labels = np.array([c.label for c in holistic])
    train = np.isin(labels, ["hello", "thanks"]) & np.isin(groups, ["signer_AbtgCoder", "signer_IlkerDEMIR-s"])
    clf = DynamicSignClassifier().fit([c.seq for c, k in zip(holistic, train) if k], labels[train],
                                      groups=groups[train])
    files = sorted(data_file("falls/gmdcsa24").glob("Subject_*/ADL/*.mp4"))
    windows = [seq.slice_frames(i, i + round(seq.fps)) for seq in (extract(f, mode="holistic") for f in files)
               for i in range(0, seq.num_frames - round(seq.fps) + 1, max(1, round(seq.fps / 2)))]
    assert len(files) == 3 and len(windows) >= 15
    rejected = (clf.predict_open(windows) == UNKNOWN).mean()
    assert rejected >= 0.8  # measured 0.88 (22 of 25 windows; 0 with the earlier calibration)
    # the real signs of the third signer, never trained on, still pass
    test = [c.seq for c in holistic if c.group == "signer_Lolkink1_6signs" and c.label == "thanks"]
    assert (clf.predict_open(test) == "thanks").mean() >= 0.9  # measured 1.0

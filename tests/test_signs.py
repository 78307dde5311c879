"""Signs: hand normalisation, static and dynamic sign classifiers, segmentation, the ``signs`` command."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from actionpose.cli import main
from actionpose.models.store import ModelFileError
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.layouts import HOLISTIC
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.signs import (
    UNKNOWN,
    DynamicSignClassifier,
    StaticSignClassifier,
    builtin_model_path,
    hand_size,
    hands_of,
    load_builtin,
    normalize_hand,
    segment_stream,
    transcribe,
    transcribe_stream,
)

FINGER_X = (-0.45, -0.15, 0.0, 0.15, 0.3)  # thumb, index, middle, ring, pinky (right hand, palm to camera)


def make_hand(extended=(1, 1, 1, 1, 1), scale=1.0, at=(0.0, 0.0), mirror=False, rng=None) -> np.ndarray:
    """A right hand pointing up (image y down), ``(21, 3)`` x, y, score; ``mirror`` makes a left hand."""
    pts = [(0.0, 0.0)]
    for f, (x, ext) in enumerate(zip(FINGER_X, extended)):
        if f == 0:
            steps = [(-0.25, -0.3), (-0.45, -0.55), (-0.65, -0.75), (-0.85, -0.95)] if ext else \
                [(-0.25, -0.3), (-0.4, -0.55), (-0.25, -0.75), (-0.05, -0.85)]
        else:
            base = -1.0 + 0.1 * abs(x)
            steps = [(x, base), (x, base - 0.4), (x, base - 0.7), (x, base - 1.0)] if ext else \
                [(x, base), (x, base - 0.3), (x, base - 0.1), (x, base + 0.15)]
        pts += steps
    xy = np.array(pts, dtype=np.float64)
    if rng is not None:
        xy += rng.normal(0, 0.03, xy.shape)
    if mirror:
        xy[:, 0] *= -1
    xy = xy * scale + np.asarray(at)
    return np.concatenate([xy, np.ones((21, 1))], axis=1).astype(np.float32)


SHAPES = {"open": (1, 1, 1, 1, 1), "fist": (0, 0, 0, 0, 0), "point": (0, 1, 0, 0, 0), "vee": (0, 1, 1, 0, 0)}


def hand_samples(n: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    X, y = [], []
    for name, ext in SHAPES.items():
        for _ in range(n):
            X.append(make_hand(ext, scale=rng.uniform(20, 120), at=rng.uniform(100, 500, 2), rng=rng))
            y.append(name)
    return np.stack(X), np.array(y)


# ----------------------------------------------------------------------------------------------- normalisation
def test_normalize_hand_centres_scales_and_mirrors() -> None:
    hand = make_hand(scale=57.0, at=(300, 200))
    norm = normalize_hand(hand)
    assert norm.shape == (21, 2)
    np.testing.assert_allclose(norm[0], 0, atol=1e-6)
    assert hand_size(hand) == pytest.approx(57.0 * 1.0, rel=1e-5)
    np.testing.assert_allclose(np.linalg.norm(norm[9]), 1.0, rtol=1e-5)  # middle MCP one hand size away
    # the same shape at another size and place, and a left hand mirrored back, give the same canonical hand
    np.testing.assert_allclose(normalize_hand(make_hand(scale=13.0, at=(5, 900))), norm, atol=1e-5)
    left = make_hand(scale=80.0, at=(50, 60), mirror=True)
    assert not np.allclose(normalize_hand(left), norm, atol=1e-3)
    np.testing.assert_allclose(normalize_hand(left, left=True), norm, atol=1e-5)
    # 3-D: z is scaled by the same size; batch with a per-hand left flag
    xyz = np.concatenate([hand[:, :2], np.full((21, 1), 5.7), hand[:, 2:]], axis=1)
    assert normalize_hand(xyz, dims=3)[5, 2] == pytest.approx(0.0, abs=1e-6)
    batch = normalize_hand(np.stack([hand, left]), left=np.array([False, True]))
    np.testing.assert_allclose(batch[0], batch[1], atol=1e-5)


def test_normalize_hand_missing_and_bad_shapes() -> None:
    hand = make_hand()
    hand[9, :2] = np.nan
    assert np.isnan(normalize_hand(hand)).all()
    degenerate = np.zeros((21, 3), np.float32)
    assert np.isnan(normalize_hand(degenerate)).all()
    with pytest.raises(ValueError):
        normalize_hand(np.zeros((20, 3)))
    with pytest.raises(ValueError):
        normalize_hand(np.zeros((21, 2)), dims=3)


def test_hands_of_reads_every_hand_layout() -> None:
    right = make_hand(scale=40, at=(300, 300))
    left = make_hand(scale=40, at=(100, 300), mirror=True)
    hol = np.full((2, 1, HOLISTIC.num_joints, 3), np.nan, np.float32)
    hol[..., 2] = 0
    hol[0, 0, HOLISTIC.index("left_hand_wrist"):HOLISTIC.index("left_hand_wrist") + 21] = left
    hol[1, 0, HOLISTIC.index("right_hand_wrist"):HOLISTIC.index("right_hand_wrist") + 21] = right
    hands = hands_of(PoseSequence(hol, "holistic", 30.0))
    assert hands.points.shape == (2, 1, 2, 21, 3)
    assert hands.present[:, 0].tolist() == [[True, False], [False, True]]
    canon = hands.normalized()
    np.testing.assert_allclose(canon[0, 0, 0], canon[1, 0, 1], atol=1e-5)  # left hand mirrored = right hand
    one = hands_of(PoseSequence(right[None, None], "hand21", 30.0), side="left")
    assert one.present[0, 0].tolist() == [True, False]
    with pytest.raises(ValueError):
        hands_of(PoseSequence(right[None, None], "hand21", 30.0), side="middle")


# ----------------------------------------------------------------------------------------------- static signs
def test_static_classifier_fits_predicts_and_round_trips(tmp_path: Path) -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    Xt, yt = hand_samples(10, seed=1)
    assert (clf.predict(Xt) == yt).mean() >= 0.95
    # left hands, mirrored back by the left flag, are read like right hands
    lefts = Xt.copy()
    lefts[..., 0] *= -1
    assert (clf.predict(lefts, left=True) == yt).mean() >= 0.95
    proba = clf.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    missing = Xt[:2].copy()
    missing[0, 0, :2] = np.nan
    assert clf.predict(missing)[0] == UNKNOWN and clf.predict(missing)[1] == yt[1]
    path = clf.save(tmp_path / "hands.apm")
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["estimator.skops", "header.json", "weights.safetensors"]
        assert json.loads(zf.read("header.json"))["kind"] == "static-signs"
    again = StaticSignClassifier.load(path)
    np.testing.assert_allclose(again.predict_proba(Xt), proba, atol=1e-9)
    with pytest.raises(ModelFileError):
        DynamicSignClassifier.load(path)
    with pytest.raises(ValueError):
        StaticSignClassifier().fit(X[:3], ["a"] * 3)
    with pytest.raises(ValueError):
        StaticSignClassifier(features="angles").fit(X, y)


def test_builtin_asl_model_is_small_and_complete() -> None:
    path = builtin_model_path()
    assert path.is_file() and path.stat().st_size < 2_000_000
    clf = load_builtin()
    assert list(clf.classes_) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    assert (path.parent / "MODEL_CARD.md").is_file()
    with pytest.raises(ValueError):
        builtin_model_path("klingon")


def test_transcribe_groups_held_shapes_with_times() -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    rng = np.random.default_rng(5)
    frames = [make_hand(SHAPES["open"], 60, (300, 300), rng=rng) for _ in range(15)]
    frames += [np.full((21, 3), np.nan, np.float32)] * 6  # hand leaves for 0.2 s
    frames += [make_hand(SHAPES["point"], 60, (300, 300), mirror=True, rng=rng) for _ in range(12)]
    data = np.stack(frames)
    data[np.isnan(data[..., 0]), 2] = 0
    hands = np.full((len(data), 1, 42, 3), np.nan, np.float32)
    hands[..., 2] = 0
    hands[:15, 0, 21:] = data[:15]  # right hand
    hands[21:, 0, :21] = data[21:]  # left hand
    events = transcribe(clf, PoseSequence(hands, "hands", 30.0), min_duration_s=0.2)
    assert [e.label for e in events] == ["open", "point"]
    assert [e.hand for e in events] == ["right", "left"]
    assert events[0].start_s == pytest.approx(0.0) and events[0].end_s == pytest.approx(0.5)
    assert events[1].start_s == pytest.approx(0.7) and events[1].end_s == pytest.approx(1.1)
    assert all(0.5 < e.confidence <= 1 for e in events)
    assert [e.label for e in transcribe(clf, PoseSequence(hands, "hands", 30.0), threshold=1.01)] == [UNKNOWN] * 2


# ----------------------------------------------------------------------------------------------- dynamic signs
def body_frame(scale: float, centre: tuple[float, float]) -> np.ndarray:
    """A still upper body in the holistic layout (shoulders 2 * scale apart), ``(75, 3)``."""
    frame = np.full((HOLISTIC.num_joints, 3), np.nan, np.float32)
    frame[:, 2] = 0
    cx, cy = centre
    for name, (dx, dy) in {"left_shoulder": (1, 0), "right_shoulder": (-1, 0), "nose": (0, -1.2),
                           "left_hip": (0.8, 3), "right_hip": (-0.8, 3)}.items():
        frame[HOLISTIC.index(name)] = (cx + dx * scale, cy + dy * scale, 1)
    return frame


def sign_clip(sign: str, frames: int = 30, scale: float = 50.0, centre=(320.0, 240.0), left_handed=False,
              seed: int = 0, still: int = 0) -> np.ndarray:
    """A holistic clip: the dominant hand moves up ("up") or across ("across"), a fist or an open hand."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(frames):
        frame = body_frame(scale, centre)
        s = min(max(t - still, 0) / max(frames - 2 * still - 1, 1), 1.0)
        if sign == "up":
            pos, shape = (-0.8, 2.5 - 3.0 * s), SHAPES["open"]
        else:
            pos, shape = (-1.5 + 2.0 * s, 1.0), SHAPES["fist"]
        x = pos[0] * (-1 if left_handed else 1)
        hand = make_hand(shape, 0.35 * scale, (centre[0] + x * scale, centre[1] + pos[1] * scale),
                         mirror=left_handed, rng=rng)
        side = "left_hand_wrist" if left_handed else "right_hand_wrist"
        frame[HOLISTIC.index(side):HOLISTIC.index(side) + 21] = hand
        out.append(frame)
    return np.stack(out)[:, None]


def test_dynamic_classifier_is_invariant_to_distance_and_handedness(tmp_path: Path) -> None:
    train = [PoseSequence(sign_clip(s, seed=i), "holistic", 30.0) for s in ("up", "across") for i in range(6)]
    labels = ["up"] * 6 + ["across"] * 6
    clf = DynamicSignClassifier().fit(train, labels)
    other_signer = [PoseSequence(sign_clip(s, scale=110, centre=(900, 500), left_handed=True, seed=40 + i),
                                 "holistic", 30.0) for s in ("up", "across") for i in range(3)]
    assert clf.predict(other_signer).tolist() == ["up"] * 3 + ["across"] * 3
    again = DynamicSignClassifier.load(clf.save(tmp_path / "dyn.apm"))
    np.testing.assert_allclose(again.predict_proba(other_signer), clf.predict_proba(other_signer), atol=1e-9)
    with pytest.raises(ModelFileError):
        StaticSignClassifier.load(tmp_path / "dyn.apm")


def stream_of(*parts: np.ndarray) -> PoseSequence:
    return PoseSequence(np.concatenate(parts), "holistic", 30.0)


def test_segmentation_and_transcript_of_a_stream() -> None:
    train = [PoseSequence(sign_clip(s, seed=i), "holistic", 30.0) for s in ("up", "across") for i in range(6)]
    clf = DynamicSignClassifier().fit(train, ["up"] * 6 + ["across"] * 6)
    rest = np.repeat(body_frame(50.0, (320.0, 240.0))[None, None], 30, axis=0)  # 1 s, no hands
    seq = stream_of(rest, sign_clip("up", seed=9), rest, sign_clip("across", 45, seed=8, still=8), rest)
    segments = segment_stream(seq)
    assert len(segments) == 2
    assert abs(segments[0].start - 30) <= 3 and abs(segments[0].stop - 60) <= 3
    assert 90 <= segments[1].start <= 100 and 128 <= segments[1].stop <= 136  # held ends are not part of it
    events = transcribe_stream(clf, seq)
    assert [e.label for e in events] == ["up", "across"]
    assert events[0].start_s == pytest.approx(1.0, abs=0.1)
    assert [e.label for e in transcribe_stream(clf, seq, threshold=1.01)] == [UNKNOWN, UNKNOWN]
    assert segment_stream(stream_of(rest)) == []


# ----------------------------------------------------------------------------------------------- command
@pytest.fixture
def cli():
    def run(argv: list[str], capsys) -> tuple[int, str, str]:
        code = main(["-q", *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_signs_train_and_transcribe_pose_files(tmp_path: Path, cli, capsys) -> None:
    for sign in ("up", "across"):
        (tmp_path / "mine" / sign).mkdir(parents=True)
        for i in range(4):
            save_poses(PoseSequence(sign_clip(sign, seed=i), "holistic", 30.0), tmp_path / "mine" / sign / f"{i}.npz")
    rest = np.repeat(body_frame(50.0, (320.0, 240.0))[None, None], 20, axis=0)
    stream = save_poses(stream_of(rest, sign_clip("across", seed=20), rest, sign_clip("up", seed=21), rest),
                        tmp_path / "stream.npz")
    model = tmp_path / "mine.apm"
    code, out, err = cli(["signs", "train", str(tmp_path / "mine"), "-o", str(model)], capsys)
    assert code == 0, err
    assert "dynamic sign model, 2 signs" in out and model.is_file()
    code, out, err = cli(["signs", str(stream), "--model", str(model), "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["kind"] == "dynamic-signs" and sorted(doc["classes"]) == ["across", "up"]
    assert [s["label"] for s in doc["signs"]] == ["across", "up"]
    assert all(set(s) == {"start_s", "end_s", "label", "confidence", "hand", "nearest", "reason"} for s in doc["signs"])
    assert doc["signs"][0]["start_s"] < doc["signs"][1]["start_s"]
    code, out, err = cli(["signs", str(stream), "--model", str(model)], capsys)
    assert code == 0 and "transcript: across up" in out


def test_signs_train_leaves_the_signers_of_groups_csv_out(tmp_path: Path, cli, capsys) -> None:
    # two signers (another size and place in the picture), five clips of each sign each
    for sign in ("up", "across"):
        (tmp_path / "mine" / sign).mkdir(parents=True)
        for signer, scale, centre in (("ann", 50.0, (320.0, 240.0)), ("bo", 80.0, (700.0, 400.0))):
            for i in range(5):
                clip = PoseSequence(sign_clip(sign, scale=scale, centre=centre, seed=i), "holistic", 30.0)
                save_poses(clip, tmp_path / "mine" / sign / f"{signer}_{i}.npz")
    model = tmp_path / "mine.apm"
    code, out, err = cli(["signs", "train", str(tmp_path / "mine"), "-o", str(model)], capsys)
    assert code == 0, err
    assert "note: no groups.csv" in out and "calibrated on a held-out part" in out
    rows = ["file,group"] + [f"{p.parent.name}/{p.name},{p.stem.split('_')[0]}"
                             for p in sorted((tmp_path / "mine").glob("*/*.npz"))]
    (tmp_path / "mine" / "groups.csv").write_text("\n".join(rows) + "\n")
    code, out, err = cli(["signs", "train", str(tmp_path / "mine"), "-o", str(model)], capsys)
    assert code == 0, err
    assert "leaving signers out in turn (2 of 2 signers)" in out and "note:" not in out
    (tmp_path / "mine" / "groups.csv").write_text("name,who\nx,y\n")
    code, _, err = cli(["signs", "train", str(tmp_path / "mine"), "-o", str(tmp_path / "bad.apm")], capsys)
    assert code == 2 and "groups.csv" in err and "file and group" in err and not (tmp_path / "bad.apm").exists()


def test_signs_bad_input_is_one_line(tmp_path: Path, cli, capsys) -> None:
    code, _, err = cli(["signs", str(tmp_path / "nope.npz")], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no such file" in err
    (tmp_path / "one" / "a").mkdir(parents=True)
    code, _, err = cli(["signs", "train", str(tmp_path / "one"), "-o", str(tmp_path / "m.apm")], capsys)
    assert code == 2 and "at least two sign folders" in err and not (tmp_path / "m.apm").exists()
    code, _, err = cli(["signs", "train", str(tmp_path / "one")], capsys)
    assert code == 2 and "usage" in err
    bogus = tmp_path / "bogus.apm"
    bogus.write_bytes(b"not a zip")
    seq = save_poses(PoseSequence(sign_clip("up"), "holistic", 30.0), tmp_path / "clip.npz")
    code, _, err = cli(["signs", str(seq), "--model", str(bogus)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "bogus.apm" in err


# ----------------------------------------------------------------------------------------------- open set
def test_non_sign_hand_is_unknown_with_nearest_sign_and_reason(tmp_path: Path) -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    Xt, yt = hand_samples(10, seed=1)
    assert (clf.predict_open(Xt) == yt).mean() >= 0.9  # real signs are kept
    rng = np.random.default_rng(3)
    horns = np.stack([make_hand((0, 1, 0, 0, 1), 50, (300, 300), rng=rng) for _ in range(10)])  # never trained
    scrambled = horns.copy()
    scrambled[:, 1:, :2] = rng.uniform(250, 350, (10, 20, 2))
    for hands in (horns, scrambled):
        verdicts = clf.verdicts(hands)
        assert sum(v.label == UNKNOWN for v in verdicts) >= 9
        assert all(v.nearest in SHAPES for v in verdicts)
        assert all("unlike the training data" in v.reason for v in verdicts if v.label == UNKNOWN)
    # the closed-set answer would have named a sign for every one of them
    assert UNKNOWN not in clf.predict(horns)
    # the gate is stored in the model file and gives the same verdicts after loading
    again = StaticSignClassifier.load(clf.save(tmp_path / "open.apm"))
    assert [v.label for v in again.verdicts(horns)] == [v.label for v in clf.verdicts(horns)]
    # the transcript of a held non-sign hand: one unknown event naming its nearest sign and why
    seq = PoseSequence(np.repeat(horns[:1, None], 10, axis=0), "hand21", 30.0)
    events = transcribe(clf, seq)
    assert [e.label for e in events] == [UNKNOWN]
    doc = events[0].to_dict()
    assert doc["nearest"] in SHAPES and "unlike the training data" in doc["reason"]


def test_tolerance_widens_the_distance_limit(tmp_path: Path, cli, capsys) -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    rng = np.random.default_rng(3)
    horns = np.stack([make_hand((0, 1, 0, 0, 1), 50, (300, 300), rng=rng) for _ in range(10)])
    dist = np.array([v.distance for v in clf.verdicts(horns)])
    limit = clf.gate_.distance_threshold
    assert (dist > limit).all()
    wide = clf.set_params(tolerance=1.01 * dist.max() / limit)
    assert not any("unlike the training data" in v.reason for v in wide.verdicts(horns))
    with pytest.raises(ValueError, match="tolerance"):
        clf.set_params(tolerance=0).verdicts(horns)
    # on the command line: --tolerance reaches the model and the JSON; a bad value is one line, exit 2
    model = clf.set_params(tolerance=1.0).save(tmp_path / "hands.apm")
    seq = save_poses(PoseSequence(np.repeat(horns[:1, None], 10, axis=0), "hand21", 30.0), tmp_path / "horns.npz")
    for tolerance, label in ((1.0, UNKNOWN), (float(1.01 * dist.max() / limit), "")):
        code, out, err = cli(["signs", str(seq), "--model", str(model), "--json", "--tolerance", str(tolerance)],
                             capsys)
        doc = json.loads(out)
        assert code == 0, err
        assert doc["tolerance"] == tolerance
        assert (doc["signs"][0]["label"] == UNKNOWN) == (label == UNKNOWN)
    with pytest.raises(SystemExit) as stop:  # argparse: usage and one error line
        cli(["signs", str(seq), "--model", str(model), "--tolerance", "0"], capsys)
    assert stop.value.code == 2 and "--tolerance: must be positive" in capsys.readouterr().err


def test_none_class_is_learned_and_never_reported() -> None:
    X, y = hand_samples()
    rng = np.random.default_rng(8)
    horns = np.stack([make_hand((0, 1, 0, 0, 1), rng.uniform(20, 120), rng.uniform(100, 500, 2), rng=rng)
                      for _ in range(30)])
    clf = StaticSignClassifier().fit(np.concatenate([X, horns]), list(y) + ["none"] * 30)
    test = np.stack([make_hand((0, 1, 0, 0, 1), 60, (300, 300), rng=rng) for _ in range(10)])
    verdicts = clf.verdicts(test)
    assert all(v.label == UNKNOWN and "none class" in v.reason for v in verdicts)
    assert all(v.nearest in SHAPES for v in verdicts)  # the nearest *sign*, never "none"
    Xt, yt = hand_samples(10, seed=1)
    assert (clf.predict_open(Xt) == yt).mean() >= 0.9


def test_left_handed_signer_gives_the_same_static_sign() -> None:
    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    rng = np.random.default_rng(2)
    hands = np.full((20, 1, 42, 3), np.nan, np.float32)
    hands[..., 2] = 0
    hands[:, 0, 21:] = np.stack([make_hand(SHAPES["vee"], 60, (300, 300), rng=rng) for _ in range(20)])
    seq = PoseSequence(hands, "hands", 30.0, frame_size=(640, 480))
    right = transcribe(clf, seq)
    left = transcribe(clf, seq.mirrored())  # the same signer seen mirrored: a left-handed signer
    assert [e.label for e in right] == [e.label for e in left] == ["vee"]
    assert right[0].hand == "right" and left[0].hand == "left"


def test_left_handed_signer_and_unknown_movement_dynamic(tmp_path: Path) -> None:
    train = [PoseSequence(sign_clip(s, seed=i), "holistic", 30.0, frame_size=(640, 480))
             for s in ("up", "across") for i in range(8)]
    clf = DynamicSignClassifier().fit(train, ["up"] * 8 + ["across"] * 8)
    test = [PoseSequence(sign_clip(s, seed=50 + i), "holistic", 30.0, frame_size=(640, 480))
            for s in ("up", "across") for i in range(3)]
    expected = ["up"] * 3 + ["across"] * 3
    assert clf.predict_open(test).tolist() == expected
    assert clf.predict_open([seq.mirrored() for seq in test]).tolist() == expected  # left-handed signer
    assert clf.predict([seq.resample(15.0) for seq in test]).tolist() == expected  # another frame rate
    # the hand detector loses the hand in 80 % of the frames: the body's wrist stands in for it
    rng = np.random.default_rng(1)
    sparse = []
    for seq in test:
        data = seq.data.copy()
        hand = slice(HOLISTIC.index("right_hand_wrist"), HOLISTIC.index("right_hand_wrist") + 21)
        lost = rng.random(len(data)) < 0.8
        block = data[:, :, hand]
        block[lost] = np.nan
        block[lost, ..., 2] = 0
        data[:, :, hand] = block
        wrist = HOLISTIC.index("right_wrist")
        data[:, 0, wrist] = seq.data[:, 0, hand.start]  # the body's wrist, seen throughout
        sparse.append(PoseSequence(data, "holistic", 30.0))
    assert clf.predict(sparse).tolist() == expected
    # a movement never trained: a pointing hand circling above the head
    odd = []
    for k in range(4):
        frames = []
        for t in range(30):
            frame = body_frame(50.0, (320.0, 240.0))
            a = 2 * np.pi * t / 15 + k
            hand = make_hand(SHAPES["point"], 17.5, (320 + 60 * np.cos(a), 60 + 40 * np.sin(a)))
            i = HOLISTIC.index("right_hand_wrist")
            frame[i:i + 21] = hand
            frames.append(frame)
        odd.append(PoseSequence(np.stack(frames)[:, None], "holistic", 30.0))
    verdicts = clf.verdicts(odd)
    assert all(v.label == UNKNOWN and v.nearest in ("up", "across") for v in verdicts)
    again = DynamicSignClassifier.load(clf.save(tmp_path / "dyn.apm"))
    assert again.predict_open(odd).tolist() == [UNKNOWN] * 4


# ----------------------------------------------------------------------------------------------- fingerspelling
def test_fingerspelling_cuts_letters_at_holds_including_double_letters() -> None:
    from actionpose.tasks.signs.fingerspell import fingerspell, spell

    X, y = hand_samples()
    clf = StaticSignClassifier().fit(X, y)
    rng = np.random.default_rng(4)
    frames = []

    def hold(shape, n, at=(300.0, 300.0)):
        frames.extend(make_hand(SHAPES[shape], 60, at) + rng.normal(0, 0.2, (21, 3)) * [1, 1, 0] for _ in range(n))

    def move(a, b, n, lift=40.0):  # shape a to shape b while the hand travels away and back
        ha, hb = make_hand(SHAPES[a], 60, (300, 300)), make_hand(SHAPES[b], 60, (300, 300))
        for k in range(1, n + 1):
            w = k / (n + 1)
            frame = (1 - w) * ha + w * hb
            frame[:, 0] += lift * np.sin(np.pi * w)
            frames.append(frame.astype(np.float32))

    hold("open", 12)
    move("open", "vee", 8)
    hold("vee", 12)
    move("vee", "vee", 6)  # a bounce: the same letter twice
    hold("vee", 12)
    move("vee", "fist", 8)
    hold("fist", 12)
    data = np.stack(frames)[:, None].astype(np.float32)
    seq = PoseSequence(data, "hand21", 30.0)
    events = fingerspell(clf, seq)
    assert [e.label for e in events] == ["open", "vee", "vee", "fist"]
    assert spell(events) == "openveeveefist"
    starts = [e.start_s for e in events]
    assert starts == sorted(starts) and abs(starts[1] - 20 / 30) <= 0.15 and abs(starts[3] - 58 / 30) <= 0.15
    # the per-frame transcript merges the double letter; holds keep it
    assert [e.label for e in transcribe(clf, seq)].count("vee") == 1
    # a held non-sign in the middle comes out as an unknown letter
    frames.clear()
    hold("open", 12)
    move("open", "open", 6)
    frames.extend(make_hand((0, 1, 0, 0, 1), 60, (300, 300)) for _ in range(12))
    events = fingerspell(clf, PoseSequence(np.stack(frames)[:, None].astype(np.float32), "hand21", 30.0))
    assert [e.label for e in events] == ["open", UNKNOWN] and spell(events) == "open?"
    assert events[1].meta["nearest"] in SHAPES and events[1].meta["reason"]

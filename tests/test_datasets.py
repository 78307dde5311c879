"""Dataset loaders (actionpose.datasets): real files read in place, NTU and Kinetics on small files written here."""

from __future__ import annotations

import doctest
import itertools
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actionpose.datasets import (
    blocks,
    gmdcsa24_csv_segments,
    gmdcsa24_segments,
    load_body25_static,
    load_form_correction,
    load_gmdcsa24,
    load_holistic_signs,
    load_kinetics_skeleton,
    load_ntu,
    load_thingx,
    load_urfall,
    segments,
    urfall_segments,
)
from actionpose.datasets.form_correction import named_landmarks
from actionpose.datasets.ntu import ACTIONS, XSUB_TRAIN, ntu_split, parse_ntu_name
from actionpose.datasets.segments import frame_segments, parse_range, parse_ranges
from actionpose.errors import PoseFormatError
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.layouts import get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip


def label_at(clip: LabelledClip, t: float) -> list[str]:
    """Names of the segments covering time ``t``."""
    return [name for start, end, name in clip.segments if start <= t < end]


# ------------------------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("module", [blocks, segments])
def test_helper_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_frame_segments_split_at_label_changes_and_frame_gaps():
    segs = frame_segments([-1, -1, -1, 0, 1], 10.0, {-1: "a", 0: "b", 1: "c"}, frames=[0, 1, 3, 4, 5])
    assert segs == [(0.0, 0.2, "a"), (0.3, 0.4, "a"), (0.4, 0.5, "b"), (0.5, 0.6, "c")]


@pytest.mark.parametrize("parse, text, expected", [
    (parse_range, "0.4 to 4", (0.4, 4.0)), (parse_range, "[ 2.8 to 6]", (2.8, 6.0)),
    (parse_range, "0.9 4.6", (0.9, 4.6)), (parse_range, "1.8 to 5]:", (1.8, 5.0)),
    (parse_ranges, "0 to 0.3; 1.5 to 2.2", [(0.0, 0.3), (1.5, 2.2)]), (parse_ranges, "0.4 to 4", [(0.4, 4.0)]),
    (parse_ranges, "[0 to 1];[2 to 3];", [(0.0, 1.0), (2.0, 3.0)])])
def test_parse_range_and_ranges(parse, text, expected):
    """One range, or several separated by ``;`` (legal in GMDCSA24's labels)."""
    assert parse(text) == expected


@pytest.mark.parametrize("parse, text", [(parse_range, t) for t in ("9.7 to 3", "soon", "1 to", "")]
                         + [(parse_ranges, t) for t in ("", " ; ", "0 to 1; soon", "0 to 1; 3 to 2")])
def test_parse_range_and_ranges_reject(parse, text):
    with pytest.raises(ValueError):
        parse(text)


def test_gmdcsa24_labels_json_with_several_ranges_in_one_segment(tmp_path):
    labels = tmp_path / "labels.json"
    segments = [["Standing", "0 to 0.3; 1.5 to 2.2"], ["Falling (FW)", "0.4 to 1.4"]]
    labels.write_text(json.dumps([{"video": "Subject_1/Fall/01.mp4", "kind": "Fall", "segments": segments}]))
    kind, segs = gmdcsa24_segments(labels)["Subject_1/Fall/01.mp4"]
    assert kind == "Fall"
    assert segs == [(0.0, 0.3, "Standing"), (0.4, 1.4, "Falling (FW)"), (1.5, 2.2, "Standing")]
    labels.write_text(json.dumps([{"video": "a.mp4", "kind": "ADL", "segments": [["Sitting", "0 to 1; later"]]}]))
    with pytest.raises(PoseFormatError, match="a.mp4"):
        gmdcsa24_segments(labels)


# ----------------------------------------------------------------------------------- holistic signs
def test_holistic_signs_real(data_file):
    folder = data_file("signs/holistic_sequences")
    clips = load_holistic_signs(folder)
    assert len(clips) == 450
    by_group = Counter(c.group for c in clips)
    assert by_group == {"signer_AbtgCoder": 90, "signer_IlkerDEMIR-s": 180, "signer_Lolkink1_6signs": 180}
    labels = {g: {c.label for c in clips if c.group == g} for g in by_group}
    assert labels["signer_AbtgCoder"] == {"hello", "thanks", "iloveyou"}
    assert labels["signer_IlkerDEMIR-s"] == {"hello", "thanks", "seeyoulater"}
    assert len(labels["signer_Lolkink1_6signs"]) == 6
    seq = clips[0].seq
    assert seq.layout.name == "holistic" and seq.data.shape == (30, 1, 75, 4) and seq.frame_size is None
    assert all(c.seq.num_frames == 30 for c in clips)  # every length is 30: no padding in these files
    # against the raw file: body keeps visibility, hands score 1 when found, NaN with score 0 when all zeros
    with np.load(folder / "signer_AbtgCoder.npz") as z:
        raw = z["X"]
    data = np.stack([c.seq.data[:, 0] for c in clips if c.group == "signer_AbtgCoder"])
    np.testing.assert_allclose(data[..., :33, :], raw[..., :132].reshape(90, 30, 33, 4))
    left = raw[..., 132:195].reshape(90, 30, 21, 3)
    lost = (left == 0).all(axis=-1)
    assert lost.any() and (~lost).any()
    assert np.isnan(data[..., 33:54, :3][lost]).all() and (data[..., 33:54, 3][lost] == 0).all()
    assert (data[..., 33:54, 3][~lost] == 1).all()
    np.testing.assert_allclose(data[..., 33:54, :3][~lost], left[~lost])
    # IlkerDEMIR-s has one frame without any landmark: the whole body is missing there
    ilker = [c for c in clips if c.group == "signer_IlkerDEMIR-s"]
    assert np.isnan(ilker[30].seq.data[2, 0, :, 0]).all() and (ilker[30].seq.scores[2] == 0).all()


def test_holistic_signs_cut_padding(tmp_path):
    X = np.zeros((2, 30, 258), np.float32)
    X[0, :20] = 0.5  # 20 real frames then zero padding
    X[1, 10:] = 0.5  # padding at the start
    np.savez(tmp_path / "signer_test.npz", X=X, label=np.array(["a", "b"]), seq_id=np.array([0, 0]),
             lengths=np.array([20, 20]))
    clips = load_holistic_signs(tmp_path)
    assert [c.seq.num_frames for c in clips] == [20, 20]
    assert all(np.isfinite(c.seq.data[..., 0]).all() for c in clips)
    assert [c.label for c in clips] == ["a", "b"] and {c.group for c in clips} == {"signer_test"}


# ------------------------------------------------------------------------------------------- thingx
def test_thingx_real(data_file):
    folder = data_file("falls/thingx_skeleton/output_csv_label")
    clips = load_thingx(folder)
    assert len(clips) == 23 and len({c.group for c in clips}) == 23
    assert sum(c.seq.num_frames for c in clips) == 5235
    for clip in clips:
        seq = clip.seq
        assert seq.layout.name == "thingx14" and seq.fps == 30 and seq.data.shape[1:] == (1, 14, 3)
        assert seq.scores.max() <= 1.0
        assert np.isnan(seq.xy[seq.scores == 0]).all()
        # the segments tile the clip and agree with the raw per-frame labels (first line aside: see below)
        assert clip.segments[0][0] == 0 and clip.segments[-1][1] == pytest.approx(seq.num_frames / 30)
        assert all(a[1] == b[0] for a, b in zip(clip.segments, clip.segments[1:]))
        raw = pd.read_csv(folder / clip.meta["file"], header=None)
        centres = (np.arange(1, seq.num_frames) + 0.5) / 30
        names = [label_at(clip, t) for t in centres]
        assert names == [["fall" if v == 1 else "no_fall"] for v in raw.iloc[1:, 42].astype(float)]
        assert {n for _, _, n in clip.segments} == {"fall", "no_fall"}


def test_thingx_first_line_is_a_mangled_frame(data_file):
    folder = data_file("falls/thingx_skeleton/output_csv_label")
    clip = next(c for c in load_thingx(folder) if c.group == "falldown18")
    first = (folder / "falldown18_label.csv").read_text().splitlines()[0].split(",")
    assert first[7] == "0.29562375.1" and first[16] == "0.29562375.2" and first[42] == "0.1"
    assert clip.seq.data[0, 0, 2, 1] == pytest.approx(0.29562375)  # column 7: joint 2, y
    assert label_at(clip, 0.0) == ["no_fall"]
    # the first frame continues into the second
    assert np.nanmax(np.abs(clip.seq.xy[0] - clip.seq.xy[1])) < 0.05


# ------------------------------------------------------------------------------------- body25 static
def test_body25_static_real(data_file):
    path = data_file("exercise/body25_static_poses/body_poses.npz")
    clips = load_body25_static(path)
    assert sum(c.seq.num_frames for c in clips) == 10_681
    classes = Counter(c.label for c in clips)
    assert len(classes) == 20 and {"Squat", "PushUp_Low", "Plank", "Stand", "Seated", "T"} <= set(classes)
    assert min(classes.values()) >= 5  # every class splits into several groups
    groups = Counter(c.group for c in clips)
    assert max(groups.values()) == 1  # one clip per block
    # blocks are consecutive rows of one class, in file order, at most 100 long
    rows = [c.meta["rows"] for c in clips]
    assert rows[0][0] == 0 and rows[-1][1] == 10_681 and all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    assert max(b - a for a, b in rows) <= 100
    with np.load(path) as z:
        labels, X = z["label"], z["X"]
    assert all((labels[a:b] == c.label).all() for c, (a, b) in zip(clips, rows))
    seq = clips[0].seq
    assert seq.layout.name == "body25" and seq.data.shape[1:] == (1, 25, 3) and seq.frame_size is None
    missing = np.concatenate([c.seq.scores[:, 0] == 0 for c in clips])
    assert missing.sum() == (X[..., 2] == 0).sum() == 13_310
    assert np.isnan(np.concatenate([c.seq.xy[:, 0] for c in clips])[missing]).all()


def test_body25_static_jump_splits_plank(data_file):
    clips = load_body25_static(data_file("exercise/body25_static_poses/body_poses.npz"), block_frames=None)
    plank = [c for c in clips if c.label == "Plank"]
    assert len(plank) > 1 and all(c.meta["starts_at_jump"] for c in plank[1:])
    assert len([c for c in clips if c.label == "MilitarySalute"]) == 1  # no jump in that class


# ---------------------------------------------------------------------------------- form correction
FORM = [("squat", None, 5013, {"up", "down"}), ("plank", None, 881, {"C", "H", "L"}), ("bicep", None, 604, {"C", "L"}),
        ("lunge", "err", 1107, {"C", "L"}), ("lunge", "stage", 1205, {"I", "M", "D"})]


@pytest.mark.parametrize("exercise, task, rows, labels", FORM)
def test_form_correction_real(data_file, exercise, task, rows, labels):
    folder = data_file("exercise/form_correction")
    clips = load_form_correction(folder, exercise, task)
    assert sum(c.seq.num_frames for c in clips) == rows
    assert {c.label for c in clips} == labels
    layout = get_layout("blazepose33")
    for clip in clips:
        a, b = clip.meta["rows"]
        assert clip.seq.layout.name == "blazepose33" and clip.seq.data.shape == (b - a, 1, 33, 4)
        assert clip.group.startswith(f"{exercise}/")
    # each clip is one label over consecutive rows of its file
    first = clips[0]
    raw = pd.read_csv(folder / f"{exercise}_model" / first.meta["file"])
    a, b = first.meta["rows"]
    assert (raw["label"].iloc[a:b].astype(str) == first.label).all()
    np.testing.assert_allclose(first.seq.data[:, 0, layout.index("nose")], raw[["nose_x", "nose_y", "nose_z", "nose_v"]]
                               .iloc[a:b].to_numpy(), rtol=1e-6)
    # joints the file lacks are missing (the lunge and squat files have no elbows)
    if "left_elbow_x" not in raw.columns:
        elbow = first.seq.data[:, 0, layout.index("left_elbow")]
        assert np.isnan(elbow[:, :3]).all() and (elbow[:, 3] == 0).all()
    # a group is one contiguous stretch of one file: clips never interleave across groups
    spans = {}
    for clip in clips:
        spans.setdefault(clip.group, []).append(clip.meta["rows"])
    for parts in spans.values():
        assert all(x[1] == y[0] for x, y in itertools.pairwise(parts))


def test_form_correction_groups_keep_label_runs_of_one_recording_together(data_file):
    clips = load_form_correction(data_file("exercise/form_correction"), "squat")
    train = [c for c in clips if c.meta["split"] == "train"]
    groups = Counter(c.group for c in train)
    assert 5 <= len(groups) <= 20  # recordings, not the 74 label runs
    assert any({c.label for c in train if c.group == g} == {"up", "down"} for g in groups)
    whole = load_form_correction(data_file("exercise/form_correction"), "squat", scene_jump=None)
    assert {c.group for c in whole} == {"squat/train/00", "squat/test/00"}


def test_form_correction_rejects(data_file, tmp_path):
    folder = data_file("exercise/form_correction")
    with pytest.raises(ValueError, match="task"):
        load_form_correction(folder, "lunge")
    with pytest.raises(ValueError, match="unknown exercise"):
        load_form_correction(folder, "pushup")
    with pytest.raises(FileNotFoundError):
        load_form_correction(tmp_path, "squat")


def test_named_landmarks():
    table = pd.DataFrame({"label": ["C", "C"], "nose_x": [0.1, 0.2], "nose_y": [0.3, 0.4], "nose_z": [0.0, 0.0],
                          "nose_v": [0.9, 1.0]})
    points = named_landmarks(table)
    assert points.shape == (2, 33, 4)
    np.testing.assert_allclose(points[:, 0], [[0.1, 0.3, 0, 0.9], [0.2, 0.4, 0, 1.0]], rtol=1e-6)
    assert np.isnan(points[:, 1:, :3]).all() and (points[:, 1:, 3] == 0).all()
    with pytest.raises(PoseFormatError, match="lacks"):
        named_landmarks(table.drop(columns="nose_z"))
    with pytest.raises(PoseFormatError, match="no column"):
        named_landmarks(table[["label"]])


# ---------------------------------------------------------------------------------------------- NTU
def write_skeleton(path: Path, bodies_per_frame: list[int], seed: int = 0) -> np.ndarray:
    """A small NTU ``.skeleton`` file; returns its ``(frames, bodies, 25, 12)`` joint values."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.1, 1.0, (len(bodies_per_frame), max(bodies_per_frame, default=0), 25, 12))
    values[..., 5] *= 1920
    values[..., 6] *= 1080
    values[..., 11] = rng.integers(0, 3, values.shape[:3])
    lines = [str(len(bodies_per_frame))]
    for t, n in enumerate(bodies_per_frame):
        lines.append(str(n))
        for b in range(n):
            lines += [f"{72057594037931100 + b} 0 1 1 1 1 0 0.1 0.2 2", "25"]
            lines += [" ".join(f"{v:.6f}" if k < 11 else str(int(v)) for k, v in enumerate(joint))
                      for joint in values[t, b]]
    path.write_text("\n".join(lines) + "\n")
    return values


def test_ntu_names_and_splits():
    name = parse_ntu_name("S001C002P003R002A013")
    assert name == (1, 2, 3, 2, 13) and parse_ntu_name("clip") is None
    assert ntu_split(name, "xsub") == "test" and ntu_split(name, "xview") == "train"
    assert ntu_split(name, "xset") == "test"
    assert {p for p in XSUB_TRAIN if p <= 40} == {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34,
                                                 35, 38}
    assert len(XSUB_TRAIN) == 53 and len(ACTIONS) == 120
    assert ACTIONS[42] == "falling" and ACTIONS[12] == "tear up paper"
    assert ACTIONS[59] == "walking apart from each other"
    with pytest.raises(ValueError):
        ntu_split(name, "xcam")


def test_ntu_synthetic_round_trip_and_split_membership(tmp_path, caplog):
    values = write_skeleton(tmp_path / "S001C002P003R002A013.skeleton", [1, 1, 1])
    write_skeleton(tmp_path / "S002C001P001R001A043.skeleton", [1, 1], seed=1)
    sub = tmp_path / "nturgbd_skeletons_s018_to_s032"
    sub.mkdir()
    write_skeleton(sub / "S018C003P045R002A058.skeleton", [2, 2, 1], seed=2)  # two people
    write_skeleton(tmp_path / "S001C001P002R001A001.skeleton", [0, 0])  # a sample with no skeleton
    write_skeleton(tmp_path / "notes.skeleton", [1])

    clips = load_ntu(tmp_path)
    by_file = {c.meta["file"]: c for c in clips}
    assert set(by_file) == {"S001C002P003R002A013.skeleton", "S002C001P001R001A043.skeleton",
                            "S018C003P045R002A058.skeleton"}
    assert "no skeleton" in caplog.text and "notes.skeleton" in caplog.text
    clip = by_file["S001C002P003R002A013.skeleton"]
    assert clip.label == "tear up paper" and clip.group == "P003"
    assert clip.meta["split"] == "test" and clip.meta["camera"] == 2 and clip.meta["action"] == 13
    seq = clip.seq
    assert seq.layout.name == "ntu25" and seq.data.shape == (3, 1, 25, 4) and seq.fps == 30
    tracked = values[:, 0, :, 11] > 0
    np.testing.assert_allclose(seq.data[:, 0, :, 0][tracked], values[:, 0, :, 5][tracked], rtol=1e-5)
    np.testing.assert_allclose(seq.data[:, 0, :, 2][tracked], values[:, 0, :, 2][tracked], rtol=1e-5)
    assert np.isnan(seq.data[:, 0, :, 0][~tracked]).all()
    assert by_file["S018C003P045R002A058.skeleton"].seq.num_people == 2
    assert by_file["S002C001P001R001A043.skeleton"].label == "falling"

    assert {c.group for c in load_ntu(tmp_path, "xsub", "train")} == {"P001", "P045"}
    assert {c.group for c in load_ntu(tmp_path, "xsub", "test")} == {"P003"}
    assert {c.meta["camera"] for c in load_ntu(tmp_path, "xview", "train")} == {2, 3}
    assert {c.meta["setup"] for c in load_ntu(tmp_path, "xset", "train")} == {2, 18}
    assert {c.label for c in load_ntu(tmp_path, label="code")} == {"A013", "A043", "A058"}
    with pytest.raises(ValueError):
        load_ntu(tmp_path, subset="val")


# ---------------------------------------------------------------------------------------- Kinetics
def kinetics_person(rng: np.random.Generator, missing: int | None = None) -> dict:
    pose = rng.uniform(0.05, 0.95, 36).round(3)
    score = rng.uniform(0.2, 0.9, 18).round(3)
    if missing is not None:
        pose[2 * missing:2 * missing + 2] = 0
        score[missing] = 0
    return {"pose": pose.tolist(), "score": score.tolist()}


def test_kinetics_skeleton_synthetic(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "kinetics_val"
    folder.mkdir()
    a = {"data": [{"frame_index": 1, "skeleton": [kinetics_person(rng, missing=3), kinetics_person(rng)]},
                  {"frame_index": 2, "skeleton": [kinetics_person(rng)]},
                  {"frame_index": 4, "skeleton": []}],
         "label": "dancing ballet", "label_index": 84}
    b = {"data": [{"frame_index": 1, "skeleton": [kinetics_person(rng)]}], "label": "unboxing", "label_index": 370}
    (folder / "--abcdEFG12.json").write_text(json.dumps(a))
    (folder / "x_yz-1234567.json").write_text(json.dumps(b))

    clips = load_kinetics_skeleton(folder)
    assert [c.label for c in clips] == ["dancing ballet", "unboxing"]
    assert [c.group for c in clips] == ["--abcdEFG12", "x_yz-1234567"]
    seq = clips[0].seq
    assert seq.layout.name == "coco18" and seq.data.shape == (4, 2, 18, 3) and seq.frame_size is None
    first = a["data"][0]["skeleton"][1]
    np.testing.assert_allclose(seq.data[0, 1, :, 0], first["pose"][0::2], rtol=1e-6)
    np.testing.assert_allclose(seq.data[0, 1, :, 1], first["pose"][1::2], rtol=1e-6)
    np.testing.assert_allclose(seq.data[0, 1, :, 2], first["score"], rtol=1e-6)
    assert np.isnan(seq.data[0, 0, 3, :2]).all() and seq.data[0, 0, 3, 2] == 0  # the missing joint
    assert not seq.present[1, 1] and not seq.present[2].any() and not seq.present[3].any()
    assert clips[0].meta["label_index"] == 84

    labels = {"--abcdEFG12": {"has_skeleton": True, "label": "ballet", "label_index": 1},
              "x_yz-1234567": {"has_skeleton": False, "label": "unboxing", "label_index": 370}}
    (tmp_path / "kinetics_val_label.json").write_text(json.dumps(labels))
    clips = load_kinetics_skeleton(folder, tmp_path / "kinetics_val_label.json")
    assert [(c.label, c.group) for c in clips] == [("ballet", "--abcdEFG12")]

    (folder / "bad.json").write_text(json.dumps({"data": [{"frame_index": 1, "skeleton": [{"pose": [0.1]}]}]}))
    with pytest.raises(PoseFormatError):
        load_kinetics_skeleton(folder)


# ------------------------------------------------------------------------------------------ UR Fall
def test_urfall_segments_real(data_file):
    falls_csv = data_file("falls/urfall/labels/urfall-cam0-falls.csv")
    falls = urfall_segments(falls_csv)
    adls = urfall_segments(data_file("falls/urfall/labels/urfall-cam0-adls.csv"))
    assert len(falls) == 30 and len(adls) == 40
    assert falls["fall-01"] == [(0.0, pytest.approx(82 / 30), "not_lying"),
                                (pytest.approx(82 / 30), pytest.approx(112 / 30), "falling"),
                                (pytest.approx(112 / 30), pytest.approx(160 / 30), "lying")]
    # every labelled frame lies in exactly one segment of its label
    raw = pd.read_csv(falls_csv)
    names = {-1: "not_lying", 0: "falling", 1: "lying"}
    for seq_name, rows in raw.groupby("Sequence Name"):
        clip = LabelledClip(PoseSequence.empty("coco17", 30.0), segments=falls[seq_name])
        got = [label_at(clip, (f - 0.5) / 30) for f in rows["Frame #"]]
        assert got == [[names[v]] for v in rows["Label"]]
    assert {n for s in adls.values() for _, _, n in s} == {"not_lying", "falling", "lying"}


def test_load_urfall_pairs_pose_files(data_file, tmp_path):
    csv = data_file("falls/urfall/labels/urfall-cam0-falls.csv")
    seq = PoseSequence.empty("coco17", 30.0, num_frames=160, num_people=1)
    save_poses(seq, tmp_path / "fall-01-cam0-rgb.npz")
    save_poses(seq, tmp_path / "fall-010.npz")  # no such sequence: not paired with fall-01
    clips = load_urfall(tmp_path, csv)
    assert [c.group for c in clips] == ["fall-01"]
    assert clips[0].segments == urfall_segments(csv)["fall-01"] and clips[0].seq.num_frames == 160


# ----------------------------------------------------------------------------------------- GMDCSA24
def test_gmdcsa24_labels_every_entry(data_file):
    labels_json = data_file("falls/gmdcsa24/labels.json")
    labels = gmdcsa24_segments(labels_json)
    entries = json.loads(labels_json.read_text())
    assert len(labels) == len(entries) == 9
    assert Counter(kind for kind, _ in labels.values()) == {"Fall": 6, "ADL": 3}
    for entry in entries:
        kind, segs = labels[entry["video"]]
        assert kind == entry["kind"] and len(segs) == len(entry["segments"])
        assert all(0 <= start <= end for start, end, _ in segs)
        assert sorted(name for _, _, name in segs) == sorted(name for name, _ in entry["segments"])
    assert labels["Subject_1/Fall/13.mp4"][1] == [(0.0, 0.3, "Standing"), (0.4, 4.0, "Falling (BW)")]
    # the dataset's own CSVs say the same for these nine, and parse for all 80 videos
    csv_labels = gmdcsa24_csv_segments(labels_json.parent)
    assert len(csv_labels) == 80
    assert all(csv_labels[video] == value for video, value in labels.items())
    assert csv_labels["Subject_2/ADL/06.mp4"][1].count((0.0, 0.5, "Standing")) == 1  # two ranges in one bracket
    assert (5.9, 10.0, "Falling (BW)") in csv_labels["Subject_2/Fall/11.mp4"][1]  # "Falling (BW[5.9 to 10]"


def test_load_gmdcsa24_with_stand_in_extractor(data_file):
    root = data_file("falls/gmdcsa24")
    seen = []

    def extract(path: Path) -> PoseSequence:
        seen.append(path)
        return PoseSequence.empty("blazepose33", 30.0, num_frames=3, num_people=1)

    clips = load_gmdcsa24(root, extract=extract)
    assert len(clips) == 9 and all(p.is_file() for p in seen)
    assert Counter(c.group for c in clips) == {"Subject_1": 5, "Subject_2": 4}
    assert Counter(c.meta["kind"] for c in clips) == {"Fall": 6, "ADL": 3}
    assert all(c.segments and c.label is None for c in clips)


def test_body25_static_reads_the_kits_json_folder(data_file):
    from_json = load_body25_static(data_file("exercise/body25_static_poses/json_samples"))
    from_npz = [c for c in load_body25_static(data_file("exercise/body25_static_poses/body_poses.npz"))
                if c.label == "Squat"]
    assert {c.label for c in from_json} == {"Squat"} and [c.group for c in from_json] == [c.group for c in from_npz]
    np.testing.assert_array_equal(np.concatenate([c.seq.data for c in from_json]),
                                  np.concatenate([c.seq.data for c in from_npz]))


def test_load_gmdcsa24_from_upstream_csvs(tmp_path):
    """The upstream layout: ``Subject 3/Fall.csv`` (a space in the folder name), no labels.json."""
    folder = tmp_path / "Subject 3"
    (folder / "Fall").mkdir(parents=True)
    (folder / "Fall.csv").write_text("File Name,Length (seconds),Time of Recording,Attire,Description, Classes\n"
                                     "01.mp4,05,Day,Shirt,Walking then falling, "
                                     "Falling (FW)[2.2 to 5]:; Walking[0 to 2.1]\n"
                                     "02.mp4,05,Day,Shirt,Not recorded, Walking[0 to 5]\n")
    (folder / "Fall" / "01.mp4").write_bytes(b"")
    clips = load_gmdcsa24(tmp_path, extract=lambda path: PoseSequence.empty("coco17", 15.0, num_frames=2))
    assert len(clips) == 1 and clips[0].group == "Subject_3" and clips[0].meta["video"] == "Subject 3/Fall/01.mp4"
    assert clips[0].segments == [(0.0, 2.1, "Walking"), (2.2, 5.0, "Falling (FW)")] and clips[0].meta["kind"] == "Fall"


def test_packed_npz_readers_name_the_file_and_the_problem(tmp_path) -> None:
    from actionpose.datasets import load_asl_alphabet, load_kit_hands
    from actionpose.errors import PoseFormatError

    with pytest.raises(FileNotFoundError, match="no kit hand file"):
        load_kit_hands(tmp_path)
    np.savez(tmp_path / "hands_poses.npz", X=np.zeros((2, 21, 3)), label=np.array(["a", "b"]))
    with pytest.raises(PoseFormatError, match=r"missing arrays \['side'\]"):
        load_kit_hands(tmp_path)
    np.savez(tmp_path / "pickled.npz", X=np.array([{"a": 1}], dtype=object), y=np.array(["A"]),
             frame=np.array(["frame_1.npy"]))
    with pytest.raises(PoseFormatError, match="pickled.npz.*not a plain .npz"):
        load_asl_alphabet(tmp_path / "pickled.npz")
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PoseFormatError, match="broken.npz.*not a readable .npz"):
        load_asl_alphabet(tmp_path / "broken.npz")
    np.savez(tmp_path / "odd.npz", X=np.zeros((2, 21, 3)), label=np.array(["a", "b"]), side=np.array(["up", "left"]))
    with pytest.raises(PoseFormatError, match="side must be left or right"):
        load_kit_hands(tmp_path / "odd.npz")

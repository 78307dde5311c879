"""Pose file formats: round trips, real files, synthetic foreign files, format detection and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io import FORMATS, detect_format, load_poses, save_poses
from actionpose.skeleton.io.sniff import sniff_json
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence

PCK_DIR = "exercise/body25_static_poses/json_samples"
COCO_GT = "pose_gt/mmpose_tests/tests/data/coco/test_coco.json"


# --------------------------------------------------------------------------------------- helpers
def synthetic(layout: str | KeypointLayout = "coco17", channels: int = 3, frames: int = 9, fps: float = 25.0,
              seed: int = 0, timestamps: np.ndarray | None = None) -> PoseSequence:
    """Two tracks (ids 3 and 7); track 7 absent in frames 2-3; nobody in frames 5 and the last one;
    a few missing joints; frame size set."""
    rng = np.random.default_rng(seed)
    layout = get_layout(layout)
    shape = (frames, 2, layout.num_joints)
    data = np.empty(shape + (channels,), np.float32)
    data[..., 0] = rng.uniform(1, 639, shape)
    data[..., 1] = rng.uniform(1, 479, shape)
    if channels == 4:
        data[..., 2] = rng.uniform(-2, 2, shape)
    data[..., -1] = rng.uniform(0.05, 1.0, shape)
    missing = np.zeros(shape, bool)
    missing[2:4, 1] = True
    missing[5] = True
    missing[-1] = True
    missing[1, 0, [0, min(3, layout.num_joints - 1)]] = True
    missing[6, 1, -1] = True
    data[missing, :-1] = np.nan
    data[missing, -1] = 0.0
    return PoseSequence(data, layout, fps, timestamps=timestamps, track_ids=[3, 7], frame_size=(640, 480),
                        meta={"backend": "synthetic", "nested": {"k": [1, 2]}})


def assert_same(got: PoseSequence, want: PoseSequence, exact: bool = True) -> None:
    """Equal data (NaN where NaN), timestamps, tracks and frame rate."""
    assert got.layout.joints == want.layout.joints
    assert got.data.shape == want.data.shape
    if exact:
        np.testing.assert_array_equal(got.data, want.data)
    else:
        np.testing.assert_allclose(got.data, want.data, rtol=2e-7, atol=0, equal_nan=True)
    np.testing.assert_allclose(got.timestamps, want.timestamps, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got.track_ids, want.track_ids)
    assert got.fps == pytest.approx(want.fps)


def ntu_text(frames: list[list[tuple[int, np.ndarray]]]) -> str:
    """An NTU RGB+D ``.skeleton`` file: ``frames[t]`` lists (bodyID, (25, 12) joint rows)."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, joints in bodies:
            lines.append(f"{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2")
            lines.append("25")
            for row in joints:
                lines.append(" ".join(f"{v:.7g}" for v in row[:11]) + f" {int(row[11])}")
    return "\n".join(lines) + "\n"


def ntu_joints(rng: np.random.Generator, states: np.ndarray) -> np.ndarray:
    rows = np.zeros((25, 12))
    rows[:, :3] = rng.uniform([-1, -1, 2], [1, 1, 4], (25, 3))
    rows[:, 3:5] = rng.uniform(0, 500, (25, 2))
    rows[:, 5] = rng.uniform(0, 1920, 25)
    rows[:, 6] = rng.uniform(0, 1080, 25)
    rows[:, 7:11] = rng.uniform(-1, 1, (25, 4))
    rows[:, 11] = states
    return rows


# ------------------------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name,channels", [("poses.npz", 4), ("poses.npz", 3), ("poses.parquet", 4),
                                           ("poses.csv", 4), ("poses.parquet", 3), ("poses.csv", 3)])
def test_native_round_trip(tmp_path: Path, name: str, channels: int) -> None:
    seq = synthetic(channels=channels)
    out = save_poses(seq, tmp_path / name)
    got = load_poses(out)
    assert_same(got, seq, exact=name.endswith(".npz"))
    assert got.layout == seq.layout
    assert got.frame_size == (640, 480)
    assert got.meta == seq.meta
    assert got.has_z == (channels == 4)
    sidecar = [out.with_name(out.name + "-metadata.json")] if name.endswith(".csv") else []
    assert sorted(tmp_path.iterdir()) == sorted([out, *sidecar])  # no temporary file left behind


@pytest.mark.parametrize("name", ["poses.npz", "poses.parquet", "poses.csv"])
def test_native_round_trip_custom_layout_and_irregular_time(tmp_path: Path, name: str) -> None:
    layout = KeypointLayout("stick3", ("top", "mid #2", "low, left"), (("top", "mid #2"),), "a test layout")
    times = np.array([0.0, 0.03, 0.1, 0.11, 0.2, 0.5, 0.55, 0.9, 1.0])
    seq = synthetic(layout, channels=3, timestamps=times)
    got = load_poses(save_poses(seq, tmp_path / name))
    assert got.layout == layout
    assert_same(got, seq, exact=name.endswith(".npz"))
    np.testing.assert_array_equal(got.timestamps, times)  # incl. frames 5 and 8 where nobody is present


def test_table_columns_and_rows(tmp_path: Path) -> None:
    seq = synthetic(channels=3)
    save_poses(seq, tmp_path / "t.parquet")
    df = pd.read_parquet(tmp_path / "t.parquet")
    assert list(df.columns) == ["frame", "time", "track", "joint", "x", "y", "z", "score"]
    assert df["z"].isna().all()
    people = df.groupby(["frame", "track"]).size()
    # one row per joint for each (frame, track) with a person; track 7 absent in 2-3, nobody in 5 and 8
    assert (people == 17).all()
    assert sorted(people.index) == sorted({(t, 3) for t in (0, 1, 2, 3, 4, 6, 7)} | {(t, 7) for t in (0, 1, 4, 6, 7)})
    first = (tmp_path / "t.csv")
    save_poses(seq, first)
    plain = pd.read_csv(first)                      # a plain table: header row first, metadata beside it
    assert list(plain.columns) == list(df.columns) and len(plain) == len(df)
    assert json.loads((tmp_path / "t.csv-metadata.json").read_text())["layout"]["name"] == seq.layout.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.csv-metadata.json", "t.parquet"]


def test_csv_of_earlier_versions_with_a_header_line_still_reads(tmp_path: Path) -> None:
    seq = synthetic(channels=3)
    path = save_poses(seq, tmp_path / "new.csv")
    side = tmp_path / "new.csv-metadata.json"
    old = tmp_path / "old.csv"
    old.write_text("# actionpose " + side.read_text() + "\n" + path.read_text())
    got = load_poses(old)
    assert_same(got, seq, exact=False)
    np.testing.assert_array_equal(got.track_ids, seq.track_ids)
    side.unlink()                                   # without its sidecar a CSV still reads, as a foreign table
    assert load_poses(path).num_frames <= seq.num_frames


def test_a_failed_csv_write_leaves_neither_file(tmp_path: Path, monkeypatch) -> None:
    from actionpose.skeleton.io import table

    def boom(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(table, "dumps", boom)
    with pytest.raises(OSError, match="disk full"):
        save_poses(synthetic(), tmp_path / "p.csv")
    assert list(tmp_path.iterdir()) == []


def test_npz_holds_no_pickles(tmp_path: Path) -> None:
    path = save_poses(synthetic(), tmp_path / "p.npz")
    with np.load(path, allow_pickle=False) as z:
        assert z["layout"].dtype.kind == "U" and z["meta"].dtype.kind == "U"
        assert all(z[k].dtype != object for k in z.files)


@pytest.mark.parametrize("layout,target", [("coco17", "body25"), ("body25", "body25"), ("coco18", "coco18"),
                                           ("holistic", "body25_hands"), ("ntu25", "body25")])
def test_openpose_round_trip(tmp_path: Path, layout: str, target: str) -> None:
    seq = synthetic(layout)
    folder = save_poses(seq, tmp_path / "clip", format="openpose", stem="clip")
    files = sorted(folder.iterdir())
    assert len(files) == seq.num_frames and files[0].name == "clip_000000000000_keypoints.json"
    assert json.loads(files[5].read_text())["people"] == []
    frame0 = json.loads(files[0].read_text())
    assert [p["person_id"] for p in frame0["people"]] == [[3], [7]]
    got = load_poses(folder, fps=seq.fps)
    assert got.layout.name == target
    assert_same(got, seq.convert(target))


def test_coco_round_trip(tmp_path: Path) -> None:
    seq = synthetic("body25")
    path = save_poses(seq, tmp_path / "res.json")
    records = json.loads(path.read_text())
    assert {r["image_id"] for r in records} == {0, 1, 2, 3, 4, 6, 7}
    want = seq.convert("coco17")
    got = load_poses(path, fps=seq.fps, num_frames=seq.num_frames)
    assert got.layout.name == "coco17"
    assert_same(got, want)
    # the trailing empty frame is not in the file: without num_frames it is not read back
    assert load_poses(path, fps=seq.fps).num_frames == seq.num_frames - 1


def test_coco_record_fields(tmp_path: Path) -> None:
    seq = synthetic("coco17")
    records = json.loads(save_poses(seq, tmp_path / "res.json").read_text())
    first = records[0]
    person = seq.data[0, 0]
    assert first["category_id"] == 1 and first["track_id"] == 3 and len(first["keypoints"]) == 51
    assert first["score"] == pytest.approx(float(person[:, 2].mean()), rel=1e-6)
    assert first["bbox"] == pytest.approx([person[:, 0].min(), person[:, 1].min(),
                                           np.ptp(person[:, 0]), np.ptp(person[:, 1])], rel=1e-5)
    missing = next(r for r in records if r["image_id"] == 1 and r["track_id"] == 3)
    assert missing["keypoints"][9:12] == [0.0, 0.0, 0.0]  # joint 3 missing


def test_empty_sequence_round_trips(tmp_path: Path) -> None:
    seq = PoseSequence.empty("coco17", 30.0, num_frames=4, num_people=0)
    for name in ("e.npz", "e.parquet", "e.csv"):
        got = load_poses(save_poses(seq, tmp_path / name))
        assert got.data.shape == (4, 0, 17, 3) and got.layout.name == "coco17"
    assert json.loads(save_poses(seq, tmp_path / "e.json").read_text()) == []
    assert load_poses(tmp_path / "e.json").num_frames == 0


# -------------------------------------------------------------------------------- foreign tables
def test_table_without_metadata_infers_layout_and_fps(tmp_path: Path) -> None:
    seq = synthetic("coco17", fps=12.5)
    df = pd.read_parquet(save_poses(seq, tmp_path / "full.parquet"))
    df.to_csv(tmp_path / "plain.csv", index=False)
    got = load_poses(tmp_path / "plain.csv")
    assert got.layout.name == "coco17" and got.fps == pytest.approx(12.5) and not got.has_z
    assert got.frame_size is None and got.meta["format"] == "table"
    # frame 8 had nobody, so it is not in the rows; every other frame comes back
    assert_same(got, seq.slice_frames(0, 8), exact=False)
    assert load_poses(tmp_path / "plain.csv", fps=50.0).fps == 50.0


def test_table_without_metadata_custom_names_and_overrides(tmp_path: Path) -> None:
    rows = [{"frame": f, "track": 0, "joint": j, "x": f + i, "y": 2.0 * i, "score": 0.9}
            for f in range(3) for i, j in enumerate(("head", "tail"))]
    pd.DataFrame(rows).to_csv(tmp_path / "custom.csv", index=False)
    got = load_poses(tmp_path / "custom.csv")
    assert got.layout.joints == ("head", "tail") and got.fps == 30.0  # no time column: default rate
    np.testing.assert_array_equal(got.data[:, 0, 1, 0], [1.0, 2.0, 3.0])
    fixed = KeypointLayout("pair", ("tail", "head"))
    again = load_poses(tmp_path / "custom.csv", layout=fixed)
    np.testing.assert_array_equal(again.data[:, 0, 0, 0], [1.0, 2.0, 3.0])


def test_table_missing_column_is_named(tmp_path: Path) -> None:
    pd.DataFrame({"frame": [0], "x": [1.0], "y": [1.0], "score": [1.0]}).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(PoseFormatError, match="column 'joint' missing"):
        load_poses(tmp_path / "bad.csv")


def test_table_nan_fps_in_metadata_is_a_format_error(tmp_path: Path) -> None:
    path = save_poses(synthetic(), tmp_path / "p.csv")
    side = tmp_path / "p.csv-metadata.json"
    header = json.loads(side.read_text())
    header["fps"] = float("nan")
    side.write_text(json.dumps(header))
    with pytest.raises(PoseFormatError, match="fps") as info:
        load_poses(path)
    assert "\n" not in str(info.value)


# ------------------------------------------------------------------------------ real data files
@pytest.mark.parametrize("name,layout,joints", [("Squat_body.json", "body25", 25), ("Ok_left_hand.json", "hand21", 21)])
def test_pose_classification_kit_samples(data_file, name: str, layout: str, joints: int) -> None:
    path = data_file(f"{PCK_DIR}/{name}")
    raw = json.loads(path.read_text())
    assert detect_format(path) == "pck"
    seq = load_poses(path)
    assert seq.layout.name == layout
    assert seq.data.shape == (len(raw["data"]), 1, joints, 3)
    assert seq.frame_size is None
    assert seq.meta["label"] == raw["info"]["label"] and seq.meta["focus"] == raw["info"]["focus"]
    x, y, a = (np.array([e[k] for e in raw["data"]], np.float32) for k in ("x", "y", "a"))
    zero = (x == 0) & (y == 0) & (a == 0)
    assert np.array_equal(np.isnan(seq.data[:, 0, :, 0]), zero)
    np.testing.assert_array_equal(seq.data[:, 0, :, 0][~zero], x[~zero])
    np.testing.assert_array_equal(seq.data[:, 0, :, 2][~zero], a[~zero])


def test_coco_annotation_file(data_file) -> None:
    path = data_file(COCO_GT)
    raw = json.loads(path.read_text())
    assert detect_format(path) == "coco"
    seq = load_poses(path)
    image_ids = sorted(i["id"] for i in raw["images"])
    assert seq.meta["image_ids"] == image_ids and seq.layout.name == "coco17"
    per_image = {i: [a for a in raw["annotations"] if a["image_id"] == i] for i in image_ids}
    assert seq.num_people == max(len(v) for v in per_image.values())
    for t, image_id in enumerate(image_ids):
        labelled = [a for a in per_image[image_id] if any(v > 0 for v in a["keypoints"][2::3])]
        assert int(seq.present[t].sum()) == len(labelled)
        for slot, ann in enumerate(per_image[image_id]):
            kp = np.array(ann["keypoints"], np.float32).reshape(17, 3)
            visible = kp[:, 2] > 0
            np.testing.assert_array_equal(seq.data[t, slot, visible, :2], kp[visible, :2])
            assert (seq.data[t, slot, ~visible, 2] == 0).all() and np.isnan(seq.data[t, slot, ~visible, 0]).all()
            assert (seq.data[t, slot, visible, 2] == 1.0).all()


# ---------------------------------------------------------------------------- synthetic foreign
def test_ntu_skeleton(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    states = np.full(25, 2)
    states[3], states[7] = 1, 0
    a_id, b_id = 72057594037931691, 72057594037931700
    frames = []
    for t in range(4):
        bodies = [(a_id, ntu_joints(rng, states))]
        if t in (1, 2):
            bodies.append((b_id, ntu_joints(rng, np.full(25, 2))))
        frames.append(bodies)
    frames.append([])  # a frame without bodies
    path = tmp_path / "S001C001P001R001A001.skeleton"
    path.write_text(ntu_text(frames))
    seq = load_poses(path)
    assert seq.layout.name == "ntu25" and seq.data.shape == (5, 2, 25, 4)
    assert seq.track_ids.dtype == np.int64 and seq.track_ids.tolist() == [a_id, b_id]
    assert seq.frame_size == (1920, 1080) and seq.fps == 30.0
    rows = frames[0][0][1]
    np.testing.assert_allclose(seq.data[0, 0, 0, :3], [rows[0, 5], rows[0, 6], rows[0, 2]], rtol=1e-6)
    assert seq.data[0, 0, 3, 3] == 0.5 and seq.data[0, 0, 0, 3] == 1.0
    assert seq.data[0, 0, 7, 3] == 0 and np.isnan(seq.data[0, 0, 7, :3]).all()
    assert seq.present.tolist() == [[True, False], [True, True], [True, True], [True, False], [False, False]]


@pytest.mark.parametrize("mutate,message", [
    (lambda text: text.replace("\n25\n", "\n24\n", 1), "24 joints"),
    (lambda text: "-1" + text[1:], "non-negative integer"),
    (lambda text: text + "5\n", "after the"),
    (lambda text: text[: len(text) // 2], "ends inside"),
])
def test_ntu_errors(tmp_path: Path, mutate, message: str) -> None:
    rng = np.random.default_rng(2)
    path = tmp_path / "x.skeleton"
    path.write_text(mutate(ntu_text([[(1, ntu_joints(rng, np.full(25, 2)))]] * 2)))
    with pytest.raises(PoseFormatError, match=message):
        load_poses(path)


def alphapose_records(num_joints: int, rng: np.random.Generator) -> list[dict]:
    records = []
    for frame, idx in [(0, 1), (0, 4), (1, 4), (3, [1])]:
        kp = np.column_stack([rng.uniform(1, 500, num_joints), rng.uniform(1, 400, num_joints),
                              rng.uniform(0.1, 1, num_joints)])
        records.append({"image_id": f"{frame}.jpg", "category_id": 1, "keypoints": kp.ravel().tolist(),
                        "score": 2.5, "box": [1, 2, 30, 40], "idx": idx})
    return records


@pytest.mark.parametrize("num_joints,layout", [(17, "coco17"), (26, "halpe26")])
def test_alphapose(tmp_path: Path, num_joints: int, layout: str) -> None:
    records = alphapose_records(num_joints, np.random.default_rng(num_joints))
    path = tmp_path / "alphapose-results.json"
    path.write_text(json.dumps(records))
    assert sniff_json(path) == "alphapose"
    seq = load_poses(path, fps=10.0)
    assert seq.layout.name == layout and seq.data.shape == (4, 2, num_joints, 3)
    assert seq.track_ids.tolist() == [1, 4]
    np.testing.assert_allclose(seq.timestamps, [0.0, 0.1, 0.2, 0.3])
    np.testing.assert_allclose(seq.data[1, 1].ravel(), records[2]["keypoints"], rtol=1e-6)
    np.testing.assert_allclose(seq.data[3, 0].ravel(), records[3]["keypoints"], rtol=1e-6)
    assert seq.present.tolist() == [[True, True], [False, True], [False, False], [True, False]]


def test_alphapose_other_counts_are_named(tmp_path: Path) -> None:
    path = tmp_path / "ap.json"
    path.write_text(json.dumps(alphapose_records(136, np.random.default_rng(0))))
    with pytest.raises(PoseFormatError, match="136 joints"):
        load_poses(path)


def test_halpe26_converts_to_body25() -> None:
    seq = synthetic("halpe26")
    body = seq.convert("body25")
    halpe = get_layout("halpe26")
    for joint in ("neck", "left_heel", "right_small_toe"):
        np.testing.assert_array_equal(body.point(joint), seq.data[:, :, halpe.index(joint)])
    np.testing.assert_array_equal(body.point("mid_hip"), seq.data[:, :, halpe.index("pelvis")])


def openpose_frame(people: list[dict]) -> dict:
    return {"version": 1.3, "people": people}


def test_openpose_reader_details(tmp_path: Path) -> None:
    folder = tmp_path / "op"
    folder.mkdir()
    body = np.tile([10.0, 20.0, 0.5], 18)
    body[3:6] = 0.0  # joint 1 missing
    untracked = {"person_id": [-1], "pose_keypoints_2d": body.tolist(), "hand_left_keypoints_2d": [],
                 "hand_right_keypoints_2d": []}
    # frame numbers 2 and 10: sorting by name would put 10 first
    (folder / "v_000000000010_keypoints.json").write_text(json.dumps(openpose_frame([untracked])))
    (folder / "v_000000000002_keypoints.json").write_text(json.dumps(openpose_frame([untracked, untracked])))
    seq = load_poses(folder, fps=2.0)
    assert seq.layout.name == "coco18" and seq.data.shape == (2, 2, 18, 3)
    np.testing.assert_allclose(seq.timestamps, [1.0, 5.0])
    assert seq.present.tolist() == [[True, True], [True, False]]
    assert np.isnan(seq.data[0, 0, 1, :2]).all() and seq.data[0, 0, 1, 2] == 0
    # one file with hands: the hands layout, and a single file reads as one frame
    hand = np.tile([5.0, 6.0, 0.7], 21).tolist()
    single = tmp_path / "one_keypoints.json"
    single.write_text(json.dumps(openpose_frame([dict(untracked, hand_left_keypoints_2d=hand,
                                                      pose_keypoints_2d=np.tile([1.0, 2, 1], 25).tolist())])))
    one = load_poses(single)
    assert one.layout.name == "body25_hands" and one.num_frames == 1
    assert one.data[0, 0, 25, 2] == pytest.approx(0.7) and np.isnan(one.data[0, 0, 46, 0])


@pytest.mark.parametrize("values,message", [(52, "pose_keypoints_2d has 52 values, expected a multiple of 3"),
                                            (45, "15 joints")])
def test_openpose_schema_errors(tmp_path: Path, values: int, message: str) -> None:
    path = tmp_path / "bad_keypoints.json"
    path.write_text(json.dumps(openpose_frame([{"person_id": [-1], "pose_keypoints_2d": [1.0] * values}])))
    with pytest.raises(PoseFormatError, match=message):
        load_poses(path)


def test_coco_results_named_images_and_slots(tmp_path: Path) -> None:
    kp = np.tile([3.0, 4.0, 0.9], 17).tolist()
    path = tmp_path / "det.json"
    path.write_text(json.dumps([{"image_id": "b", "category_id": 1, "keypoints": kp, "score": 0.9},
                                {"image_id": "a", "category_id": 1, "keypoints": kp, "score": 0.9},
                                {"image_id": "b", "category_id": 1, "keypoints": kp, "score": 0.9}]))
    seq = load_poses(path)
    assert seq.meta["image_ids"] == ["a", "b"]
    assert seq.present.tolist() == [[True, False], [True, True]] and seq.track_ids.tolist() == [0, 1]


# ---------------------------------------------------------------------------- detection / errors
def test_detect_format(tmp_path: Path) -> None:
    assert detect_format("a.npz") == "npz" and detect_format("a.PARQUET") == "table"
    assert detect_format("a.csv") == "table" and detect_format("a.skeleton") == "ntu"
    assert detect_format("out.json", for_writing=True) == "coco"
    assert detect_format(tmp_path) == "openpose"
    kinds = {"op.json": {"people": []}, "pck.json": {"info": {}, "data": []}, "gt.json": {"annotations": []},
             "res.json": [{"keypoints": [], "image_id": 1}], "ap.json": [{"keypoints": [], "box": [], "idx": 1}]}
    for name, obj in kinds.items():
        (tmp_path / name).write_text(json.dumps(obj))
    assert {n: detect_format(tmp_path / n) for n in kinds} == {"op.json": "openpose", "pck.json": "pck",
                                                               "gt.json": "coco", "res.json": "coco",
                                                               "ap.json": "alphapose"}
    (tmp_path / "other.json").write_text(json.dumps({"frames": []}))
    with pytest.raises(PoseFormatError, match="'frames'"):
        sniff_json(tmp_path / "other.json")
    with pytest.raises(PoseFormatError, match="suffix .txt"):
        detect_format(tmp_path / "poses.txt")
    assert set(FORMATS) == {"npz", "table", "openpose", "coco", "alphapose", "ntu", "pck"}


@pytest.mark.parametrize("name,content", [
    ("empty.json", b""), ("latin.json", b'{"people": "\xe9"}'), ("random.npz", b"PK\x03\x04garbage"),
    ("random.parquet", b"PAR1" + bytes(range(40))), ("text.npz", b"hello"), ("dict.json", b'{"people": 3}'),
    ("list.json", b'[{"image_id": 1, "keypoints": [1, 2]}]'), ("empty.csv", b""), ("empty.skeleton", b""),
])
def test_bad_content_raises_one_line_pose_format_error(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PoseFormatError) as info:
        load_poses(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def test_npz_with_wrong_shape_is_rejected(tmp_path: Path) -> None:
    path = save_poses(synthetic(), tmp_path / "p.npz")
    with np.load(path) as z:
        arrays = dict(z)
    arrays["data"] = arrays["data"][..., 0]
    np.savez(path, **arrays)
    with pytest.raises(PoseFormatError, match="'data' must be a 4-d numeric array"):
        load_poses(path)
    arrays["data"] = np.zeros((2, 1, 5, 3), np.float32)  # 5 joints for a 17-joint layout
    np.savez(path, **arrays)
    with pytest.raises(PoseFormatError, match="not a valid npz pose file"):
        load_poses(path)


def test_missing_file_and_unknown_option(tmp_path: Path) -> None:
    with pytest.raises(PoseFormatError, match="no such file"):
        load_poses(tmp_path / "nope.npz")
    path = save_poses(synthetic(), tmp_path / "p.npz")
    with pytest.raises(PoseFormatError, match="no option layout"):
        load_poses(path, layout="coco17")
    assert load_poses(path, fps=10).fps == 10.0  # every reader takes fps=


def test_writer_refuses_read_only_format(tmp_path: Path) -> None:
    with pytest.raises(PoseFormatError, match="read but not written"):
        save_poses(synthetic(), tmp_path / "x.skeleton")
    assert list(tmp_path.iterdir()) == []

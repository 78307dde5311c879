"""Fuzzing the readers: whatever the bytes, `load_poses` returns a sequence or raises `PoseFormatError`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io import load_poses, save_poses
from actionpose.skeleton.sequence import PoseSequence

SUFFIXES = (".npz", ".parquet", ".csv", ".json", ".skeleton")
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sequence(layout: str, channels: int) -> PoseSequence:
    rng = np.random.default_rng(0)
    seq = PoseSequence.empty(layout, 30.0, num_frames=4, num_people=2, channels=channels, track_ids=[2, 9],
                             frame_size=(320, 240), meta={"note": "fuzz"})
    seq.data[:] = rng.uniform(0.1, 300.0, seq.data.shape).astype(np.float32)
    seq.data[..., -1] = rng.uniform(0.1, 1.0, seq.data.shape[:-1])
    seq.data[1, 1] = np.nan
    seq.data[1, 1, :, -1] = 0.0
    return seq


def _ntu_text() -> str:
    rows = " ".join(["0.1 0.2 3.0 100 120 900.5 500.25 0.1 0.2 0.3 0.4 2"])
    body = "72057594037931691 0 1 1 1 1 0 0.02 0.05 2\n25\n" + "\n".join([rows] * 25)
    return "2\n1\n" + body + "\n0\n"


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, bytes]]:
    """name -> (suffix, bytes) of one valid file per format."""
    root = tmp_path_factory.mktemp("valid")
    files: dict[str, tuple[str, bytes]] = {}
    for name in ("p.npz", "p.parquet", "p.csv", "coco.json"):
        path = save_poses(_sequence("coco17", 4 if name.endswith((".npz", ".parquet")) else 3), root / name)
        files[name] = (path.suffix, path.read_bytes())
    folder = save_poses(_sequence("holistic", 3), root / "op", format="openpose")
    files["openpose.json"] = (".json", sorted(folder.iterdir())[0].read_bytes())
    kp = np.tile([10.0, 20.0, 0.5], 26).tolist()
    files["alphapose.json"] = (".json", json.dumps([{"image_id": "0.jpg", "category_id": 1, "keypoints": kp,
                                                      "score": 1.0, "box": [0, 0, 5, 5], "idx": 1}]).encode())
    files["pck.json"] = (".json", json.dumps({"info": {"label": "x", "focus": "right_hand"},
                                              "data": [{"detection_accuracy": 1.0, "x": [0.1] * 21,
                                                        "y": [0.2] * 21, "a": [0.9] * 21}] * 2}).encode())
    files["annotations.json"] = (".json", json.dumps({
        "images": [{"id": 5, "width": 64, "height": 48, "file_name": "5.jpg"}],
        "annotations": [{"image_id": 5, "category_id": 1, "keypoints": [1, 2, 2] * 17, "num_keypoints": 17}]}).encode())
    files["ntu.skeleton"] = (".skeleton", _ntu_text().encode())
    for name, (suffix, content) in files.items():  # the originals load
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"f{suffix}"
            path.write_bytes(content)
            assert load_poses(path).num_frames > 0, name
    return files


def _load_or_format_error(content: bytes, suffix: str) -> None:
    """Write ``content`` to a fresh file and load it: a sequence or a one-line `PoseFormatError`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"poses{suffix}"
        path.write_bytes(content)
        try:
            seq = load_poses(path)
        except PoseFormatError as exc:
            assert "\n" not in str(exc)
        else:
            assert isinstance(seq, PoseSequence)


@FUZZ
@given(content=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(content: bytes, suffix: str) -> None:
    _load_or_format_error(content, suffix)


@FUZZ
@given(data=st.data())
def test_truncated_files(valid_files: dict[str, tuple[str, bytes]], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(valid_files)), label="format")
    suffix, content = valid_files[name]
    cut = data.draw(st.integers(0, len(content)), label="length")
    _load_or_format_error(content[:cut], suffix)


@FUZZ
@given(data=st.data())
def test_corrupted_files(valid_files: dict[str, tuple[str, bytes]], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(valid_files)), label="format")
    suffix, content = valid_files[name]
    start = data.draw(st.integers(0, len(content) - 1), label="start")
    patch = data.draw(st.binary(min_size=1, max_size=16), label="patch")
    _load_or_format_error(content[:start] + patch + content[start + len(patch):], suffix)


_KEYS = st.sampled_from(["people", "pose_keypoints_2d", "hand_left_keypoints_2d", "person_id", "info", "data",
                         "focus", "x", "y", "a", "annotations", "images", "id", "image_id", "keypoints", "idx",
                         "box", "track_id", "width", "height"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 40) | st.floats(allow_nan=False)
    | st.sampled_from(["body", "left_hand", "0.jpg"]),
    lambda children: st.lists(children, max_size=6) | st.dictionaries(_KEYS, children, max_size=5),
    max_leaves=30)


@FUZZ
@given(obj=_JSON)
def test_json_with_pose_keys(obj: object) -> None:
    _load_or_format_error(json.dumps(obj).encode(), ".json")

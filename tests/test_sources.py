"""Clips from class folders (pose files, videos through a cached extractor), tables and sequences."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from actionpose.errors import InputError, PoseFormatError
from actionpose.inputs import file_sha256
from actionpose.skeleton.io import save_poses
from actionpose.skeleton.io.table import to_dataframe
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.sources import (
    CACHE_DIR,
    clips_from_folder,
    clips_from_sequences,
    clips_from_table,
    segments_from_labels,
)


def sequence(frames: int = 8, value: float = 1.0, fps: float = 10.0) -> PoseSequence:
    data = np.full((frames, 1, 17, 3), value, np.float32)
    data[..., -1] = 0.8
    return PoseSequence(data, "coco17", fps)


class CountingExtractor:
    """A stand-in for ``extract_poses``: a sequence whose first value is the video's first byte."""

    def __init__(self) -> None:
        self.calls: list[Path] = []

    def __call__(self, path: Path) -> PoseSequence:
        self.calls.append(path)
        return sequence(value=float(path.read_bytes()[0]))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """``wave/`` with two pose files and a video, ``clap/`` with one video, plus a stray file."""
    for cls in ("wave", "clap"):
        (tmp_path / cls).mkdir()
    save_poses(sequence(value=1), tmp_path / "wave" / "anna_1.npz")
    save_poses(sequence(value=2), tmp_path / "wave" / "ben_1.parquet")
    (tmp_path / "wave" / "cara_1.mp4").write_bytes(b"\x05fake video")
    (tmp_path / "clap" / "anna_2.mov").write_bytes(b"\x07another")
    (tmp_path / "clap" / "notes.txt").write_text("not a clip")
    (tmp_path / "README.md").write_text("not a class")
    return tmp_path


def test_folder_labels_groups_and_cache(folder: Path) -> None:
    extract = CountingExtractor()
    clips = clips_from_folder(folder, extract=extract)
    assert [(c.label, c.group) for c in clips] == [("clap", "anna_2"), ("wave", "anna_1"), ("wave", "ben_1"),
                                                   ("wave", "cara_1")]
    assert [c.seq.data[0, 0, 0, 0] for c in clips] == [7, 1, 2, 5]
    assert len(extract.calls) == 2
    cached = sorted(p.name for p in (folder / CACHE_DIR).iterdir())
    assert cached == sorted(f"{file_sha256(folder / p)}.npz" for p in ("wave/cara_1.mp4", "clap/anna_2.mov"))
    again = clips_from_folder(folder, extract=extract)
    assert len(extract.calls) == 2                                        # second call: all from the cache
    np.testing.assert_array_equal(again[3].seq.data, clips[3].seq.data)
    (folder / "clap" / "copy.mp4").write_bytes((folder / "clap" / "anna_2.mov").read_bytes())
    clips_from_folder(folder, extract=extract)
    assert len(extract.calls) == 2                                        # same content, other name: cached
    clips_from_folder(folder, extract=extract, cache_tag="rsn")
    assert len(extract.calls) == 4                                        # new settings: 2 contents again


def test_groups_csv_and_cache_dir(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    pd.DataFrame({"file": ["wave/anna_1.npz", "ben_1", "cara_1.mp4", "anna_2"],
                  "group": ["anna", "ben", "cara", "anna"]}).to_csv(folder / "groups.csv", index=False)
    cache = tmp_path_factory.mktemp("cache")
    clips = clips_from_folder(folder, extract=CountingExtractor(), cache_dir=cache)
    assert [c.group for c in clips] == ["anna", "anna", "ben", "cara"]
    assert len(list(cache.glob("*.npz"))) == 2 and not (folder / CACHE_DIR).exists()
    assert clips[1].meta["path"].endswith("anna_1.npz") and clips[1].meta["class"] == "wave"


def test_unreadable_files_are_skipped_or_raise(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    (folder / "wave" / "broken.npz").write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING):
        clips = clips_from_folder(folder, extract=CountingExtractor())
    assert len(clips) == 4 and "broken.npz" in caplog.text
    with pytest.raises(PoseFormatError):
        clips_from_folder(folder, extract=CountingExtractor(), errors="raise")
    with pytest.raises(InputError, match="class folders"):
        clips_from_folder(folder / "wave")


def test_segments_from_per_frame_labels() -> None:
    t = np.arange(7) / 10
    assert segments_from_labels(t, ["a", "a", None, np.nan, "b", "b", "a"], 0.7) == [
        (0.0, 0.2, "a"), (0.4, 0.6, "b"), (0.6, 0.7, "a")]
    assert segments_from_labels([], [], 0) == []


def test_clips_from_table() -> None:
    parts = []
    for clip, frames, labels in (("c1", 4, ["sit"] * 4), ("c2", 6, ["stand", "stand", "fall", "fall", "fall", None])):
        df = to_dataframe(sequence(frames))
        df["clip"] = clip
        df["label"] = np.repeat(np.array(labels, dtype=object), 17)
        df["group"] = "g-" + clip
        parts.append(df)
    clips = clips_from_table(pd.concat(parts, ignore_index=True))
    assert [c.meta["clip"] for c in clips] == ["c1", "c2"]
    assert clips[0].label == "sit" and clips[0].segments is None and clips[0].group == "g-c1"
    assert clips[1].label is None
    np.testing.assert_allclose([s[:2] for s in clips[1].segments], [(0, 0.2), (0.2, 0.5)])
    assert [s[2] for s in clips[1].segments] == ["stand", "fall"]
    assert clips[1].seq.num_frames == 6 and clips[1].seq.fps == pytest.approx(10)
    with pytest.raises(InputError, match="label"):
        clips_from_table(parts[0].drop(columns="label"))


def test_clips_from_sequences() -> None:
    clips = clips_from_sequences([sequence(), sequence()], ["walk", [(0, 0.5, "jump")]])
    assert clips[0].label == "walk" and clips[1].segments == [(0.0, 0.5, "jump")]
    assert [c.group for c in clips] == ["0", "1"]
    assert clips_from_sequences([sequence()], ["x"], groups=["bob"])[0].group == "bob"
    with pytest.raises(ValueError):
        clips_from_sequences([sequence()], ["a", "b"])

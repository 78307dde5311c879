"""What an input file is and which one it is: the suffix lists every reader and command shares, the content
hash that names a file whatever it is called, and expanding folders into the videos they hold."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

#: suffixes read as videos (decoded by :class:`actionpose.video.reader.VideoReader`)
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"})
#: suffixes read as pose files (:func:`actionpose.skeleton.io.load_poses`)
POSE_SUFFIXES = frozenset({".npz", ".parquet", ".csv", ".json", ".skeleton"})
#: what ends the metadata sidecar of a CSV pose table (``poses.csv-metadata.json``): not a pose file itself
SIDECAR_SUFFIX = "-metadata.json"
#: suffixes read as still images (hand photos for signs)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})

_CHUNK = 1 << 20


def is_video(path: str | Path) -> bool:
    """Whether ``path`` has a video suffix (case-insensitive)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def is_pose_file(path: str | Path) -> bool:
    """Whether ``path`` has a pose-file suffix and is not a CSV table's metadata sidecar."""
    name = Path(path).name.lower()
    return Path(name).suffix in POSE_SUFFIXES and not name.endswith(".csv" + SIDECAR_SUFFIX)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks (about 1 GB/s, far faster than extraction)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_videos(inputs: Sequence[str | Path]) -> list[Path]:
    """Expand folders (recursively, sorted) into the video files they hold, keeping files as given."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
        else:
            found.append(item)
    return found

"""The one pose cache: a video's tracked poses stored under its content hash and the extraction settings, so
renaming or moving a clip never extracts it again and changing a setting never reads stale poses.

Used by training (:func:`actionpose.train.sources.cached_extract`), the dashboard and the benchmarks. Folder
runs (:mod:`actionpose.scale`) keep their own results beside the outputs, with a sidecar using the same hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actionpose.inputs import file_sha256
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)


def settings_key(*parts: Any) -> str:
    """A stable hash of JSON-able ``parts`` (an input hash, settings dicts): equal keys mean equal results."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def result_key(sha256: str, settings: Any = None) -> str:
    """A result's name: the input's content hash, then a short hash of the settings that change the result."""
    return sha256 if settings in (None, "", {}) else f"{sha256}-{settings_key(settings)[:16]}"


class PoseCache:
    """Poses of videos in ``folder``, one ``<key>.npz`` per (content, settings).

    Parameters
    ----------
    folder
        The cache folder (created when first written).

    Examples
    --------
    >>> cache = PoseCache("~/.cache/actionpose/poses")                      # doctest: +SKIP
    >>> seq, hit = cache.get_or_extract("clip.mp4", {"backend": "mediapipe"}, extract_poses)  # doctest: +SKIP
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()

    def path(self, video: str | Path, settings: Any = None, sha256: str | None = None) -> Path:
        """Where the poses of ``video`` made with ``settings`` are (or would be) stored."""
        return self.folder / f"{result_key(sha256 or file_sha256(video), settings)}.npz"

    def get_or_extract(self, video: str | Path, settings: Any, extract: Callable[[Path], PoseSequence],
                       sha256: str | None = None) -> tuple[PoseSequence, bool]:
        """``(poses, read from the cache)``: the cached poses, or ``extract(video)`` stored for next time."""
        from actionpose.skeleton.io import load_poses, save_poses

        cached = self.path(video, settings, sha256)
        if cached.is_file():
            log.debug("poses of %s from the cache %s", video, cached)
            return load_poses(cached), True
        log.info("extracting poses from %s", video)
        seq = extract(Path(video))
        save_poses(seq, cached)  # atomic
        return seq, False

"""Labelled clips from what users have: a folder of videos or pose files per class, a long table, or
sequences in memory.

A class folder (:func:`clips_from_folder`)::

    my_actions/
        groups.csv            optional: columns file, group
        wave/  clip1.mp4  clip2.npz  clip3.parquet ...
        clap/  a.mov  b.json  openpose_frames/ (a folder of OpenPose JSON) ...

Videos are run through :func:`actionpose.pipeline.extract_poses` once and cached as ``.npz`` under
their content hash, so renaming or moving a video never extracts it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from actionpose.cache import PoseCache
from actionpose.errors import ActionPoseError, InputError
from actionpose.inputs import is_pose_file, is_video
from actionpose.skeleton.io import load_poses
from actionpose.skeleton.io.frames import frame_axis
from actionpose.skeleton.io.table import COLUMNS, from_dataframe
from actionpose.skeleton.layouts import KeypointLayout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip, Segment

log = logging.getLogger(__name__)

#: optional file in the root of a class folder mapping files to groups
GROUPS_FILE = "groups.csv"
#: default cache folder, inside the class folder
CACHE_DIR = ".actionpose_cache"

Extract = Callable[[Path], PoseSequence]


def _default_extract(path: Path) -> PoseSequence:
    from actionpose.pipeline import extract_poses

    return extract_poses(path)


def cached_extract(path: str | Path, extract: Extract | None = None, cache_dir: str | Path | None = None,
                   cache_tag: str = "") -> PoseSequence:
    """The poses of a video, extracted once and then read from the :class:`~actionpose.cache.PoseCache` in
    ``cache_dir`` (``<sha256>[-<tag hash>].npz``).

    Parameters
    ----------
    path
        The video.
    extract
        ``extract(path) -> PoseSequence``; default :func:`actionpose.pipeline.extract_poses`.
    cache_dir
        Cache folder (created when needed); None extracts without caching.
    cache_tag
        Part of the cache name: change it when the extraction settings change (e.g. the backend).
    """
    path = Path(path)
    extract = extract or _default_extract
    if cache_dir is None:
        return extract(path)
    return PoseCache(cache_dir).get_or_extract(path, cache_tag, extract)[0]


def read_groups(root: str | Path) -> dict[str, str]:
    """``root/groups.csv`` (columns ``file, group``) as a mapping from each file's relative path, name and
    stem to its group; empty without the file.

    Raises
    ------
    InputError
        If the table lacks the two columns.
    """
    table = Path(root) / GROUPS_FILE
    if not table.is_file():
        return {}
    df = pd.read_csv(table, dtype=str, keep_default_na=False)
    if not {"file", "group"} <= set(df.columns):
        raise InputError(table, f"needs the columns file and group, has {', '.join(map(str, df.columns))}")
    mapping: dict[str, str] = {}
    for key_of in (lambda f: Path(f).stem, lambda f: Path(f).name, lambda f: Path(f).as_posix()):
        mapping.update({key_of(f): g for f, g in zip(df["file"].str.strip(), df["group"].str.strip())})
    return mapping


def group_of(groups: dict[str, str], root: str | Path, path: str | Path) -> str:
    """The group of ``path`` (a file under ``root``) in :func:`read_groups`'s mapping: by relative path,
    then file name, then stem; the stem when none is listed."""
    path = Path(path)
    rel = path.relative_to(root).as_posix()
    return groups.get(rel, groups.get(path.name, groups.get(path.stem, path.stem)))


def _entries(folder: Path) -> list[Path]:
    """Videos, pose files and OpenPose JSON folders of a class folder, in name order."""
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_file() and (is_video(p) or is_pose_file(p)):
            out.append(p)
        elif p.is_dir() and any(p.glob("*.json")):
            out.append(p)
    return out


def clips_from_folder(root: str | Path, extract: Extract | None = None, cache_dir: str | Path | None = None,
                      cache_tag: str = "", errors: str = "warn") -> list[LabelledClip]:
    """One clip per video or pose file of a folder with one sub-folder per class.

    Parameters
    ----------
    root
        The folder; each sub-folder (not starting with ``.``) is a class named after it and holds
        videos (:data:`VIDEO_SUFFIXES`), pose files (read with :func:`actionpose.skeleton.io.load_poses`)
        and folders of OpenPose JSON.
    extract
        Pose extraction for videos, ``extract(path) -> PoseSequence``; default
        :func:`actionpose.pipeline.extract_poses` with its default options.
    cache_dir
        Where extracted poses are cached (by the video's SHA-256); default ``<root>/.actionpose_cache``.
    cache_tag
        See :func:`cached_extract`.
    errors
        ``"warn"``: skip a file that cannot be read (logged as a warning); ``"raise"``: stop.

    Returns
    -------
    Clips in class then file order. A clip's group is the file's stem, unless ``root/groups.csv``
    (columns ``file, group``; ``file`` a path relative to ``root``, a file name or a stem; the first
    that matches wins) gives one: clips of one person or recording session should share a group so
    that evaluation never tests on a person it trained on. ``meta`` holds the path and the class.

    Raises
    ------
    InputError
        When there is no class folder or no readable clip.
    """
    if errors not in ("warn", "raise"):
        raise ValueError(f"errors must be 'warn' or 'raise', got {errors!r}")
    root = Path(root)
    if not root.is_dir():
        raise InputError(root, "not a folder")
    cache = Path(cache_dir) if cache_dir is not None else root / CACHE_DIR
    groups = read_groups(root)
    classes = [d for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    if not classes:
        raise InputError(root, "no class folders (one sub-folder per class, holding its clips)")
    clips: list[LabelledClip] = []
    for folder in classes:
        for path in _entries(folder):
            try:
                seq = (cached_extract(path, extract, cache, cache_tag) if is_video(path)
                       else load_poses(path))
            except ActionPoseError as exc:
                if errors == "raise":
                    raise
                log.warning("skipping %s: %s", path, exc)
                continue
            clips.append(LabelledClip(seq, label=folder.name, group=group_of(groups, root, path),
                                      meta={"path": str(path), "class": folder.name}))
    if not clips:
        raise InputError(root, "no readable videos or pose files in the class folders")
    log.info("%d clips in %d classes from %s", len(clips), len(classes), root)
    return clips


def segments_from_labels(times: np.ndarray, labels: Sequence, end: float) -> list[Segment]:
    """Runs of equal per-frame labels as segments.

    Parameters
    ----------
    times
        ``(T,)`` increasing frame times (seconds from the clip start).
    labels
        ``(T,)`` label of each frame; None or NaN: no label (the frame takes the background).
    end
        Where the last run ends (typically one frame after the last time).

    Returns
    -------
    ``[(start_s, end_s, label), ...]``: each run from its first frame's time to the next run's.
    """
    times = np.asarray(times, dtype=np.float64)
    labels = pd.Series(list(labels), dtype=object)
    if not len(labels):
        return []
    key = labels.where(labels.notna(), None)
    change = np.flatnonzero(np.r_[True, key.to_numpy()[1:] != key.to_numpy()[:-1]])
    stops = np.r_[times[change[1:]], float(end)]
    return [(float(times[i]), float(s), str(key.iloc[i])) for i, s in zip(change, stops) if key.iloc[i] is not None]


def clips_from_table(df: pd.DataFrame, layout: str | KeypointLayout | None = None,
                     fps: float | None = None) -> list[LabelledClip]:
    """Clips from one long table of many clips.

    Parameters
    ----------
    df
        One row per joint of each person in each frame: the columns of a pose table
        (``frame, time, track, joint, x, y, z, score``; see :mod:`actionpose.skeleton.io.table`) plus
        ``clip`` (clip id), ``label`` and optionally ``group`` (one per clip; default the clip id).
        A clip whose rows all carry one label is labelled with it; otherwise its per-frame labels
        become segments (:func:`segments_from_labels`; rows without a label are background).
    layout, fps
        Passed to the table reader (default: inferred from the joint names and the time column).

    Returns
    -------
    Clips in order of first appearance, ``meta["clip"]`` the clip id.
    """
    missing = [c for c in ("clip", "label") if c not in df.columns]
    if missing:
        raise InputError(None, f"the table needs the column(s) {', '.join(missing)}")
    pose_columns = [c for c in COLUMNS if c in df.columns]
    clips = []
    for clip_id, part in df.groupby("clip", sort=False):
        seq = from_dataframe(part[pose_columns], layout=layout, fps=fps, source=f"clip {clip_id}")
        labels = part.groupby("frame", sort=True)["label"]
        if (labels.nunique() > 1).any():
            raise InputError(None, f"clip {clip_id}: a frame has several labels")
        per_frame = labels.first()
        if per_frame.nunique(dropna=False) == 1 and per_frame.notna().all():
            label, segments = str(per_frame.iloc[0]), None
        else:
            numbers, _ = frame_axis(part["frame"].to_numpy())
            rel = seq.timestamps - seq.timestamps[0]
            times = rel[np.searchsorted(numbers, per_frame.index.to_numpy())]
            label, segments = None, segments_from_labels(times, per_frame.to_numpy(), rel[-1] + 1.0 / seq.fps)
        group = str(clip_id)
        if "group" in part.columns:
            values = part["group"].dropna().unique()
            if len(values) > 1:
                raise InputError(None, f"clip {clip_id} has several groups: {', '.join(map(str, values[:3]))}")
            group = str(values[0]) if len(values) else group
        clips.append(LabelledClip(seq, label=label, segments=segments, group=group, meta={"clip": clip_id}))
    return clips


def clips_from_sequences(seqs: Sequence[PoseSequence], labels: Sequence[str | Sequence[Segment]],
                         groups: Sequence[str] | None = None) -> list[LabelledClip]:
    """Clips from sequences in memory.

    Parameters
    ----------
    seqs
        The sequences.
    labels
        Per sequence, its label (str) or its segments (a list of ``(start_s, end_s, label)``).
    groups
        Per sequence, its group; default each sequence its own group (``"0"``, ``"1"``, ...).
    """
    if len(labels) != len(seqs) or (groups is not None and len(groups) != len(seqs)):
        raise ValueError(f"{len(seqs)} sequences but {len(labels)} labels"
                         + (f" and {len(groups)} groups" if groups is not None else ""))
    groups = [str(g) for g in groups] if groups is not None else [str(i) for i in range(len(seqs))]
    return [LabelledClip(s, label=lab, group=g) if isinstance(lab, str)
            else LabelledClip(s, segments=[(float(a), float(b), str(c)) for a, b, c in lab], group=g)
            for s, lab, g in zip(seqs, labels, groups)]


__all__ = ["CACHE_DIR", "GROUPS_FILE", "cached_extract", "clips_from_folder", "clips_from_sequences",
           "clips_from_table", "group_of", "read_groups", "segments_from_labels"]

"""ML Kit pose-classification samples: single BlazePose poses labelled with a push-up or squat terminal state."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from actionpose.errors import PoseFormatError
from actionpose.skeleton.layouts import BLAZEPOSE33
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: screenshots taken less than this many seconds apart (same naming style) are one group: same video
SESSION_GAP_S = 120.0
_FRAME = re.compile(r"^frame__(?P<video>.+)__(?P<frame>\d+)\.\w+$")
_SHOT = re.compile(r"^Screenshot_(?P<date>\d{4}-\d\d-\d\d)(?P<sep>[ _])at[ _](?P<h>\d\d)\.(?P<m>\d\d)\.(?P<s>\d\d)")


def sample_groups(names: list[str], session_gap_s: float = SESSION_GAP_S) -> list[str]:
    """The recording each sample image most likely comes from.

    ``frame__<video id>__<frame>.jpg`` are video frames: the group is the video id. Screenshots
    (``Screenshot_<date> at <hh.mm.ss>.png``, two naming styles from two people capturing at the
    same time) are grouped per style into sessions: a new session starts after a pause longer than
    ``session_gap_s``. Anything else is its own group.
    """
    groups: list[str | None] = [None] * len(names)
    shots: dict[str, list[tuple[float, int]]] = {}
    for i, name in enumerate(names):
        m = _FRAME.match(name)
        if m:
            groups[i] = f"video:{m['video']}"
            continue
        s = _SHOT.match(name)
        if s:
            style = "us" if s["sep"] == "_" else "sp"
            t = int(s["h"]) * 3600 + int(s["m"]) * 60 + int(s["s"])
            shots.setdefault(f"{s['date']}{style}", []).append((t, i))
        else:
            groups[i] = f"image:{name}"
    for key, items in shots.items():
        items.sort()
        session, last = 0, None
        for t, i in items:
            if last is not None and t - last > session_gap_s:
                session += 1
            groups[i] = f"shots:{key}:{session:02d}"
            last = t
    return [str(g) for g in groups]


def load_mlkit_fitness(path: str | Path, session_gap_s: float = SESSION_GAP_S) -> list[LabelledClip]:
    """Load the ML Kit fitness pose samples as one-frame clips.

    Dataset: googlesamples/mlkit, ``android/vision-quickstart/.../fitness_pose_samples.csv`` (the
    real-data folder's ``exercise/mlkit_fitness_pose/fitness_pose_samples.csv``); licence Apache-2.0
    (permissive). No header: image name, class (``pushups_up``, ``pushups_down``, ``squats_up``,
    ``squats_down``), then 33 BlazePose landmarks x (x, y, z) in pixels of the source image (no
    visibility: every joint gets score 1).

    Returns one clip per sample: layout ``blazepose33`` (C = 4: x, y, z, score), one frame,
    ``fps`` 30 (nominal), ``frame_size`` None. Group: the sample's video or screenshot session
    (:func:`sample_groups`), so near-identical frames of one video stay on one side of a split.

    Raises
    ------
    PoseFormatError
        When the file does not have 2 + 99 columns of the expected kinds.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, header=None)
    except (OSError, ValueError) as exc:
        raise PoseFormatError(path, f"cannot read the samples ({exc})") from None
    if table.shape[1] != 2 + 3 * BLAZEPOSE33.num_joints:
        raise PoseFormatError(path, f"expected {2 + 3 * BLAZEPOSE33.num_joints} columns (name, class, 33 x 3), "
                                    f"got {table.shape[1]}")
    try:
        xyz = table.iloc[:, 2:].to_numpy(dtype=np.float32).reshape(len(table), BLAZEPOSE33.num_joints, 3)
    except ValueError:
        raise PoseFormatError(path, "landmark columns hold values that are not numbers") from None
    points = np.concatenate([xyz, np.ones(xyz.shape[:2] + (1,), np.float32)], axis=-1)
    names = table[0].astype(str).tolist()
    labels = table[1].astype(str).tolist()
    groups = sample_groups(names, session_gap_s)
    clips = [LabelledClip(PoseSequence(points[i][None, None], "blazepose33", 30.0, meta={"source": str(path)}),
                          label=labels[i], group=groups[i],
                          meta={"dataset": "mlkit_fitness", "image": names[i], "row": i})
             for i in range(len(table))]
    log.info("%s: %d samples, %d groups", path.name, len(clips), len(set(groups)))
    return clips


def stack_poses(clips: list[LabelledClip]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(N, K, C)`` first-frame poses, labels and groups of one-frame clips."""
    return (np.stack([c.seq.data[0, 0] for c in clips]), np.array([c.label for c in clips]),
            np.array([c.group for c in clips]))


__all__ = ["SESSION_GAP_S", "load_mlkit_fitness", "sample_groups", "stack_poses"]

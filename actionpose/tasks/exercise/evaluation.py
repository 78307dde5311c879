"""Measuring the exercise task on labelled real data (used by ``benchmarks/exercise_acceptance.py`` and tests).

* :func:`label_reps` counts reps from per-frame up/down labels; :func:`stream` turns a landmark
  CSV into one stream to count on.
* :func:`rule_window_labels` applies a definition's form rules to pose windows and maps the faults
  to a dataset's labels, so rules and learned models are scored on the same windows.
* :func:`near_duplicate_groups` merges groups whose samples are near-identical poses, so that a
  split keeps near-duplicates on one side.

The Exercise-Correction CSVs store x and y normalised by the frame's width and height, so angles
need the aspect ratio: :data:`FORM_CORRECTION_FRAME` assumes 16:9 landscape video (checked on the
bicep and lunge recordings, where limb lengths are most constant at an x/y scale of 1.6-1.9).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

from actionpose.datasets.blocks import runs
from actionpose.datasets.form_correction import FPS, named_landmarks
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.analyze import AnalyzeOptions, TrackAnalysis
from actionpose.tasks.exercise.counter import RepSpan
from actionpose.tasks.exercise.definitions import ExerciseDefinition, get_definition
from actionpose.tasks.exercise.faults import rep_faults
from actionpose.tasks.exercise.metrics import rep_view
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frame size assumed for the Exercise-Correction landmarks (normalised 0-1 to an unknown frame)
FORM_CORRECTION_FRAME = (1280, 720)


def to_pixels(points: np.ndarray, frame: tuple[int, int] = FORM_CORRECTION_FRAME) -> np.ndarray:
    """``(..., K, C)`` normalised x, y (and z, scaled like x) to pixels of ``frame`` (a copy)."""
    out = np.array(points, dtype=np.float32, copy=True)
    out[..., 0] *= frame[0]
    out[..., 1] *= frame[1]
    if out.shape[-1] == 4:
        out[..., 2] *= frame[0]
    return out


def pixel_clips(clips: list[LabelledClip], frame: tuple[int, int] = FORM_CORRECTION_FRAME) -> list[LabelledClip]:
    """Clips of :func:`~actionpose.datasets.load_form_correction` in pixels of ``frame``."""
    out = []
    for c in clips:
        seq = PoseSequence(to_pixels(c.seq.data, frame), c.seq.layout, c.seq.fps, frame_size=frame,
                           meta=dict(c.seq.meta, frame_assumed=list(frame)))
        out.append(LabelledClip(seq, label=c.label, group=c.group, meta=c.meta))
    return out


def stream(csv: str | Path, frame: tuple[int, int] = FORM_CORRECTION_FRAME,
           fps: float = FPS) -> tuple[PoseSequence, np.ndarray]:
    """A whole Exercise-Correction CSV as one single-person stream, and its per-row labels."""
    table = pd.read_csv(csv)
    points = to_pixels(named_landmarks(table, source=csv), frame)
    seq = PoseSequence(points[:, None], "blazepose33", fps, frame_size=frame, meta={"source": str(csv)})
    return seq, table["label"].astype(str).to_numpy()


def label_reps(labels: np.ndarray, peak: str = "down", rest: str = "up", min_run: int = 1) -> int:
    """Reps in per-frame labels: runs of ``peak`` followed by a run of ``rest``.

    Runs shorter than ``min_run`` frames are merged into the run before them first (a label key
    held for a few frames is a glitch, not a stage).
    """
    kept: list[str] = []
    for start, stop, value in runs(np.asarray(labels).astype(str)):
        if stop - start >= min_run or not kept:
            if not kept or kept[-1] != value:
                kept.append(str(value))
    return sum(1 for a, b in zip(kept, kept[1:]) if a == peak and b == rest)


def window_rule_faults(window: PoseSequence, definition: ExerciseDefinition,
                       options: AnalyzeOptions | None = None) -> tuple[list[str], list[str]]:
    """Rule faults of one pose window treated as one rep (its bottom: the signal's extreme; holds:
    the whole window), and the rules that could not be assessed."""
    a = TrackAnalysis(window, 0, definition, options or AnalyzeOptions())
    T = window.num_frames
    bottom = T // 2
    if definition.kind == "reps":
        sig = a.smoothed("signal")
        if np.isfinite(sig).any():
            direction = 1.0 if definition.peak.direction == "above" else -1.0
            bottom = int(np.nanargmax(direction * sig))
    span = RepSpan(0, bottom, T - 1, True, 1.0)
    values = {**a.rule_values(), "signal": a.smoothed("signal") if definition.signal else np.full(T, np.nan)}
    faults, skipped = rep_faults(definition, values, span, rep_view(a.tm.side_view, span), a.half)
    return [f.id for f in faults], skipped


def rule_window_labels(X: np.ndarray, layout, fps: float, exercise: str | ExerciseDefinition,
                       fault_to_label: dict[str, str], ok_label: str) -> tuple[np.ndarray, float]:
    """Dataset labels predicted by the rules for ``(N, T, 1, K, C)`` windows, and the share of windows
    where some mapped rule could not be assessed (those count as ``ok_label``).

    The first mapped fault (in rule order) decides the label.
    """
    definition = get_definition(exercise)
    out, skipped_any = [], 0
    for w in X:
        faults, skipped = window_rule_faults(PoseSequence(w, layout, fps), definition)
        mapped = [fault_to_label[f] for f in faults if f in fault_to_label]
        out.append(mapped[0] if mapped else ok_label)
        skipped_any += any(s in fault_to_label for s in skipped)
    return np.array(out), skipped_any / max(1, len(X))


def near_duplicate_groups(embeddings: np.ndarray, groups: np.ndarray, radius: float) -> tuple[np.ndarray, int]:
    """Groups merged wherever two samples lie within ``radius`` (Euclidean, embedding units) of each
    other, and how many cross-group near-duplicate pairs caused a merge."""
    groups = np.asarray(groups)
    names, gid = np.unique(groups, return_inverse=True)
    nn = NearestNeighbors(radius=radius).fit(embeddings)
    pairs = nn.radius_neighbors_graph(embeddings, mode="connectivity").tocoo()
    cross = gid[pairs.row] != gid[pairs.col]
    links = coo_matrix((np.ones(int(cross.sum())), (gid[pairs.row][cross], gid[pairs.col][cross])),
                       shape=(len(names), len(names)))
    _, component = connected_components(links, directed=False)
    return np.array([f"dup{c:03d}" for c in component[gid]]), int(cross.sum() // 2)


__all__ = ["FORM_CORRECTION_FRAME", "label_reps", "near_duplicate_groups", "pixel_clips", "rule_window_labels",
           "stream", "to_pixels", "window_rule_faults"]

"""Exercise-Correction CSVs: a form label and named MediaPipe landmarks per frame, recordings back to back."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from actionpose.datasets.blocks import changes, jump_starts, spans
from actionpose.errors import PoseFormatError
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frame rate assumed: rows are video frames saved while a label key was held; no rate is stored
FPS = 30.0
EXERCISES = ("squat", "plank", "bicep", "lunge")
#: what the label codes mean, per exercise and task (the part of the file name before ``.test``)
LABELS = {
    ("squat", ""): {"up": "standing", "down": "squatting"},
    ("plank", ""): {"C": "correct", "H": "high back", "L": "low back"},
    ("bicep", ""): {"C": "correct", "L": "leaning back"},
    ("lunge", "err"): {"C": "correct", "L": "knee over toe"},
    ("lunge", "stage"): {"I": "init (standing)", "M": "mid", "D": "down"},
}
#: movement of the planted support (feet, else hips), in torso lengths between two rows, that starts a new recording
SCENE_JUMP = 0.3
#: rows of the running median that steadies the support (and the shortest recording)
SMOOTH = 9
_FEET = ("ankle", "heel", "foot_index")


def named_landmarks(table: pd.DataFrame, layout: str | KeypointLayout = "blazepose33",
                    channels: tuple[str, ...] = ("x", "y", "z", "v"), source: str | Path | None = None) -> np.ndarray:
    """Columns ``<joint>_<channel>`` (``nose_x``, ``nose_y``, ...) to ``(T, K, C)`` points in ``layout``.

    Joints of the layout without columns are missing (NaN, score 0); the last channel is the score.

    Raises
    ------
    PoseFormatError
        When no column names a joint of the layout, a joint lacks one of its channels, or a value is not a number.
    """
    layout = get_layout(layout)
    out = np.full((len(table), layout.num_joints, len(channels)), np.nan, dtype=np.float32)
    out[..., -1] = 0.0
    found = [j for j in layout.joints if any(f"{j}_{c}" in table.columns for c in channels)]
    if not found:
        raise PoseFormatError(source, f"no column names a {layout.name} joint as <joint>_{channels[0]}")
    for joint in found:
        cols = [f"{joint}_{c}" for c in channels]
        absent = [c for c in cols if c not in table.columns]
        if absent:
            raise PoseFormatError(source, f"joint {joint!r} lacks columns {absent}")
        try:
            out[:, layout.index(joint)] = table[cols].to_numpy(dtype=np.float32)
        except (TypeError, ValueError):
            raise PoseFormatError(source, f"columns of {joint!r} hold values that are not numbers") from None
    return out


def _joint_mean(points: np.ndarray, layout: KeypointLayout, names: list[str]) -> np.ndarray:
    """``(T, 2)`` mean x, y of the named joints that the file has (NaN where none)."""
    xy = points[:, [layout.index(n) for n in names], :2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean of empty slice: rows without these joints
        return np.nanmean(xy, axis=1)


def support_step(points: np.ndarray, layout: str | KeypointLayout = "blazepose33", smooth: int = SMOOTH,
                 one_foot_steps: bool = False) -> np.ndarray:
    """``(T - 1,)`` how far the planted support moves between rows, in torso lengths.

    The supports are the feet (each the mean of ankle, heel and foot tip, where the file has them)
    or, without feet, the mid-hip, each steadied by a running median over ``smooth`` rows. Squat
    up/down, plank high/low and curl phases move the body but not its support; a new recording (another
    video, camera or place) moves it. The step is the larger of the two feet's, or the smaller when
    ``one_foot_steps`` (a lunge moves the front foot; the back foot stays).
    """
    layout = get_layout(layout)
    present = {j for j in layout.joints if np.isfinite(points[:, layout.index(j), 0]).any()}
    feet = [[f"{side}_{p}" for p in _FEET if f"{side}_{p}" in present] for side in ("left", "right")]
    supports = [_joint_mean(points, layout, f) for f in feet if f] or [
        _joint_mean(points, layout, ["left_hip", "right_hip"])]
    torso = np.linalg.norm(_joint_mean(points, layout, ["left_shoulder", "right_shoulder"])
                           - _joint_mean(points, layout, ["left_hip", "right_hip"]), axis=1)
    scale = np.nanmedian(torso) if np.isfinite(torso).any() else 1.0
    steps = []
    for xy in supports:
        steady = pd.DataFrame(xy).rolling(smooth, center=True, min_periods=1).median().to_numpy()
        steps.append(np.linalg.norm(np.diff(steady, axis=0), axis=1) / scale)
    combine = np.nanmin if one_foot_steps else np.nanmax
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no support seen
        return np.nan_to_num(combine(np.stack(steps), axis=0), nan=0.0)


def _task_and_split(stem: str) -> tuple[str, str]:
    """``"err.test"`` -> ``("err", "test")``; ``"train"`` -> ``("", "train")``."""
    task, _, split = stem.rpartition(".")
    return task, split


def load_form_correction(folder: str | Path, exercise: str, task: str | None = None, fps: float = FPS,
                         scene_jump: float | None = SCENE_JUMP, smooth: int = SMOOTH) -> list[LabelledClip]:
    """Load one exercise of the Exercise-Correction landmark CSVs as clips of consecutive frames.

    Dataset: github.com/NgoQuocBao1010/Exercise-Correction, ``core/<exercise>_model/*.csv`` (the
    real-data folder's ``exercise/form_correction/<exercise>_model/``; ``folder`` may be either level);
    licence MIT (permissive). One row per frame: ``label``, then MediaPipe Pose landmarks by name
    (``nose_x, nose_y, nose_z, nose_v``, ...; a subset of the 33), normalised to the (mirrored) frame.
    Labels (see :data:`LABELS`): squat ``up``/``down`` (``train.csv``, ``test.csv``); plank ``C``/``H``/``L``
    (``test.csv``; ``kaggle.csv`` holds ``C`` poses from still photos of a Kaggle yoga set, runs of
    near-identical rows per photo); bicep ``C``/``L``; lunge has two tasks, ``err`` (``C``/``L``) and
    ``stage`` (``I``/``M``/``D``):
    pass ``task``. Files without landmark columns (``squat_model/analyze_pose.csv``) are skipped.

    The author saved frames while holding a label key during video playback, so a run of one label
    is a stretch of one video, and consecutive runs of different labels usually come from the same
    video (squat up/down alternate every ~50 rows in the same scene). There are no recording ids.
    Groups are therefore recordings inferred from the planted support (:func:`support_step`: both
    feet for squat and plank, the back foot for lunges, the hips for curls): a new group starts where
    it moves more than ``scene_jump`` torso lengths between rows (at most one per ``smooth`` rows);
    ``scene_jump=None`` makes each file one group (the most cautious split). The jumps are clear on
    squat, plank and bicep; lunge foot landmarks flicker, so lunge groups are approximate.

    Returns one clip per run of one label within a group: layout ``blazepose33`` (C = 4: x, y, z,
    visibility; joints the file lacks are NaN with score 0), ``frame_size`` None, ``fps`` assumed.
    Group: ``"<exercise>/<file stem>/<recording>"``; ``meta["split"]`` keeps the author's file split.

    Raises
    ------
    ValueError
        For an unknown exercise, or a folder with several tasks (lunge) and no ``task``.
    FileNotFoundError
        When the exercise folder has no landmark CSV (for ``task``).
    """
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    base = Path(folder)
    base = base / f"{exercise}_model" if (base / f"{exercise}_model").is_dir() else base
    tables = {}
    for path in sorted(base.glob("*.csv")):
        table = pd.read_csv(path)
        if table.columns[0] != "label" or not any(c.endswith("_v") for c in table.columns):
            log.debug("%s: no label and landmark columns, skipped", path.name)
            continue
        tables[path] = table
    tasks = sorted({_task_and_split(p.stem)[0] for p in tables})
    if task is None and len(tasks) > 1:
        raise ValueError(f"{exercise} has several tasks {tasks}: pass task=")
    chosen = {p: df for p, df in tables.items() if task is None or _task_and_split(p.stem)[0] == task}
    if not chosen:
        raise FileNotFoundError(f"no landmark CSV for {exercise!r}" + (f" task {task!r}" if task else "")
                                + f" in {base}")
    clips: list[LabelledClip] = []
    for path, table in chosen.items():
        file_task, split = _task_and_split(path.stem)
        points = named_landmarks(table, "blazepose33", source=path)
        labels = table["label"].astype(str).to_numpy()
        starts = [] if scene_jump is None else jump_starts(
            support_step(points, smooth=smooth, one_foot_steps=exercise == "lunge"), scene_jump, smooth)
        for rec, (r0, r1) in enumerate(spans(len(table), starts)):
            for a, b in spans(r1 - r0, changes(labels[r0:r1])):
                a, b = a + r0, b + r0
                seq = PoseSequence(points[a:b, None], "blazepose33", fps,
                                   meta={"source": str(path), "fps_assumed": True})
                clips.append(LabelledClip(seq, label=str(labels[a]), group=f"{exercise}/{path.stem}/{rec:02d}",
                                          meta={"dataset": "form_correction", "exercise": exercise,
                                                "task": file_task or None, "split": split, "file": path.name,
                                                "rows": (a, b), "recording": rec}))
        log.info("%s/%s: %d rows, %d recordings", exercise, path.name, len(table), len(starts) + 1)
    return clips

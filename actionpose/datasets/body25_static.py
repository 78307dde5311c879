"""pose-classification-kit: OpenPose BODY_25 bodies in 20 static classes and OpenPose hands in 27 gestures."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np

from actionpose.datasets.blocks import cap_length, jump_starts, median_step, runs
from actionpose.datasets.npz import read_arrays
from actionpose.errors import PoseFormatError
from actionpose.skeleton.io import pck_json
from actionpose.skeleton.io.flat import zeros_to_missing
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frame rate assumed: the dataset stores none
FPS = 30.0
#: median joint displacement (normalised units; a pose spans about 1.4) that starts a new block
JUMP = 0.3
#: a jump closer than this many frames to the previous one is a glitch, not a new block
MIN_FRAMES = 10
#: longest block, so that every class splits into several groups
BLOCK_FRAMES = 100


def _read(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(N, 25, 3)`` points (missing joints NaN, score 0) and ``(N,)`` labels from the ``.npz`` or a
    folder of the kit's ``<Class>_body.json`` files (one class per file, read in name order)."""
    if path.is_dir():
        files = sorted(path.glob("*_body.json"))
        if not files:
            raise FileNotFoundError(f"no *_body.json in {path}")
        seqs = [pck_json.read(f) for f in files]
        labels = np.concatenate([np.full(s.num_frames, str(s.meta["label"])) for s in seqs])
        return np.concatenate([s.data[:, 0] for s in seqs]), labels
    with np.load(path, allow_pickle=False) as z:
        if not {"X", "label"} <= set(z.files):
            raise PoseFormatError(path, f"needs arrays X and label, has {z.files}")
        X, labels = z["X"].astype(np.float32), z["label"]
    if X.ndim != 3 or X.shape[1:] != (25, 3) or len(X) != len(labels):
        raise PoseFormatError(path, f"X must be (N, 25, 3) with N labels; got {X.shape} and {len(labels)} labels")
    return zeros_to_missing(X), labels


def load_body25_static(path: str | Path, fps: float = FPS, jump: float | None = JUMP,
                       block_frames: int | None = BLOCK_FRAMES, min_frames: int = MIN_FRAMES) -> list[LabelledClip]:
    """Load the kit's body poses as clips of consecutive poses, one per recording block.

    Dataset: ArthurFDLR/pose-classification-kit; licence MIT (permissive). ``path`` is the project's
    ``exercise/body25_static_poses/body_poses.npz`` or the kit's own folder of per-class JSON files
    (``pose_classification_kit/datasets/Body/<Class>_body.json``; same poses). ``X`` (10,681 x 25 x 3):
    OpenPose BODY_25 x, y, score, each pose centred and scaled by the kit (y points up, as the kit
    stores it); ``(0, 0, 0)`` is a missing joint. ``label``: 20 static classes (Squat, PushUp_Low,
    Plank, Stand, Seated, T, ...); ``detection_accuracy``: the sum of the scores.

    The poses are consecutive webcam frames and each class is one contiguous run, so a random split
    puts near-identical neighbours on both sides. Each run is cut into blocks where the median joint
    moves more than ``jump`` between two poses (a new recording or a pause; a jump within
    ``min_frames`` of the previous one is a glitch and ignored), and blocks are capped at
    ``block_frames`` so that every class (some have no jump at all) yields several groups.

    Returns one clip per block: layout ``body25`` (C = 3), one person, ``frame_size`` None, ``fps``
    assumed. Group: the block (``"Squat/02"``); adjacent blocks of a class touch only at their
    boundary. All poses seem to come from very few people: person-independent evaluation is not possible.
    """
    path = Path(path)
    points, labels = _read(path)
    step = median_step(points[..., :2])
    clips: list[LabelledClip] = []
    for start, stop, label in runs(labels):
        cuts = [] if jump is None else (jump_starts(step[start:stop - 1], jump, min_frames) + start).tolist()
        edges = [start, *cuts, stop]
        pieces = [p for a, b in itertools.pairwise(edges) for p in cap_length(a, b, block_frames)]
        for k, (a, b) in enumerate(pieces):
            seq = PoseSequence(points[a:b, None], "body25", fps, meta={"source": str(path), "fps_assumed": True})
            clips.append(LabelledClip(seq, label=str(label), group=f"{label}/{k:02d}",
                                      meta={"dataset": "body25_static", "rows": (a, b), "block": k,
                                            "starts_at_jump": a in cuts}))
    log.info("%s: %d poses, %d classes, %d blocks", path.name, len(points), len(set(labels.tolist())), len(clips))
    return clips


def load_kit_hands(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Load the kit's hand poses: ``(hands, labels, left)``.

    Dataset: ArthurFDLR/pose-classification-kit (MIT, permissive), the project's
    ``exercise/body25_static_poses/hands_poses.npz``: ``X`` (11,204 x 21 x 3) OpenPose hand key points
    (the MediaPipe order: wrist, then four per finger from the thumb), centred and scaled by the kit
    with y pointing up; ``label`` one of 27 static gestures (digits 0-9, Ok, Stop, Loser, Shaka, Metal,
    ...); ``side`` the hand OpenPose assigned from the body (``left`` / ``right``, the person's side).

    Returns
    -------
    hands
        ``(N, 21, 3)`` x, y, score with y turned to point down (image orientation, as every other
        hand source); missing points NaN with score 0.
    labels, left
        ``(N,)`` gesture names and ``(N,)`` True for left hands.

    Raises
    ------
    FileNotFoundError
        When the file is missing.
    PoseFormatError
        When an array is missing or ``X`` is not ``(N, 21, 3)`` with one label and side per hand.
    """
    path, arrays = read_arrays(path, "hands_poses.npz", ("X", "label", "side"), "kit hand")
    X, labels, side = arrays["X"].astype(np.float32), arrays["label"].astype(str), arrays["side"].astype(str)
    if X.ndim != 3 or X.shape[1:] != (21, 3) or not len(X) == len(labels) == len(side):
        raise PoseFormatError(path, f"X must be (N, 21, 3) with N labels and sides; got {X.shape}")
    if not set(side.tolist()) <= {"left", "right"}:
        raise PoseFormatError(path, f"side must be left or right, got {sorted(set(side.tolist()))[:3]}")
    hands = zeros_to_missing(X)
    hands[..., 1] = -hands[..., 1]
    return hands, labels, side == "left"

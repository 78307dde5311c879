"""Static hand shapes: the ASL fingerspelling alphabet and the Kazuhito00 hand-gesture key points."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from actionpose.datasets.npz import read_arrays
from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.frames import frame_number
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frame rate assumed for the consecutive webcam frames (the files store none)
FPS = 30.0


def _hand_clip(points: np.ndarray, label: str, source: Path, dataset: str, fps: float) -> LabelledClip:
    """``(T, 21, C)`` coordinates of one class to a one-person ``hand21`` clip with score 1."""
    data = np.concatenate([points, np.ones(points.shape[:2] + (1,))], axis=-1).astype(np.float32)[:, None]
    seq = PoseSequence(data, "hand21", fps, meta={"source": str(source), "fps_assumed": True})
    return LabelledClip(seq, label=label, group=label, meta={"dataset": dataset})


def load_asl_alphabet(path: str | Path, fps: float = FPS, mirrored: bool = True) -> list[LabelledClip]:
    """Load ``asl_alphabet_landmarks.npz``: one clip per letter A-Z of consecutive webcam frames.

    Dataset: ``signs/asl_alphabet`` of the project's data card (borisgraudt/asl-ai, MIT, permissive).
    The file holds ``X`` (N, 21, 3) MediaPipe hand landmarks (x, y in normalised image
    coordinates, z), ``y`` the letter and ``frame`` the frame file name (``frame_12.npy``). Frames
    are put in numeric order per letter, so a split by frame order (``clip.seq.slice_frames``) is
    a split in time. Handedness is not stored, and the frames are seen mirrored (a selfie webcam):
    in its L and Y the thumb points to the image's left, where a right hand facing an unmirrored
    camera points it right. x is therefore mirrored (``1 - x``), so that the hands are right hands
    as an unmirrored camera sees them: the frame every other source is normalised to (photos and
    videos through the MediaPipe backend, whose hands are labelled by the person's side, left ones
    mirrored by :func:`~actionpose.tasks.signs.normalize.normalize_hand`). ``mirrored=False`` keeps
    the file's x.

    Returns one clip per letter: layout ``hand21``, C = 4 (x, y, z, score 1), ``fps`` assumed,
    ``group`` the letter (all frames of a letter are one recording).

    Raises
    ------
    FileNotFoundError
        When the file is missing.
    PoseFormatError
        When a key is missing or ``X`` is not ``(N, 21, 3)``.
    """
    path, arrays = read_arrays(path, "asl_alphabet_landmarks.npz", ("X", "y", "frame"), "ASL alphabet")
    X, y, frames = arrays["X"], arrays["y"].astype(str), arrays["frame"].astype(str)
    if X.ndim != 3 or X.shape[1:] != (21, 3) or not len(X) == len(y) == len(frames):
        raise PoseFormatError(path, f"X must be (N, 21, 3) with N letters and frames, got {X.shape}")
    if mirrored:
        X = X.copy()
        X[..., 0] = 1.0 - X[..., 0]
    clips = []
    for letter in sorted(set(y.tolist())):
        idx = np.flatnonzero(y == letter)
        numbers = [frame_number(f) for f in frames[idx]]
        order = np.argsort([n if n is not None else -1 for n in numbers], kind="stable")
        clips.append(_hand_clip(X[idx[order]], letter, path, "asl_alphabet", fps))
    log.info("%s: %d frames of %d letters", path.name, len(X), len(clips))
    return clips


def load_hand_gestures(folder: str | Path, fps: float = FPS) -> list[LabelledClip]:
    """Load ``keypoint_classifier/keypoint.csv``: static hand gestures, one clip per class.

    Dataset: ``signs/hand_gestures`` of the project's data card (Kazuhito00/hand-gesture-recognition-
    using-mediapipe, Apache-2.0, permissive). Each row: class index, then 21 x (x, y) relative to
    the wrist and divided by the largest absolute value; names from ``keypoint_classifier_label.csv``
    (Open, Close, Pointer, OK). Rows keep the file's order (the order they were logged in), so the
    last part of each class is a fair held-out part.

    Returns one clip per class: layout ``hand21``, C = 3 (x, y, score 1), ``group`` the class.

    Raises
    ------
    FileNotFoundError
        When the CSV is missing.
    PoseFormatError
        When a row does not hold a class and 42 numbers.
    """
    folder = Path(folder)
    base = folder / "keypoint_classifier" if (folder / "keypoint_classifier").is_dir() else folder
    table, names_file = base / "keypoint.csv", base / "keypoint_classifier_label.csv"
    if not table.is_file():
        raise FileNotFoundError(f"no keypoint.csv in {base}")
    names: list[str] = []
    if names_file.is_file():
        names = [line.strip() for line in names_file.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    rows: dict[int, list[list[float]]] = {}
    with table.open(newline="") as fh:
        for number, row in enumerate(csv.reader(fh), 1):
            if not row:
                continue
            try:
                cls, values = int(row[0]), [float(v) for v in row[1:]]
            except ValueError:
                raise PoseFormatError(table, f"row {number}: not numbers") from None
            if len(values) != 42:
                raise PoseFormatError(table, f"row {number}: {len(values)} values, expected 42 (21 x, y)")
            rows.setdefault(cls, []).append(values)
    clips = [_hand_clip(np.asarray(v).reshape(-1, 21, 2), names[c] if c < len(names) else str(c), table,
                        "hand_gestures", fps) for c, v in sorted(rows.items())]
    log.info("%s: %d poses of %d classes", table.name, sum(len(v) for v in rows.values()), len(clips))
    return clips


def split_in_time(clips: list[LabelledClip], train_share: float = 0.75
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` hands of one-person ``hand21`` clips split by frame order.

    The first ``train_share`` of each clip's frames train, the rest test (never at random: the
    frames are consecutive, so a random split would test on near-copies of training frames).
    ``X`` is ``(N, 21, C)``.
    """
    if not 0 < train_share < 1:
        raise ValueError(f"train_share must be between 0 and 1, got {train_share}")
    parts: list[list] = [[], [], [], []]
    for clip in clips:
        hands = clip.seq.data[:, 0]
        k = int(round(train_share * len(hands)))
        parts[0].append(hands[:k])
        parts[1] += [clip.label] * k
        parts[2].append(hands[k:])
        parts[3] += [clip.label] * (len(hands) - k)
    return np.concatenate(parts[0]), np.array(parts[1]), np.concatenate(parts[2]), np.array(parts[3])

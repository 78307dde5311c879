"""Sign-language sequences of MediaPipe Holistic landmarks, one signer per ``.npz`` file."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frame rate assumed: the files store none (webcam captures of 30 frames per sign)
FPS = 30.0
_POSE, _HAND = 33 * 4, 21 * 3
FEATURES = _POSE + 2 * _HAND  # 258


def _hand(values: np.ndarray) -> np.ndarray:
    """``(T, 63)`` x, y, z of one hand to ``(T, 21, 4)`` with score 1, or NaN / 0 where the hand is all zeros."""
    hand = np.concatenate([values.reshape(len(values), 21, 3), np.ones((len(values), 21, 1), np.float32)], axis=-1)
    missing = (values.reshape(len(values), 21, 3) == 0).all(axis=-1)
    hand[missing, :3] = np.nan
    hand[missing, 3] = 0.0
    return hand


def frames_to_holistic(x: np.ndarray) -> np.ndarray:
    """``(T, 258)`` MediaPipe Holistic features to ``(T, 1, 75, 4)`` x, y, z, score in the ``holistic`` layout.

    The body keeps MediaPipe's visibility as its score; a hand's points score 1 when the hand was
    found. All-zero points (a body or hand MediaPipe did not find) become NaN with score 0.
    """
    x = np.asarray(x, dtype=np.float32)
    body = x[:, :_POSE].reshape(len(x), 33, 4).copy()
    lost = (body == 0).all(axis=-1)
    body[lost, :3] = np.nan
    body[lost, 3] = 0.0
    left = _hand(x[:, _POSE:_POSE + _HAND])
    right = _hand(x[:, _POSE + _HAND:])
    return np.concatenate([body, left, right], axis=1)[:, None]


def unpad(x: np.ndarray, length: int) -> np.ndarray:
    """The ``length`` real frames of a zero-padded ``(T, F)`` sequence (padding at the end or the start)."""
    if length >= len(x):
        return x
    if not x[length:].any():
        return x[:length]
    if not x[:len(x) - length].any():
        return x[len(x) - length:]
    log.warning("frames past length %d are not zero padding; keeping the first %d", length, length)
    return x[:length]


def load_holistic_signs(folder: str | Path, fps: float = FPS) -> list[LabelledClip]:
    """Load ``signer_*.npz``: sign-language clips of MediaPipe Holistic landmarks.

    Dataset: ``signs/holistic_sequences`` of the project's data card, gathered from three public
    repositories (AbtgCoder/Sign-Language-Detection; IlkerDEMIR-s/SignLanguageDetectionFromWebcam, MIT;
    Lolkink1/Thesis_SignLanguageRecognition). Licence: only IlkerDEMIR-s states one (MIT); use the
    others for testing and evaluation only. Each file holds ``X`` (N, 30, 258) float32 (pose 33 x
    (x, y, z, visibility), left hand 21 x 3, right hand 21 x 3, zeros for a missing hand),
    ``label``, ``seq_id`` and ``lengths``; a sequence shorter than 30 frames is cut to its length.

    Returns one clip per sequence: layout ``holistic`` (75 joints, C = 4: x, y, z, score), normalised
    image coordinates (``frame_size`` None), ``fps`` assumed (the files store none). Group: the signer,
    i.e. the file stem; evaluate across signers.

    Raises
    ------
    FileNotFoundError
        When ``folder`` has no ``signer_*.npz``.
    PoseFormatError
        When a file lacks a key or ``X`` is not ``(N, T, 258)``.
    """
    files = sorted(Path(folder).glob("signer_*.npz"))
    if not files:
        raise FileNotFoundError(f"no signer_*.npz in {folder}")
    clips: list[LabelledClip] = []
    for path in files:
        with np.load(path, allow_pickle=False) as z:
            missing = {"X", "label", "seq_id", "lengths"} - set(z.files)
            if missing:
                raise PoseFormatError(path, f"missing arrays {sorted(missing)}")
            X, labels, seq_ids, lengths = z["X"], z["label"], z["seq_id"], z["lengths"]
        if X.ndim != 3 or X.shape[2] != FEATURES or not len(X) == len(labels) == len(seq_ids) == len(lengths):
            raise PoseFormatError(path, f"X must be (N, T, {FEATURES}) with N labels, seq ids and lengths; "
                                        f"got X {X.shape}, {len(labels)} labels")
        for i in range(len(X)):
            data = frames_to_holistic(unpad(X[i], int(lengths[i])))
            seq = PoseSequence(data, "holistic", fps, meta={"source": str(path), "fps_assumed": True})
            clips.append(LabelledClip(seq, label=str(labels[i]), group=path.stem,
                                      meta={"dataset": "holistic_signs", "file": path.name, "index": i,
                                            "seq_id": int(seq_ids[i])}))
        log.info("%s: %d sequences", path.name, len(X))
    return clips

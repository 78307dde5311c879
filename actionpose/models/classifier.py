"""`ActionClassifier`: one scikit-learn-style estimator over every action model ActionPose has.

>>> clf = ActionClassifier(model="stgcn", window=30).fit(clips)           # doctest: +SKIP
>>> clf.predict(sequences); clf.predict_proba(windows); clf.score(clips)   # doctest: +SKIP
>>> for step in clf.predict_stream(live_frames): print(step.label)        # doctest: +SKIP
>>> clf.save("falls.apm"); ActionClassifier.load("falls.apm")             # doctest: +SKIP

Training data may be :class:`LabelledClip` s (from :mod:`actionpose.datasets` or
:mod:`actionpose.train.sources`), ``PoseSequence`` s with ``y`` (and ``groups``), or a ready
:class:`WindowSet`. Models: the torch ones (``"stgcn"``, ``"tcn"``, ``"gru"``) learn from the
normalised windows; the scikit-learn ones (``"rf"``, ``"gb"``, ``"logreg"``, ``"knn"``) from
layout-independent features (joint angles, normalised coordinates, velocities).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GroupShuffleSplit, StratifiedShuffleSplit

from actionpose import __version__
from actionpose.errors import InputError
from actionpose.features import normalize_windows, window_features
from actionpose.models.registry import create_model, list_models
from actionpose.models.sklearn import SKLEARN_MODELS, make_sklearn_model
from actionpose.models.store import ModelFileError, describe_kind, load_model_file, save_model
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip, WindowSet
from actionpose.train.fit import EpochCallback, balanced_weights, predict_logits, seed_everything, train_torch
from actionpose.train.sources import clips_from_sequences
from actionpose.train.windows import make_windows, windows_from_sequence

if TYPE_CHECKING:
    from actionpose.models.verdict import ClipVerdict

log = logging.getLogger(__name__)

TrainingData = WindowSet | Sequence[LabelledClip] | Sequence[PoseSequence]


@dataclass
class StreamStep:
    """One step of :meth:`ActionClassifier.predict_stream`: the label of the window ending at ``index``."""

    index: int
    time_s: float
    label: str
    proba: np.ndarray


@dataclass
class WindowPrediction:
    """The label of one window of a sequence (``actionpose predict``)."""

    start_s: float
    end_s: float
    label: str
    proba: np.ndarray


class ActionClassifier(ClassifierMixin, BaseEstimator):
    """Classify windows of pose sequences into actions.

    Parameters
    ----------
    model
        ``"stgcn"``, ``"tcn"``, ``"gru"`` (torch) or ``"rf"``, ``"gb"``, ``"logreg"``, ``"knn"``.
    window, stride
        Window length and step in frames (stride defaults to half the window).
    fps
        Resample every clip to this rate first (None: keep the clips' own).
    layout
        Convert every clip to this layout first (None: the first training clip's).
    people, channels
        Person slots per window and channels (``"xys"`` or ``"xyzs"``).
    epochs, batch_size, lr, weight_decay, augment, class_weight, val_fraction, patience
        Torch training: early stopping on a validation split made by group (never one recording
        on both sides), ``class_weight="balanced"`` or None.
    seed
        Fixes splits, initialisation and augmentation.
    model_options
        Extra constructor options of the model (e.g. ``{"width": 32}``).
    background, min_present
        See :func:`actionpose.train.windows.make_windows`.
    rep_model
        Set for a per-rep form model (:mod:`actionpose.tasks.exercise.rep_model`): ``{"exercise", "frames",
        "fps"}``, each rep time-normalised to ``frames`` frames is one window.
    """

    def __init__(self, model: str = "stgcn", window: int = 30, stride: int | None = None, fps: float | None = None,
                 layout: str | None = None, people: int = 1, channels: str = "xys", epochs: int = 60,
                 batch_size: int = 32, lr: float = 1e-3, weight_decay: float = 1e-4, augment: bool = True,
                 class_weight: str | None = "balanced", val_fraction: float = 0.2, patience: int = 12,
                 seed: int = 0, model_options: dict | None = None, background: str = "none",
                 min_present: float = 0.5, rep_model: dict | None = None) -> None:
        self.model = model
        self.window = window
        self.stride = stride
        self.fps = fps
        self.layout = layout
        self.people = people
        self.channels = channels
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.augment = augment
        self.class_weight = class_weight
        self.val_fraction = val_fraction
        self.patience = patience
        self.seed = seed
        self.model_options = model_options
        self.background = background
        self.min_present = min_present
        self.rep_model = rep_model

    # ------------------------------------------------------------------ data
    @property
    def _is_sklearn(self) -> bool:
        return self.model in SKLEARN_MODELS

    def _cut_args(self) -> dict[str, Any]:
        """How windows are cut from any sequence (training and prediction alike)."""
        return dict(window=self.window, stride=self.stride or max(1, self.window // 2), fps=self.fps_,
                    layout=self.layout_, people=self.people, channels=self.channels)

    def _window_args(self) -> dict[str, Any]:
        return dict(self._cut_args(), background=self.background, min_present=self.min_present)

    def _as_clips(self, X: Sequence, y: Sequence | None, groups: Sequence | None) -> list[LabelledClip]:
        if all(isinstance(c, LabelledClip) for c in X):
            return list(X)
        if all(isinstance(s, PoseSequence) for s in X):
            if y is None:
                y = ["?"] * len(X)
            return clips_from_sequences(list(X), list(y), None if groups is None else list(groups))
        raise InputError(None, "training data must be LabelledClips, PoseSequences with labels, or a WindowSet")

    def windows(self, X: TrainingData, y: Sequence | None = None, groups: Sequence | None = None) -> WindowSet:
        """The windows this classifier cuts from ``X`` (after :meth:`fit` or :meth:`load`)."""
        if isinstance(X, WindowSet):
            return X
        return make_windows(self._as_clips(X, y, groups), **self._window_args())

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """What the model reads: features for scikit-learn models, the windows themselves for torch."""
        return window_features(X, self.layout_, fps=self.fps_) if self._is_sklearn else X

    # ------------------------------------------------------------------- fit
    def fit(self, X: TrainingData, y: Sequence | None = None, groups: Sequence | None = None,
            progress: EpochCallback | None = None) -> ActionClassifier:
        """Learn the classes of ``X`` (see the class notes for what ``X`` may be)."""
        if self.model not in SKLEARN_MODELS and self.model not in list_models():
            raise InputError(None, f"unknown model {self.model!r}; choose from "
                                   f"{', '.join(list(list_models()) + list(SKLEARN_MODELS))}")
        rng = seed_everything(self.seed)
        if isinstance(X, WindowSet):
            self.layout_, self.fps_ = X.layout, X.fps
        else:
            clips = self._as_clips(X, y, groups)
            if not clips:
                raise InputError(None, "no training clips")
            self.layout_ = get_layout(self.layout) if self.layout else clips[0].seq.layout
            self.fps_ = float(self.fps or clips[0].seq.fps)
            X = make_windows(clips, **self._window_args())
        ws = X
        if len(ws) == 0:
            raise InputError(None, "no training windows: clips too short or the person mostly absent")
        self.classes_ = np.array(sorted(set(ws.y.tolist())))
        if len(self.classes_) < 2:
            raise InputError(None, f"need at least two classes to train, got {self.classes_.tolist()}")
        y_int = np.searchsorted(self.classes_, ws.y)
        self.channels_ = ws.X.shape[-1]
        if self._is_sklearn:
            self.estimator_ = make_sklearn_model(self.model, seed=self.seed).fit(self._inputs(ws.X), ws.y)
            self.history_ = None
            return self
        train, val = self._split(ws, y_int)
        net = create_model(self.model, self.layout_, self.channels_, len(self.classes_), num_people=ws.X.shape[2],
                           **(self.model_options or {}))
        weights = balanced_weights(y_int[train], len(self.classes_)) if self.class_weight == "balanced" else None
        self.history_ = train_torch(net, ws.X[train], y_int[train], ws.X[val] if len(val) else None,
                                    y_int[val] if len(val) else None, self.layout_, epochs=self.epochs,
                                    batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                                    class_weights=weights, use_augment=self.augment, patience=self.patience,
                                    rng=rng, progress=progress)
        self.estimator_ = net
        return self

    def _split(self, ws: WindowSet, y_int: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Train/validation indices: by group when there are several groups, else stratified by class."""
        idx = np.arange(len(ws))
        if self.val_fraction <= 0 or len(ws) < 10:
            return idx, idx[:0]
        groups = ws.groups
        if len(set(groups.tolist())) >= 3:
            splitter = GroupShuffleSplit(n_splits=1, test_size=self.val_fraction, random_state=self.seed)
            train, val = next(splitter.split(idx, y_int, groups))
        else:
            log.warning("fewer than 3 groups: the validation split is by window, so early stopping may be "
                        "optimistic")
            try:
                splitter = StratifiedShuffleSplit(n_splits=1, test_size=self.val_fraction, random_state=self.seed)
                train, val = next(splitter.split(idx, y_int))
            except ValueError:
                return idx, idx[:0]
        return train, val

    # --------------------------------------------------------------- predict
    def _check_fitted(self) -> None:
        if not hasattr(self, "estimator_"):
            raise InputError(None, "this ActionClassifier is not fitted yet: call fit() or load()")

    def _window_proba(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted()
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)), np.float32)
        if self._is_sklearn:
            proba = self.estimator_.predict_proba(self._inputs(X))
            # scikit-learn orders its columns by its own classes_; ours are the same sorted labels
            return proba.astype(np.float32)
        logits = predict_logits(self.estimator_, X.astype(np.float32))
        return torch.softmax(torch.from_numpy(logits), dim=1).numpy()

    def predict_proba(self, X: TrainingData) -> np.ndarray:
        """Class probabilities: per window for a :class:`WindowSet`, per clip/sequence otherwise
        (the mean over the clip's windows)."""
        if isinstance(X, WindowSet):
            return self._window_proba(X.X)
        clips = self._as_clips(X, None, None)
        out = []
        for clip in clips:
            windows, _ = windows_from_sequence(clip.seq, **self._cut_args())
            proba = self._window_proba(windows)
            out.append(proba.mean(axis=0) if len(proba) else np.full(len(self.classes_), np.nan, np.float32))
        return np.array(out, dtype=np.float32).reshape(len(clips), len(self.classes_))

    def predict(self, X: TrainingData) -> np.ndarray:
        """The most probable class per window (WindowSet) or per clip/sequence."""
        proba = self.predict_proba(X)
        return self.classes_[np.nan_to_num(proba, nan=-1).argmax(axis=1)]

    def score(self, X: TrainingData, y: Sequence | None = None, sample_weight: Any = None) -> float:
        """Accuracy on windows (labels from the WindowSet) or on clips (their labels, or ``y``)."""
        if isinstance(X, WindowSet):
            truth = X.y
        elif y is not None:
            truth = np.asarray(y)
        else:
            truth = np.array([c.label for c in self._as_clips(X, None, None)])
        return float((self.predict(X) == truth).mean())

    def predict_windows(self, seq: PoseSequence) -> list[WindowPrediction]:
        """Labels over time: one prediction per window of ``seq`` (``actionpose predict``)."""
        windows, starts = windows_from_sequence(seq, **self._cut_args())
        proba = self._window_proba(windows)
        span = self.window / self.fps_
        return [WindowPrediction(float(s), float(s + span), str(self.classes_[p.argmax()]), p)
                for s, p in zip(starts, proba)]

    def predict_verdict(self, seq: PoseSequence, windows: list[WindowPrediction] | None = None,
                        **options: Any) -> ClipVerdict:
        """One label for the whole clip and one per segment, smoothed, with confidence.

        Parameters
        ----------
        seq
            The clip.
        windows
            Its :meth:`predict_windows` (computed when None).
        options
            See :func:`actionpose.models.verdict.clip_verdict` (``smooth``, ``min_windows``, ``margin``).
        """
        from actionpose.models.verdict import verdict_of_windows

        windows = self.predict_windows(seq) if windows is None else windows
        return verdict_of_windows(windows, [str(c) for c in self.classes_], **options)

    def predict_stream(self, frames: Iterable[np.ndarray] | PoseSequence,
                       timestamps: Iterable[float] | None = None, every: int = 1) -> Iterator[StreamStep]:
        """Causal sliding-window inference: one label per new frame, never looking ahead.

        Parameters
        ----------
        frames
            Poses per frame in the classifier's layout and pixel units, ``(P, K, C)`` or ``(K, C)``
            (C = x, y[, z], score), or a ``PoseSequence`` (converted and read frame by frame).
        timestamps
            Seconds of each frame (default ``index / fps``).
        every
            Classify every ``every``-th frame only (the others are skipped, not emitted).

        Until ``window`` frames have arrived, the window is padded at the front with the first frame.
        """
        self._check_fitted()
        if isinstance(frames, PoseSequence):
            seq = frames.convert(self.layout_) if frames.layout.name != self.layout_.name else frames
            timestamps = seq.timestamps if timestamps is None else timestamps
            frames = iter(seq.data)
        times = iter(timestamps) if timestamps is not None else None
        buffer: deque[np.ndarray] = deque(maxlen=self.window)
        channels = self.channels_
        for index, frame in enumerate(frames):
            pose = _slots(np.asarray(frame, np.float32), self.people, channels)
            t = float(next(times)) if times is not None else index / self.fps_
            buffer.append(pose)
            if index % every:
                continue
            window = np.stack([buffer[0]] * (self.window - len(buffer)) + list(buffer))[None]
            proba = self._window_proba(normalize_windows(window, self.layout_))[0]
            yield StreamStep(index, t, str(self.classes_[proba.argmax()]), proba)

    # ----------------------------------------------------------------- files
    def _header(self) -> dict[str, Any]:
        return {"library_version": __version__, "kind": "sklearn" if self._is_sklearn else "torch",
                "model": self.model, "params": self.get_params(), "classes": self.classes_.tolist(),
                "layout": self.layout_.to_dict(), "fps": self.fps_, "channels": int(self.channels_),
                "window": self.window, "normalisation": "pelvis-centred, torso-length units, per window",
                "feature_set": "window_features" if self._is_sklearn else "windows",
                "model_config": None if self._is_sklearn else getattr(self.estimator_, "config", {})}

    def save(self, path: str | Path) -> Path:
        """Write the fitted classifier to one safe file (see :mod:`actionpose.models.store`)."""
        self._check_fitted()
        if self._is_sklearn:
            return save_model(path, self._header(), estimator=self.estimator_)
        tensors = {k: v.detach().cpu().numpy() for k, v in self.estimator_.state_dict().items()}
        return save_model(path, self._header(), tensors=tensors)

    @classmethod
    def load(cls, path: str | Path) -> ActionClassifier:
        """Read a classifier written by :meth:`save`; never unpickles."""
        header, tensors, estimator = load_model_file(path)
        if header.get("kind") not in ("sklearn", "torch", None):
            raise ModelFileError(path, f"not an action classifier: it is {describe_kind(header.get('kind'))}")
        try:
            clf = cls(**header["params"])
            clf.classes_ = np.array(header["classes"])
            clf.layout_ = KeypointLayout.from_dict(header["layout"])
            clf.fps_ = float(header["fps"])
            clf.channels_ = int(header["channels"])
            clf.history_ = None
            if estimator is not None:
                clf.estimator_ = estimator
            else:
                config = dict(header.get("model_config") or {})
                net = create_model(header["model"], clf.layout_, clf.channels_, len(clf.classes_),
                                   **{k: v for k, v in config.items()
                                      if k not in ("layout", "in_channels", "num_classes")})
                net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()})
                clf.estimator_ = net.eval()
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise ModelFileError(path, f"inconsistent model file ({type(exc).__name__}: {exc})") from None
        return clf


def _slots(frame: np.ndarray, people: int, channels: int) -> np.ndarray:
    """``(people, K, channels)`` from one frame's ``(P, K, C)`` or ``(K, C)`` poses (most complete first)."""
    if frame.ndim == 2:
        frame = frame[None]
    if frame.shape[-1] != channels:
        keep = [0, 1] + ([2] if channels == 4 and frame.shape[-1] == 4 else []) + [frame.shape[-1] - 1]
        frame = frame[..., keep]
    order = np.argsort(-(frame[..., -1] > 0).sum(axis=-1), kind="stable")[:people]
    out = np.full((people,) + frame.shape[1:], np.nan, np.float32)
    out[..., -1] = 0
    out[: len(order)] = frame[order]
    return out



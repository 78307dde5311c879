"""Terminal states learned from examples: k-NN on normalised landmarks, in the spirit of MediaPipe's
pose-classification approach (labelled "up"/"down" poses, nearest neighbours, smoothing over time).

A pose is embedded as the x, y of thirteen body joints (nose, shoulders, elbows, wrists, hips,
knees, ankles; any layout that has or derives them), relative to the pelvis and divided by
``max(torso length, largest joint distance from the pelvis / 2.5)`` so that a foreshortened torso
does not inflate the pose. Training poses are also added mirrored (x flipped, left and right
swapped), so a person facing the other way matches. The probability of a state is the share of the
``n_neighbors`` nearest training poses that carry it; over time it is smoothed with an exponential
moving average, and the counter's hysteresis (rest below 0.4, peak above 0.6: six of ten neighbours)
turns it into reps.

Models are saved as one ``.npz`` (the training embeddings, their labels, and a JSON header as a
string array) and loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier

from actionpose import __version__
from actionpose.atomic import atomic_path
from actionpose.errors import InputError
from actionpose.features.normalize import named_points
from actionpose.safezip import check_zip_file
from actionpose.skeleton.layouts import get_layout
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)

FORMAT = "actionpose-terminal-states"
#: the joints of the embedding, in order
JOINTS = ("nose", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
          "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
#: counter zones on the peak probability: six of ten neighbours to enter a state, hysteresis between
REST_BELOW, PEAK_ABOVE = 0.4, 0.6


def _mirror_index() -> np.ndarray:
    swap = {"left": "right", "right": "left"}
    names = ["_".join(swap.get(t, t) for t in j.split("_")) for j in JOINTS]
    return np.array([JOINTS.index(n) for n in names])


def embed(points: np.ndarray, layout: str = "blazepose33", min_score: float = 0.3) -> np.ndarray:
    """``(N, 2 * 13)`` embeddings of ``(N, K, C)`` poses (last channel the score; missing joints at the pelvis).

    Rows without a pelvis are NaN.
    """
    points = np.asarray(points, dtype=np.float64)
    gated = points.copy()
    gated[gated[..., -1] < min_score] = np.nan
    gated[..., -1] = np.where(np.isnan(gated[..., 0]), 0.0, 1.0)
    xy = named_points(gated, get_layout(layout), list(JOINTS) + ["pelvis", "neck"])
    centre, neck = xy[:, -2], xy[:, -1]
    joints = xy[:, :-2] - centre[:, None]
    torso = np.linalg.norm(neck - centre, axis=-1)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.linalg.norm(joints, axis=-1), axis=-1) if joints.size else torso
    scale = np.fmax(torso, spread / 2.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = joints / scale[:, None, None]
    out = np.where(np.isnan(out) & np.isfinite(scale)[:, None, None], 0.0, out)
    return out.reshape(len(points), -1)


def mirror(embedded: np.ndarray) -> np.ndarray:
    """The embeddings of the mirrored poses (x flipped, left and right swapped)."""
    e = embedded.reshape(len(embedded), len(JOINTS), 2)[:, _mirror_index()].copy()
    e[..., 0] *= -1
    return e.reshape(len(embedded), -1)


class TerminalStateClassifier(ClassifierMixin, BaseEstimator):
    """k-NN classifier of terminal states (e.g. ``pushups_up`` / ``pushups_down``) on normalised poses.

    Parameters
    ----------
    n_neighbors
        Neighbours that vote (probabilities are vote shares).
    layout
        Layout of the ``(N, K, C)`` poses given to :meth:`fit` and :meth:`predict_proba`.
    mirror
        Also learn every pose mirrored.
    rest_class, peak_class
        Which classes are the rest and the peak state (for counting); with two classes and none
        given, the peak is the class whose name contains "down" (else the second).
    """

    def __init__(self, n_neighbors: int = 10, layout: str = "blazepose33", mirror: bool = True,
                 rest_class: str | None = None, peak_class: str | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.layout = layout
        self.mirror = mirror
        self.rest_class = rest_class
        self.peak_class = peak_class

    def fit(self, X: np.ndarray, y: Sequence[str]) -> TerminalStateClassifier:
        """Learn from ``(N, K, C)`` poses and their labels."""
        E = embed(X, self.layout)
        y = np.asarray(y).astype(str)
        keep = np.isfinite(E).all(axis=1)
        if keep.sum() < 2 or len(set(y[keep].tolist())) < 2:
            raise InputError(None, "need poses of at least two states with a visible pelvis to learn from")
        self._fit_embedded(E[keep], y[keep])
        return self

    def _fit_embedded(self, E: np.ndarray, y: np.ndarray) -> None:
        self.embeddings_, self.labels_ = E.astype(np.float32), y
        if self.mirror:
            E, y = np.concatenate([E, mirror(E)]), np.concatenate([y, y])
        self.classes_ = np.array(sorted(set(y.tolist())))
        self.knn_ = KNeighborsClassifier(n_neighbors=min(self.n_neighbors, len(E))).fit(E, y)
        self.peak_class_ = self.peak_class or self._guess("down", 1)
        self.rest_class_ = self.rest_class or next((c for c in self.classes_ if c != self.peak_class_),
                                                   self.classes_[0])
        for c in (self.peak_class_, self.rest_class_):
            if c not in self.classes_:
                raise InputError(None, f"class {c!r} is not among the learned classes {self.classes_.tolist()}")

    def _guess(self, word: str, fallback: int) -> str:
        hits = [c for c in self.classes_ if word in c.lower()]
        return str(hits[0]) if len(hits) == 1 else str(self.classes_[min(fallback, len(self.classes_) - 1)])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """``(N, n_classes)`` vote shares (NaN rows for poses without a pelvis)."""
        E = embed(X, self.layout)
        out = np.full((len(E), len(self.classes_)), np.nan)
        ok = np.isfinite(E).all(axis=1)
        if ok.any():
            out[ok] = self.knn_.predict_proba(E[ok])
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The most voted class per pose."""
        return self.classes_[np.nan_to_num(self.predict_proba(X), nan=-1).argmax(axis=1)]

    def peak_probability(self, seq: PoseSequence, track: int = 0, alpha: float = 0.5,
                         peak_class: str | None = None) -> np.ndarray:
        """``(T,)`` probability of the peak state (or of ``peak_class``) for one person of ``seq``,
        smoothed by an exponential moving average with weight ``alpha`` on the newest frame (NaN where
        the person is missing)."""
        peak = peak_class or self.peak_class_
        if peak not in self.classes_:
            raise InputError(None, f"class {peak!r} is not in the model ({', '.join(self.classes_)})")
        seq = seq if seq.layout.name == get_layout(self.layout).name else seq.convert(self.layout)
        proba = self.predict_proba(seq.data[:, track])[:, list(self.classes_).index(peak)]
        out = np.full(len(proba), np.nan)
        state = np.nan
        for i, p in enumerate(proba):
            if np.isfinite(p):
                state = p if np.isnan(state) else alpha * p + (1 - alpha) * state
                out[i] = state
        return out

    # ----------------------------------------------------------------- files
    def save(self, path: str | Path, name: str | None = None) -> Path:
        """Write one ``.npz``: embeddings, labels and a JSON header (no pickled objects)."""
        path = Path(path)
        header = {"format": FORMAT, "library_version": __version__, "name": name or path.stem,
                  "layout": get_layout(self.layout).name, "joints": list(JOINTS), "n_neighbors": self.n_neighbors,
                  "mirror": self.mirror, "classes": self.classes_.tolist(), "rest_class": self.rest_class_,
                  "peak_class": self.peak_class_, "zones": {"rest_below": REST_BELOW, "peak_above": PEAK_ABOVE},
                  "normalisation": "pelvis-centred, / max(torso, spread / 2.5)"}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, embeddings=self.embeddings_, labels=self.labels_.astype(str),
                                    header=np.array(json.dumps(header)))
        return path

    @classmethod
    def load(cls, path: str | Path) -> TerminalStateClassifier:
        """Read a model written by :meth:`save` (``allow_pickle=False``)."""
        path = Path(path)
        if not path.is_file():
            raise InputError(path, "no such terminal-state model file")
        check_zip_file(path, 64 << 20)  # a small model file: refuse a bomb before reading
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                E, labels = z["embeddings"].astype(np.float64), z["labels"].astype(str)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
            raise InputError(path, f"not a terminal-state model ({type(exc).__name__}: {exc})") from None
        if header.get("format") != FORMAT or E.ndim != 2 or E.shape[1] != 2 * len(JOINTS) or len(E) != len(labels):
            raise InputError(path, "not a terminal-state model (wrong header or array shapes)")
        clf = cls(n_neighbors=int(header["n_neighbors"]), layout=header["layout"], mirror=bool(header["mirror"]),
                  rest_class=header["rest_class"], peak_class=header["peak_class"])
        clf._fit_embedded(E, labels)
        clf.name_ = str(header.get("name", path.stem))
        return clf


_CACHE: dict[Path, TerminalStateClassifier] = {}


def load_model(path: str | Path) -> TerminalStateClassifier:
    """A terminal-state model, loaded once per path."""
    path = Path(path).resolve()
    if path not in _CACHE:
        _CACHE[path] = TerminalStateClassifier.load(path)
    return _CACHE[path]


def learned_measure(measure, seq: PoseSequence, track: int) -> np.ndarray:
    """Values of a ``learned`` measure: the model's smoothed peak probability (the class named by the
    measure's ``peak_class`` when given)."""
    return load_model(measure.model).peak_probability(seq, track, peak_class=measure.peak_class)


def definition_from_model(path: str | Path):
    """A counting-only :class:`ExerciseDefinition` for a terminal-state model file."""
    from actionpose.tasks.exercise.definitions import parse_definition

    model = load_model(path)
    name = getattr(model, "name_", Path(path).stem)
    doc = {"name": name, "title": f"{name} (learned states)", "kind": "reps",
           "description": f"rest = {model.rest_class_}, peak = {model.peak_class_}, k-NN on {len(model.labels_)} poses",
           "signal": {"learned": str(Path(path).resolve())}, "rest": {"below": REST_BELOW},
           "peak": {"above": PEAK_ABOVE}, "phases": ["to_peak", "to_rest"]}
    return parse_definition(doc, path, origin=str(path))


__all__ = ["JOINTS", "PEAK_ABOVE", "REST_BELOW", "TerminalStateClassifier", "definition_from_model", "embed",
           "learned_measure", "load_model", "mirror"]

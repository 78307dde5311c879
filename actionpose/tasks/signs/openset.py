"""Open-set sign recognition: say ``unknown`` for what a sign model was not trained on.

A closed-set classifier always names one of its classes, however foreign the input. Every sign
model (static and dynamic, shipped and user-trained) therefore carries an :class:`OpenSetGate`
fitted beside it, and a prediction is accepted only when all three tests pass:

1. **not the none class**: a training folder called ``none`` (see :data:`NONE_LABELS`) is learned
   like any sign but is never reported; predicting it means "a hand, but not a sign";
2. **near the training data**: the input's distance to the nearest training prototype (features
   standardised, projected on the leading principal components and whitened) is at most
   ``distance_threshold``, the ``quantile`` of the same distance on *held-out* training data (rows
   the prototypes were not built from: a later part of each recording, or another signer);
3. **confident**: the calibrated probability of the best class reaches the user's threshold.
   Probabilities are temperature-scaled (``p ** (1 / T)``, renormalised) with the temperature that
   minimises the log-loss on the held-out rows, so 0.9 means about nine in ten on new data.

The gate is a handful of arrays (stored in the model file's ``weights.safetensors`` beside the
estimator) and a few numbers in its JSON header. :func:`decide` turns probabilities and distances
into :class:`Verdict` s naming the label (or :data:`UNKNOWN`), the nearest sign and why.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
#: training labels that mean "a hand that is not a sign" (learned, never reported)
NONE_LABELS = ("none", "_none", "not_a_sign", "nothing")
#: temperatures tried by :func:`fit_temperature`
TEMPERATURES = np.geomspace(0.25, 16.0, 49)


def is_none_label(label: str) -> bool:
    """True for the labels of the explicit "not a sign" class (:data:`NONE_LABELS`, any case)."""
    return str(label).lower() in NONE_LABELS


def temper(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Temperature-scaled probabilities ``p ** (1 / T)`` renormalised per row (NaN rows stay NaN)."""
    proba = np.asarray(proba, dtype=np.float64)
    if temperature == 1.0:
        return proba
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(np.clip(proba, 1e-12, 1.0)) / temperature
        logp -= np.nanmax(logp, axis=-1, keepdims=True)
        out = np.exp(logp)
        return out / out.sum(axis=-1, keepdims=True)


def fit_temperature(proba: np.ndarray, y_index: np.ndarray) -> float:
    """The temperature (of :data:`TEMPERATURES`) with the lowest log-loss of held-out ``proba``."""
    proba = np.asarray(proba, dtype=np.float64)
    ok = np.isfinite(proba).all(axis=1) & (y_index >= 0)
    if ok.sum() < 2:
        return 1.0
    losses = [-np.log(np.clip(temper(proba[ok], t)[np.arange(ok.sum()), y_index[ok]], 1e-12, None)).mean()
              for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


@dataclass
class OpenSetGate:
    """Distance to the training data, in a whitened principal-component space of the features.

    Attributes
    ----------
    centre, mean, scale
        ``(F,)`` per-feature median, mean and standard deviation of the training rows; missing
        features are filled with ``centre``.
    components
        ``(d, F)`` principal axes divided by their standard deviations (whitening).
    prototypes
        ``(M, d)`` training rows in that space (at most ``per_class`` per class, evenly spaced).
    prototype_labels
        ``(M,)`` their class indices.
    distance_threshold
        Largest accepted distance to the nearest prototype.
    temperature
        Calibration temperature of the classifier's probabilities.
    """

    centre: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    components: np.ndarray
    prototypes: np.ndarray
    prototype_labels: np.ndarray
    distance_threshold: float = float("inf")
    temperature: float = 1.0
    quantile: float = 0.99

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(cls, feats: np.ndarray, y_index: np.ndarray, dims: int = 24, per_class: int = 200) -> OpenSetGate:
        """A gate on training rows ``feats`` (``(N, F)``, NaN allowed) of classes ``y_index``.

        The threshold is not set here (infinite); see :meth:`calibrate`.
        """
        feats = np.asarray(feats, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a feature never seen in training
            centre = np.nanmedian(feats, axis=0)
        centre = np.where(np.isfinite(centre), centre, 0.0)
        filled = np.where(np.isfinite(feats), feats, centre)
        scale = filled.std(axis=0)
        scale = np.where(scale > 1e-6 * max(float(scale.max(initial=0.0)), 1e-12), scale, np.inf)
        z = (filled - filled.mean(axis=0)) / scale
        _, s, vt = np.linalg.svd(z, full_matrices=False)
        d = int(min(dims, len(s), max(1, int((s > 1e-6 * s[0]).sum()))))
        sd = s[:d] / np.sqrt(max(len(z) - 1, 1))
        components = vt[:d] / sd[:, None]
        gate = cls(centre=centre, mean=filled.mean(axis=0), scale=scale, components=components,
                   prototypes=np.empty((0, d)), prototype_labels=np.empty(0, dtype=np.int64))
        proj = gate.project(feats)
        keep = []
        for k in np.unique(y_index):
            idx = np.flatnonzero(y_index == k)
            keep.append(idx[np.linspace(0, len(idx) - 1, min(per_class, len(idx))).round().astype(int)])
        keep = np.unique(np.concatenate(keep))
        gate.prototypes, gate.prototype_labels = proj[keep], np.asarray(y_index)[keep].astype(np.int64)
        return gate

    def calibrate(self, held_feats: np.ndarray, held_proba: np.ndarray, held_y: np.ndarray,
                  quantile: float = 0.99, other: OpenSetGate | None = None) -> OpenSetGate:
        """Set the temperature and the distance threshold from held-out rows.

        ``other`` is the gate fitted without the held-out rows (whose distances are the honest
        ones); its threshold is carried over as is to this gate (fitted on every row): distances
        are in whitened units, which do not depend much on the rows the gate was fitted on.
        """
        judge = other or self
        self.temperature = fit_temperature(held_proba, np.asarray(held_y))
        dist = judge.distance(held_feats)[0]
        dist = dist[np.isfinite(dist)]
        self.quantile = float(quantile)
        self.distance_threshold = float(np.quantile(dist, quantile)) if len(dist) else float("inf")
        return self

    # ------------------------------------------------------------------ use
    def project(self, feats: np.ndarray) -> np.ndarray:
        """``(N, d)`` whitened projection of ``(N, F)`` feature rows (missing values: the median)."""
        feats = np.asarray(feats, dtype=np.float64)
        filled = np.where(np.isfinite(feats), feats, self.centre)
        return ((filled - self.mean) / self.scale) @ self.components.T

    def distance(self, feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(distance, class index)`` of the nearest prototype per row (NaN / -1 for all-missing rows)."""
        feats = np.atleast_2d(np.asarray(feats, dtype=np.float64))
        proj = self.project(feats)
        out, which = np.full(len(feats), np.nan), np.full(len(feats), -1)
        ok = np.isfinite(feats).any(axis=1)
        if len(self.prototypes) and ok.any():
            for start in range(0, int(ok.sum()), 2048):
                rows = np.flatnonzero(ok)[start:start + 2048]
                d2 = ((proj[rows, None, :] - self.prototypes[None]) ** 2).sum(-1)
                j = d2.argmin(axis=1)
                out[rows] = np.sqrt(d2[np.arange(len(rows)), j] / self.prototypes.shape[1])
                which[rows] = self.prototype_labels[j]
        return out, which

    # ------------------------------------------------------------------ storage
    def to_tensors(self) -> dict[str, np.ndarray]:
        """Arrays for the model file (``weights.safetensors``)."""
        return {"openset.centre": self.centre.astype(np.float32), "openset.mean": self.mean.astype(np.float32),
                "openset.scale": np.where(np.isfinite(self.scale), self.scale, 0.0).astype(np.float32),
                "openset.components": self.components.astype(np.float32),
                "openset.prototypes": self.prototypes.astype(np.float32),
                "openset.prototype_labels": self.prototype_labels.astype(np.int64)}

    def to_header(self) -> dict[str, Any]:
        """The scalars for the model file's JSON header."""
        return {"distance_threshold": self.distance_threshold, "temperature": self.temperature,
                "quantile": self.quantile, "dims": int(self.components.shape[0]),
                "prototypes": int(len(self.prototypes))}

    @classmethod
    def from_file(cls, header: dict[str, Any], tensors: dict[str, np.ndarray] | None) -> OpenSetGate | None:
        """The gate stored by :meth:`to_tensors` / :meth:`to_header`; None for files without one."""
        info = header.get("openset")
        if not info or not tensors or "openset.prototypes" not in tensors:
            return None
        scale = tensors["openset.scale"].astype(np.float64)
        gate = cls(centre=tensors["openset.centre"].astype(np.float64),
                   mean=tensors["openset.mean"].astype(np.float64), scale=np.where(scale > 0, scale, np.inf),
                   components=tensors["openset.components"].astype(np.float64),
                   prototypes=tensors["openset.prototypes"].astype(np.float64),
                   prototype_labels=tensors["openset.prototype_labels"].astype(np.int64),
                   distance_threshold=float(info.get("distance_threshold", float("inf"))),
                   temperature=float(info.get("temperature", 1.0)), quantile=float(info.get("quantile", 0.99)))
        return gate


@dataclass
class Verdict:
    """One open-set decision.

    Attributes
    ----------
    label
        The sign, or :data:`UNKNOWN`.
    nearest
        The most probable real sign (never the none class), also when ``label`` is unknown.
    confidence
        Calibrated probability of ``nearest``.
    distance
        Distance to the nearest training prototype (NaN without a gate).
    reason
        Empty when accepted; else why it is unknown.
    """

    label: str
    nearest: str
    confidence: float
    distance: float = float("nan")
    reason: str = ""


def decide(proba: np.ndarray, classes: Sequence[str], threshold: float = 0.5, distance: np.ndarray | None = None,
           distance_threshold: float = float("inf")) -> list[Verdict]:
    """Open-set verdicts for calibrated ``(N, classes)`` probabilities (and distances, see the module notes)."""
    classes = np.asarray([str(c) for c in classes])
    none = np.array([is_none_label(c) for c in classes])
    out = []
    for i, p in enumerate(np.asarray(proba, dtype=np.float64)):
        d = float(distance[i]) if distance is not None else float("nan")
        if not np.isfinite(p).all():
            out.append(Verdict(UNKNOWN, "", 0.0, d, "no hand"))
            continue
        real = np.where(none, -1.0, p)
        nearest = int(real.argmax())
        conf = float(p[nearest])
        if none.any() and none[int(p.argmax())]:
            reason = f"not a sign (the none class, p={p.max():.2f})"
        elif np.isfinite(d) and d > distance_threshold:
            reason = f"unlike the training data (distance {d:.2f} > {distance_threshold:.2f})"
        elif conf < threshold:
            reason = f"low confidence ({conf:.2f} < {threshold:.2f})"
        else:
            reason = ""
        out.append(Verdict(UNKNOWN if reason else str(classes[nearest]), str(classes[nearest]), conf, d, reason))
    return out




def fit_open_set(model: str, seed: int, feats: np.ndarray, y: np.ndarray, held: np.ndarray | None,
                 quantile: float = 0.99, dims: int = 24) -> tuple[Any, OpenSetGate]:
    """``(estimator, gate)``: a scikit-learn model on every row and its calibrated :class:`OpenSetGate`.

    ``held`` marks the rows a provisional model and gate are fitted *without*, to measure on them
    the temperature and the distance threshold (see the module notes); None or an empty split
    leaves the gate uncalibrated (temperature 1, no distance limit).
    """
    from actionpose.models.sklearn import make_sklearn_model

    y = np.asarray(y).astype(str)
    classes = np.unique(y)
    index = np.searchsorted(classes, y)
    estimator = make_sklearn_model(model, seed=seed).fit(feats, y)
    gate = OpenSetGate.fit(feats, index, dims=dims)
    if held is None or not held.any() or held.all() or len(np.unique(y[~held])) < 2:
        log.info("open-set gate without held-out rows: no calibration, no distance limit")
        return estimator, gate
    provisional = make_sklearn_model(model, seed=seed).fit(feats[~held], y[~held])
    held = held & np.isin(y, provisional.classes_)  # a class only the held-out rows have says nothing here
    if not held.any():
        log.info("open-set gate: no held-out row of a class seen in training; no calibration")
        return estimator, gate
    proba = np.zeros((int(held.sum()), len(classes)))
    proba[:, np.searchsorted(classes, provisional.classes_)] = provisional.predict_proba(feats[held])
    held_gate = OpenSetGate.fit(feats[~held], index[~held], dims=dims)
    gate.calibrate(feats[held], proba, index[held], quantile=quantile, other=held_gate)
    log.info("open-set gate: temperature %.2f, distance threshold %.2f (%.0f %% of held-out rows)",
             gate.temperature, gate.distance_threshold, 100 * quantile)
    return estimator, gate


def held_out_rows(y: np.ndarray, groups: np.ndarray | None = None, share: float = 0.25, seed: int = 0,
                  in_order: bool = False) -> np.ndarray:
    """Boolean mask of calibration rows: one whole group (e.g. a signer) when there are two or more (the
    one whose absence keeps the most classes), else the last ``share`` of each class (``in_order``: rows
    are consecutive frames) or a random ``share``."""
    y = np.asarray(y).astype(str)
    held = np.zeros(len(y), dtype=bool)
    rng = np.random.default_rng(seed)
    if groups is not None and len(np.unique(groups)) >= 2:
        groups = np.asarray(groups).astype(str)
        # the group whose absence keeps the most classes in training (ties: at random)
        names = rng.permutation(np.unique(groups))
        kept = [len(np.unique(y[groups != g])) for g in names]
        if max(kept) >= 2:
            return groups == names[int(np.argmax(kept))]
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        k = int(np.floor(share * len(idx)))
        if k == 0 or len(idx) - k < 1:
            continue
        held[idx[-k:] if in_order else rng.choice(idx, k, replace=False)] = True
    return held


def load_gated(path: Any, kind: str, what: str) -> tuple[dict[str, Any], Any, OpenSetGate | None]:
    """``(header, estimator, gate or None)`` of a sign model file of ``kind``.

    Raises
    ------
    ModelFileError
        If the file is unreadable or another kind of model.
    """
    from actionpose.models.store import ModelFileError, describe_kind, load_model_file

    header, tensors, estimator = load_model_file(path)
    if header.get("kind") != kind or estimator is None:
        raise ModelFileError(path, f"not a {what}: it is {describe_kind(header.get('kind'))}")
    gate = OpenSetGate.from_file(header, tensors)
    if gate is None:
        log.warning("%s has no open-set gate (an older model?): only its confidence can say unknown; retrain it",
                    path)
    return header, estimator, gate


__all__ = ["NONE_LABELS", "TEMPERATURES", "UNKNOWN", "OpenSetGate", "Verdict", "decide", "fit_open_set",
           "fit_temperature", "held_out_rows", "is_none_label", "load_gated", "temper"]

"""Open-set sign recognition: say ``unknown`` for what a sign model was not trained on.

A closed-set classifier always names one of its classes, however foreign the input. Every sign
model (static and dynamic, shipped and user-trained) therefore carries an :class:`OpenSetGate`
fitted beside it, and a prediction is accepted only when all three tests pass:

1. **not the none class**: a training folder called ``none`` (see :data:`NONE_LABELS`) is learned
   like any sign but is never reported; predicting it means "a hand, but not a sign";
2. **near the training data of its sign**: the input's distance to the nearest training prototype
   *of the predicted sign* (features standardised, projected on the leading principal components
   and whitened) is at most ``distance_threshold``: a split-conformal ``quantile`` of the same
   distance on *held-out* training data (rows the prototypes were not built from). With two or
   more groups (signers) the held-out rows are each group in turn, measured against the
   prototypes of the others (leave one signer out *within* the training signers; a group needs
   :data:`MIN_HELD_ROWS` rows of signs the others have, one such sign is enough) in the space of
   the gate fitted on every signer (see :func:`fit_open_set`); otherwise a later part of each
   class (recording order), measured in a gate fitted without it;
3. **confident**: the calibrated probability of the best class reaches the user's threshold.
   Probabilities are temperature-scaled (``p ** (1 / T)``, renormalised) with the temperature that
   minimises the log-loss on the held-out rows (of the folds that leave two or more signs to a
   provisional classifier), so 0.9 means about nine in ten on new data.

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
    signers_left_out
        How many training signers the threshold was calibrated on, each left out in turn (0: a
        held-out part of the same recordings).
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
    signers_left_out: int = 0

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
        return gate.with_prototypes(feats, y_index, per_class)

    def with_prototypes(self, feats: np.ndarray, y_index: np.ndarray, per_class: int = 200) -> OpenSetGate:
        """A gate in this one's space with prototypes from ``feats`` (``(N, F)`` rows of classes
        ``y_index``; at most ``per_class`` per class, evenly spaced); no threshold, temperature 1."""
        y_index = np.asarray(y_index)
        keep = [idx[np.linspace(0, len(idx) - 1, min(per_class, len(idx))).round().astype(int)]
                for idx in (np.flatnonzero(y_index == k) for k in np.unique(y_index))]
        keep = np.unique(np.concatenate(keep)) if keep else np.empty(0, dtype=int)
        return OpenSetGate(centre=self.centre, mean=self.mean, scale=self.scale, components=self.components,
                           prototypes=self.project(np.asarray(feats)[keep]),
                           prototype_labels=y_index[keep].astype(np.int64))

    def calibrate(self, held_dist: np.ndarray, held_proba: np.ndarray, held_y: np.ndarray,
                  quantile: float = 0.99) -> OpenSetGate:
        """Set the temperature and the distance threshold from held-out rows.

        ``held_dist`` are the held-out rows' distances to prototypes built *without* them (see
        :func:`fit_open_set` for the space they are measured in); without ``held_proba`` rows (no
        provisional classifier) the temperature stays 1.
        """
        self.temperature = fit_temperature(held_proba, np.asarray(held_y)) if len(held_proba) else 1.0
        self.quantile = float(quantile)
        self.distance_threshold = conformal_quantile(held_dist, quantile)
        return self

    # ------------------------------------------------------------------ use
    def project(self, feats: np.ndarray) -> np.ndarray:
        """``(N, d)`` whitened projection of ``(N, F)`` feature rows (missing values: the median)."""
        feats = np.asarray(feats, dtype=np.float64)
        filled = np.where(np.isfinite(feats), feats, self.centre)
        return ((filled - self.mean) / self.scale) @ self.components.T

    def distance(self, feats: np.ndarray, to: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(distance, class index)`` of the nearest prototype per row (NaN / -1 for all-missing rows).

        ``to`` (``(N,)`` class indices) restricts row ``i`` to the prototypes of class ``to[i]``
        (a negative index: any class; a class without prototypes: infinite distance).
        """
        feats = np.atleast_2d(np.asarray(feats, dtype=np.float64))
        proj = self.project(feats)
        out, which = np.full(len(feats), np.nan), np.full(len(feats), -1)
        ok = np.isfinite(feats).any(axis=1)
        if len(self.prototypes) and ok.any():
            for start in range(0, int(ok.sum()), 2048):
                rows = np.flatnonzero(ok)[start:start + 2048]
                d2 = ((proj[rows, None, :] - self.prototypes[None]) ** 2).sum(-1)
                if to is not None:
                    target = np.asarray(to)[rows]
                    other = (target[:, None] >= 0) & (self.prototype_labels[None] != target[:, None])
                    d2 = np.where(other, np.inf, d2)
                j = d2.argmin(axis=1)
                out[rows] = np.sqrt(d2[np.arange(len(rows)), j] / self.prototypes.shape[1])
                which[rows] = self.prototype_labels[j]
        return out, which

    def sign_distance(self, feats: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
        """Distance of each row to the prototypes of its most probable real sign (never the none class)."""
        return self.distance(feats, to=nearest_sign(proba, classes))[0]

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
                "quantile": self.quantile, "signers_left_out": self.signers_left_out,
                "dims": int(self.components.shape[0]),
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
                   temperature=float(info.get("temperature", 1.0)), quantile=float(info.get("quantile", 0.99)),
                   signers_left_out=int(info.get("signers_left_out", 0)))
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
        Distance to the nearest training prototype of ``nearest`` (NaN without a gate).
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


def nearest_sign(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """``(N,)`` index of the most probable real sign per row (the none class never; -1 for NaN rows)."""
    proba = np.atleast_2d(np.asarray(proba, dtype=np.float64))
    none = np.array([is_none_label(c) for c in classes], dtype=bool)
    real = np.where(none[None], -1.0, np.nan_to_num(proba, nan=-2.0))
    out = real.argmax(axis=1)
    return np.where(np.isfinite(proba).all(axis=1), out, -1)


def conformal_quantile(scores: np.ndarray, quantile: float) -> float:
    """Split-conformal threshold: the ``ceil((n + 1) q)``-th smallest of ``n`` held-out scores (the
    largest when there are too few), so that a new row of the same kind passes with probability >= q."""
    scores = np.sort(np.asarray(scores, dtype=np.float64)[np.isfinite(scores)])
    if not len(scores):
        return float("inf")
    k = int(np.ceil((len(scores) + 1) * quantile)) - 1
    return float(scores[min(max(k, 0), len(scores) - 1)])


#: a held-out group (signer) needs this many rows of classes the other groups have to calibrate on
MIN_HELD_ROWS = 10


def calibration_folds(y: np.ndarray, groups: np.ndarray | None = None, share: float = 0.25, seed: int = 0,
                      in_order: bool = False, min_rows: int = MIN_HELD_ROWS) -> list[np.ndarray]:
    """Boolean masks of held-out calibration rows, one per fold.

    :func:`signer_folds` where there are any; otherwise one fold: the last ``share`` of each
    class (``in_order``: rows are consecutive frames) or a random ``share``.
    """
    y = np.asarray(y).astype(str)
    folds = signer_folds(y, groups, min_rows)
    if folds:
        return folds
    if groups is not None and len(np.unique(groups)) >= 2:
        log.info("open-set gate: no signer can be left out (too few rows of shared signs); a later part of "
                 "each class is held out instead")
    held = np.zeros(len(y), dtype=bool)
    rng = np.random.default_rng(seed)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        k = int(np.floor(share * len(idx)))
        if k == 0 or len(idx) - k < 1:
            continue
        held[idx[-k:] if in_order else rng.choice(idx, k, replace=False)] = True
    return [held] if held.any() else []


def signer_folds(y: np.ndarray, groups: np.ndarray | None, min_rows: int = MIN_HELD_ROWS) -> list[np.ndarray]:
    """Leave one signer out within the training signers: one mask per group of ``groups`` that has at
    least ``min_rows`` rows of real signs (not the none class) that the other groups have too; no
    mask with fewer than two groups.
    """
    if groups is None or len(np.unique(groups)) < 2:
        return []
    y, groups = np.asarray(y).astype(str), np.asarray(groups).astype(str)
    real = ~np.array([is_none_label(v) for v in y], dtype=bool)
    folds = []
    for g in np.unique(groups):
        held = groups == g
        if (held & real & np.isin(y, np.unique(y[~held]))).sum() >= min_rows:
            folds.append(held)
    return folds


def held_out_rows(y: np.ndarray, groups: np.ndarray | None = None, share: float = 0.25, seed: int = 0,
                  in_order: bool = False) -> np.ndarray:
    """Every row held out by some fold of :func:`calibration_folds` (one boolean mask)."""
    folds = calibration_folds(y, groups, share=share, seed=seed, in_order=in_order)
    return np.any(folds, axis=0) if folds else np.zeros(len(y), dtype=bool)


def fit_open_set(model: str, seed: int, feats: np.ndarray, y: np.ndarray,
                 folds: Sequence[np.ndarray] | np.ndarray | None, quantile: float = 0.99, dims: int = 24,
                 judged: np.ndarray | None = None, by_signer: bool = False) -> tuple[Any, OpenSetGate]:
    """``(estimator, gate)``: a scikit-learn model on every row and its calibrated :class:`OpenSetGate`.

    ``folds`` (masks of :func:`calibration_folds`, or one mask) are held out in turn. Per fold, the
    held-out rows of signs the other rows have are measured: their distance to the prototypes
    (built from the other rows) of the sign a provisional classifier of the other rows predicts
    (the one sign they have, when they have only one), and, where it has two or more signs, its
    probabilities. The pooled rows give the conformal distance threshold and the temperature.

    ``by_signer``: the folds are whole signers (:func:`signer_folds`). Their distances are then
    measured in the space of the gate fitted on every row, which knows every training signer's
    spread; a gate fitted without a signer whitens by the others alone and, with few signers,
    puts a new one several times too far (measured: a threshold of 12.0 against 2.2, which let
    nine in ten non-sign movements through). Otherwise (a later part of the same recordings) the
    gate fitted without the fold is used. ``judged`` limits the measured rows (e.g. to the
    original rows, not their augmented copies) where that leaves ``2 * MIN_HELD_ROWS`` of them.
    No usable fold leaves the gate uncalibrated (temperature 1, no distance limit).
    """
    from actionpose.models.sklearn import make_sklearn_model

    y = np.asarray(y).astype(str)
    classes = np.unique(y)
    index = np.searchsorted(classes, y)
    estimator = make_sklearn_model(model, seed=seed).fit(feats, y)
    gate = OpenSetGate.fit(feats, index, dims=dims)
    if folds is None:
        folds = []
    elif isinstance(folds, np.ndarray) and folds.ndim == 1:
        folds = [folds]
    judged = np.ones(len(y), dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    if folds and (np.any(folds, axis=0) & judged).sum() < 2 * MIN_HELD_ROWS:
        judged = np.ones(len(y), dtype=bool)  # too few rows to measure: their augmented copies count too
    none = np.array([is_none_label(c) for c in classes], dtype=bool)
    dists, probas, ys = [], [], []
    for held in folds:
        held = np.asarray(held, dtype=bool)
        rest = np.unique(index[~held])
        # a sign only the held-out rows have says nothing here; none rows have no sign to be near
        rows = held & judged & np.isin(index, rest) & ~none[index]
        if not rows.any() or held.all():
            continue
        if len(rest) >= 2:
            provisional = make_sklearn_model(model, seed=seed).fit(feats[~held], y[~held])
            proba = np.zeros((int(rows.sum()), len(classes)))
            proba[:, np.searchsorted(classes, provisional.classes_)] = provisional.predict_proba(feats[rows])
            probas.append(proba)
            ys.append(index[rows])
            target = nearest_sign(proba, classes)
        else:
            target = index[rows]
        held_gate = (gate.with_prototypes(feats[~held], index[~held]) if by_signer
                     else OpenSetGate.fit(feats[~held], index[~held], dims=dims))
        dists.append(held_gate.distance(feats[rows], to=target)[0])
    if not dists:
        log.info("open-set gate without held-out rows: no calibration, no distance limit")
        return estimator, gate
    gate.calibrate(np.concatenate(dists), np.concatenate(probas) if probas else np.empty((0, len(classes))),
                   np.concatenate(ys) if ys else np.empty(0, dtype=int), quantile=quantile)
    gate.signers_left_out = len(dists) if by_signer else 0
    log.info("open-set gate: temperature %.2f, distance threshold %.2f (conformal %.0f %% of %d held-out rows "
             "in %d folds)", gate.temperature, gate.distance_threshold, 100 * quantile,
             sum(len(d) for d in dists), len(dists))
    return estimator, gate
    gate.calibrate(np.concatenate(dists), np.concatenate(probas), np.concatenate(ys), quantile=quantile)
    log.info("open-set gate: temperature %.2f, distance threshold %.2f (conformal %.0f %% of %d held-out rows "
             "in %d folds)", gate.temperature, gate.distance_threshold, 100 * quantile,
             sum(len(d) for d in dists), len(dists))
    return estimator, gate


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


__all__ = ["MIN_HELD_ROWS", "NONE_LABELS", "TEMPERATURES", "UNKNOWN", "OpenSetGate", "Verdict", "calibration_folds",
           "conformal_quantile", "decide", "fit_open_set", "fit_temperature", "held_out_rows", "is_none_label",
           "load_gated", "nearest_sign", "signer_folds", "temper"]

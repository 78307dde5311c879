"""The shipped learned fall score: a second opinion on each fall the rules confirm.

A logistic regression on four layout-independent measurements of the last :data:`WINDOW_S` seconds of one
person's track, read from the detector's own per-frame measurements (:class:`~.detector.FallStatus`), so any
keypoint layout and any camera distance give the same features:

* ``peak_descent``: fastest upper-body descent in the window, H/s (clipped to 0-4);
* ``height_drop``: highest upper-body height over the floor line before the last second minus the median
  height over the last second, H;
* ``final_torso_angle``: median torso angle from vertical over the last 0.5 s, in units of 90 degrees;
* ``still_fraction``: fraction of the last second spent still (mean joint speed under ``still_motion``).

The model is JSON (standardisation, coefficients, intercept, the veto threshold and its provenance), never a
pickle: ``fall_score.json`` beside this module, trained by ``benchmarks/fall_score_train.py`` on GMDCSA24 (MIT)
and synthetic scenes; see ``MODEL_CARD.md``. It can only *veto* a rule-confirmed fall whose score is under
``veto_below`` (confidently not a fall); it never adds one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

#: seconds of track history the features read, ending at the moment scored (the fall's confirmation)
WINDOW_S = 3.0
#: the feature names, in the model's order
FEATURES = ("peak_descent", "height_drop", "final_torso_angle", "still_fraction")
#: the shipped model
MODEL_PATH = Path(__file__).with_name("fall_score.json")


def trail_features(trail: np.ndarray, t_end: float, still_motion: float = 0.15) -> np.ndarray:
    """The :data:`FEATURES` of one person's measurements over the :data:`WINDOW_S` seconds up to ``t_end``.

    Parameters
    ----------
    trail
        ``(N, 5)`` rows of ``time_s, height, descent, torso_angle, motion`` (NaN where unknown), in time order.
    t_end
        End of the window (s).
    still_motion
        Mean joint speed (H/s) under which a frame counts as still.

    Returns
    -------
    numpy.ndarray
        ``(4,)`` features; unknown ones are filled with neutral values (0 descent, 0 drop, 0.5 angle, 0 still).
    """
    trail = np.asarray(trail, dtype=np.float64).reshape(-1, 5)
    w = trail[(trail[:, 0] > t_end - WINDOW_S) & (trail[:, 0] <= t_end + 1e-9)]
    t, height, descent, angle, motion = (w[:, i] for i in range(5))
    last = t > t_end - 1.0
    before = ~last

    def finite(a: np.ndarray) -> np.ndarray:
        return a[np.isfinite(a)]

    d = finite(descent)
    peak = float(np.clip(d.max(), 0.0, 4.0)) if d.size else 0.0
    hb, hl = finite(height[before]), finite(height[last])
    drop = float(hb.max() - np.median(hl)) if hb.size and hl.size else 0.0
    a = finite(angle[t > t_end - 0.5])
    final_angle = float(np.median(a)) / 90.0 if a.size else 0.5
    m = motion[last]
    still = float(np.mean(m[np.isfinite(m)] < still_motion)) if np.isfinite(m).any() else 0.0
    return np.array([peak, drop, final_angle, still])


@dataclass
class FallScore:
    """A logistic fall score over :data:`FEATURES` (loaded from JSON; see :func:`load_fall_score`).

    Attributes
    ----------
    mean, scale
        Feature standardisation.
    coef, intercept
        Logistic regression on the standardised features.
    veto_below
        A rule-confirmed fall scoring under this is dropped (fixed before evaluation).
    meta
        Provenance: data, licence, figures.
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    veto_below: float = 0.05
    features: tuple[str, ...] = FEATURES
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, x: np.ndarray) -> float:
        """Probability (0-1) that the window with features ``x`` (``(4,)``) is a fall."""
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return float(1.0 / (1.0 + np.exp(-(z @ self.coef + self.intercept))))

    def to_dict(self) -> dict[str, Any]:
        return {"format": "actionpose-fall-score/1", "features": list(self.features), "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(), "intercept": float(self.intercept),
                "veto_below": self.veto_below, "window_s": WINDOW_S, "meta": self.meta}

    def save(self, path: str | Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FallScore:
        if d.get("format") != "actionpose-fall-score/1" or tuple(d.get("features", ())) != FEATURES:
            raise ValueError("not an actionpose fall score model (format or features differ)")
        arrays = [np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(a.shape != (len(FEATURES),) for a in arrays) or not (arrays[1] > 0).all():
            raise ValueError("fall score model: mean/scale/coef must be 4 numbers (scale > 0)")
        return cls(*arrays, float(d["intercept"]), float(d.get("veto_below", 0.05)), FEATURES, d.get("meta", {}))


def load_fall_score(path: str | Path | None = None) -> FallScore:
    """The fall score model at ``path`` (JSON), or the shipped one (:data:`MODEL_PATH`)."""
    if path is None:
        return _shipped()
    return FallScore.from_dict(json.loads(Path(path).read_text()))


@lru_cache(maxsize=1)
def _shipped() -> FallScore:
    return FallScore.from_dict(json.loads(MODEL_PATH.read_text()))

"""Normative bands of joint angles over the gait cycle.

The package ships ``normative/knee_flexion.json``: the mean and standard deviation of knee flexion per
percent of the gait cycle, overground and on a treadmill, taken from ``norm_data.npz`` of
kamisoel/DigiGait (MIT licence; provenance in the file). :func:`band_from_npz` reads such a file
directly (e.g. ``../shared/data/gait/digigait_side_view/norm_data.npz``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from actionpose.errors import InputError
from actionpose.safezip import check_zip_file

CONDITIONS = ("overground", "treadmill")


@dataclass(frozen=True)
class NormativeBand:
    """Mean and standard deviation of an angle at 0, 1, ..., 100 % of the gait cycle.

    Parameters
    ----------
    joint
        ``"knee_flexion"``.
    condition
        ``"overground"`` or ``"treadmill"``.
    mean, sd
        ``(101,)`` degrees.
    source, licence
        Provenance.
    """

    joint: str
    condition: str
    mean: np.ndarray
    sd: np.ndarray
    source: str = ""
    licence: str = ""

    def lower(self, k: float = 2.0) -> np.ndarray:
        """``mean - k sd``."""
        return self.mean - k * self.sd

    def upper(self, k: float = 2.0) -> np.ndarray:
        """``mean + k sd``."""
        return self.mean + k * self.sd

    def compare(self, curve: np.ndarray, k: float = 2.0) -> tuple[float | None, float | None]:
        """RMS difference from the mean (degrees) and % of the cycle within ``mean +- k sd`` of a 101-point curve."""
        curve = np.asarray(curve, np.float64)
        ok = np.isfinite(curve)
        if ok.sum() < 50:
            return None, None
        rmsd = float(np.sqrt(np.mean((curve[ok] - self.mean[ok]) ** 2)))
        inside = (curve[ok] >= self.lower(k)[ok]) & (curve[ok] <= self.upper(k)[ok])
        return rmsd, float(100 * inside.mean())

    def describe(self) -> dict:
        """Name, condition and provenance (for reports)."""
        return {"joint": self.joint, "condition": self.condition, "band": "mean +- 2 SD", "source": self.source,
                "licence": self.licence}


def load_band(joint: str = "knee_flexion", condition: str = "overground") -> NormativeBand:
    """The shipped band for ``joint`` and ``condition`` (see the module notes)."""
    if condition not in CONDITIONS:
        raise InputError(None, f"normative condition must be one of {', '.join(CONDITIONS)}, got {condition!r}")
    try:
        text = resources.files("actionpose.tasks.gait").joinpath("normative", f"{joint}.json").read_text()
    except FileNotFoundError:
        raise InputError(None, f"no normative band for {joint!r}") from None
    data = json.loads(text)
    entry = data["conditions"][condition]
    return NormativeBand(joint=data.get("joint", joint), condition=condition,
                         mean=np.asarray(entry["mean"], np.float64), sd=np.asarray(entry["sd"], np.float64),
                         source=data.get("source", ""), licence=data.get("licence", ""))


def band_from_npz(path: str | Path, condition: str = "overground", joint: str = "knee_flexion") -> NormativeBand:
    """Read a DigiGait-style ``norm_data.npz``: ``overground`` / ``treadmill`` arrays of shape ``(101, 1, 2)``
    holding mean and SD per percent of the cycle."""
    path = Path(path)
    check_zip_file(path, 64 << 20)  # a small model file: refuse a bomb before reading
    try:
        with np.load(path, allow_pickle=False) as z:
            arr = np.asarray(z[condition], np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(path, f"not a normative band file ({exc})") from None
    arr = arr.reshape(arr.shape[0], -1)
    if arr.shape != (101, 2):
        raise InputError(path, f"expected 101 x (mean, sd) values, got shape {arr.shape}")
    return NormativeBand(joint=joint, condition=condition, mean=arr[:, 0], sd=arr[:, 1], source=str(path))


__all__ = ["CONDITIONS", "NormativeBand", "band_from_npz", "load_band"]

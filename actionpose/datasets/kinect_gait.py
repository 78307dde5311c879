"""Kinect gait cycles (Khokhlova et al. 2019): per-cycle joint-angle features of normal and impaired walks.

Source: margokhokhlova/LSTM_gait_model, ``cycles_for_LSTM/X_all_10_66.csv`` (no licence stated:
evaluation only). Each row is one gait cycle: the pathology code (1-3), the person id, then 660
values (10 intervals of the cycle x 66 features derived from Kinect v2 hip, knee and ankle angles;
the source notebook reshapes them as ``(66, 10)``). The classes are knee rigidity, normal walking and
a limp simulated with a pad; which code is which is not stated. The repository's README lists them
in the order knee ("genou"), normal, padding ("someil"), so code 2 is taken as normal walking by
default (an assumption: ``normal_code`` changes it); code 1 is also by far the most separable class
in person-split cross-validation, as a rigid knee would be. Any split must keep each person on one
side (``groups``).

Khokhlova M, Migniot C, Morozov A, Sushkova O, Dipanda A. Normal and pathological gait classification
LSTM model. Artificial Intelligence in Medicine 94:54-66, 2019.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from actionpose.errors import PoseFormatError

#: the data file inside the dataset folder
CSV_PATH = Path("cycles_for_LSTM") / "X_all_10_66.csv"
INTERVALS, FEATURES = 10, 66
#: assumed meaning of the pathology codes (see the module notes)
CODE_NAMES = {1: "knee_rigidity", 2: "normal", 3: "limp"}


@dataclass
class KinectGaitCycles:
    """The cycles as arrays.

    Parameters
    ----------
    X
        ``(N, 660)`` float64 features, in the file's order.
    codes
        ``(N,)`` pathology code 1-3.
    persons
        ``(N,)`` person id (the group of an honest split).
    """

    X: np.ndarray
    codes: np.ndarray
    persons: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def labels(self) -> np.ndarray:
        """``(N,)`` class names from :data:`CODE_NAMES`."""
        return np.array([CODE_NAMES.get(int(c), f"code_{int(c)}") for c in self.codes])

    def binary(self, normal_code: int = 2) -> np.ndarray:
        """``(N,)`` ``"normal"`` / ``"impaired"`` labels, taking ``normal_code`` as normal walking."""
        return np.where(self.codes == normal_code, "normal", "impaired")

    @property
    def groups(self) -> np.ndarray:
        """``(N,)`` person ids as strings."""
        return np.array([f"person_{int(p)}" for p in self.persons])


def load_kinect_gait(path: str | Path) -> KinectGaitCycles:
    """Read ``X_all_10_66.csv`` (or the dataset folder holding ``cycles_for_LSTM/``).

    Raises
    ------
    PoseFormatError
        When the file is missing or its rows are not code, person and 660 numbers.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CSV_PATH
    if not path.is_file():
        raise PoseFormatError(path, "no such file (expected cycles_for_LSTM/X_all_10_66.csv)")
    try:
        table = pd.read_csv(path, header=None)
    except (OSError, ValueError) as exc:
        raise PoseFormatError(path, f"cannot read the table ({exc})") from None
    if table.shape[1] != 2 + INTERVALS * FEATURES:
        raise PoseFormatError(path, f"expected {2 + INTERVALS * FEATURES} columns (code, person, "
                                    f"{INTERVALS} x {FEATURES} values), got {table.shape[1]}")
    values = table.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise PoseFormatError(path, "non-numeric or missing values")
    codes = values[:, 0].astype(int)
    if not set(codes.tolist()) <= set(CODE_NAMES):
        raise PoseFormatError(path, f"pathology codes must be 1-3, got {sorted(set(codes.tolist()))}")
    return KinectGaitCycles(X=values[:, 2:], codes=codes, persons=values[:, 1].astype(int))


__all__ = ["CODE_NAMES", "KinectGaitCycles", "load_kinect_gait"]

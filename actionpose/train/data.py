"""The two shapes of labelled training data: clips (whole sequences with labels) and windows (fixed-length
arrays cut from them). Loaders (:mod:`actionpose.datasets`) produce clips; :func:`make_windows`
(:mod:`actionpose.train.windows`) turns clips into windows; models train on windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actionpose.skeleton.layouts import KeypointLayout
from actionpose.skeleton.sequence import PoseSequence

#: a labelled time range of a clip: (start_s, end_s, label), start inclusive, end exclusive
Segment = tuple[float, float, str]


@dataclass
class LabelledClip:
    """One recording with its label(s) and the group it belongs to.

    Parameters
    ----------
    seq
        The poses (any layout, any number of tracks).
    label
        The clip's label, when the whole clip is one class; None when ``segments`` label it.
    segments
        Labels per time range (seconds from the clip start); time outside every segment takes
        ``background`` (see :func:`actionpose.train.windows.make_windows`).
    group
        Subject, signer or recording: splits never put one group on both sides.
    meta
        Provenance (dataset, file, original ids).
    """

    seq: PoseSequence
    label: str | None = None
    segments: list[Segment] | None = None
    group: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.label is None) == (self.segments is None):
            raise ValueError("a LabelledClip needs exactly one of label or segments")


@dataclass
class WindowSet:
    """Fixed-length windows cut from clips, ready for a model.

    Parameters
    ----------
    X
        ``(N, T, P, K, C)`` float32: windows x frames x people x joints x channels (x, y, [z,] score),
        normalised (see :func:`actionpose.train.windows.normalize_windows`); missing joints are 0 with
        score 0 after normalisation, so models never see NaN.
    y
        ``(N,)`` labels (str).
    groups
        ``(N,)`` group of each window's clip.
    clip
        ``(N,)`` index of the clip each window came from.
    start_s
        ``(N,)`` start time of each window in its clip.
    layout, fps
        Joint layout and frame rate of the windows.
    """

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    clip: np.ndarray
    start_s: np.ndarray
    layout: KeypointLayout
    fps: float

    def __len__(self) -> int:
        return len(self.X)

    def subset(self, index: np.ndarray) -> WindowSet:
        """The windows at ``index`` (a boolean mask or integer indices)."""
        return WindowSet(self.X[index], self.y[index], self.groups[index], self.clip[index], self.start_s[index],
                         self.layout, self.fps)

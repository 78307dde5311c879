"""Typed results of the gait analysis: events, parameters, angle curves, quality flags, the report."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

FEET = ("left", "right")
HEEL_STRIKE, TOE_OFF = "heel_strike", "toe_off"


@dataclass(frozen=True)
class GaitEvent:
    """One heel strike or toe off.

    Parameters
    ----------
    foot
        ``"left"`` or ``"right"``.
    kind
        ``"heel_strike"`` or ``"toe_off"``.
    time_s
        Seconds from the start of the clip (sub-frame: interpolated between frames).
    frame
        The nearest frame index.
    confidence
        Lowest keypoint score of the points the event was detected from, at that frame (0-1).
    """

    foot: str
    kind: str
    time_s: float
    frame: int
    confidence: float = 1.0


@dataclass
class ViewEstimate:
    """Which way the camera looks at the walker.

    Parameters
    ----------
    view
        ``"side"`` (sagittal plane facing the camera) or ``"frontal"`` (walking towards or away from it).
    confidence
        0-1: how clearly the measured cues agree.
    direction
        Side view: ``"left_to_right"``, ``"right_to_left"`` or ``"both"`` (the walker turned);
        frontal view: ``"approaching"``, ``"leaving"`` or ``"in_place"`` (treadmill).
    width_ratio
        Median shoulder plus hip width over twice the torso length (small side-on, ~0.6 facing the camera).
    excursion_ratio
        Horizontal over vertical range of the ankles relative to the pelvis (large side-on).
    turns
        Side view: how often the walking direction flips.
    forced
        True when the view was given, not detected.
    """

    view: str
    confidence: float
    direction: str
    width_ratio: float
    excursion_ratio: float
    turns: int = 0
    forced: bool = False


@dataclass
class GaitParameters:
    """Spatiotemporal and angular parameters of one walker. ``None`` where not measurable.

    Lengths are in leg lengths (hip to ankle along thigh and shank) and speeds in leg lengths per
    second; the ``_m`` / ``_mps`` fields are metres and metres per second, present when the walker's
    height was given. Symmetry indices (``*_si``) are Robinson et al.'s (1987)
    ``100 |L - R| / (0.5 (L + R))`` in percent (0 = symmetric).
    """

    strides_left: int = 0
    strides_right: int = 0
    cadence_spm: float | None = None
    step_time_s: float | None = None
    step_time_left_s: float | None = None
    step_time_right_s: float | None = None
    stride_time_s: float | None = None
    stride_time_cv_pct: float | None = None
    stance_left_pct: float | None = None
    stance_right_pct: float | None = None
    swing_left_pct: float | None = None
    swing_right_pct: float | None = None
    double_support_pct: float | None = None
    step_length: float | None = None
    step_length_left: float | None = None
    step_length_right: float | None = None
    stride_length: float | None = None
    gait_speed: float | None = None
    step_width: float | None = None
    step_length_m: float | None = None
    step_length_left_m: float | None = None
    step_length_right_m: float | None = None
    stride_length_m: float | None = None
    gait_speed_mps: float | None = None
    step_width_m: float | None = None
    step_time_si: float | None = None
    step_length_si: float | None = None
    stance_si: float | None = None
    swing_si: float | None = None
    knee_rom_left_deg: float | None = None
    knee_rom_right_deg: float | None = None
    knee_peak_swing_left_deg: float | None = None
    knee_peak_swing_right_deg: float | None = None
    hip_rom_left_deg: float | None = None
    hip_rom_right_deg: float | None = None
    knee_norm_rmsd_deg: float | None = None
    knee_within_norm_pct: float | None = None
    leg_length_px: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain floats (rounded) and ints; None stays None."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float):
                v = None if not math.isfinite(v) else round(v, 4)
            out[f.name] = v
        return out

    def get(self, name: str) -> float | None:
        """A parameter by name, or a two-sided summary: ``knee_rom_deg``, ``hip_rom_deg`` and
        ``knee_peak_swing_deg`` are the smaller side's, ``stance_pct`` and ``swing_pct`` the mean of both."""
        if hasattr(self, name):
            v = getattr(self, name)
            return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)
        derived = {"knee_rom_deg": ("knee_rom_left_deg", "knee_rom_right_deg", min),
                   "hip_rom_deg": ("hip_rom_left_deg", "hip_rom_right_deg", min),
                   "knee_peak_swing_deg": ("knee_peak_swing_left_deg", "knee_peak_swing_right_deg", min),
                   "stance_pct": ("stance_left_pct", "stance_right_pct", lambda a, b: (a + b) / 2),
                   "swing_pct": ("swing_left_pct", "swing_right_pct", lambda a, b: (a + b) / 2)}
        if name not in derived:
            raise KeyError(f"unknown gait parameter {name!r}")
        a, b, how = derived[name]
        vals = [getattr(self, a), getattr(self, b)]
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return float(how(*vals)) if len(vals) == 2 else float(vals[0])

    @classmethod
    def names(cls) -> list[str]:
        """Every parameter name (the CSV columns)."""
        return [f.name for f in fields(cls)]


@dataclass
class AngleCurves:
    """One joint angle of one side over the gait cycle (heel strike to heel strike, 0-100 %).

    Parameters
    ----------
    joint
        ``"knee_flexion"`` or ``"hip_flexion"`` (degrees, flexion positive).
    foot
        ``"left"`` or ``"right"``.
    cycles
        ``(n, 101)`` each stride's curve resampled to 0, 1, ..., 100 % of the cycle.
    rom_deg
        Median range of motion (max - min) over the cycles.
    """

    joint: str
    foot: str
    cycles: np.ndarray
    rom_deg: float | None

    @property
    def mean(self) -> np.ndarray:
        """Mean curve (101 points)."""
        if not len(self.cycles):
            return np.full(101, np.nan)
        return np.nanmean(self.cycles, axis=0)

    @property
    def sd(self) -> np.ndarray:
        """Standard deviation over cycles (101 points)."""
        if len(self.cycles) < 2:
            return np.zeros(101)
        return np.nanstd(self.cycles, axis=0, ddof=1)

    def to_dict(self) -> dict[str, Any]:
        """Mean and SD curves (rounded), cycle count and range of motion."""
        return {"joint": self.joint, "foot": self.foot, "n_cycles": int(len(self.cycles)),
                "rom_deg": None if self.rom_deg is None else round(float(self.rom_deg), 2),
                "mean": [None if not np.isfinite(v) else round(float(v), 2) for v in self.mean],
                "sd": [None if not np.isfinite(v) else round(float(v), 2) for v in self.sd]}


@dataclass(frozen=True)
class QualityFlag:
    """Something that makes the numbers less trustworthy (``code`` is stable, ``message`` is for people)."""

    code: str
    message: str


@dataclass
class GaitReport:
    """Everything the gait analysis found for one tracked person.

    Parameters
    ----------
    person
        Track id.
    view
        The camera view (:class:`ViewEstimate`).
    events
        Heel strikes and toe offs, sorted by time.
    parameters
        :class:`GaitParameters`.
    angles
        Per-side cycle curves of knee and hip flexion (side view only).
    quality
        Flags that qualify the numbers.
    fps, duration_s, start_s
        Of the analysed frames.
    height_m
        The walker's height when given (metres for lengths and speeds).
    norm
        The normative band used (name, source) for the knee comparison.
    classification
        A classifier's second opinion (label, probabilities, model) when one was applied.
    methods
        Which published methods produced the events and parameters.
    walk
        The evidence that this is a walk (:func:`actionpose.tasks.gait.premise.walk_evidence`).
    """

    person: int
    view: ViewEstimate
    events: list[GaitEvent]
    parameters: GaitParameters
    angles: list[AngleCurves] = field(default_factory=list)
    quality: list[QualityFlag] = field(default_factory=list)
    fps: float = 0.0
    duration_s: float = 0.0
    start_s: float = 0.0
    height_m: float | None = None
    norm: dict[str, Any] | None = None
    classification: dict[str, Any] | None = None
    methods: dict[str, str] = field(default_factory=dict)
    walk: dict[str, Any] = field(default_factory=dict)

    def event_times(self, foot: str, kind: str) -> np.ndarray:
        """Sorted times (s) of one foot's events of one kind."""
        return np.array([e.time_s for e in self.events if e.foot == foot and e.kind == kind])

    def angle(self, joint: str, foot: str) -> AngleCurves | None:
        """The cycle curves of one joint and side, if measured."""
        for a in self.angles:
            if a.joint == joint and a.foot == foot:
                return a
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` output per person)."""
        view = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self.view).items()}
        return {
            "person": int(self.person), "view": view, "fps": self.fps,
            "start_s": round(self.start_s, 4), "duration_s": round(self.duration_s, 4), "height_m": self.height_m,
            "units": {"length": "m" if self.height_m else "leg_length", "time": "s",
                      "note": "lengths without _m are in leg lengths (hip to ankle); with _m in metres"},
            "parameters": self.parameters.to_dict(),
            "events": [{**asdict(e), "time_s": round(e.time_s, 4), "confidence": round(e.confidence, 3)}
                       for e in self.events],
            "angles": [a.to_dict() for a in self.angles],
            "norm": self.norm,
            "quality": [asdict(q) for q in self.quality],
            "classification": self.classification,
            "methods": self.methods,
            "walk": self.walk,
        }


def symmetry_index(left: float | None, right: float | None) -> float | None:
    """Robinson et al. (1987) symmetry index ``100 |L - R| / (0.5 (L + R))`` in percent; None if undefined."""
    if left is None or right is None or not (math.isfinite(left) and math.isfinite(right)):
        return None
    mean = 0.5 * (left + right)
    if mean == 0:
        return None
    return float(100.0 * abs(left - right) / abs(mean))


__all__ = ["FEET", "HEEL_STRIKE", "TOE_OFF", "AngleCurves", "GaitEvent", "GaitParameters", "GaitReport",
           "QualityFlag", "ViewEstimate", "symmetry_index"]

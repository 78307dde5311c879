"""Is this a walk? The premise of the gait rules and gait alerts, judged per person from the evidence.

A push-up, a squat or a sit-to-stand also moves the feet and the pelvis, and the event detectors will find
"heel strikes" in it. Gait parameters (and the rules that alert on them) only mean something for a walk, so a
report counts as a walk only when all of these hold (each threshold is a property of walking, not fitted to
any clip):

* **strides**: at least :data:`MIN_STRIDES` valid strides in all (heel strike to heel strike of one foot,
  within 0.75-1.25 of the median stride), so that a cadence exists;
* **view**: the camera view was detected with confidence at least :data:`MIN_VIEW_CONFIDENCE` (the cues of a
  side or frontal walk agree) -- or the user gave the view;
* **upright trunk**: the pelvis-to-neck line is within :data:`MAX_TRUNK_DEG` degrees of vertical over most of
  the clip (a push-up, a plank or a sit-up is not walking);
* **alternating feet**: in walking the feet take turns; at least :data:`MIN_ALTERNATION` of consecutive heel
  strikes switch foot (both feet moving together, as in a squat or a jump, is not walking).

:func:`walk_evidence` measures the cues (stored on the report as ``report.walk``), :func:`walk_premise` says
which one failed, :func:`is_walk` is the yes/no every gait alert path checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from actionpose.tasks.gait.results import HEEL_STRIKE, GaitReport

#: fewest valid strides (both feet together) of a walk
MIN_STRIDES = 2
#: lowest detected-view confidence of a walk (the same value below which the view is flagged as uncertain)
MIN_VIEW_CONFIDENCE = 0.35
#: the trunk must be within this many degrees of vertical (median over the clip)
MAX_TRUNK_DEG = 45.0
#: share of consecutive heel strikes that must switch foot (a walk alternates: 1.0; random order: about 0.5)
MIN_ALTERNATION = 0.65


def alternation(report: GaitReport) -> float | None:
    """Share of consecutive heel strikes made by the other foot (None with fewer than 3 heel strikes)."""
    feet = [e.foot for e in sorted(report.events, key=lambda e: e.time_s) if e.kind == HEEL_STRIKE]
    if len(feet) < 3:
        return None
    return float(np.mean([a != b for a, b in zip(feet, feet[1:])]))


def trunk_inclination(points: dict[str, np.ndarray]) -> float | None:
    """Median angle (degrees) of the pelvis -> neck line from the image vertical, None without those points."""
    pelvis, neck = points.get("pelvis"), points.get("neck")
    if pelvis is None or neck is None:
        return None
    d = neck - pelvis
    ok = np.isfinite(d).all(axis=1)
    if not ok.any():
        return None
    return float(np.median(np.degrees(np.arctan2(np.abs(d[ok, 0]), -d[ok, 1]))))


def walk_evidence(report: GaitReport, points: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """The cues of :func:`walk_premise` for one report (``points``: the walker's trajectories, for the trunk)."""
    p = report.parameters
    trunk = trunk_inclination(points) if points is not None else report.walk.get("trunk_deg")
    return {"strides": int(p.strides_left + p.strides_right), "view_confidence": float(report.view.confidence),
            "view_forced": bool(report.view.forced), "trunk_deg": None if trunk is None else round(trunk, 1),
            "alternation": alternation(report)}


def walk_premise(report: GaitReport) -> str | None:
    """Why ``report`` is not a walk (one line), or None when it is one (see the module notes)."""
    ev = walk_evidence(report)
    if not report.events or report.parameters.cadence_spm is None or ev["strides"] < MIN_STRIDES:
        return f"not a walk: {ev['strides']} valid stride(s) (a walk needs at least {MIN_STRIDES})"
    if not ev["view_forced"] and ev["view_confidence"] < MIN_VIEW_CONFIDENCE:
        return (f"not a walk: the walking view is unclear (confidence {ev['view_confidence']:.2f}, a walk needs "
                f"{MIN_VIEW_CONFIDENCE:.2f})")
    if ev["trunk_deg"] is not None and ev["trunk_deg"] > MAX_TRUNK_DEG:
        return f"not a walk: the trunk is {ev['trunk_deg']:.0f} degrees from upright (a walker's is under " \
               f"{MAX_TRUNK_DEG:.0f})"
    if ev["alternation"] is not None and ev["alternation"] < MIN_ALTERNATION:
        return (f"not a walk: the feet do not take turns ({ev['alternation']:.0%} of heel strikes switch foot, a "
                f"walk needs {MIN_ALTERNATION:.0%})")
    return None


def is_walk(report: GaitReport) -> bool:
    """Whether ``report`` shows a walk (:func:`walk_premise` finds nothing missing)."""
    return walk_premise(report) is None


__all__ = ["MAX_TRUNK_DEG", "MIN_ALTERNATION", "MIN_STRIDES", "MIN_VIEW_CONFIDENCE", "alternation", "is_walk",
           "trunk_inclination", "walk_evidence", "walk_premise"]

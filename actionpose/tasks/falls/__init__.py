"""Falls: a causal per-person fall state machine (:mod:`.detector`), event-level evaluation
(:mod:`.evaluate`), labelled fall recordings (:mod:`.data`) and the shipped learned second opinion
(:mod:`.learned`).

>>> from actionpose.tasks.falls import detect_falls        # doctest: +SKIP
>>> [(e.person, e.impact_s) for e in detect_falls(seq).events]   # doctest: +SKIP
"""

from actionpose.tasks.falls.detector import (
    FallConfig,
    FallDetector,
    FallEvent,
    FallResult,
    FallState,
    FallStatus,
    detect_falls,
)
from actionpose.tasks.falls.evaluate import FallClip, FallEvaluation, evaluate_falls, match_events
from actionpose.tasks.falls.learned import FallScore, load_fall_score

__all__ = ["FallClip", "FallConfig", "FallDetector", "FallEvaluation", "FallEvent", "FallResult", "FallState",
           "FallScore", "FallStatus", "detect_falls", "evaluate_falls", "load_fall_score", "match_events"]

"""Falls: a causal per-person fall state machine (:mod:`.detector`), event-level evaluation
(:mod:`.evaluate`) and labelled fall recordings (:mod:`.data`).

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

__all__ = ["FallClip", "FallConfig", "FallDetector", "FallEvaluation", "FallEvent", "FallResult", "FallState",
           "FallStatus", "detect_falls", "evaluate_falls", "match_events"]

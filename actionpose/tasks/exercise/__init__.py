"""Exercise form: rep counting per tracked person, per-rep metrics and coach-style form feedback.

>>> from actionpose.tasks.exercise import analyze
>>> report = analyze(seq, "squat")                       # doctest: +SKIP
>>> for person in report.people:                         # doctest: +SKIP
...     print(person.person, person.count, [r.feedback for r in person.reps])

Exercises are data (:mod:`.definitions`, built-in YAML in ``definitions/``); the counter is a
per-track hysteresis state machine (:mod:`.counter`); metrics and form rules live in
:mod:`.metrics` and :mod:`.faults`; terminal states can be learned from labelled poses
(:mod:`.learned`); ``--exercise auto`` is :mod:`.auto`.
"""

from actionpose.tasks.exercise.analyze import AnalyzeOptions, analyze, analyze_track
from actionpose.tasks.exercise.auto import AutoChoice, pick_exercise
from actionpose.tasks.exercise.counter import MultiTrackCounter, RepCounter, RepSpan, count_signal
from actionpose.tasks.exercise.definitions import (
    ExerciseDefinition,
    Measure,
    Rule,
    Standard,
    Zone,
    builtin_definition,
    builtin_definitions,
    builtin_names,
    get_definition,
    load_definition_file,
    parse_definition,
)
from actionpose.tasks.exercise.faults import LearnedFaults
from actionpose.tasks.exercise.learned import TerminalStateClassifier
from actionpose.tasks.exercise.results import ExerciseReport, Fault, Hold, PersonReport, Rep

__all__ = ["AnalyzeOptions", "AutoChoice", "ExerciseDefinition", "ExerciseReport", "Fault", "Hold", "LearnedFaults",
           "Measure", "MultiTrackCounter", "PersonReport", "Rep", "RepCounter", "RepSpan", "Rule", "Standard",
           "TerminalStateClassifier", "Zone", "analyze", "analyze_track", "builtin_definition", "builtin_definitions",
           "builtin_names", "count_signal", "get_definition", "load_definition_file", "parse_definition",
           "pick_exercise"]

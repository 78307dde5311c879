"""The ``reps`` task: reps, holds and form per person, for a named exercise or one picked from the motion.

With ``exercise="auto"`` the premise is an exercise: one of the built-in exercises must explain the motion
with at least one complete rep (or hold); otherwise the result does not apply (a fall or tai chi is not an
exercise).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import register_task
from actionpose.tasks.exercise.analyze import AnalyzeOptions
from actionpose.tasks.exercise.analyze import analyze as analyze_exercise
from actionpose.tasks.exercise.auto import pick_exercise
from actionpose.tasks.exercise.definitions import get_definition
from actionpose.tasks.exercise.results import ExerciseReport

log = logging.getLogger(__name__)


@dataclass
class ExerciseConfig:
    """Options of the ``reps`` task.

    Parameters
    ----------
    exercise
        A built-in exercise, ``"auto"``, or a definition / learned-states file.
    options
        Counting options (:class:`~actionpose.tasks.exercise.analyze.AnalyzeOptions`).
    fault_model
        A learned form-fault model (``.apm``) applied to every rep.
    ok_class
        The fault model's classes that mean good form.
    standard
        The named standard the form rules judge by (``default``, squat ``powerlifting``, push-up ``strict``).
    """

    exercise: str = "auto"
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    fault_model: str | None = None
    ok_class: tuple[str, ...] = ("C", "correct", "good", "ok")
    standard: str = "default"


def _empty(source: str, reason: str) -> ExerciseReport:
    return ExerciseReport("", "", "", 0.0, 0.0, [], source=source, applies=False, reason=reason)


@register_task("reps", ExerciseConfig, "reps per person, with tempo, depth and form feedback")
def analyze(seq: PoseSequence, config: ExerciseConfig) -> ExerciseReport:
    """Reps (or holds) and form of every person in ``seq``."""
    from actionpose.tasks.exercise.faults import LearnedFaults

    source = str(seq.meta.get("source", ""))
    exercise, choice = config.exercise, None
    if exercise == "auto":
        choice = pick_exercise(seq)
        if choice.exercise is None:
            if choice.reason and choice.reason.startswith("cannot tell"):
                return _empty(source, f"exercise unknown: {choice.reason}")
            return _empty(source, "no exercise recognised (none of the built-in exercises explains the motion)")
        exercise = choice.exercise
    learned = LearnedFaults(config.fault_model, tuple(config.ok_class)) if config.fault_model else None
    standard = config.standard
    if choice is not None and standard not in get_definition(exercise).standard_names():
        # a standard chosen for another exercise (e.g. push-up "strict" on a clip that turned out a squat)
        log.warning("%s has no standard %r: judged by the default standard", exercise, standard)
        standard = None
    report = analyze_exercise(seq, exercise, options=config.options, learned=learned, standard=standard)
    report.source = source
    if choice is not None:
        report.auto = choice.to_dict()
        # picked automatically but not one complete rep (or hold): nothing was recognised, only look-alikes
        if not any(p.count or p.holds for p in report.people):
            report.applies = False
            report.reason = f"no complete repetition of any built-in exercise (closest: {exercise})"
    return report

"""Run the tasks (falls, gait, reps, signs) on one tracked sequence: the one analysis path shared by
``actionpose analyze`` (folders, Ray) and the dashboard.

Every task runs on its own: a task that cannot apply to the clip (no walking for gait, no hands for signs)
records why in its :class:`TaskOutcome` instead of failing the others. Each outcome carries the task's typed
result, a JSON-ready document and a flat summary row for tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from actionpose.errors import ActionPoseError
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)

#: the tasks :func:`analyze_sequence` knows, in the order they run
TASKS = ("falls", "gait", "reps", "signs")


@dataclass
class AnalysisOptions:
    """Task settings (each task's defaults otherwise).

    Parameters
    ----------
    exercise
        For ``reps``: a built-in exercise, ``"auto"``, or a definition / learned-states file.
    height_m
        For ``gait``: the walker's height, for lengths in metres.
    fall_config
        For ``falls``: a :class:`actionpose.tasks.falls.FallConfig`.
    sign_model
        For ``signs``: a model file (default: the built-in ASL alphabet).
    """

    exercise: str = "auto"
    height_m: float | None = None
    fall_config: Any = None
    sign_model: str | None = None


@dataclass
class TaskOutcome:
    """One task on one clip: its typed ``result`` and JSON ``document``, or the ``error`` that stopped it."""

    task: str
    result: Any = None
    document: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Analysis:
    """All tasks on one clip."""

    source: str
    frames: int
    fps: float
    people: int
    layout: str
    outcomes: dict[str, TaskOutcome]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "frames": self.frames, "fps": self.fps, "people": self.people,
                "layout": self.layout,
                "tasks": {name: ({"error": o.error} if o.error else o.document) for name, o in self.outcomes.items()}}

    def summary_row(self) -> dict[str, Any]:
        """One flat row: the clip, then ``task.key`` for every task's summary (and ``task.error``)."""
        row: dict[str, Any] = {"source": self.source, "frames": self.frames, "fps": self.fps, "people": self.people}
        for name, o in self.outcomes.items():
            if o.error:
                row[f"{name}.error"] = o.error
            row.update({f"{name}.{k}": v for k, v in o.summary.items()})
        return row


def _falls(seq: PoseSequence, options: AnalysisOptions) -> TaskOutcome:
    from actionpose.tasks.falls import detect_falls

    result = detect_falls(seq, options.fall_config)
    events = result.events
    return TaskOutcome("falls", result, result.to_dict(),
                       {"falls": len(events), "first_impact_s": round(events[0].impact_s, 3) if events else None,
                        "still_down": sum(not e.got_up for e in events)})


def _gait(seq: PoseSequence, options: AnalysisOptions) -> TaskOutcome:
    from actionpose.tasks.gait import GaitConfig, analyze_gait
    from actionpose.tasks.gait.report import document
    from actionpose.tasks.gait.rules import gait_alerts

    # a person counts as walking when at least one gait cycle gave a cadence (a few steps before a fall do not)
    reports = [r for r in analyze_gait(seq, GaitConfig(height_m=options.height_m))
               if r.events and r.parameters.cadence_spm is not None]
    if not reports:
        raise ActionPoseError("no walking found (no complete gait cycle)")
    alerts = [a for r in reports for a in gait_alerts(r, source=str(seq.meta.get("source", "")))]
    first = reports[0].parameters
    return TaskOutcome("gait", reports, document(reports, alerts, str(seq.meta.get("source", ""))),
                       {"people": len(reports), "view": reports[0].view.view, "cadence_spm": first.cadence_spm,
                        "step_time_s": first.step_time_s, "alerts": len(alerts)})


def _reps(seq: PoseSequence, options: AnalysisOptions) -> TaskOutcome:
    from actionpose.tasks.exercise import analyze, pick_exercise

    exercise, choice = options.exercise, None
    if exercise == "auto":
        choice = pick_exercise(seq)
        if choice.exercise is None:
            raise ActionPoseError("no exercise recognised (none of the built-in exercises explains the motion)")
        exercise = choice.exercise
    report = analyze(seq, exercise)
    if choice is not None:
        report.auto = choice.to_dict()
        # picked automatically but not one complete rep (or hold): nothing was recognised, only look-alikes
        if not any(p.count or p.holds for p in report.people):
            raise ActionPoseError(f"no complete repetition of any built-in exercise (closest: {exercise})")
    return TaskOutcome("reps", report, report.to_dict(),
                       {"exercise": report.exercise, "reps": sum(p.count for p in report.people)})


def _signs(seq: PoseSequence, options: AnalysisOptions) -> TaskOutcome:
    from actionpose.tasks.signs import StaticSignClassifier, load_builtin, transcribe

    if seq.layout.name not in ("hand21", "hands", "holistic"):
        raise ActionPoseError(f"signs need hand landmarks (extract with --mode hands or holistic), "
                              f"not the {seq.layout.name} layout")
    clf = StaticSignClassifier.load(options.sign_model) if options.sign_model else load_builtin()
    events = transcribe(clf, seq)
    return TaskOutcome("signs", events, {"signs": [e.to_dict() for e in events]},
                       {"signs": len(events), "transcript": " ".join(e.label for e in events)})


_RUNNERS: dict[str, Callable[[PoseSequence, AnalysisOptions], TaskOutcome]] = {
    "falls": _falls, "gait": _gait, "reps": _reps, "signs": _signs}


def check_tasks(tasks: Sequence[str]) -> list[str]:
    """The task names, validated (``ValueError`` naming the unknown ones)."""
    unknown = [t for t in tasks if t not in _RUNNERS]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {', '.join(TASKS)}")
    return list(dict.fromkeys(tasks))


def analyze_sequence(seq: PoseSequence, tasks: Sequence[str] = ("falls", "gait", "reps"),
                     options: AnalysisOptions | None = None) -> Analysis:
    """Run ``tasks`` on ``seq``; a task that does not apply records its reason and the others still run.

    Raises
    ------
    ValueError
        If a task name is unknown.
    """
    options = options or AnalysisOptions()
    outcomes = {}
    for name in check_tasks(tasks):
        try:
            outcomes[name] = _RUNNERS[name](seq, options)
        except (ActionPoseError, ValueError) as exc:
            log.info("%s: %s skipped: %s", seq.meta.get("source", "sequence"), name, exc)
            outcomes[name] = TaskOutcome(name, error=str(exc))
    return Analysis(str(seq.meta.get("source", "")), seq.num_frames, seq.fps, seq.num_people, seq.layout.name,
                    outcomes)

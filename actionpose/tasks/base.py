"""The task protocol: every task is ``analyze(seq, config) -> TaskResult``, registered under a name.

A task reads one tracked :class:`~actionpose.skeleton.sequence.PoseSequence` (several people) and returns a
dataclass derived from :class:`TaskResult`: its own typed fields (fall events, gait reports, reps, signs), plus
what every view relies on:

* ``applies`` / ``reason``: whether the task's premise held (someone walked, an exercise was recognised, hands
  were seen). A result that does not apply is shown with its reason and **never raises an alert**;
* :meth:`TaskResult.person_ids`, :meth:`TaskResult.task_events` (one :class:`TaskEvent` shape for falls, reps,
  signs and rule findings, times in seconds from the start of the clip), :meth:`TaskResult.summary` (a flat
  row for tables) and :meth:`TaskResult.to_dict` (the JSON document).

Events that should alert name an ``alert`` kind; :func:`actionpose.alerts.adapter.result_alerts` is the one
place that turns them into alerts, for the CLI, the dashboard and batch runs alike.

Like timm's model registry, :func:`list_tasks` and :func:`get_task` are the whole API; the built-in tasks are
imported when first asked for, so ``import actionpose`` stays light::

    >>> from actionpose.tasks import get_task, list_tasks
    >>> list_tasks()
    ['falls', 'gait', 'reps', 'signs', 'actions']
    >>> result = get_task("falls").run(seq)                 # doctest: +SKIP

Your own task::

    @register_task("wave", MyConfig, "hand waves per person")
    def analyze(seq: PoseSequence, config: MyConfig) -> MyResult: ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actionpose.skeleton.sequence import PoseSequence

#: built-in tasks: name -> module that registers it when imported (in the order they run)
BUILTIN_TASKS = {"falls": "actionpose.tasks.falls.task", "gait": "actionpose.tasks.gait.task",
                 "reps": "actionpose.tasks.exercise.task", "signs": "actionpose.tasks.signs.task",
                 "actions": "actionpose.tasks.actions"}


def _rounded(value: Any, digits: int = 4) -> Any:
    return round(value, digits) if isinstance(value, float) else value


@dataclass
class TaskEvent:
    """Something a task found, in one shape for every task.

    Parameters
    ----------
    kind
        What it is: ``"fall"``, ``"rep"``, ``"sign"``, ``"gait_rule"``, ``"action"``, ...
    person
        Track id.
    time_s, end_s
        When it happened (the impact, the start of a rep or sign) and ended, seconds from the clip start.
    label
        A short name (the sign, the exercise, the rule, the class).
    confidence
        0-1 where the task has one.
    message
        One human-readable line.
    alert
        The alert kind this event raises (``"fall"``, ``"gait"``), or None: not alert-worthy.
    alert_s
        When that alert is due (a fall: once it is confirmed); default ``time_s``.
    severity
        The severity the task asks for; :func:`actionpose.alerts.policy.severity` has the last word.
    point
        ``(x, y)`` image position of the person, for ignore zones.
    details
        JSON-ready extras.
    """

    kind: str
    person: int
    time_s: float
    end_s: float | None = None
    label: str = ""
    confidence: float | None = None
    message: str = ""
    alert: str | None = None
    alert_s: float | None = None
    severity: str | None = None
    point: tuple[float, float] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (floats rounded)."""
        return {"kind": self.kind, "person": int(self.person), "time_s": _rounded(float(self.time_s)),
                "end_s": _rounded(float(self.end_s)) if self.end_s is not None else None, "label": self.label,
                "confidence": _rounded(float(self.confidence)) if self.confidence is not None else None,
                "message": self.message, "alert": self.alert, "details": self.details}


@dataclass(kw_only=True)
class TaskResult:
    """Base of every task's result (subclasses add their typed fields and override the methods).

    Attributes
    ----------
    task
        The registered task name (set by :meth:`Task.run`).
    source
        The clip, camera or file the sequence came from.
    applies
        False when the task's premise failed (no walk, no exercise, no hands); such a result raises no alert.
    reason
        Why it does not apply (or a note when it does).
    """

    task: str = ""
    source: str = ""
    applies: bool = True
    reason: str = ""

    def person_ids(self) -> list[int]:
        """Track ids this result has something about."""
        return sorted({e.person for e in self.task_events()})

    def task_events(self) -> list[TaskEvent]:
        """Everything found, in time order, as :class:`TaskEvent` s."""
        return []

    def summary(self) -> dict[str, Any]:
        """A flat row for tables (the task adds its own columns)."""
        return {"applies": self.applies} if self.applies else {"applies": False, "reason": self.reason}

    def header(self) -> dict[str, Any]:
        """The keys every task's JSON document starts with."""
        return {"task": self.task, "applies": self.applies, "reason": self.reason}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: :meth:`header`, the people and the events (subclasses add their own keys)."""
        return {**self.header(), "people": self.person_ids(), "events": [e.to_dict() for e in self.task_events()]}


def not_applicable(task: str, source: str, reason: str) -> TaskResult:
    """The result of a task whose premise failed on this input."""
    return TaskResult(task=task, source=source, applies=False, reason=reason)


@dataclass(frozen=True)
class Task:
    """A registered task: its analysis function, its config dataclass and a one-line description."""

    name: str
    analyze: Callable[[PoseSequence, Any], TaskResult]
    config: type
    description: str = ""

    def run(self, seq: PoseSequence, config: Any = None) -> TaskResult:
        """``analyze(seq, config)`` (the config's defaults when None), with ``task`` and ``source`` filled in."""
        result = self.analyze(seq, self.config() if config is None else config)
        result.task = self.name
        result.source = result.source or str(seq.meta.get("source", ""))
        return result


_REGISTRY: dict[str, Task] = {}


def register_task(name: str, config: type, description: str = "") -> Callable:
    """Decorator: register ``analyze(seq, config) -> TaskResult`` as task ``name`` (a later one replaces it)."""
    def decorate(fn: Callable[[PoseSequence, Any], TaskResult]) -> Callable[[PoseSequence, Any], TaskResult]:
        _REGISTRY[name] = Task(name, fn, config, description or (fn.__doc__ or "").strip().split("\n")[0])
        return fn
    return decorate


def list_tasks() -> list[str]:
    """Names of the built-in and registered tasks, built-in first."""
    return [*BUILTIN_TASKS, *(n for n in _REGISTRY if n not in BUILTIN_TASKS)]


def get_task(name: str) -> Task:
    """The task registered as ``name`` (a built-in one is imported on first use).

    Raises
    ------
    ValueError
        If no task has that name.
    """
    if name not in _REGISTRY and name in BUILTIN_TASKS:
        importlib.import_module(BUILTIN_TASKS[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; choose from {', '.join(list_tasks())}") from None


__all__ = ["BUILTIN_TASKS", "Task", "TaskEvent", "TaskResult", "get_task", "list_tasks", "not_applicable",
           "register_task"]

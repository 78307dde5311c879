"""Typed results of the exercise task: faults, reps, holds, one report per person and one per input."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from actionpose.tasks.base import TaskEvent, TaskResult


def _round(value: Any, digits: int = 3) -> Any:
    if isinstance(value, float):
        return None if value != value else round(value, digits)
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round(v, digits) for v in value]
    return value


@dataclass
class Fault:
    """A form fault found in a rep or a hold.

    ``value`` is what was measured (in the measure's unit), ``threshold`` and ``direction`` the rule
    it crossed, ``why`` where the threshold comes from; ``share`` is, for holds, the fraction of the
    time in position with the fault. ``source`` is ``"rule"`` or ``"learned"``. ``standard`` names the
    standard the rule belongs to (e.g. squat ``powerlifting``); ``phase``, ``start_s``, ``end_s`` and
    ``duration_s`` say when a sustained fault happened in the rep.
    """

    id: str
    message: str
    value: float | None = None
    threshold: float | None = None
    direction: str | None = None
    unit: str = ""
    why: str = ""
    share: float | None = None
    source: str = "rule"
    phase: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    duration_s: float | None = None
    standard: str | None = None

    def measured(self) -> str:
        """The measured value beside the verdict, e.g. ``-27 deg (limit -15), on the way up for 0.60 s``."""
        if self.value is None:
            return ""
        unit = {"deg": " deg", "prob": ""}.get(self.unit, f" {self.unit}" if self.unit else "")
        spec = ".0f" if self.unit == "deg" else ".2f"
        text = f"{self.value:{spec}}{unit}"
        if self.threshold is not None:
            text += f" (limit {self.threshold:{spec}})"
        if self.phase is not None:
            where = {"descent": "on the way down", "bottom": "at the bottom", "ascent": "on the way up"}
            text += f", {where.get(self.phase, self.phase)}"
            if self.duration_s is not None:
                text += f" for {self.duration_s:.2f} s"
        return text


@dataclass
class Rep:
    """One repetition: timing, metrics, faults and a short feedback message.

    ``number`` counts complete reps from 1 (None for a partial rep). Times are seconds from the
    start of the clip; ``tempo`` maps the definition's two phase names (e.g. ``down``, ``up``) to
    seconds. ``rom`` is the signal's range over the rep and ``rom_deg`` the range of the
    definition's range-of-motion angle; ``depth`` is the depth measure at the bottom;
    ``asymmetry`` is the left/right difference of the asymmetry measure at the bottom (None unless
    both sides are well seen).
    """

    number: int | None
    start_s: float
    bottom_s: float
    end_s: float
    duration_s: float
    tempo: dict[str, float]
    complete: bool
    reason: str | None = None
    rom: float | None = None
    rom_deg: float | None = None
    depth: float | None = None
    asymmetry: float | None = None
    view: str = "unknown"
    faults: list[Fault] = field(default_factory=list)
    not_assessed: list[str] = field(default_factory=list)
    feedback: str = ""
    frames: tuple[int, int, int] = (0, 0, 0)


@dataclass
class Hold:
    """One continuous stretch in position of a hold exercise (plank)."""

    start_s: float
    end_s: float
    duration_s: float
    good_form_s: float
    faults: list[Fault] = field(default_factory=list)
    not_assessed: list[str] = field(default_factory=list)
    feedback: str = ""


@dataclass
class PersonReport:
    """Everything about one tracked person: count, reps, holds and a one-line summary."""

    person: int
    count: int
    partial: int
    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    time_in_position_s: float = 0.0
    good_form_s: float = 0.0
    frames_seen: int = 0
    summary: str = ""


@dataclass
class ExerciseReport(TaskResult):
    """The result of :func:`actionpose.tasks.exercise.analyze` for one input (the ``reps`` task's result)."""

    exercise: str
    title: str
    kind: str
    fps: float
    duration_s: float
    people: list[PersonReport]
    units: dict[str, str] = field(default_factory=dict)
    auto: dict[str, Any] | None = None
    standard: str = "default"

    def person_ids(self) -> list[int]:
        return [int(p.person) for p in self.people]

    def task_events(self) -> list[TaskEvent]:
        """Every rep (complete or partial) and hold of every person, in time order."""
        out = [TaskEvent("rep", p.person, r.start_s, r.end_s, self.exercise, message=r.feedback,
                         details={"number": r.number, "complete": r.complete, "faults": [f.id for f in r.faults]})
               for p in self.people for r in p.reps]
        out += [TaskEvent("hold", p.person, h.start_s, h.end_s, self.exercise, message=h.feedback,
                          details={"duration_s": round(h.duration_s, 3), "faults": [f.id for f in h.faults]})
                for p in self.people for h in p.holds]
        return sorted(out, key=lambda e: e.time_s)

    def summary(self) -> dict[str, Any]:
        if not self.applies:
            return super().summary()
        return {"exercise": self.exercise, "reps": sum(p.count for p in self.people)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dictionary (floats rounded to 3 decimals)."""
        return _round(asdict(self))


__all__ = ["ExerciseReport", "Fault", "Hold", "PersonReport", "Rep"]

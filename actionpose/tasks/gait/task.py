"""The ``gait`` task: gait reports of the people who walk, and rule findings that raise gait alerts.

The premise is a walk (:mod:`actionpose.tasks.gait.premise`): enough valid strides, a confident view, an
upright trunk and feet that take turns (a few steps before a fall, a push-up or a sit-to-stand are not a walk).
Without one the result does not apply and raises nothing; only the people who walk are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import TaskEvent, TaskResult, register_task
from actionpose.tasks.gait.analysis import GaitConfig, analyze_gait
from actionpose.tasks.gait.premise import is_walk, walk_premise
from actionpose.tasks.gait.results import GaitReport
from actionpose.tasks.gait.rules import DEFAULT_RULES, load_rules, rule_findings


@dataclass
class GaitResult(TaskResult):
    """The ``gait`` task's result.

    Attributes
    ----------
    reports
        One :class:`GaitReport` per person who walked.
    findings
        Rule findings (``gait_rule`` events raising ``gait`` alerts).
    """

    reports: list[GaitReport] = field(default_factory=list)
    findings: list[TaskEvent] = field(default_factory=list)

    def person_ids(self) -> list[int]:
        return [int(r.person) for r in self.reports]

    def task_events(self) -> list[TaskEvent]:
        """Heel strikes and toe offs of every walker, then the rule findings."""
        steps = [TaskEvent(e.kind, int(r.person), float(e.time_s), label=e.foot, confidence=float(e.confidence),
                           details={"frame": int(e.frame)}) for r in self.reports for e in r.events]
        return sorted(steps, key=lambda e: e.time_s) + list(self.findings)

    def summary(self) -> dict[str, Any]:
        if not self.reports:
            return super().summary()
        first = self.reports[0]
        return {"people": len(self.reports), "view": first.view.view, "cadence_spm": first.parameters.cadence_spm,
                "step_time_s": first.parameters.step_time_s, "alerts": sum(f.alert is not None for f in self.findings)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "input": self.source, "people": [r.to_dict() for r in self.reports],
                "findings": [f.to_dict() for f in self.findings]}


@register_task("gait", GaitConfig, "gait events, cadence, step time and length, knee and hip angles, alerts")
def analyze(seq: PoseSequence, config: GaitConfig) -> GaitResult:
    """Gait reports of every person who walks in ``seq``, with the findings of the gait rules."""
    source = str(seq.meta.get("source", ""))
    try:
        reports = analyze_gait(seq, config)
    except InputError as exc:
        return GaitResult(source=source, applies=False, reason=exc.problem)
    walks = [r for r in reports if is_walk(r)]
    if not walks:
        reasons = sorted({walk_premise(r) for r in reports})
        return GaitResult(source=source, applies=False, reason="; ".join(reasons) or "no walking found")
    rules = load_rules(config.rules) if config.rules else list(DEFAULT_RULES)
    return GaitResult(reports=walks, findings=[f for r in walks for f in rule_findings(r, rules)], source=source)

"""Configurable rules that turn gait parameters outside a reference range into gait alerts.

A rule names a parameter of :class:`~actionpose.tasks.gait.results.GaitParameters` (or one of the
two-sided summaries ``knee_rom_deg``, ``hip_rom_deg``, ``knee_peak_swing_deg``, ``stance_pct``,
``swing_pct``) and the range it should stay in. :func:`rule_findings` returns one
finding per broken rule; :func:`actionpose.alerts.adapter.result_alerts` turns them into ``gait`` alerts.

Rules load from a small YAML or JSON file, a list of rules or ``{"rules": [...]}``::

    - name: slow_cadence
      metric: cadence_spm
      min: 90
      severity: warning
      message: "cadence {value:.0f} steps/min is below {min:g}"

The default reference ranges (:data:`DEFAULT_RULES`) are conservative adult values from the
literature, for screening, not diagnosis: cadence about 100-125 steps/min in healthy adults (Hollman
et al. 2011, Gait & Posture 34:111); gait speed below 0.8 m/s marks raised risk in older adults
(Studenski et al. 2011, JAMA 305:50); symmetry indices above about 10 % (Robinson et al. 1987;
Patterson et al. 2010, Gait & Posture 31:241); peak knee flexion range about 55-65 degrees in
normal gait (Perry & Burnfield 2010); stride-time variability above about 5 % (Hausdorff 2005,
J NeuroEng Rehabil 2:19); double support about 20-30 % of the cycle at comfortable speed.
When the analysis flagged its own numbers as uncertain (too few cycles, low keypoint confidence,
uncertain view), warnings are sent as ``"info"`` and say why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from actionpose.alerts.types import SEVERITIES, Alert
from actionpose.errors import InputError
from actionpose.settings_file import read_settings_file
from actionpose.tasks.base import TaskEvent
from actionpose.tasks.gait.premise import is_walk
from actionpose.tasks.gait.results import GaitParameters, GaitReport

#: two-sided summaries a rule may name besides the GaitParameters fields
DERIVED_METRICS = ("knee_rom_deg", "hip_rom_deg", "knee_peak_swing_deg", "stance_pct", "swing_pct")
#: quality flags that make a warning an info
UNCERTAIN = ("too_few_cycles", "low_confidence", "view_uncertain")


@dataclass(frozen=True)
class GaitRule:
    """Keep ``metric`` within ``[min, max]`` (either bound may be None).

    Parameters
    ----------
    name
        Stable identifier (goes into the alert's details).
    metric
        A :class:`GaitParameters` field or a name in :data:`DERIVED_METRICS`.
    min, max
        The reference range.
    severity
        ``"info"``, ``"warning"`` or ``"critical"``.
    message
        ``str.format`` template with ``value``, ``min``, ``max``, ``unit``, ``metric``.
    unit
        For messages and details.
    only_without
        Skip the rule when this other metric was measured (a fallback, e.g. speed in leg lengths per
        second when no height gave metres per second).
    """

    name: str
    metric: str
    min: float | None = None
    max: float | None = None
    severity: str = "warning"
    message: str = ""
    unit: str = ""
    only_without: str | None = None

    def __post_init__(self) -> None:
        for metric in (self.metric, self.only_without):
            if metric is not None and metric not in GaitParameters.names() and metric not in DERIVED_METRICS:
                raise InputError(None, f"gait rule {self.name!r}: unknown metric {metric!r}")
        if self.min is None and self.max is None:
            raise InputError(None, f"gait rule {self.name!r}: give a min, a max or both")
        if self.severity not in SEVERITIES:
            raise InputError(None, f"gait rule {self.name!r}: severity must be one of {', '.join(SEVERITIES)}")

    def broken_by(self, value: float | None) -> bool:
        """Whether ``value`` lies outside the range (None never breaks a rule)."""
        if value is None or not math.isfinite(value):
            return False
        return (self.min is not None and value < self.min) or (self.max is not None and value > self.max)

    def describe(self, value: float) -> str:
        """The alert's message line."""
        fields = {"value": value, "min": self.min, "max": self.max, "unit": self.unit, "metric": self.metric}
        if self.message:
            try:
                return self.message.format(**fields)
            except (KeyError, ValueError, IndexError, TypeError):
                pass
        bound = f"below {self.min:g}" if self.min is not None and value < self.min else f"above {self.max:g}"
        return f"{self.metric} {value:.3g}{(' ' + self.unit) if self.unit else ''} is {bound}"


DEFAULT_RULES: tuple[GaitRule, ...] = (
    GaitRule("slow_cadence", "cadence_spm", min=90.0, unit="steps/min",
             message="slow cadence: {value:.0f} steps/min (reference >= {min:g})"),
    GaitRule("slow_gait_speed", "gait_speed_mps", min=0.8, unit="m/s",
             message="slow gait speed: {value:.2f} m/s (reference >= {min:g})"),
    GaitRule("slow_gait_speed_relative", "gait_speed", min=0.9, severity="info", unit="leg lengths/s",
             message="slow gait speed: {value:.2f} leg lengths/s (about 0.8 m/s for an adult: reference >= {min:g})",
             only_without="gait_speed_mps"),
    GaitRule("step_time_asymmetry", "step_time_si", max=10.0, unit="%",
             message="step time asymmetry: symmetry index {value:.0f}% (reference <= {max:g}%)"),
    GaitRule("step_length_asymmetry", "step_length_si", max=15.0, unit="%",
             message="step length asymmetry: symmetry index {value:.0f}% (reference <= {max:g}%)"),
    GaitRule("stance_asymmetry", "stance_si", max=10.0, severity="info", unit="%",
             message="stance time asymmetry: symmetry index {value:.0f}% (reference <= {max:g}%)"),
    GaitRule("reduced_knee_rom", "knee_rom_deg", min=50.0, unit="deg",
             message="reduced knee range of motion: {value:.0f} deg on the weaker side (reference >= {min:g})"),
    GaitRule("long_double_support", "double_support_pct", max=35.0, severity="info", unit="% of cycle",
             message="long double support: {value:.0f}% of the cycle (reference <= {max:g}%)"),
    GaitRule("variable_stride_time", "stride_time_cv_pct", max=5.0, severity="info", unit="%",
             message="variable stride time: CV {value:.1f}% (reference <= {max:g}%)"),
)


def rules_from_data(data: Any, source: str | Path | None = None) -> list[GaitRule]:
    """Rules from parsed YAML/JSON: a list of rule mappings, or a mapping with a ``rules`` list."""
    if isinstance(data, dict):
        data = data.get("rules")
    if not isinstance(data, list) or not data:
        raise InputError(source, "gait rules must be a non-empty list (or a mapping with a 'rules' list)")
    rules = []
    known = set(GaitRule.__dataclass_fields__)
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise InputError(source, f"gait rule {i + 1} is not a mapping")
        unknown = set(item) - known
        if unknown:
            raise InputError(source, f"gait rule {i + 1}: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            rules.append(GaitRule(**{**item, "name": str(item.get("name", f"rule_{i + 1}"))}))
        except InputError as exc:
            raise InputError(source, exc.problem) from None
        except TypeError as exc:
            raise InputError(source, f"gait rule {i + 1}: {exc}") from None
    return rules


def load_rules(path: str | Path) -> list[GaitRule]:
    """Read rules from a ``.yaml`` / ``.yml`` or ``.json`` file (see the module notes)."""
    path = Path(path)
    return rules_from_data(read_settings_file(path, "rules file"), path)


def rules_to_data(rules: Iterable[GaitRule]) -> list[dict[str, Any]]:
    """The rules as plain mappings (to write a starting file)."""
    return [{k: v for k, v in asdict(r).items() if v not in (None, "")} for r in rules]


def rule_findings(report: GaitReport, rules: Iterable[GaitRule] = DEFAULT_RULES) -> list[TaskEvent]:
    """One finding per rule the report's parameters break, as task events that raise ``gait`` alerts.

    Parameters
    ----------
    report
        A :class:`GaitReport`.
    rules
        The rules (default :data:`DEFAULT_RULES`).

    Returns
    -------
    Events of kind ``"gait_rule"`` timed at the end of the analysed walk; ``details`` hold the rule, the
    metric, its value, the reference range and unit, and the analysis's quality flags. When the analysis
    doubts its own numbers, a warning becomes ``info`` and says why. A report that is not a walk
    (:func:`~actionpose.tasks.gait.premise.is_walk`) breaks no rule: gait rules only judge walks.
    """
    if not is_walk(report):
        return []
    flags = [q.code for q in report.quality]
    doubts = [f for f in flags if f in UNCERTAIN]
    time_s = round(report.start_s + report.duration_s, 3)
    confidence = 1.0 if report.view.forced else float(report.view.confidence)
    person = int(report.person)
    out = []
    for rule in rules:
        value = report.parameters.get(rule.metric)
        if not rule.broken_by(value):
            continue
        if rule.only_without is not None and report.parameters.get(rule.only_without) is not None:
            continue
        severity = rule.severity
        message = rule.describe(value)
        if doubts and severity != "info":
            severity = "info"
            message += f" [uncertain: {', '.join(doubts)}]"
        details = {"rule": rule.name, "metric": rule.metric, "value": round(float(value), 4),
                   "reference": {"min": rule.min, "max": rule.max}, "unit": rule.unit, "view": report.view.view,
                   "quality": flags}
        out.append(TaskEvent("gait_rule", person, time_s, label=rule.name, confidence=confidence, message=message,
                             alert="gait", severity=severity, details=details))
    if report.classification and report.classification.get("label") == "impaired":
        c = report.classification
        out.append(TaskEvent("gait_rule", person, time_s, label="classifier",
                             confidence=float(c.get("probability", 1.0)),
                             message=f"classifier second opinion: impaired gait "
                                     f"(p = {c.get('probability', float('nan')):.2f})",
                             alert="gait", severity="info",
                             details={"rule": "classifier", "model": c.get("model", ""), "value": c.get("probability"),
                                      "quality": flags}))
    return out


def gait_alerts(report: GaitReport, rules: Iterable[GaitRule] = DEFAULT_RULES, person: int | None = None,
                source: str = "") -> list[Alert]:
    """The alerts of :func:`rule_findings` for one report (``person`` overrides its track id)."""
    from actionpose.alerts.adapter import result_alerts
    from actionpose.tasks.gait.task import GaitResult

    findings = rule_findings(report, rules)
    if person is not None:
        findings = [replace(f, person=int(person)) for f in findings]
    return result_alerts(GaitResult(reports=[report], findings=findings, source=str(source), applies=is_walk(report)))


__all__ = ["DEFAULT_RULES", "DERIVED_METRICS", "GaitRule", "gait_alerts", "load_rules", "rule_findings",
           "rules_from_data", "rules_to_data"]

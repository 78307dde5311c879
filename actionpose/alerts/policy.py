"""One severity policy for every alert, wherever it is raised: a clip, a camera, a stream or a batch run.

A confirmed fall is critical whether it is seen live or in a clip; a person still down after the escalation
time stays critical; getting up is information. Other kinds (gait rules, your own) keep the severity their rule
asks for, or ``warning``.
"""

from __future__ import annotations

from actionpose.alerts.types import SEVERITIES

#: the severity of these alert kinds, whatever raised them
FIXED_SEVERITY = {"fall": "critical", "fall_escalation": "critical", "fall_recovered": "info"}
#: the severity of any other kind when its rule names none
DEFAULT_SEVERITY = "warning"


def severity(kind: str, requested: str | None = None) -> str:
    """The severity of an alert of ``kind`` (``requested``: what the rule or task asked for).

    Raises
    ------
    ValueError
        If ``requested`` is not one of :data:`~actionpose.alerts.types.SEVERITIES`.
    """
    if requested is not None and requested not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {requested!r}")
    return FIXED_SEVERITY.get(kind) or requested or DEFAULT_SEVERITY


__all__ = ["DEFAULT_SEVERITY", "FIXED_SEVERITY", "severity"]

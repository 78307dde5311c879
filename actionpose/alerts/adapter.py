"""The one adapter from task results to alerts, shared by the CLI, the dashboard and batch runs.

Only events that name an ``alert`` kind raise an alert, only when their result ``applies`` (a task whose
premise failed is silent), with the severity of :func:`actionpose.alerts.policy.severity`. Ignore zones drop
events whose person stood inside one. With a ``clip_id`` (the clip's content hash) every alert gets a stable
id, so analysing the same clip twice logs nothing twice. Live sources go through
:class:`~actionpose.alerts.manager.AlertManager`, which uses the same policy.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from actionpose.alerts.policy import severity
from actionpose.alerts.types import Alert
from actionpose.alerts.zones import Zone, find_zone

log = logging.getLogger(__name__)


def alert_id(clip_id: str, kind: str, person: Any, time_s: Any, label: str = "") -> str:
    """A stable alert id for one event of one clip."""
    key = f"{clip_id}|{kind}:{label}|{person}|{float(time_s or 0):.3f}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def result_alerts(result: Any, source: str = "", clip_id: str | None = None,
                  zones: Sequence[Zone] = ()) -> list[Alert]:
    """The alerts of one task result (a :class:`~actionpose.tasks.base.TaskResult`).

    Parameters
    ----------
    result
        A task's result.
    source
        The clip, camera or stream named in every alert (default the result's own).
    clip_id
        Stable ids from this (e.g. the clip's sha256); None gives fresh ids.
    zones
        Ignore zones (image pixels): an event whose point lies inside one raises nothing.
    """
    if not result.applies:
        return []
    out = []
    for ev in result.task_events():
        if ev.alert is None:
            continue
        zone = find_zone(zones, ev.point) if zones else None
        if zone is not None:
            log.info("%s alert for person %s at %.2f s not raised: in ignore zone %r", ev.alert, ev.person,
                     ev.time_s, zone.name)
            continue
        when = ev.time_s if ev.alert_s is None else ev.alert_s
        extra = {"id": alert_id(clip_id, ev.alert, ev.person, when, ev.label)} if clip_id else {}
        confidence = 1.0 if ev.confidence is None else round(max(0.0, min(1.0, float(ev.confidence))), 3)
        out.append(Alert(kind=ev.alert, person=int(ev.person), time_s=round(float(when), 3),
                         severity=severity(ev.alert, ev.severity), message=ev.message,
                         source=source or result.source, confidence=confidence,
                         details={"task": result.task, **ev.details}, **extra))
    return out


def analysis_alerts(results: Iterable[Any], source: str = "", clip_id: str | None = None,
                    zones: Sequence[Zone] = ()) -> list[Alert]:
    """:func:`result_alerts` of several task results, in order."""
    return [a for r in results for a in result_alerts(r, source, clip_id, zones)]


__all__ = ["alert_id", "analysis_alerts", "result_alerts"]

"""Turn per-frame observations into alerts: debounce, cooldown, escalation, recovery and ignore zones.

The manager is called every frame of a live camera loop, so :meth:`AlertManager.observe` does a dict
look-up and a few comparisons unless an alert is due; it never raises because of a sink.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from actionpose.alerts.policy import severity
from actionpose.alerts.sinks.base import AlertSink, CallbackSink
from actionpose.alerts.types import Alert, Observation
from actionpose.alerts.zones import Zone, find_zone

log = logging.getLogger(__name__)

#: how many suppressed alerts :attr:`AlertManager.suppressed_alerts` keeps
SUPPRESSED_KEPT = 1000


class _Track:
    """The state of one (kind, person) condition."""

    __slots__ = ("last_t", "run_start", "in_episode", "off_since", "alerted", "waiting", "escalated",
                 "alert", "episode_start")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.last_t = float("-inf")
        self.run_start: float | None = None   # start of the current active run, before an episode
        self.in_episode = False
        self.off_since: float | None = None   # start of the current inactive run, inside an episode
        self.alerted = False                  # this episode's alert was sent
        self.waiting = False                  # this episode's alert was held back by the cooldown
        self.escalated = False
        self.alert: Alert | None = None
        self.episode_start = 0.0


class AlertManager:
    """Raise alerts from conditions observed frame by frame, and send them to sinks.

    Parameters
    ----------
    sinks
        Where alerts go (objects with ``send(alert)`` and ``close()``; a plain function is wrapped in a
        :class:`CallbackSink`).
    debounce_s
        The condition must hold this long (stream time) before an alert is raised, and stop holding this
        long before its episode ends.
    cooldown_s
        After an alert of a kind for a person, no other alert of that kind for that person this long. An
        episode that starts inside the cooldown is suppressed; if it is still going on when the cooldown
        ends, its alert is raised then (a second fall is never silenced for good).
    escalate_after_s
        An alerted episode still active this long after its alert raises one ``"<kind>_escalation"``
        alert (critical). None: never.
    ignore_zones
        Where the person's point lies inside one of these when an alert would be raised, the alert is
        suppressed (logged with the zone name).
    notify_recovery
        Raise ``"<kind>_recovered"`` (info) when an alerted episode ends.
    source
        The clip, camera or stream, put into every alert raised here.

    Attributes
    ----------
    sent
        Every alert dispatched, in order.
    suppressed
        How many alerts were held back (cooldown or zone).
    suppressed_alerts
        The last alerts held back, each with ``details["suppressed"]`` (``"cooldown"`` or ``"zone"``)
        and, for a zone, ``details["zone"]``.
    """

    def __init__(self, sinks: Iterable[AlertSink | Callable[[Alert], Any]] = (), debounce_s: float = 0.5,
                 cooldown_s: float = 60.0, escalate_after_s: float | None = 30.0,
                 ignore_zones: Sequence[Zone] = (), notify_recovery: bool = True, source: str = "") -> None:
        if debounce_s < 0 or cooldown_s < 0 or (escalate_after_s is not None and escalate_after_s < 0):
            raise ValueError("debounce_s, cooldown_s and escalate_after_s must not be negative")
        self.sinks: list[AlertSink] = [s if hasattr(s, "send") else CallbackSink(s) for s in sinks]
        self.debounce_s = float(debounce_s)
        self.cooldown_s = float(cooldown_s)
        self.escalate_after_s = None if escalate_after_s is None else float(escalate_after_s)
        self.ignore_zones = tuple(ignore_zones)
        self.notify_recovery = notify_recovery
        self.source = source
        self.sent: list[Alert] = []
        self.suppressed = 0
        self.suppressed_alerts: deque[Alert] = deque(maxlen=SUPPRESSED_KEPT)
        self._tracks: dict[tuple[str, int], _Track] = {}
        self._last_sent: dict[tuple[str, int], float] = {}
        self._closed = False

    # -- per frame -------------------------------------------------------------------------------

    def observe(self, obs: Observation) -> list[Alert]:
        """Feed one frame's observation of one person; return the alerts it raised (usually none).

        Parameters
        ----------
        obs
            The condition ``obs.kind`` for ``obs.person`` at stream time ``obs.time_s``. Times must
            increase per (kind, person); a time going back (a restarted stream) starts that state afresh.

        Returns
        -------
        list of Alert
            The alerts sent to the sinks because of this observation.
        """
        key = (obs.kind, obs.person)
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = _Track()
        t = obs.time_s
        if t < track.last_t:
            log.debug("time went back for %s person %s (%.3f -> %.3f s): state reset", obs.kind, obs.person,
                      track.last_t, t)
            track.reset()
        track.last_t = t
        if not track.in_episode:
            if not obs.active:
                track.run_start = None
                return []
            if track.run_start is None:
                track.run_start = t
            if t - track.run_start < self.debounce_s:
                return []
            return self._start_episode(key, track, obs)
        if obs.active:
            track.off_since = None
            if track.alerted:
                if (not track.escalated and self.escalate_after_s is not None
                        and t - track.alert.time_s >= self.escalate_after_s):
                    return self._escalate(track, obs)
            elif track.waiting and not self._cooling(key, t):
                return self._raise_deferred(key, track, obs)
            return []
        if track.off_since is None:
            track.off_since = t
        if t - track.off_since < self.debounce_s:
            return []
        return self._end_episode(track, obs)

    def notify(self, alert: Alert) -> bool:
        """Send a ready-made alert (e.g. a gait alert), subject to the (kind, person) cooldown.

        Returns
        -------
        bool
            Whether it was sent (False: held back by the cooldown).
        """
        key = (alert.kind, alert.person)
        if self._cooling(key, alert.time_s):
            self._suppress(alert, "cooldown", f"cooldown ({self.cooldown_s:g} s)")
            return False
        self._last_sent[key] = alert.time_s
        self.dispatch(alert)
        return True

    def dispatch(self, alert: Alert) -> None:
        """Send ``alert`` to every sink now (no cooldown); a failing sink is logged and skipped."""
        self.sent.append(alert)
        log.info("alert %s (%s) person %s at %.2f s: %s", alert.kind, alert.severity, alert.person,
                 alert.time_s, alert.message)
        for sink in self.sinks:
            try:
                sink.send(alert)
            except Exception:
                log.exception("alert sink %s failed on alert %s; the other sinks still get it",
                              type(sink).__name__, alert.id)

    # -- episodes --------------------------------------------------------------------------------

    def _cooling(self, key: tuple[str, int], t: float) -> bool:
        last = self._last_sent.get(key)
        return last is not None and 0.0 <= t - last < self.cooldown_s

    def _make(self, kind: str, severity: str, obs: Observation, message: str, details: dict[str, Any],
              confidence: float) -> Alert:
        return Alert(kind=kind, person=obs.person, time_s=obs.time_s, severity=severity, message=message,
                     source=self.source, confidence=confidence, details=details)

    def _episode_alert(self, track: _Track, obs: Observation) -> Alert:
        message = obs.message or f"{obs.kind} detected for person {obs.person} at {obs.time_s:.1f} s"
        details = {**obs.details, "episode_start_s": track.episode_start}
        return self._make(obs.kind, severity(obs.kind), obs, message, details, obs.confidence)

    def _start_episode(self, key: tuple[str, int], track: _Track, obs: Observation) -> list[Alert]:
        track.in_episode = True
        track.episode_start = track.run_start if track.run_start is not None else obs.time_s
        track.run_start = track.off_since = track.alert = None
        track.alerted = track.waiting = track.escalated = False
        alert = self._episode_alert(track, obs)
        zone = find_zone(self.ignore_zones, obs.point) if self.ignore_zones else None
        if zone is not None:
            self._suppress(alert, "zone", f"ignore zone {zone.name!r}", zone=zone.name)
            return []
        if self._cooling(key, obs.time_s):
            track.waiting = True
            self._suppress(alert, "cooldown", f"cooldown ({self.cooldown_s:g} s)")
            return []
        return self._send_episode_alert(key, track, alert)

    def _raise_deferred(self, key: tuple[str, int], track: _Track, obs: Observation) -> list[Alert]:
        track.waiting = False
        zone = find_zone(self.ignore_zones, obs.point) if self.ignore_zones else None
        if zone is not None:
            log.info("held-back %s for person %s not raised after the cooldown: in ignore zone %r", obs.kind,
                     obs.person, zone.name)
            return []
        alert = self._episode_alert(track, obs)
        alert.details["after_cooldown"] = True
        return self._send_episode_alert(key, track, alert)

    def _send_episode_alert(self, key: tuple[str, int], track: _Track, alert: Alert) -> list[Alert]:
        track.alerted = True
        track.alert = alert
        self._last_sent[key] = alert.time_s
        self.dispatch(alert)
        return [alert]

    def _escalate(self, track: _Track, obs: Observation) -> list[Alert]:
        track.escalated = True
        first = track.alert
        since = obs.time_s - first.time_s
        alert = self._make(f"{obs.kind}_escalation", severity(f"{obs.kind}_escalation", "critical"), obs,
                           f"{obs.kind} still ongoing for person {obs.person}, {since:.0f} s after the alert",
                           {"alert_id": first.id, "episode_start_s": track.episode_start,
                            "since_alert_s": since}, first.confidence)
        self.dispatch(alert)
        return [alert]

    def _end_episode(self, track: _Track, obs: Observation) -> list[Alert]:
        first, alerted, ended = track.alert, track.alerted, track.off_since
        start = track.episode_start
        track.reset()
        track.last_t = obs.time_s
        if not (alerted and self.notify_recovery):
            return []
        alert = self._make(f"{obs.kind}_recovered", severity(f"{obs.kind}_recovered", "info"), obs,
                           f"person {obs.person} recovered from {obs.kind} after {ended - start:.1f} s",
                           {"alert_id": first.id, "episode_start_s": start, "ended_s": ended,
                            "duration_s": ended - start}, first.confidence)
        self.dispatch(alert)
        return [alert]

    def _suppress(self, alert: Alert, reason: str, why: str, **extra: Any) -> None:
        alert.details.update(suppressed=reason, **extra)
        self.suppressed += 1
        self.suppressed_alerts.append(alert)
        log.info("alert %s for person %s at %.2f s suppressed: %s", alert.kind, alert.person, alert.time_s, why)

    # -- lifetime --------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every sink (a failure is logged); calling it again does nothing."""
        if self._closed:
            return
        self._closed = True
        for sink in self.sinks:
            try:
                sink.close()
            except Exception:
                log.exception("closing alert sink %s failed", type(sink).__name__)

    def __enter__(self) -> AlertManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

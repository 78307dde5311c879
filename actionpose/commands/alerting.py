"""Alert options shared by the commands that raise alerts (``falls``, ``watch``, ``gait``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from actionpose.errors import InputError
from actionpose.settings_file import read_settings_file


def add_alert_args(p: argparse.ArgumentParser, zones: bool = True) -> None:
    """Where alerts go, and (for falls) the ignore zones and timing of the alert manager."""
    g = p.add_argument_group("alerts")
    g.add_argument("--alert-jsonl", metavar="FILE", help="append alerts to this JSON-lines log")
    g.add_argument("--alert-db", metavar="FILE", help="store alerts in this SQLite log (the dashboard reads it)")
    g.add_argument("--alert-webhook", metavar="URL", help="POST every alert as JSON to this http(s) URL; "
                                                          "undelivered alerts wait in an outbox and are re-sent")
    g.add_argument("--outbox", metavar="FILE", help="webhook outbox (default: beside the alert log)")
    if zones:
        g.add_argument("--ignore-zone", action="append", default=[], metavar="[NAME:]X,Y X,Y X,Y ...",
                       help="a polygon in image pixels where lying down is normal (bed, sofa); repeatable")
        g.add_argument("--zones", metavar="FILE", help='JSON file of ignore zones: [{"name", "polygon"}]')
        g.add_argument("--cooldown", type=float, default=60.0, help="seconds between alerts for one person")
        g.add_argument("--escalate-after", type=float, default=30.0,
                       help="seconds still down after the alert before a critical escalation")
        g.add_argument("--debounce", type=float, default=0.5, help="seconds a fall must persist before alerting")


def open_alert_manager(args: argparse.Namespace, source: str, echo: bool = True):
    """An :class:`actionpose.alerts.AlertManager` with the sinks and zones of the options.

    With ``echo`` every alert is also printed on stdout as one line (what the terminal user sees).
    """
    from actionpose.alerts import AlertManager, load_zones, open_sinks, parse_zone

    zones = [parse_zone(z) for z in getattr(args, "ignore_zone", [])]
    if getattr(args, "zones", None):
        zones += load_zones(args.zones)
    if args.alert_webhook and not args.alert_webhook.lower().startswith(("http://", "https://")):
        raise InputError(args.alert_webhook, "the alert webhook must be an http:// or https:// URL")
    callback = print_alert if echo else None
    sinks = open_sinks(jsonl=args.alert_jsonl, sqlite=args.alert_db, webhook=args.alert_webhook,
                       outbox=args.outbox, callback=callback)
    return AlertManager(sinks, debounce_s=getattr(args, "debounce", 0.5), cooldown_s=getattr(args, "cooldown", 60.0),
                        escalate_after_s=getattr(args, "escalate_after", 30.0), ignore_zones=zones,
                        source=str(source))


def print_alert(alert) -> None:
    """One line per alert on stdout."""
    print(f"ALERT {alert.severity:<8} {alert.kind:<16} person {alert.person:<3} at {alert.time_s:7.2f} s  "
          f"{alert.message}", flush=True)


def load_config_file(path: str | Path, cls):
    """A dataclass of thresholds from a JSON or YAML file of ``{field: value}``; unknown keys are errors."""
    import dataclasses

    path = Path(path)
    data = read_settings_file(path, "settings file")
    if not isinstance(data, dict):
        raise InputError(path, "settings must be a mapping of name: value")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise InputError(path, f"unknown setting(s) {unknown}; known: {sorted(names)}")
    try:
        return cls(**{k: v if isinstance(v, bool) and isinstance(names[k].default, bool) else float(v)
                      for k, v in data.items()})
    except (TypeError, ValueError) as exc:
        raise InputError(path, f"settings must be numbers ({exc})") from None

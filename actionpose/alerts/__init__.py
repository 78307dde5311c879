"""Alerting: an alert manager (debounce, cooldown, escalation, ignore zones) and durable sinks."""

from actionpose.alerts.manager import AlertManager
from actionpose.alerts.sinks import (
    AlertSink,
    CallbackSink,
    JsonlSink,
    SQLiteSink,
    WebhookSink,
    default_outbox,
    open_sinks,
    read_alerts,
    read_jsonl,
)
from actionpose.alerts.types import SEVERITIES, Alert, Observation
from actionpose.alerts.zones import Zone, find_zone, load_zones, parse_zone

__all__ = ["SEVERITIES", "Alert", "AlertManager", "AlertSink", "CallbackSink", "JsonlSink", "Observation",
           "SQLiteSink", "WebhookSink", "Zone", "default_outbox", "find_zone", "load_zones", "open_sinks",
           "parse_zone", "read_alerts", "read_jsonl"]

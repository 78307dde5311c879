"""Where alerts go: an append-only JSONL log, a SQLite database, an HTTP webhook with a persisted
outbox, or a Python callback."""

from actionpose.alerts.sinks.base import AlertSink, CallbackSink, alert_json
from actionpose.alerts.sinks.factory import default_outbox, open_sinks
from actionpose.alerts.sinks.jsonl import JsonlSink, read_jsonl
from actionpose.alerts.sinks.sqlite import SQLiteSink, read_alerts
from actionpose.alerts.sinks.webhook import WebhookSink

__all__ = ["AlertSink", "CallbackSink", "JsonlSink", "SQLiteSink", "WebhookSink", "alert_json",
           "default_outbox", "open_sinks", "read_alerts", "read_jsonl"]

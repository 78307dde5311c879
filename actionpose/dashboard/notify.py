"""Sending alerts from the dashboard: to the alert log and the configured webhook (the test-alert button,
and analysed clips when enabled). Uses the library's sinks; the webhook's outbox keeps what is not
delivered for the next attempt."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from actionpose.alerts.sinks import SQLiteSink, WebhookSink
from actionpose.alerts.types import Alert
from actionpose.dashboard.config import DashboardConfig
from actionpose.dashboard.workspace import Workspace

log = logging.getLogger(__name__)


def send_webhook(alerts: Sequence[Alert], workspace: Workspace, config: DashboardConfig) -> int:
    """POST ``alerts`` to the configured webhook now; returns how many are still undelivered (kept in the
    outbox). ``InputError`` when the URL is not usable."""
    sink = WebhookSink(config.webhook_url or "", workspace.outbox(), timeout_s=config.webhook_timeout_s,
                       retries=1, backoff_s=0.5, background=False)
    try:
        for alert in alerts:
            sink.send(alert)
        return sink.pending()
    finally:
        sink.close()


def make_test_alert() -> Alert:
    """An info alert of kind ``"test"``."""
    return Alert("test", 0, 0.0, "info", "test alert from the ActionPose dashboard", source="dashboard",
                 details={"test": True})


def send_test_alert(workspace: Workspace, config: DashboardConfig) -> tuple[Alert, int | None]:
    """Log a test alert and, with a webhook configured, POST it.

    Returns
    -------
    (alert, undelivered)
        ``undelivered`` is None without a webhook, else how many alerts wait in the outbox.
    """
    alert = make_test_alert()
    sink = SQLiteSink(workspace.alert_db(config.alert_db))
    try:
        sink.send(alert)
    finally:
        sink.close()
    pending = send_webhook([alert], workspace, config) if config.webhook_url else None
    log.info("test alert %s sent (webhook pending: %s)", alert.id, pending)
    return alert, pending


__all__ = ["make_test_alert", "send_test_alert", "send_webhook"]

"""Open the sinks asked for on the command line."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from actionpose.alerts.sinks.base import AlertSink, CallbackSink
from actionpose.alerts.sinks.jsonl import JsonlSink
from actionpose.alerts.sinks.sqlite import SQLiteSink
from actionpose.alerts.sinks.webhook import WebhookSink
from actionpose.alerts.types import Alert

log = logging.getLogger(__name__)

#: the webhook outbox when no alert log says where to put it
DEFAULT_OUTBOX = "actionpose-outbox.sqlite"


def default_outbox(sqlite: str | Path | None = None, jsonl: str | Path | None = None) -> Path:
    """``<log stem>.outbox.sqlite`` beside the SQLite (else JSONL) alert log, else
    ``actionpose-outbox.sqlite`` in the current folder."""
    log_path = sqlite if sqlite is not None else jsonl
    if log_path is None:
        return Path(DEFAULT_OUTBOX)
    log_path = Path(log_path)
    return log_path.with_name(f"{log_path.stem}.outbox.sqlite")


def open_sinks(jsonl: str | Path | None = None, sqlite: str | Path | None = None, webhook: str | None = None,
               outbox: str | Path | None = None, callback: Callable[[Alert], Any] | None = None,
               **webhook_options: Any) -> list[AlertSink]:
    """The sinks for the given options, in the order JSONL, SQLite, webhook, callback.

    Parameters
    ----------
    jsonl, sqlite
        Alert log files.
    webhook
        An http(s) URL to POST alerts to.
    outbox
        The webhook's outbox file; default :func:`default_outbox`.
    callback
        A function called with every alert.
    **webhook_options
        Passed to :class:`WebhookSink` (``timeout_s``, ``retries``, ``backoff_s``, ``background``).

    Raises
    ------
    InputError
        A file or the URL cannot be used (sinks opened before it are closed again).
    """
    sinks: list[AlertSink] = []
    try:
        if jsonl is not None:
            sinks.append(JsonlSink(jsonl))
        if sqlite is not None:
            sinks.append(SQLiteSink(sqlite))
        if webhook is not None:
            sinks.append(WebhookSink(webhook, outbox if outbox is not None else default_outbox(sqlite, jsonl),
                                     **webhook_options))
        elif outbox is not None:
            log.warning("an outbox (%s) without a webhook URL is not used", outbox)
        if callback is not None:
            sinks.append(CallbackSink(callback))
    except BaseException:
        for sink in sinks:
            try:
                sink.close()
            except Exception:
                log.exception("closing %s failed", type(sink).__name__)
        raise
    return sinks

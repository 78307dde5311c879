"""POST alerts to an HTTP(S) webhook without ever losing one: every alert goes to a persisted outbox
first, and leaves it only once the receiver answered 2xx."""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from actionpose.alerts.sinks.base import alert_json
from actionpose.alerts.sinks.outbox import Outbox
from actionpose.alerts.types import Alert
from actionpose.errors import InputError

log = logging.getLogger(__name__)

#: the header carrying the alert id, for receivers that drop repeated deliveries
ID_HEADER = "X-ActionPose-Alert-Id"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Treat a redirect as a failure: urllib would re-send a POST as a GET without its body."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _check_url(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (no credentials, for logs) when it is an http(s) URL with a host."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except (ValueError, TypeError, AttributeError):
        raise InputError(url, "not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise InputError(url, "the webhook must be an http:// or https:// URL with a host")
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


class WebhookSink:
    """POST each alert as JSON to ``url``, keeping it in a SQLite outbox until a 2xx answer.

    The request has ``Content-Type: application/json`` and ``X-ActionPose-Alert-Id: <id>``; a receiver
    may get an alert twice (an answer lost on the way), and should drop repeats by that id. Alerts are
    delivered in the order they were sent: a failing one holds back the later ones.

    Parameters
    ----------
    url
        ``http://`` or ``https://`` address.
    outbox
        The SQLite file holding undelivered alerts; what a previous run left there is delivered first.
    timeout_s
        Per request.
    retries
        Further attempts after a failure (timeout, refused connection, non-2xx answer), waiting
        ``backoff_s``, then twice as long each time; then the alert stays in the outbox for the next try
        (next send, :meth:`flush`, :meth:`close`, or the next run).
    background
        Deliver in one worker thread so :meth:`send` returns at once (it only writes the outbox);
        False delivers inside :meth:`send`.
    retry_every_s
        With ``background``, how often the worker retries while alerts are pending (None: only when
        something else triggers it).

    Raises
    ------
    InputError
        The URL is not http(s), or the outbox file is not an outbox.
    """

    def __init__(self, url: str, outbox: str | Path, timeout_s: float = 5.0, retries: int = 3,
                 backoff_s: float = 0.5, background: bool = True, retry_every_s: float | None = 30.0) -> None:
        self._where = _check_url(url)
        self.url = url
        self.timeout_s = float(timeout_s)
        self.retries = max(0, int(retries))
        self.backoff_s = float(backoff_s)
        self.background = background
        self.retry_every_s = retry_every_s
        self.outbox = Outbox(outbox)
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._deliver_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._work, name="actionpose-webhook", daemon=True)
            self._thread.start()
        elif len(self.outbox):
            log.info("webhook %s: %d alert(s) left in %s by an earlier run; delivering", self._where,
                     len(self.outbox), self.outbox.path)
            self._round()

    # -- public ----------------------------------------------------------------------------------

    def send(self, alert: Alert) -> None:
        """Write the alert to the outbox, then deliver everything pending (in the worker, or now)."""
        if self._closed:
            raise RuntimeError("WebhookSink.send after close")
        self.outbox.add(alert.id, alert_json(alert))
        if self.background:
            self._wake.set()
        else:
            self._round()

    def flush(self, timeout_s: float = 10.0) -> int:
        """Try to deliver everything pending now, for at most about ``timeout_s``.

        Returns
        -------
        int
            How many alerts are still pending.
        """
        deadline = time.monotonic() + timeout_s
        if self._deliver_lock.acquire(timeout=max(0.0, timeout_s)):
            try:
                self._round(deadline=deadline, locked=True)
            finally:
                self._deliver_lock.release()
        return self.pending()

    def pending(self) -> int:
        """How many alerts wait in the outbox."""
        return len(self.outbox)

    def close(self) -> None:
        """Stop the worker, make one bounded delivery attempt, and close the outbox (again: nothing).

        What is still undelivered stays in the outbox file for the next run.
        """
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 1.0)
            if self._thread.is_alive():
                log.warning("webhook %s: the delivery thread did not stop; outbox %s left open", self._where,
                            self.outbox.path)
                return
        if self._deliver_lock.acquire(timeout=self.timeout_s):
            try:
                self._round(deadline=time.monotonic() + self.timeout_s, retries=0, locked=True)
            finally:
                self._deliver_lock.release()
        left = self.pending()
        if left:
            log.warning("webhook %s: %d alert(s) not delivered; kept in %s and sent on the next start",
                        self._where, left, self.outbox.path)
        self.outbox.close()

    # -- delivery --------------------------------------------------------------------------------

    def _work(self) -> None:
        """The worker thread: deliver on start, on every send, and every ``retry_every_s`` while pending."""
        while True:
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self._round()
            except Exception:
                log.exception("webhook %s: delivery failed unexpectedly; will retry", self._where)
            if self._stop.is_set():
                return
            try:
                waiting = len(self.outbox) > 0
            except Exception:
                waiting = True
            self._wake.wait(timeout=self.retry_every_s if waiting else None)

    def _round(self, deadline: float | None = None, retries: int | None = None, locked: bool = False) -> bool:
        """Deliver pending alerts oldest first until done or one fails; True when all went."""
        if not locked:
            with self._deliver_lock:
                return self._round(deadline, retries, locked=True)
        retries = self.retries if retries is None else retries
        while True:
            batch = self.outbox.head(100)
            if not batch:
                return True
            for alert_id, payload in batch:
                if self._stop.is_set() and threading.current_thread() is self._thread:
                    return False
                if not self._deliver(alert_id, payload, retries, deadline):
                    return False

    def _deliver(self, alert_id: str, payload: str, retries: int, deadline: float | None) -> bool:
        """POST one alert with retries; on success remove it from the outbox."""
        why = "no attempt made (no time left)"
        for attempt in range(retries + 1):
            if attempt:
                delay = self.backoff_s * 2 ** (attempt - 1)
                if deadline is not None and time.monotonic() + delay >= deadline:
                    break
                if self._stop.wait(delay) and threading.current_thread() is self._thread:
                    break
            timeout = self.timeout_s
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    break
            ok, why = self._post(alert_id, payload, timeout)
            if ok:
                self.outbox.remove(alert_id)
                log.debug("webhook %s: alert %s delivered", self._where, alert_id)
                return True
            log.debug("webhook %s: alert %s attempt %d failed: %s", self._where, alert_id, attempt + 1, why)
        self.outbox.failed(alert_id, why)
        log.warning("webhook %s: alert %s not delivered (%s); kept in the outbox %s", self._where, alert_id,
                    why, self.outbox.path)
        return False

    def _post(self, alert_id: str, payload: str, timeout: float) -> tuple[bool, str]:
        """One POST; ``(delivered, what happened)``."""
        request = urllib.request.Request(self.url, data=payload.encode("utf-8"), method="POST", headers={
            "Content-Type": "application/json", ID_HEADER: alert_id, "User-Agent": "actionpose-alerts"})
        try:
            with self._opener.open(request, timeout=timeout) as response:
                response.read(65536)
                status = response.status
        except urllib.error.HTTPError as err:
            err.close()
            return False, f"HTTP {err.code}"
        except urllib.error.URLError as err:
            return False, f"{err.reason}"
        except (OSError, http.client.HTTPException, ValueError) as err:
            return False, f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        return 200 <= status < 300, f"HTTP {status}"

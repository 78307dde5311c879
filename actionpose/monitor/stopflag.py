"""A stop request shared with a worker process, without a lock.

A ``multiprocessing.Event`` guards its flag with a lock shared between the processes. A worker that is
killed while it holds that lock (it checks the flag every frame and paces a file with ``wait``) leaves
it held for ever, and the supervisor's next ``set()`` then blocks: a supervisor told to stop hung with
its workers gone. :class:`StopFlag` is one shared byte: setting and reading it take no lock, so no
process can die holding one.
"""

from __future__ import annotations

import time
from typing import Any

#: how often :meth:`StopFlag.wait` looks at the flag
POLL_S = 0.05


class StopFlag:
    """``set`` / ``is_set`` / ``wait`` like an ``Event``, on a lock-free shared byte of ``ctx`` (a
    multiprocessing context); pass it to the worker process as an argument."""

    def __init__(self, ctx: Any) -> None:
        self._value = ctx.RawValue("b", 0)

    def set(self) -> None:
        """Ask the worker to stop."""
        self._value.value = 1

    def is_set(self) -> bool:
        """True once :meth:`set` was called (in any process)."""
        return bool(self._value.value)

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds or until the flag is set; returns :meth:`is_set`."""
        end = time.monotonic() + max(float(timeout), 0.0)
        while not self.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, POLL_S))
        return True


__all__ = ["POLL_S", "StopFlag"]

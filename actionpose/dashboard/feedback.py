"""What every page shares: the settings, workspace and library of this process, one-line errors instead of
tracebacks, and progress bars driven by the library's ``progress(done, total)`` callbacks."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping

import streamlit as st

from actionpose.dashboard.config import DashboardConfig, Settings, load_config
from actionpose.dashboard.library import ModelLibrary
from actionpose.dashboard.workspace import Workspace
from actionpose.errors import ActionPoseError

log = logging.getLogger("actionpose.dashboard")

#: the action model chosen for Analyze, kept across pages (the Train page sets it after saving a model). Not a
#: widget key: Streamlit drops a widget's state when a page without that widget runs.
CHOSEN_MODEL_KEY = "chosen_action_model"
GENERIC_ERROR = "Something went wrong on our side; the details are in the server log. The app still works: try again."


def settings() -> Settings:
    return Settings.from_env()


def workspace() -> Workspace:
    return Workspace(settings().data_dir)


def config() -> DashboardConfig:
    return load_config(settings().data_dir)


def library() -> ModelLibrary:
    return ModelLibrary(workspace().models)


def one_line(exc: BaseException, names: Mapping[str, str] | None = None) -> str:
    """The first line of an expected error's message (with the file for an OSError); private paths in
    ``names`` are replaced by what the user knows them as (the uploaded file's name)."""
    if isinstance(exc, OSError) and not isinstance(exc, ActionPoseError):
        text = exc.strerror or str(exc)
        where = getattr(exc, "filename", None)
        text = f"{where}: {text}" if where else text
    else:
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    for path, name in (names or {}).items():
        text = text.replace(str(path), name)
    return text


@contextlib.contextmanager
def shown_errors(what: str, names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Run a block; an expected error (bad input, unreadable file) becomes ``st.error`` with its one line,
    anything else a short generic message (the traceback goes to the log, never to the page)."""
    try:
        yield
    except (ActionPoseError, OSError) as exc:
        log.info("%s: %s", what, exc)
        st.error(f"{what}: {one_line(exc, names)}", icon=":material/error:")
    except Exception:
        log.exception("%s failed", what)
        st.error(f"{what}: {GENERIC_ERROR}", icon=":material/error:")


class ProgressBar:
    """``st.progress`` as a ``progress(done, total)`` callback, redrawn at most twice a second (each redraw
    costs the browser a repaint, which competes with the extraction for the CPU)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = st.progress(0.0, text=label)
        self._shown = (-1.0, 0.0)

    def __call__(self, done: int, total: int | None) -> None:
        fraction = min(1.0, done / total) if total else 0.0
        now = time.monotonic()
        if now - self._shown[1] < 0.5 and fraction < 1.0:
            return
        self._shown = (fraction, now)
        text = f"{self.label}: {done}/{total} frames" if total else f"{self.label}: {done} frames"
        self.bar.progress(fraction, text=text)

    def clear(self) -> None:
        self.bar.empty()


__all__ = ["GENERIC_ERROR", "ProgressBar", "config", "library", "one_line", "settings", "shown_errors",
           "workspace"]

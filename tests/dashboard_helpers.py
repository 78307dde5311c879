"""What the dashboard's AppTest modules share: the app script and the logger restored after each test (the
private workspace fixture ``ws_dir`` is in conftest.py, so a module can extend it)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "actionpose" / "dashboard" / "app.py"
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _restore_actionpose_logging():
    """The app configures the "actionpose" logger for its own process; in-process AppTest runs must not leave
    that handler and level behind for the other tests."""
    logger = logging.getLogger("actionpose")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)

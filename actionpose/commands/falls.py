"""``actionpose falls``, ``watch`` and ``evaluate-falls`` (filled in by the falls task)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the fall commands."""

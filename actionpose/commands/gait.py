"""``actionpose gait`` (filled in by the gait task)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the gait command."""

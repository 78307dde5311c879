"""``actionpose reps`` (filled in by the exercise task)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the exercise commands."""

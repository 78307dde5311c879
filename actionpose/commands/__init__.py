"""Task commands of the ``actionpose`` CLI, one module per task; each has ``add_parser(sub)``."""

from __future__ import annotations

import argparse
import importlib

#: modules under ``actionpose.commands`` whose ``add_parser(subparsers)`` adds their commands
TASK_MODULES = ("falls", "gait", "exercise", "signs", "dashboard", "batch")


def add_task_parsers(sub: argparse._SubParsersAction) -> None:
    """Add every task's sub-commands (imports are light: each module defers its heavy imports)."""
    for name in TASK_MODULES:
        importlib.import_module(f"actionpose.commands.{name}").add_parser(sub)

"""Every command of the ``actionpose`` CLI, one module per area; each has ``add_parser(sub)``."""

from __future__ import annotations

import argparse
import importlib

#: modules under ``actionpose.commands`` whose ``add_parser(subparsers)`` adds their commands, in help order
COMMAND_MODULES = ("poses", "models", "falls", "gait", "exercise", "signs", "monitor", "dashboard", "batch")


def add_command_parsers(sub: argparse._SubParsersAction) -> None:
    """Add every sub-command (imports are light: each module defers its heavy imports)."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"actionpose.commands.{name}").add_parser(sub)

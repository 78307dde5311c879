"""Reading a small settings file — zones, monitors, gait rules, thresholds, the dashboard config — as JSON or
YAML by its suffix, with every failure one :class:`~actionpose.errors.InputError` line naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from actionpose.errors import InputError

YAML_SUFFIXES = (".yaml", ".yml")


def read_settings_file(path: str | Path, what: str, *, yaml_ok: bool = True, empty: Any = None) -> Any:
    """The parsed content of a JSON (or, for ``.yaml``/``.yml``, YAML) file.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the messages ("zone file" gives "zone file not found").
    yaml_ok
        Whether a ``.yaml``/``.yml`` suffix is read as YAML (else every file is JSON).
    empty
        What an empty file stands for.

    Raises
    ------
    InputError
        The file is missing, unreadable, not UTF-8, or not valid JSON/YAML.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, f"{what} not found") from None
    except IsADirectoryError:
        raise InputError(path, f"{what} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the {what} ({exc.__class__.__name__})") from None
    if not text.strip():
        return empty
    if yaml_ok and path.suffix.lower() in YAML_SUFFIXES:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(path, f"not valid YAML ({str(exc).splitlines()[0]})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None

"""What makes a batch resumable: content hashes, settings keys and the per-input sidecar.

Every input gets one sidecar, ``<stem>.batch.json`` beside its results, written atomically *after*
the results. It records the input's SHA-256, and for the pose file and the analysis the key of the settings
that produced them. A result counts as finished only when its file exists and its key matches the current
input and settings; anything else (no sidecar, a killed run, changed settings, an edited video) is redone.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from actionpose.atomic import atomic_path

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".batch.json"

def read_sidecar(path: Path) -> dict[str, Any]:
    """The sidecar's content, or ``{}`` when it is missing or unreadable (then everything is redone)."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable batch sidecar, redoing its input (%s)", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def write_sidecar(path: Path, data: dict[str, Any]) -> None:
    """Write the sidecar atomically (never a half-written one)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=str))


def finished(entry: dict[str, Any] | None, key: str, result: Path) -> bool:
    """Whether a sidecar ``entry`` says ``result`` was made with ``key`` and the result is still there."""
    return bool(entry) and entry.get("key") == key and result.exists()


def remove_partials(result: Path) -> int:
    """Delete temporary files a killed run left for ``result`` (``atomic_path`` names: ``.NAME.*.part*``)."""
    removed = 0
    if not result.parent.is_dir():
        return 0
    for stale in result.parent.glob(f".{result.name}.*.part*"):
        try:
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink()
            removed += 1
        except OSError as exc:
            log.warning("cannot remove the partial file %s: %s", stale, exc)
    if removed:
        log.info("removed %d partial file(s) of %s", removed, result)
    return removed

"""The local model library: trained or imported action classifiers under a name.

Files are stored as ``models/<sha256>.apm`` with the names in ``models/index.json``: a name a user types is
never a path. Every file is read with :meth:`ActionClassifier.load` (a safe zip: JSON header and
safetensors or allow-listed skops), so an uploaded model is never unpickled.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from actionpose.atomic import atomic_path
from actionpose.errors import InputError
from actionpose.inputs import file_sha256

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[\w][\w .+-]{0,63}$")
_INDEX = "index.json"


def check_name(name: str) -> str:
    """The stripped model name; 1-64 letters, digits, spaces, ``_ . + -`` (``InputError`` otherwise)."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise InputError(None, "a model name needs 1-64 letters, digits, spaces or _ . + - (starting with a "
                               "letter or digit)")
    return name


class ModelLibrary:
    """Named classifiers in a folder.

    Parameters
    ----------
    folder
        ``models/`` of the workspace.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] = {}

    def _index(self) -> dict[str, dict[str, Any]]:
        path = self.folder / _INDEX
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(path, f"the model library index is unreadable ({exc})") from None
        return data if isinstance(data, dict) else {}

    def _write_index(self, index: dict[str, dict[str, Any]]) -> None:
        with atomic_path(self.folder / _INDEX) as tmp:
            tmp.write_text(json.dumps(index, indent=1), encoding="utf-8")

    def entries(self) -> list[dict[str, Any]]:
        """One dict per model (name, model, classes, layout, window, created, file), by name."""
        return [{"name": n, **e} for n, e in sorted(self._index().items())]

    def names(self) -> list[str]:
        return [e["name"] for e in self.entries()]

    def add(self, clf: Any, name: str) -> dict[str, Any]:
        """Save a fitted :class:`ActionClassifier` under ``name`` (replacing a model of that name)."""
        name = check_name(name)
        with self._lock:
            incoming = self.folder / "incoming.apm"
            clf.save(incoming)  # written atomically
            final = self.folder / f"{file_sha256(incoming)}.apm"
            incoming.replace(final)
            entry = {"file": final.name, "model": clf.model, "classes": [str(c) for c in clf.classes_],
                     "layout": clf.layout_.name, "window": int(clf.window),
                     "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            index = self._index()
            index[name] = entry
            self._write_index(index)
        log.info("model library: saved %r (%s, classes %s)", name, clf.model, entry["classes"])
        return {"name": name, **entry}

    def import_file(self, path: str | Path, name: str) -> dict[str, Any]:
        """Check a model file by loading it safely, then add it under ``name``.

        Raises
        ------
        InputError
            If the file is not a valid ActionPose model (``ModelFileError`` is one).
        """
        from actionpose.models.classifier import ActionClassifier

        check_name(name)
        clf = ActionClassifier.load(path)
        return self.add(clf, name)

    def path(self, name: str) -> Path:
        """The file of the model ``name`` (``InputError`` when there is none)."""
        entry = self._index().get(name)
        if entry is None:
            raise InputError(None, f"no model named {name!r} in the library")
        return self.folder / Path(entry["file"]).name

    def load(self, name: str) -> Any:
        """The classifier saved under ``name`` (kept in memory after the first load)."""
        entry = self._index().get(name)
        if entry is None:
            raise InputError(None, f"no model named {name!r} in the library")
        path = self.folder / Path(entry["file"]).name
        with self._lock:
            if entry["file"] not in self._loaded:
                from actionpose.models.classifier import ActionClassifier

                self._loaded[entry["file"]] = ActionClassifier.load(path)
            return self._loaded[entry["file"]]

    def remove(self, name: str) -> None:
        """Delete the model ``name`` (its file too, unless another name uses it)."""
        with self._lock:
            index = self._index()
            entry = index.pop(name, None)
            if entry is None:
                return
            self._write_index(index)
            if not any(e["file"] == entry["file"] for e in index.values()):
                (self.folder / Path(entry["file"]).name).unlink(missing_ok=True)
                self._loaded.pop(entry["file"], None)


__all__ = ["ModelLibrary", "check_name"]

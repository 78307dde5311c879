"""Where the real example data lives: ``$ACTIONPOSE_DATA`` or a ``shared/data`` folder beside the project.

The data is third-party and never shipped in the package; this module only finds it.
"""

from __future__ import annotations

import os
from pathlib import Path

#: the clip the demo and the quick start analyse when the data folder is present
DEFAULT_CLIP = "clips/stgcn/ta_chi.mp4"


def find_data_dir() -> Path | None:
    """The real-data folder: ``$ACTIONPOSE_DATA``, else ``../shared/data`` from the working
    directory or from the project checkout; None when there is none."""
    env = os.environ.get("ACTIONPOSE_DATA")
    if env:
        return Path(env) if Path(env).is_dir() else None
    project_root = Path(__file__).resolve().parents[1]
    for base in (Path.cwd(), project_root):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def require_data_dir() -> Path:
    """The real-data folder for a benchmark or script that cannot run without it.

    Raises
    ------
    SystemExit
        With one line saying where the folder is looked for, when there is none.
    """
    root = find_data_dir()
    if root is None:
        raise SystemExit("real-data folder not found: set ACTIONPOSE_DATA or put it at ../shared/data")
    return root


def data_file(relative: str) -> Path | None:
    """A file inside the data folder, or None when the folder or the file is absent."""
    root = find_data_dir()
    path = root / relative if root else None
    return path if path is not None and path.exists() else None

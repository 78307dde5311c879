"""Where the example data lives: the clip shipped in the package, and the real-data folder
(``$ACTIONPOSE_DATA`` or a ``shared/data`` folder beside the project).

The data folder is third-party and never shipped; this module only finds it. The one exception is
:data:`EXAMPLE_CLIP`, a small MIT-licensed GMDCSA24 fall re-encoded by ``scripts/make_example_clip.py``
(attribution in ``actionpose/examples/README.md``), so the demo and the dashboard show real footage anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

#: a real clip in the data folder used by speed benchmarks (340x256, 300 frames, one person)
DEFAULT_CLIP = "clips/stgcn/ta_chi.mp4"
#: the real clip shipped in the package (GMDCSA24 Subject_2 Fall 13, MIT): 320x240, 15 fps, 133 frames,
#: standing until 2.5 s, then a backward fall; what ``actionpose demo`` and the dashboard's example run on
EXAMPLE_CLIP = Path(__file__).resolve().parent / "examples" / "fall_gmdcsa24.mp4"


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

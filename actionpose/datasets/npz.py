"""Reading a dataset's packed ``.npz``: the file (or its default name in a folder) and the arrays it must hold."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from actionpose.errors import PoseFormatError


def read_arrays(path: str | Path, default_name: str, keys: tuple[str, ...],
                what: str) -> tuple[Path, dict[str, np.ndarray]]:
    """``(file, arrays)``: the arrays ``keys`` of the ``.npz`` at ``path`` (a folder: ``path / default_name``),
    never unpickled.

    Raises
    ------
    FileNotFoundError
        When the file is missing (the message names ``what`` it should hold).
    PoseFormatError
        When the file is not a readable ``.npz``, holds pickled objects or lacks one of ``keys``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / default_name
    if not path.is_file():
        raise FileNotFoundError(f"no {what} file {path}")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = sorted(set(keys) - set(z.files))
            if missing:
                raise PoseFormatError(path, f"missing arrays {missing} (has {sorted(z.files)})")
            return path, {k: z[k] for k in keys}
    except PoseFormatError:
        raise
    except ValueError as exc:  # object arrays (pickles) are refused, and some corrupt files say so
        raise PoseFormatError(path, f"not a plain .npz of numbers ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise PoseFormatError(path, f"not a readable .npz ({exc})") from None

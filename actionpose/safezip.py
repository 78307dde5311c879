"""Reading ZIP archives a user hands in (model files, ``.npz`` pose and model files, uploads) within limits.

A ZIP member's stated size can be huge (a "zip bomb": a few kB that expand to gigabytes) or a lie. Every
reader here checks the stated sizes and compression ratios before reading anything, and then reads in
chunks, counting what really comes out, so memory stays bounded whatever the archive claims.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from actionpose.errors import InputError

#: a member that expands more than this many times (and past :data:`RATIO_FLOOR`) is refused as a bomb;
#: float poses and weights compress 1.1-5x, JSON 5-20x
MAX_RATIO = 200
RATIO_FLOOR = 8 << 20
_CHUNK = 1 << 20


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB"


def check_archive(zf: zipfile.ZipFile, source: str | Path, limit: int,
                  error: type[InputError] = InputError) -> None:
    """Refuse an archive whose members, as stated, expand past ``limit`` bytes in all or look like a bomb.

    Raises
    ------
    InputError
        (or ``error``) naming ``source``, the member and the limit.
    """
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise error(source, f"refused: {info.filename!r} would expand {ratio}x to {_mb(info.file_size)} "
                                "(a zip bomb?)")
        if total > limit:
            raise error(source, f"refused: the archive expands past {_mb(limit)} ({info.filename!r} and before)")


def read_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, limit: int, source: str | Path,
                error: type[InputError] = InputError) -> bytes:
    """The bytes of one member, read in chunks and never more than ``limit`` of them.

    Raises
    ------
    KeyError
        If there is no such member.
    InputError
        (or ``error``) when the member expands past ``limit`` or cannot be decompressed.
    """
    info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    if info.file_size > limit:
        raise error(source, f"refused: {info.filename!r} expands to {_mb(info.file_size)}, over the {_mb(limit)} "
                            "limit")
    out = io.BytesIO()
    try:
        with zf.open(info) as f:
            for block in iter(lambda: f.read(_CHUNK), b""):
                if out.tell() + len(block) > limit:
                    raise error(source, f"refused: {info.filename!r} expands past the {_mb(limit)} limit")
                out.write(block)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError, ValueError) as exc:
        raise error(source, f"cannot read {info.filename!r} from the archive ({type(exc).__name__}: {exc})") from None
    return out.getvalue()


def check_zip_file(path: str | Path, limit: int, error: type[InputError] = InputError) -> None:
    """:func:`check_archive` on the ZIP file at ``path`` (an ``.npz``); a file that is no ZIP passes."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, path, limit, error)
    except zipfile.BadZipFile:
        return

"""ZIP uploads, read without trusting their member names: a ZIP of OpenPose JSON frames (one pose file),
and a ZIP of training clips with one folder per class.

Member names choose a class label or a frame number, never a path: contents are written under content
hashes or frame numbers. Sizes are checked while reading (the declared sizes of a ZIP can lie), so an
archive that inflates beyond the limit is refused.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from actionpose.errors import InputError
from actionpose.inputs import is_pose_file, is_video
from actionpose.safezip import read_member
from actionpose.skeleton.io.frames import frame_number

if TYPE_CHECKING:
    from actionpose.dashboard.workspace import StoredFile, Workspace

log = logging.getLogger(__name__)

#: most members read from one archive
MAX_MEMBERS = 20000


def _open(path: Path, name: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(name, f"not a readable ZIP archive ({exc})") from None
    if len(zf.infolist()) > MAX_MEMBERS:
        zf.close()
        raise InputError(name, f"has more than {MAX_MEMBERS} files")
    return zf


def _parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's path parts, without hidden parts, ``__MACOSX`` or ``..``."""
    parts = tuple(p for p in PurePosixPath(info.filename.replace("\\", "/")).parts if p not in ("", ".", "/"))
    if any(p == ".." or p.startswith(".") or p == "__MACOSX" for p in parts):
        return ()
    return parts


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], name: str) -> bytes:
    """A member's content, counting it against ``budget[0]`` bytes left (the upload limit)."""
    if info.file_size > budget[0]:
        raise InputError(name, "unpacks to more than the upload limit")
    data = read_member(zf, info, budget[0], name)
    budget[0] -= len(data)
    return data


def unpack_openpose(zip_path: Path, dest: Path, name: str, limit_bytes: int) -> Path:
    """Write the JSON members of an OpenPose ZIP into ``dest`` as ``frame_<number>_keypoints.json``.

    The frame number is read from each member's name (as the OpenPose reader does); members without
    distinct numbers are numbered in name order. Returns ``dest``.
    """
    with _open(zip_path, name) as zf:
        members = [(i, _parts(i)) for i in zf.infolist() if not i.is_dir()]
        members = sorted(((i, p) for i, p in members if p and p[-1].lower().endswith(".json")),
                         key=lambda m: m[1])
        if not members:
            raise InputError(name, "no .json files in the archive")
        numbers = [frame_number(p[-1]) for _, p in members]
        if any(n is None for n in numbers) or len(set(numbers)) != len(numbers):
            numbers = list(range(len(members)))
        dest.mkdir(parents=True, exist_ok=True, mode=0o700)
        budget = [limit_bytes]
        for (info, _), number in zip(members, numbers):
            (dest / f"frame_{int(number):012d}_keypoints.json").write_bytes(_read(zf, info, budget, name))
    return dest


def unpack_classes(zip_path: Path, name: str, workspace: Workspace,
                   limit_bytes: int) -> dict[str, list[StoredFile]]:
    """Clips per class from a ZIP with one folder per class (optionally inside one top folder).

    Videos and pose files are stored in the workspace's training folder under their content hash.

    Raises
    ------
    InputError
        When the archive is unreadable, too large, or has no clip inside a class folder.
    """
    with _open(zip_path, name) as zf:
        members = [(i, _parts(i)) for i in zf.infolist() if not i.is_dir()]
        members = [(i, p) for i, p in members if p and (is_video(p[-1]) or is_pose_file(p[-1]))]
        tops = {p[0] for _, p in members}
        strip = 1 if len(tops) == 1 and all(len(p) >= 3 for _, p in members) else 0
        budget = [limit_bytes]
        out: dict[str, list[StoredFile]] = {}
        for info, parts in sorted(members, key=lambda m: m[1]):
            parts = parts[strip:]
            if len(parts) != 2:
                log.info("%s: skipping %s (not inside a class folder)", name, info.filename)
                continue
            label, member = parts
            data = _read(zf, info, budget, name)
            if not data:
                log.info("%s: skipping the empty file %s", name, info.filename)
                continue
            out.setdefault(label, []).append(workspace.store(data, member, folder=workspace.training))
    if not out:
        raise InputError(name, "no clips inside class folders (expected class_name/clip.mp4 or pose files)")
    return out


def read_groups(zip_path: Path, name: str) -> dict[str, str]:
    """The person/recording of each clip from a ``groups.csv`` anywhere in a class ZIP (columns ``file, group``;
    ``file`` a clip's file name or stem), as ``{name or stem: group}``; empty when there is none."""
    import pandas as pd

    with _open(zip_path, name) as zf:
        tables = [i for i in zf.infolist() if not i.is_dir() and PurePosixPath(i.filename).name == "groups.csv"]
        if not tables:
            return {}
        try:
            df = pd.read_csv(io.BytesIO(_read(zf, tables[0], [2 ** 20], name)), dtype=str, keep_default_na=False)
        except ValueError as exc:
            raise InputError(name, f"groups.csv is unreadable ({exc})") from None
    if not {"file", "group"} <= set(df.columns):
        raise InputError(name, "groups.csv needs the columns file and group")
    out: dict[str, str] = {}
    for f, g in zip(df["file"].str.strip(), df["group"].str.strip()):
        out[PurePosixPath(f).name] = g
        out[PurePosixPath(f).stem] = g
    return out


__all__ = ["MAX_MEMBERS", "read_groups", "unpack_classes", "unpack_openpose"]

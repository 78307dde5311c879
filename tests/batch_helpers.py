"""Shared pieces of the batch tests: a folder of real clips (copies) with a corrupt file, and work functions
that spawned pool workers can import."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from actionpose.scale.work import BatchSettings, ClipJob, ClipRecord

#: small real clips (frames): pushup 61, GMDCSA24 fall 128, UR Fall 160
CLIPS = {"pushup.mp4": "exercise/clips/pushup_correct_001.mp4",
         "sub/gmdcsa_fall.mp4": "falls/gmdcsa24/Subject_1/Fall/13.mp4",
         "sub/urfall.mp4": "falls/urfall/fall-01-cam0.mp4"}


def build_folder(data_dir: Path, folder: Path, names: list[str] | None = None, corrupt: bool = True) -> Path:
    """Copy real clips into ``folder`` (with a sub-folder) and, if ``corrupt``, add ``broken.mp4``."""
    for name in names or list(CLIPS):
        dest = folder / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / CLIPS[name], dest)
    if corrupt:
        (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    return folder


def crash_on_name(job: ClipJob, settings: BatchSettings) -> ClipRecord:
    """A worker that dies (like a native crash) on ``crash.mp4`` and succeeds instantly on anything else."""
    if job.name == "crash.mp4":
        os._exit(3)
    return ClipRecord(job.name, job.source, "done", frames=1, people=1)

"""Killing a batch midway and running it again completes it without recomputing finished clips (issue 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from batch_helpers import build_folder

from actionpose.cli import main


@pytest.mark.slow
def test_killed_batch_resumes_without_recomputing(data_dir: Path, tmp_path: Path, capsys) -> None:
    folder = build_folder(data_dir, tmp_path / "in", corrupt=False)
    out = tmp_path / "out"
    # one worker: the clips run one after another in that process, so a kill lands between or inside clips
    proc = subprocess.Popen([sys.executable, "-m", "actionpose.cli", "-q", "extract", str(folder), "-o", str(out),
                             "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    first = out / "pushup.batch.json"
    deadline = time.monotonic() + 240
    try:
        while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this test started, nothing else
        proc.wait()
    assert first.exists(), proc.stderr.read().decode() if proc.stderr else ""
    finished = sorted(p for p in out.rglob("*.batch.json"))
    assert len(finished) < 3, "the batch ended before it could be killed"
    done_before = {p.name.removesuffix(".batch.json") for p in finished}
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name.split(".")[0] in done_before}
    assert len(stamps) == 2 * len(finished)  # pose file and sidecar of each finished clip
    # a temporary file as a kill inside a write leaves it: it must be cleaned and never taken for a result
    (out / "sub").mkdir(parents=True, exist_ok=True)
    (out / "sub" / ".urfall.npz.x1y2.part.npz").write_bytes(b"half a file")

    code = main(["-q", "extract", str(folder), "-o", str(out), "--workers", "2"])
    stdout = capsys.readouterr().out
    assert code == 0, stdout
    status = pd.read_csv(out / "summary.csv").set_index("clip")["status"].to_dict()
    assert {c for c, s in status.items() if s == "skipped-unchanged"} == \
        {c for c in status if Path(c).with_suffix("").name in done_before}
    assert sum(s == "done" for s in status.values()) == 3 - len(finished)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # finished clips were not recomputed
    for clip in status:
        base = out / Path(clip).with_suffix("")
        assert Path(f"{base}.npz").is_file() and Path(f"{base}.batch.json").is_file()
    assert not list(out.rglob("*.part*"))

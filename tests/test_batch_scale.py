"""Batch extraction and analysis of folders (issue 11): planning, resume keys, summary, the pool engine and the
commands' bad-input contract; real-clip runs read ../shared/data and skip without it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from batch_helpers import build_folder, crash_on_name

from actionpose.cache import settings_key
from actionpose.cli import main
from actionpose.errors import InputError
from actionpose.pipeline import ExtractOptions
from actionpose.scale import BatchSettings, ClipJob, ClipRecord, plan_jobs, run_batch
from actionpose.scale.pool import run_pool
from actionpose.scale.resume import remove_partials
from actionpose.scale.summary import SummaryTable


@pytest.fixture
def cli(capsys):
    """Run the CLI in this process; returns (code, stdout, stderr)."""
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["-q", *argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def one_line(code: int, err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def test_plan_keeps_relative_paths_and_separates_equal_stems(tmp_path: Path) -> None:
    for rel in ("a/x.mp4", "b/x.mp4", "b/y.mp4", "b/y.avi"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    jobs = plan_jobs(sorted(tmp_path.rglob("*.*")), tmp_path / "out")
    bases = {j.name: j.base.relative_to(tmp_path / "out").as_posix() for j in jobs}
    assert bases == {"a/x.mp4": "a/x", "b/x.mp4": "b/x", "b/y.mp4": "b/y.mp4", "b/y.avi": "b/y.avi"}
    assert len({j.sidecar for j in jobs}) == len(jobs)


def test_fingerprint_covers_what_changes_results_only() -> None:
    base = BatchSettings(ExtractOptions(), tasks=("falls",)).fingerprinted().fingerprint
    threads = BatchSettings(ExtractOptions(threaded_decode=False), tasks=("falls",)).fingerprinted().fingerprint
    gap = BatchSettings(ExtractOptions(fill_gap_s=0.5), tasks=("falls",)).fingerprinted().fingerprint
    tasks = BatchSettings(ExtractOptions(), tasks=("falls", "gait")).fingerprinted().fingerprint
    assert settings_key(base) == settings_key(threads)
    assert settings_key(base["poses"]) != settings_key(gap["poses"])
    assert base["poses"] == tasks["poses"] and base["analysis"] != tasks["analysis"]


def test_partial_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    result = tmp_path / "clip.npz"
    (tmp_path / ".clip.npz.k3j2.part.npz").write_bytes(b"half")
    (tmp_path / ".other.npz.k3j2.part.npz").write_bytes(b"not ours")
    assert remove_partials(result) == 1
    assert [p.name for p in tmp_path.iterdir()] == [".other.npz.k3j2.part.npz"]


def test_summary_table_writes_csv_and_parquet_in_input_order(tmp_path: Path) -> None:
    table = SummaryTable(tmp_path / "s.csv", order=["b.mp4", "a.mp4"], every_s=3600)
    table.add(ClipRecord("a.mp4", Path("a.mp4"), "failed", "a.mp4: not a video"))
    table.add(ClipRecord("b.mp4", Path("b.mp4"), "done", frames=10, people=1, task_columns={"reps.exercise": "squat"}))
    assert not (tmp_path / "s.csv").exists()  # throttled: nothing written yet
    paths = table.write()
    assert [p.name for p in paths] == ["s.csv", "s.parquet"]
    for frame in (pd.read_csv(paths[0]), pd.read_parquet(paths[1])):
        assert frame["clip"].tolist() == ["b.mp4", "a.mp4"]
        assert frame["status"].tolist() == ["done", "failed"]
        assert frame.loc[1, "reason"] == "a.mp4: not a video"
        assert frame.loc[0, "frames"] == 10


def test_pool_survives_a_worker_that_dies(tmp_path: Path) -> None:
    """A clip that kills its worker is found (rerun alone) and recorded; every other clip still finishes."""
    jobs = [ClipJob(tmp_path / n, tmp_path / "out" / n, n) for n in ("crash.mp4", "a.mp4", "b.mp4", "c.mp4")]
    records: list[ClipRecord] = []
    run_pool(jobs, BatchSettings(), records.append, workers=2, attempts=2, work=crash_on_name)
    status = {r.clip: r.status for r in records}
    assert status == {"crash.mp4": "failed", "a.mp4": "done", "b.mp4": "done", "c.mp4": "done"}
    assert "died 2 times" in next(r.reason for r in records if r.clip == "crash.mp4")


def test_bad_batch_input_is_one_line(cli, tmp_path: Path, monkeypatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no videos here")
    one_line(*cli("analyze", str(tmp_path / "nope"), "-o", str(tmp_path / "o"))[::2], "nope", "no such")
    one_line(*cli("analyze", str(empty), "-o", str(tmp_path / "o"))[::2], "no video files")
    one_line(*cli("extract", str(empty), "-o", str(tmp_path / "o"))[::2], "no video files")
    one_line(*cli("analyze", str(empty), "-o", str(tmp_path / "o"), "--tasks", "falls,juggling")[::2],
             "--tasks", "juggling")
    one_line(*cli("analyze", str(empty), "-o", str(tmp_path / "o"), "--address", "1.2.3.4:6379")[::2],
             "--address", "--engine ray")
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    (empty / "v.mp4").write_bytes(b"")
    one_line(*cli("extract", str(empty), "-o", str(tmp_path / "o"), "--engine", "ray")[::2],
             "pip install actionpose[ray]")
    assert not (tmp_path / "o").exists()


def test_run_batch_rejects_unknown_engine(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown engine"):
        run_batch([tmp_path], tmp_path / "o", BatchSettings(), engine="spark")


@pytest.mark.slow
def test_analyze_folder_then_resume_then_other_tasks(cli, data_dir: Path, tmp_path: Path) -> None:
    """All results present, the corrupt clip a summary row with its reason; a re-run skips everything; other
    tasks reuse the pose files instead of extracting again."""
    folder = build_folder(data_dir, tmp_path / "in")
    out = tmp_path / "out"
    code, stdout, err = cli("analyze", str(folder), "-o", str(out), "--tasks", "falls,gait,reps", "--workers", "2")
    assert code == 2, err  # one clip failed: exit 2, one line for it, the others done
    assert [line for line in err.splitlines() if line.strip()] == \
        [f"actionpose: error: {folder / 'broken.mp4'}: not a video file (no decodable video stream)"]
    assert "3 of 4 clips analyzed" in stdout
    summary = pd.read_csv(out / "summary.csv")
    assert pd.read_parquet(out / "summary.parquet").shape == summary.shape
    rows = summary.set_index("clip")
    assert rows.loc["broken.mp4", "status"] == "failed" and "not a video" in rows.loc["broken.mp4", "reason"]
    done = ["pushup.mp4", "sub/gmdcsa_fall.mp4", "sub/urfall.mp4"]
    assert (rows.loc[done, "status"] == "done").all()
    assert rows.loc[done, "frames"].tolist() == [61, 128, 160]
    assert {"falls.falls", "gait.applies", "reps.exercise"} <= set(summary.columns)
    assert not rows.loc["pushup.mp4", "gait.applies"]       # a push-up is no walk: gait stays silent
    for name in done:
        base = out / Path(name).with_suffix("")
        doc = json.loads(Path(f"{base}.analysis.json").read_text())
        assert doc["frames"] == rows.loc[name, "frames"] and set(doc["tasks"]) == {"falls", "gait", "reps"}
        assert Path(f"{base}.npz").is_file() and Path(f"{base}.batch.json").is_file()
    assert rows.loc["sub/gmdcsa_fall.mp4", "falls.falls"] >= 1  # a real fall clip
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and "summary" not in p.name}

    code, stdout, _ = cli("analyze", str(folder), "-o", str(out), "--tasks", "falls,gait,reps", "--workers", "2")
    assert code == 2 and "(3 unchanged and skipped, 1 failed)" in stdout
    again = pd.read_csv(out / "summary.csv").set_index("clip")
    assert (again.loc[done, "status"] == "skipped-unchanged").all()
    assert again.loc[done, "reps.exercise"].tolist() == rows.loc[done, "reps.exercise"].tolist()
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # nothing recomputed or rewritten

    code, stdout, _ = cli("analyze", str(folder), "-o", str(out), "--tasks", "falls", "--workers", "1")
    assert stdout.count("(poses reused)") == 3
    for name in done:
        base = out / Path(name).with_suffix("")
        pose_file, doc_file = Path(f"{base}.npz"), Path(f"{base}.analysis.json")
        assert pose_file.stat().st_mtime_ns == stamps[pose_file]  # poses not extracted again
        assert set(json.loads(doc_file.read_text())["tasks"]) == {"falls"}
    assert not list(out.rglob("*.part*"))


@pytest.mark.slow
def test_changed_input_is_redone(cli, data_dir: Path, tmp_path: Path) -> None:
    """The content hash, not the name, decides: a clip replaced by another video is extracted again."""
    folder = build_folder(data_dir, tmp_path / "in", ["pushup.mp4", "sub/gmdcsa_fall.mp4"], corrupt=False)
    out = tmp_path / "out"
    assert cli("extract", str(folder), "-o", str(out), "--workers", "1")[0] == 0
    before = np.load(out / "pushup.npz")["data"].shape
    (folder / "pushup.mp4").write_bytes((data_dir / "falls/urfall/fall-01-cam0.mp4").read_bytes())
    code, stdout, _ = cli("extract", str(folder), "-o", str(out), "--workers", "1")
    assert code == 0 and "(1 unchanged and skipped, 0 failed)" in stdout
    status = pd.read_csv(out / "summary.csv").set_index("clip")["status"].to_dict()
    assert status == {"pushup.mp4": "done", "sub/gmdcsa_fall.mp4": "skipped-unchanged"}
    assert before[0] == 61 and np.load(out / "pushup.npz")["data"].shape[0] == 160

"""The Ray engine on a local Ray with 2 CPUs: the same files and numbers as the process pool (issue 11).

Ray is an optional extra (in ``.[test]``); these tests skip without it or without the real clips.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from batch_helpers import build_folder

from actionpose.scale import BatchSettings, run_batch

NAMES = ["pushup.mp4", "sub/gmdcsa_fall.mp4"]
SAME = ["clip", "status", "frames", "people", "fps", "duration_s", "reused_poses", "source"]


@pytest.fixture(scope="module")
def ray_local():
    """A local Ray with 2 CPUs for this module, shut down after it."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def pool_run(data_dir: Path, tmp_path_factory):
    """The clips (and a corrupt file) analyzed by the process pool: the reference."""
    root = tmp_path_factory.mktemp("ray_vs_pool")
    folder = build_folder(data_dir, root / "in", NAMES)
    report = run_batch([folder], root / "pool", BatchSettings(tasks=("falls", "gait", "reps")), workers=2)
    return folder, root, report


def same_results(a: Path, b: Path) -> None:
    """Same files, same poses, same analysis documents, same summary numbers."""
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files:
        if rel.suffix == ".npz":
            x, y = np.load(a / rel), np.load(b / rel)
            np.testing.assert_array_equal(x["data"], y["data"])
            np.testing.assert_array_equal(x["timestamps"], y["timestamps"])
        elif rel.name.endswith(".analysis.json"):
            assert json.loads((a / rel).read_text()) == json.loads((b / rel).read_text())
    sa, sb = pd.read_csv(a / "summary.csv"), pd.read_csv(b / "summary.csv")
    numbers = [c for c in sa.columns if c in SAME or "." in c]
    pd.testing.assert_frame_equal(sa[numbers], sb[numbers])
    assert sa["reason"].fillna("").tolist() == sb["reason"].fillna("").tolist()


@pytest.mark.slow
def test_ray_tasks_match_the_process_pool(ray_local, pool_run) -> None:
    folder, root, pool = pool_run
    report = run_batch([folder], root / "ray", BatchSettings(tasks=("falls", "gait", "reps")), engine="ray")
    assert ray_local.is_initialized()  # the engine used the Ray it found and left it running
    assert report.counts == pool.counts == {"done": 2, "failed": 1}
    same_results(root / "pool", root / "ray")


@pytest.mark.slow
def test_cli_joins_a_ray_cluster_by_address(ray_local, pool_run, tmp_path: Path) -> None:
    """``extract --engine ray --address`` from another process, against the running Ray as a cluster."""
    folder, root, _ = pool_run
    address = ray_local.get_runtime_context().gcs_address
    proc = subprocess.run([sys.executable, "-m", "actionpose.cli", "-q", "extract", str(folder), "-o",
                           str(tmp_path / "ray"), "--engine", "ray", "--address", address], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr  # the corrupt clip
    assert "2 of 3 clips extracted" in proc.stdout
    assert [line for line in proc.stderr.splitlines() if "error" in line] == \
        [f"actionpose: error: {folder / 'broken.mp4'}: not a video file (no decodable video stream)"]
    for name in NAMES:
        rel = Path(name).with_suffix(".npz")
        np.testing.assert_array_equal(np.load(root / "pool" / rel)["data"], np.load(tmp_path / "ray" / rel)["data"])

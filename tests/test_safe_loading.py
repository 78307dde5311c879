"""Model and pose files from strangers: zip bombs and lying archives are refused before they cost memory, and
every failure is one line (exit 2 from the CLI) with the right words."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from actionpose.errors import PoseFormatError
from actionpose.models.store import FORMAT, HEADER, WEIGHTS, ModelFileError, load_model_file
from actionpose.safezip import read_member
from actionpose.skeleton.io import load_poses

GIB = 1 << 30


def _write_bomb(path: Path, name: str, expanded: int, extra: dict[str, bytes] | None = None) -> Path:
    """A ZIP whose member ``name`` is ``expanded`` zero bytes, deflated (a few MB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for other, data in (extra or {}).items():
            zf.writestr(other, data)
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        # write the member's bytes as zipfile would, streaming so the test itself stays small
        with zf.open(info, "w", force_zip64=True) as f:
            block = bytes(1 << 20)
            for _ in range(expanded >> 20):
                f.write(block)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A model file (valid header) whose weights expand to 1 GiB: ~1 MB on disk."""
    header = json.dumps({"format": FORMAT, "format_version": 1, "kind": "torch"}).encode()
    return _write_bomb(tmp_path_factory.mktemp("bomb") / "bomb.apm", WEIGHTS, GIB, {HEADER: header})


def test_bomb_is_tiny_on_disk_and_huge_inside(bomb: Path) -> None:
    assert bomb.stat().st_size < 8 << 20
    with zipfile.ZipFile(bomb) as zf:
        assert zf.getinfo(WEIGHTS).file_size == GIB


def test_a_model_bomb_is_refused_with_bounded_memory(bomb: Path) -> None:
    tracemalloc.start()
    with pytest.raises(ModelFileError) as info:
        load_model_file(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    message = str(info.value)
    assert message.startswith(f"{bomb}: refused") and "zip bomb" in message and "\n" not in message, message
    assert peak < 32 << 20                                  # nothing was inflated


def test_a_member_that_lies_about_its_size_is_cut_off(tmp_path: Path) -> None:
    """Stated size small, real stream large: reading stops at the limit, never past it."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.bin", bytes(3 << 20))
    with zipfile.ZipFile(path) as zf:
        with pytest.raises(Exception, match="refused: 'a.bin' expands to 3 MB, over the 1 MB limit"):
            read_member(zf, "a.bin", 1 << 20, path)
        assert len(read_member(zf, "a.bin", 4 << 20, path)) == 3 << 20


def test_a_pose_npz_bomb_is_a_format_error(tmp_path: Path) -> None:
    path = _write_bomb(tmp_path / "poses.npz", "data.npy", 256 << 20)
    with pytest.raises(PoseFormatError, match="zip bomb"):
        load_poses(path)


def test_damaged_safetensors_say_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.apm"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(HEADER, json.dumps({"format": FORMAT, "format_version": 1, "kind": "torch"}))
        zf.writestr(WEIGHTS, b"\xff" * 64)
    with pytest.raises(ModelFileError, match="not valid safetensors"):
        load_model_file(path)


def _cli(*args: str) -> tuple[subprocess.CompletedProcess, int]:
    code = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
            "sys.stderr.write(p.stderr); sys.exit(p.returncode)")
    proc = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "actionpose.cli", *args],
                          capture_output=True, text=True, timeout=300)
    return proc, int(proc.stdout.split()[-1])


@pytest.mark.slow
def test_predict_on_a_bomb_exits_2_in_one_line(bomb: Path, tmp_path: Path) -> None:
    poses = tmp_path / "p.npz"
    from actionpose.demo import synthetic_walker
    from actionpose.skeleton.io import save_poses
    save_poses(synthetic_walker(), poses)
    proc, max_rss_kb = _cli("predict", str(bomb), str(poses))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused" in lines[0] and str(bomb) in lines[0], proc.stderr
    assert max_rss_kb < 1 << 20                              # under 1 GiB although the bomb holds 1 GiB


def test_a_sign_model_given_to_predict_names_what_it_is(tmp_path: Path) -> None:
    from actionpose.models.classifier import ActionClassifier
    shipped = sorted((Path(__file__).resolve().parents[1] / "actionpose/tasks/signs/models").glob("*.apm"))
    assert shipped, "no shipped sign model"
    with pytest.raises(ModelFileError) as info:
        ActionClassifier.load(shipped[0])
    assert "not an action classifier: it is a static sign model (use actionpose signs --model)" in str(info.value) \
        or "it is a dynamic sign model" in str(info.value)

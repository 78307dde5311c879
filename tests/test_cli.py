"""The command line: happy paths and the bad-input contract (exit 2, one line, no partial output)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from actionpose.demo import synthetic_walker
from actionpose.skeleton.io import load_poses, save_poses


def write_video(path: Path, frames: int = 12, size: tuple[int, int] = (160, 120), value: int = 128) -> Path:
    writer = imageio_ffmpeg.write_frames(str(path), size, fps=10, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=1, ffmpeg_log_level="error")
    writer.send(None)
    for i in range(frames):
        writer.send(np.full((size[1], size[0], 3), (value + 3 * i) % 256, dtype=np.uint8))
    writer.close()
    return path


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.mp4"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    return {"missing": tmp_path / "missing.mp4", "empty": empty, "noise": noise, "text": text}


@pytest.mark.parametrize("kind", ["missing", "empty", "noise", "text"])
def test_extract_rejects_bad_videos(kind: str, bad_files, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out.npz"
    code, _, err = run(["extract", str(bad_files[kind]), "-o", str(out)], capsys)
    assert_one_line_error(code, err, bad_files[kind].name)
    assert not out.exists()
    assert not list(tmp_path.glob(".out*"))  # no temporary leftovers either


def test_extract_video_without_a_person(tmp_path: Path, capsys) -> None:
    video = write_video(tmp_path / "blank.mp4")
    out = tmp_path / "out.npz"
    code, _, err = run(["extract", str(video), "-o", str(out)], capsys)
    assert_one_line_error(code, err, "blank.mp4", "no person")
    assert not out.exists()


def test_bad_pose_files(tmp_path: Path, capsys) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"hello": "world"}))
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    video = write_video(tmp_path / "v.mp4")
    for argv in (["info", str(wrong)], ["convert", str(garbage), "-o", str(tmp_path / "x.csv")],
                 ["render", str(video), str(wrong), "-o", str(tmp_path / "r.mp4")],
                 ["info", str(tmp_path / "nothing.npz")]):
        code, _, err = run(argv, capsys)
        assert_one_line_error(code, err)
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "r.mp4").exists()


def test_unknown_layout_and_backend(tmp_path: Path, capsys) -> None:
    poses = save_poses(synthetic_walker(1.0), tmp_path / "p.npz")
    code, _, err = run(["convert", str(poses), "-o", str(tmp_path / "q.npz"), "--layout", "nope"], capsys)
    assert_one_line_error(code, err, "nope")
    video = write_video(tmp_path / "v.mp4")
    code, _, err = run(["extract", str(video), "-o", str(tmp_path / "o.npz"), "--backend", "nope"], capsys)
    assert_one_line_error(code, err, "nope")


def test_convert_info_and_render(tmp_path: Path, capsys) -> None:
    seq = synthetic_walker(2.0, fps=10, size=(160, 120))
    src = save_poses(seq, tmp_path / "walker.npz")
    code, out, _ = run(["convert", str(src), "-o", str(tmp_path / "w.csv"), "--layout", "h36m17",
                        "--resample", "20"], capsys)
    assert code == 0
    back = load_poses(tmp_path / "w.csv")
    assert back.layout.name == "h36m17" and back.num_frames == 39

    code, out, _ = run(["info", str(tmp_path / "w.csv"), "--json"], capsys)
    info = json.loads(out)  # one JSON document and nothing else
    assert code == 0 and info["frames"] == 39 and info["layout"] == "h36m17"

    video = write_video(tmp_path / "v.mp4", frames=20)
    code, _, _ = run(["render", str(video), str(src), "-o", str(tmp_path / "r.mp4")], capsys)
    assert code == 0
    from actionpose.video.reader import probe_video
    info = probe_video(tmp_path / "r.mp4")
    assert info.codec == "h264" and info.frame_count == 20
    code, _, _ = run(["render", str(video), str(src), "-o", str(tmp_path / "f.png"), "--frame", "5"], capsys)
    assert code == 0 and (tmp_path / "f.png").stat().st_size > 0


def test_list_commands(capsys) -> None:
    code, out, _ = run(["list", "layouts"], capsys)
    assert code == 0 and "holistic" in out and "ntu25" in out
    code, out, _ = run(["list", "backends"], capsys)
    assert code == 0 and "mediapipe" in out


@pytest.mark.parametrize("case", ["missing pose file", "video without a person", "random bytes"])
def test_console_script_prints_one_line(case: str, tmp_path: Path) -> None:
    """The entry point in a fresh process: native libraries (MediaPipe, FFmpeg) must not add lines."""
    if case == "missing pose file":
        argv, name = ["info", str(tmp_path / "missing.npz")], "missing.npz"
    elif case == "video without a person":
        argv, name = ["extract", str(write_video(tmp_path / "blank.mp4")), "-o", str(tmp_path / "o.npz")], "blank.mp4"
    else:
        noise = tmp_path / "noise.mp4"
        noise.write_bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8).tobytes())
        argv, name = ["extract", str(noise), "-o", str(tmp_path / "o.npz")], "noise.mp4"
    proc = subprocess.run([sys.executable, "-m", "actionpose.cli", *argv], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and name in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "o.npz").exists()


def test_folder_extraction_records_failures_and_continues(tmp_path: Path, capsys) -> None:
    """A folder where every clip fails differently: each failure is one line, none stops the batch, exit 2."""
    folder = tmp_path / "clips"
    (folder / "a").mkdir(parents=True)
    write_video(folder / "a" / "blank.mp4")
    (folder / "broken.mp4").write_bytes(b"\x00" * 100)
    out = tmp_path / "out"
    code, stdout, err = run(["extract", str(folder), "-o", str(out), "--workers", "1"], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 2  # one per failed clip: no person / not a video
    assert any("broken.mp4" in line for line in lines) and any("blank.mp4" in line for line in lines)
    assert "0 of 2 clips" in stdout


def test_option_a_backend_does_not_take(tmp_path: Path, capsys) -> None:
    video = write_video(tmp_path / "v.mp4")
    task = tmp_path / "people.task"
    task.write_bytes(b"x")
    code, _, err = run(["extract", str(video), "-o", str(tmp_path / "o.npz"), "--detector-model", str(task)], capsys)
    assert_one_line_error(code, err, "mediapipe", "detector")

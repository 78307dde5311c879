"""The quick-start demo: extract, track and render the example clip (or a synthetic walker without data)."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

from actionpose.sample_data import DEFAULT_CLIP, data_file
from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)


def synthetic_walker(seconds: float = 4.0, fps: float = 30.0, size: tuple[int, int] = (640, 480)) -> PoseSequence:
    """A COCO-17 stick figure walking across the frame (swinging arms and legs), for demos and tests."""
    w, h = size
    t = np.arange(int(seconds * fps)) / fps
    phase = 2 * np.pi * 0.9 * t                     # 0.9 strides per second
    x0 = w * 0.15 + (w * 0.7) * t / seconds          # walks left to right
    unit = h / 8.0                                   # head-to-toe about 6.5 units
    swing = 0.45 * np.sin(phase)
    hip_y, shoulder_y = h * 0.55, h * 0.55 - 2.6 * unit
    pts = {
        "nose": (0.25, shoulder_y - 1.0 * unit), "left_eye": (0.3, shoulder_y - 1.15 * unit),
        "right_eye": (0.3, shoulder_y - 1.15 * unit), "left_ear": (0.0, shoulder_y - 1.05 * unit),
        "right_ear": (0.0, shoulder_y - 1.05 * unit), "left_shoulder": (0.0, shoulder_y),
        "right_shoulder": (0.0, shoulder_y), "left_hip": (0.0, hip_y), "right_hip": (0.0, hip_y),
    }
    xy = np.zeros((len(t), 17, 2))
    for name, (dx, y) in pts.items():
        xy[:, COCO17.index(name)] = np.stack([x0 + dx * unit, np.full_like(t, y)], axis=1)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        a = sign * swing                              # arm and the opposite leg swing together
        elbow = xy[:, COCO17.index(f"{side}_shoulder")] + unit * np.stack([np.sin(-a), np.cos(a)], 1) * 1.3
        xy[:, COCO17.index(f"{side}_elbow")] = elbow
        xy[:, COCO17.index(f"{side}_wrist")] = elbow + unit * np.stack([np.sin(-a) + 0.3, np.cos(a)], 1) * 1.2
        knee = xy[:, COCO17.index(f"{side}_hip")] + unit * np.stack([np.sin(a), np.cos(a)], 1) * 1.7
        xy[:, COCO17.index(f"{side}_knee")] = knee
        xy[:, COCO17.index(f"{side}_ankle")] = knee + unit * np.stack([np.sin(a) - 0.15, np.ones_like(a)], 1) * 1.7
    data = np.concatenate([xy, np.ones((len(t), 17, 1))], axis=-1)[:, None]
    return PoseSequence(data, COCO17, fps, frame_size=size, meta={"source": "synthetic walker"})


def _blank_video(path: Path, seq: PoseSequence) -> None:
    import imageio_ffmpeg

    w, h = seq.frame_size
    writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=seq.fps, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=1, ffmpeg_log_level="error")
    writer.send(None)
    frame = np.full((h, w, 3), 235, dtype=np.uint8)
    for _ in range(seq.num_frames):
        writer.send(frame)
    writer.close()


def run_demo(out_dir: Path, progress: Callable[[int, int | None], None] | None = None) -> list[str]:
    """Run the demo into ``out_dir``; returns the lines the CLI prints."""
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import save_poses
    from actionpose.video.render import render_video

    out_dir.mkdir(parents=True, exist_ok=True)
    clip = data_file(DEFAULT_CLIP)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        if clip is not None:
            start = time.perf_counter()
            seq = extract_poses(clip, progress=progress)
            took = time.perf_counter() - start
            found = int(seq.present.any(axis=1).sum())
            lines.append(f"{clip}: person found in {found} of {seq.num_frames} frames "
                         f"({seq.num_frames / took:.0f} frames/s, {seq.meta.get('backend')} backend)")
        else:
            seq = synthetic_walker()
            clip = Path(tmp) / "walker.mp4"
            _blank_video(clip, seq)
            lines.append("no real-data folder found (set ACTIONPOSE_DATA): showing a synthetic walker")
        outputs = [save_poses(seq, out_dir / "poses.npz"), save_poses(seq, out_dir / "poses.csv"),
                   render_video(clip, seq, out_dir / "overlay.mp4")]
        outputs.append(_analysis(seq, out_dir / "analysis.json", lines))
    lines += [f"wrote {p}" for p in outputs]
    return lines


def _analysis(seq, path: Path, lines: list[str]) -> Path:
    """Falls, gait and reps on the demo's poses (the same runner as ``actionpose analyze``)."""
    import json

    from actionpose.analysis import analyze_sequence
    from actionpose.atomic import atomic_path

    result = analyze_sequence(seq, ("falls", "gait", "reps"))
    for name in result.tasks:
        note = result.note(name)
        if note is not None:
            lines.append(f"{name}: {note}")
            continue
        found = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                          for k, v in result.results[name].summary().items() if v is not None and k != "applies")
        lines.append(f"{name}: {found or '-'}")
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(result.to_dict(), default=str))
    return path

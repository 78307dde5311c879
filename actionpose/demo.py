"""The quick-start demo: extract, track, render and analyse the real example clip shipped in the package.

``synthetic_walker`` stays for tests and benchmarks that need a known skeleton.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from actionpose.sample_data import EXAMPLE_CLIP
from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence

log = logging.getLogger(__name__)

#: what GMDCSA24's labels.json says of the example clip
EXAMPLE_LABEL = "standing 0-2.5 s, falling backward 2.5-8 s"


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


def run_demo(out_dir: Path, progress: Callable[[int, int | None], None] | None = None) -> list[str]:
    """Run the demo on the packaged real clip (:data:`~actionpose.sample_data.EXAMPLE_CLIP`) into ``out_dir``.

    Extracts, tracks and smooths the poses, writes ``poses.npz``, ``poses.csv``, an H.264 ``overlay.mp4``
    and ``analysis.json`` (falls, gait, reps); returns the lines the CLI prints. Needs no data folder.

    Raises
    ------
    InputError
        When the packaged clip is missing (a broken install).
    """
    from actionpose.errors import InputError
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import save_poses
    from actionpose.video.render import render_video

    clip = EXAMPLE_CLIP
    if not clip.is_file():
        raise InputError(clip, "the example clip shipped with actionpose is missing; reinstall the package")
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    seq = extract_poses(clip, progress=progress)
    took = time.perf_counter() - start
    found = int(seq.present.any(axis=1).sum())
    lines = [f"{clip.name} (real GMDCSA24 fall, MIT, shipped with actionpose): person found in {found} of "
             f"{seq.num_frames} frames ({seq.num_frames / took:.0f} frames/s, {seq.meta.get('backend')} backend)"]
    outputs = [save_poses(seq, out_dir / "poses.npz"), save_poses(seq, out_dir / "poses.csv"),
               render_video(clip, seq, out_dir / "overlay.mp4")]
    outputs.append(_analysis(seq, out_dir / "analysis.json", lines))
    lines += [f"wrote {p}" for p in outputs]
    return lines


def _fall_lines(falls) -> list[str]:
    """One line per fall found in the example clip, beside what its dataset label says."""
    lines = []
    for event in getattr(falls, "events", []):
        state = "got up again" if event.got_up else "still down at the end"
        lines.append(f"  fall: person {event.person} starts falling at {event.start_s:.1f} s, hits the floor at "
                     f"{event.impact_s:.1f} s, {state} (confidence {event.confidence:.2f}; "
                     f"the clip's label: {EXAMPLE_LABEL})")
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
        if name == "falls":
            lines += _fall_lines(result.results[name])
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(result.to_dict(), default=str))
    return path

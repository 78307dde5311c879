"""Training time for 5 classes x 20 clips: what ``actionpose train`` does (counts, the cross-validation by
person against the majority-class baseline, the final fit, saving), with the default model against the
goal of 2 minutes on this CPU, and beside it the other models' final fit alone.

Clips are synthetic (COCO-17 people, 3 s at 30 fps, each of 5 motions, 5 people), so the figure depends on the
CPU only. Usage::

    python benchmarks/train_speed.py                 # the default model, the whole train command
    python benchmarks/train_speed.py --models rf logreg stgcn
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from actionpose.models.classifier import ActionClassifier
from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip
from actionpose.train.defaults import DEFAULT_MODEL, DEFAULT_WINDOW
from actionpose.train.guidance import check_data, evaluate_by_group

GOAL_S = 120.0
MOTIONS = ("wave", "squat", "clap", "kick", "lean")
BASE = np.array([[0, -60], [-5, -65], [5, -65], [-10, -62], [10, -62], [-20, -40], [20, -40], [-25, -15], [25, -15],
                 [-28, 10], [28, 10], [-12, 20], [12, 20], [-12, 55], [12, 55], [-12, 90], [12, 90]], float)
#: joints each motion moves, and in which direction
MOVES = {"wave": ([9, 10], (0, -60)), "squat": (list(range(13)), (0, 30)), "clap": ([9], (25, 0)),
         "kick": ([15], (40, -30)), "lean": (list(range(11)), (25, 0))}


def synthetic_clip(motion: str, seed: int, frames: int = 90, fps: float = 30.0) -> PoseSequence:
    """A standing person doing ``motion`` periodically, with noise and a random size and place."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    xy = np.repeat(BASE[None], frames, axis=0) * rng.uniform(1.5, 2.5) + rng.uniform(150, 350, 2)
    phase = (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.6, 1.2) * t))[:, None]
    joints, (dx, dy) = MOVES[motion]
    xy[:, joints, 0] += dx * phase
    xy[:, joints, 1] += dy * phase
    xy += rng.normal(0, 2.0, xy.shape)
    data = np.concatenate([xy, np.full((frames, 17, 1), 0.9)], axis=-1)[:, None].astype(np.float32)
    return PoseSequence(data, COCO17, fps, frame_size=(640, 480))


def clips(per_class: int = 20, people: int = 5) -> list[LabelledClip]:
    return [LabelledClip(synthetic_clip(m, 1000 * k + i), label=m, group=f"person{i % people}")
            for k, m in enumerate(MOTIONS) for i in range(per_class)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=[DEFAULT_MODEL])
    ap.add_argument("--epochs", type=int, default=30, help="torch models only")
    args = ap.parse_args()
    data = clips()
    print(f"{len(MOTIONS)} classes x 20 clips (3 s at 30 fps), window {DEFAULT_WINDOW}; goal <= {GOAL_S:.0f} s")
    print("| model | cross-validation s | final fit s | save s | total s | ratio to goal | CV macro-F1 | baseline |")
    print("|---|---|---|---|---|---|---|---|")
    for model in args.models:
        def make(m: str = model) -> ActionClassifier:
            return ActionClassifier(model=m, window=DEFAULT_WINDOW, epochs=args.epochs)

        t0 = time.perf_counter()
        evaluation = evaluate_by_group(make, data, data=check_data(data))
        t1 = time.perf_counter()
        clf = make().fit(data)
        t2 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            clf.save(Path(tmp) / "m.apm")
        t3 = time.perf_counter()
        total = t3 - t0
        print(f"| {model} | {t1 - t0:.1f} | {t2 - t1:.1f} | {t3 - t2:.2f} | {total:.1f} | {total / GOAL_S:.2f} | "
              f"{evaluation.report.macro_f1:.3f} | {evaluation.baseline.macro_f1:.3f} |", flush=True)


if __name__ == "__main__":
    main()

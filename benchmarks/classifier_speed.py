"""Training time for 5 classes x 20 short clips (poses cached), and predict_stream cost per new frame.

    .venv/bin/python benchmarks/classifier_speed.py [--models stgcn,tcn,gru,rf]

Clips: 20 short clips (30 frames, 1 s) per class for the 5 largest classes of the real BODY_25 static-pose
set, cut from its recording blocks. Goal: training <= 2 minutes on this 2-core CPU with the default settings.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

from actionpose.datasets import load_body25_static
from actionpose.models.classifier import ActionClassifier
from actionpose.sample_data import require_data_dir
from actionpose.train.data import LabelledClip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="stgcn,tcn,gru,rf")
    args = ap.parse_args()
    data = require_data_dir()
    by_class = defaultdict(list)
    for clip in load_body25_static(data / "exercise" / "body25_static_poses" / "body_poses.npz"):
        for start in range(0, clip.seq.num_frames - 29, 30):  # short clips of 30 frames
            by_class[clip.label].append(LabelledClip(clip.seq.slice_frames(start, start + 30), label=clip.label,
                                                     group=clip.group))
    classes = sorted(by_class, key=lambda c: -len(by_class[c]))[:5]
    clips = [c for label in classes for c in by_class[label][:20]]
    frames = sum(c.seq.num_frames for c in clips)
    print(f"{len(clips)} clips of {len(classes)} classes ({', '.join(classes)}), {frames} frames")
    stream = clips[0].seq
    for model in args.models.split(","):
        start = time.perf_counter()
        clf = ActionClassifier(model=model).fit(clips)
        took = time.perf_counter() - start
        epochs = f", {len(clf.history_.epochs)} epochs (kept {clf.history_.best_epoch})" if clf.history_ else ""
        times = []
        last = time.perf_counter()
        for _ in clf.predict_stream(stream):
            now = time.perf_counter()
            times.append(now - last)
            last = now
        print(f"  {model:<6} training {took:6.1f} s{epochs}; predict_stream median "
              f"{1000 * statistics.median(times[5:]):.1f} ms per new frame (window {clf.window})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

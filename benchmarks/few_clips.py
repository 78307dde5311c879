"""Few clips per class: group-split macro-F1 of a model trained on 5, 10 or 20 clips per class, beside the
majority-class baseline, on the labelled sets of the real-data folder.

Protocol (honest): the clips' groups (subject, signer, recording) are split into folds (leave-one-group-out
up to 5 groups, else 5 group folds); in each fold, N clips per class are drawn at random from the training
groups only, the model is fitted on them, and every clip of the held-out groups is predicted. Reported,
pooled over folds: window macro-F1, clip macro-F1 (the clip verdict of
:meth:`ActionClassifier.predict_verdict` against the clip's label), and the same for the majority-class
baseline (the most common class among the fold's training clips). Nothing is tuned on the test groups.

Sets (what a user's "a few clips of each class" means on each):

* ``falls``: GMDCSA24, whole videos labelled by their folder (Fall / ADL), group = subject (2 subjects, so
  at most 3 clips per class can be drawn; rows say how many were);
* ``falls_segments``: ThingX sequences cut into their labelled stretches (fall / no_fall), group = sequence;
* ``squat``: Exercise-Correction squat stages up / down, clips = runs of one label, group = inferred recording;
* ``static``: the pose-classification-kit's 20 static body poses, clips = recording blocks;
* ``signs``: holistic sign sequences, group = signer (vocabularies differ: a test clip counts only when its
  sign is among the fold's training classes).

Usage::

    python benchmarks/few_clips.py --cache /tmp/poses                      # the default model, every set
    python benchmarks/few_clips.py --sets falls signs --models rf logreg stgcn --n 10

Videos (GMDCSA24) are extracted once into the pose cache (:mod:`actionpose.cache`).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from actionpose.models.classifier import ActionClassifier
from actionpose.sample_data import require_data_dir
from actionpose.train.data import LabelledClip
from actionpose.train.defaults import DEFAULT_FPS, DEFAULT_MODEL, DEFAULT_WINDOW
from actionpose.train.evaluate import evaluate_predictions

log = logging.getLogger("few_clips")


def _segment_clips(clips: list[LabelledClip], min_s: float = 1.0) -> list[LabelledClip]:
    """Each labelled stretch of segment-labelled clips as its own clip (same group)."""
    out = []
    for clip in clips:
        t0 = float(clip.seq.timestamps[0])
        for start, end, label in clip.segments or []:
            if end - start < min_s:
                continue
            part = clip.seq.slice_time(t0 + start, t0 + end)
            if part.num_frames >= 2:
                out.append(LabelledClip(part, label=label, group=clip.group, meta=dict(clip.meta)))
    return out


def load_set(name: str, data: Path, cache: Path | None) -> tuple[list[LabelledClip], bool]:
    """``(clips, restrict_to_trained)`` of one set."""
    from actionpose import datasets

    if name == "falls":
        from actionpose.cache import PoseCache
        from actionpose.pipeline import extract_poses

        root = data / "falls/gmdcsa24"
        pose_cache = PoseCache(cache or Path.home() / ".cache/actionpose/poses")
        clips = []
        for video in sorted(root.glob("Subject_*/*/*.mp4")):
            seq = pose_cache.get_or_extract(video, None, extract_poses)[0]
            clips.append(LabelledClip(seq, label=video.parent.name.lower(), group=video.parts[-3],
                                      meta={"video": str(video)}))
        return clips, False
    if name == "falls_segments":
        return _segment_clips(datasets.load_thingx(data / "falls/thingx_skeleton/output_csv_label")), False
    if name == "squat":
        return datasets.load_form_correction(data / "exercise/form_correction/squat_model", "squat"), False
    if name == "static":
        return datasets.load_body25_static(data / "exercise/body25_static_poses/body_poses.npz"), False
    if name == "signs":
        return datasets.load_holistic_signs(data / "signs/holistic_sequences"), True
    raise SystemExit(f"unknown set {name!r}")


def few_clip_eval(make: Callable[[], ActionClassifier], clips: list[LabelledClip], n: int, restrict: bool,
                  seed: int = 0) -> dict:
    """Pooled window and clip metrics of ``make()`` trained on ``n`` clips per class per fold."""
    rng = np.random.default_rng(seed)
    groups = np.array([c.group for c in clips])
    n_groups = len(set(groups.tolist()))
    splitter = LeaveOneGroupOut() if n_groups <= 5 else GroupKFold(n_splits=5)
    wt, wp, wb, ct, cp, cb, drawn = [], [], [], [], [], [], []
    for train, test in splitter.split(np.zeros(len(clips)), groups=groups):
        by_class: dict[str, list[int]] = {}
        for i in train:
            by_class.setdefault(clips[i].label, []).append(int(i))
        if len(by_class) < 2:
            continue
        pick = [j for members in by_class.values()
                for j in rng.permutation(members)[:n].tolist()]
        drawn.append(min(len(v) for v in by_class.values()))
        train_labels = [clips[i].label for i in train]
        majority = max(sorted(set(train_labels)), key=train_labels.count)
        clf = make().fit([clips[i] for i in pick])
        test_clips = [clips[i] for i in test if not restrict or clips[i].label in clf.classes_]
        if not test_clips:
            continue
        windows = clf.windows(test_clips)
        if len(windows):
            wt.append(windows.y)
            wp.append(clf.predict(windows))
            wb.append(np.full(len(windows), majority))
        for clip in test_clips:
            ct.append(clip.label)
            cp.append(clf.predict_verdict(clip.seq).label)
            cb.append(majority)
    y_true, y_pred, y_base = np.concatenate(wt), np.concatenate(wp), np.concatenate(wb)
    classes = sorted(set(y_true.tolist()))
    clip_classes = sorted(set(ct))
    return {"window_f1": evaluate_predictions(y_true, y_pred, classes).macro_f1,
            "window_base": evaluate_predictions(y_true, y_base, classes).macro_f1,
            "clip_f1": evaluate_predictions(ct, cp, clip_classes).macro_f1,
            "clip_base": evaluate_predictions(ct, cb, clip_classes).macro_f1,
            "clip_acc": float(np.mean(np.array(ct) == np.array(cp))),
            "test_clips": len(ct), "drawn": min(n, min(drawn)) if drawn else 0, "folds": len(drawn)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["falls", "falls_segments", "squat", "static", "signs"])
    ap.add_argument("--models", nargs="+", default=[DEFAULT_MODEL])
    ap.add_argument("--n", type=int, nargs="+", default=[5, 10, 20], help="clips per class")
    ap.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    ap.add_argument("--epochs", type=int, default=30, help="torch models only")
    ap.add_argument("--fps", type=float, default=DEFAULT_FPS, help="resample clips to this rate (0: their own)")
    ap.add_argument("--cache", type=Path, help="pose cache folder for the videos")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = require_data_dir()
    print("| set | clips/class | model | window macro-F1 | baseline | clip macro-F1 | baseline | clips tested "
          "| folds | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.sets:
        clips, restrict = load_set(name, data, args.cache)
        for model in args.models:
            for n in args.n:
                started = time.perf_counter()
                r = few_clip_eval(lambda m=model: ActionClassifier(model=m, window=args.window, epochs=args.epochs,
                                                                     fps=args.fps or None),
                                  clips, n, restrict)
                took = time.perf_counter() - started
                got = f"{n}" if r["drawn"] >= n else f"{n} (only {r['drawn']})"
                print(f"| {name} | {got} | {model} | {r['window_f1']:.3f} | {r['window_base']:.3f} | "
                      f"{r['clip_f1']:.3f} | {r['clip_base']:.3f} | {r['test_clips']} | {r['folds']} | {took:.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()

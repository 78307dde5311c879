"""Train the shipped learned fall score (``actionpose/tasks/falls/fall_score.json``) and report its
leave-one-subject-out figures.

Run from the project root (poses come from the pose cache; extraction only on a cache miss)::

    ACTIONPOSE_DATA=/work/shared/data .venv/bin/python benchmarks/fall_score_train.py --cache /tmp/poses [--write]

Data (permissive only): GMDCSA24 subjects 1 and 2 (MIT; 6 falls, 3 daily-activity clips, MediaPipe poses) and
the synthetic falls / everyday movements of ``tests/fall_scenes.py``. Samples are windows of
:data:`~actionpose.tasks.falls.learned.WINDOW_S` seconds of the rule detector's own per-frame measurements
(second opinion off):

* positive: each rule-confirmed fall matching a labelled fall, scored at its confirmation (plus the same
  window shifted by -0.2 to +0.6 s, as augmentation);
* negative: a rule-confirmed event matching no labelled fall, and windows every 0.25 s that do not touch a
  labelled fall (from 0.5 s before its start to 3 s after its end).

The veto threshold (``VETO_BELOW``) was fixed before any fold was scored. LOSO: fit on one subject (+ all
synthetic scenes), score the other's rule-confirmed falls and windows.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

from fall_acceptance import cached  # noqa: E402
from fall_scenes import scene, sequence  # noqa: E402

from actionpose.sample_data import require_data_dir  # noqa: E402
from actionpose.tasks.falls import FallConfig, detect_falls  # noqa: E402
from actionpose.tasks.falls.data import fall_intervals, labelled_clips  # noqa: E402
from actionpose.tasks.falls.learned import FEATURES, MODEL_PATH, FallScore, trail_features  # noqa: E402

#: fixed before evaluation: veto only what the model is confidently sure is not a fall
VETO_BELOW = 0.05
OFF = FallConfig(second_opinion=False)


def samples(seq, falls: list[tuple[float, float]]) -> tuple[list, list, list]:
    """(positive features, negative features, per-event [(features, is_fall)]) of one clip."""
    trails: dict[int, list] = {}

    def keep(s) -> None:
        if np.isfinite(s.height):
            trails.setdefault(s.person, []).append((s.time_s, s.height, s.descent, s.torso_angle, s.motion))

    res = detect_falls(seq, OFF, on_status=keep)
    pos, neg, events = [], [], []
    for ev in res.events:
        trail = np.array(trails[ev.person])
        hit = any(a - 0.5 <= ev.impact_s <= b + 1.5 for a, b in falls)
        x = trail_features(trail, ev.confirmed_s)
        events.append((x, hit))
        if hit:
            pos += [trail_features(trail, ev.confirmed_s + d) for d in (-0.2, 0.0, 0.2, 0.4, 0.6)]
        else:
            neg.append(x)
    for trail in trails.values():
        trail = np.array(trail)
        for t in np.arange(trail[0, 0] + 1.5, trail[-1, 0] + 1e-9, 0.25):
            if not any(t > a - 0.5 and t - 3.0 < b + 3.0 for a, b in falls):
                neg.append(trail_features(trail, t))
    return pos, neg, events


def synthetic() -> tuple[list, list]:
    """Features of synthetic falls from upright, and of everyday movements (lying on a bed included)."""
    pos, neg = [], []
    for seed in range(4):
        for move in (0.5, 0.7, 0.9):
            for s in ([("lying", move, 3.0)], [("floor_sit", move, 3.0)]):
                p, n, _ = samples(sequence(scene(s, seed=seed)), [(1.0, 1.0 + move)])
                pos += p
                neg += n
        for h in (0.2, 0.25, 0.3, 0.4):
            p, n, _ = samples(sequence(scene([(f"lying@{h}", 0.1, 2.0), ("lying", 0.35, 3.0)], start=f"lying@{h}",
                                              seed=seed)), [(3.1, 3.45)])
            neg += n  # the drop itself is not a positive: the score is for falls from upright (never vetoes these)
        for s in ([("seated", 1.2, 3.0), ("stand", 1.2, 2.0)], [("bent", 1.0, 2.0), ("stand", 1.0, 1.0)],
                  [("squat", 1.0, 2.0), ("stand", 1.0, 1.0)], [("floor_sit", 2.5, 1.0), ("lying", 2.0, 4.0)],
                  [("stand", 1.0, 5.0)], [("seated", 1.0, 1.0), ("lying@0.3", 1.5, 4.0), ("seated@0.0", 1.5, 1.0)]):
            _, n, _ = samples(sequence(scene(s, seed=seed)), [])
            neg += n
    return pos, neg


def fit(pos: list, neg: list) -> FallScore:
    X = np.array(pos + neg)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit((X - mean) / scale, y)
    return FallScore(mean, scale, clf.coef_[0], float(clf.intercept_[0]), VETO_BELOW)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="pose cache folder")
    ap.add_argument("--write", action="store_true", help="write the model fitted on everything to the package")
    args = ap.parse_args()
    data = require_data_dir()
    root = data / "falls" / "gmdcsa24"
    subjects: dict[str, dict] = {}
    for clip in labelled_clips(root, lambda p: cached(args.cache, "", p)):
        falls = fall_intervals(clip.segments)
        p, n, ev = samples(clip.seq, falls)
        d = subjects.setdefault(clip.meta["name"].split("/")[0], {"pos": [], "neg": [], "events": [], "clips": []})
        d["pos"] += p
        d["neg"] += n
        d["events"] += ev
        d["clips"].append((clip.meta["name"], len(falls)))
    syn_pos, syn_neg = synthetic()
    print(f"synthetic: {len(syn_pos)} positive, {len(syn_neg)} negative windows")
    folds = {}
    for test in sorted(subjects):
        train = [s for s in subjects if s != test]
        model = fit(syn_pos + sum((subjects[s]["pos"] for s in train), []),
                    syn_neg + sum((subjects[s]["neg"] for s in train), []))
        d = subjects[test]
        fall_scores = [model.score(x) for x, hit in d["events"] if hit]
        other = [model.score(x) for x, hit in d["events"] if not hit]
        neg_scores = np.array([model.score(x) for x in d["neg"]])
        y = np.r_[np.ones(len(d["pos"])), np.zeros(len(d["neg"]))]
        auc = roc_auc_score(y, [model.score(x) for x in d["pos"]] + list(neg_scores))
        vetoed = sum(s < VETO_BELOW for s in fall_scores)
        folds[test] = {"train": train, "falls_confirmed": len(fall_scores), "fall_scores": fall_scores,
                       "falls_vetoed": vetoed, "false_alarm_scores": other, "window_auc": auc,
                       "neg_windows": len(neg_scores), "neg_windows_vetoable": float(np.mean(neg_scores < VETO_BELOW))}
        print(f"test {test} (train {'+'.join(train)} + synthetic): rule-confirmed falls {len(fall_scores)}, "
              f"scores {[round(s, 3) for s in fall_scores]}, vetoed at <{VETO_BELOW}: {vetoed}; "
              f"rule false alarms {len(other)}; window AUC {auc:.3f}; "
              f"{np.mean(neg_scores < VETO_BELOW):.2f} of {len(neg_scores)} non-fall windows under the veto line")
    model = fit(syn_pos + sum((d["pos"] for d in subjects.values()), []),
                syn_neg + sum((d["neg"] for d in subjects.values()), []))
    print("all-data model: coef", dict(zip(FEATURES, np.round(model.coef, 3))), "intercept", round(model.intercept, 3))
    print("all-data scores of the 6 rule-confirmed falls:",
          [round(model.score(x), 3) for d in subjects.values() for x, hit in d["events"] if hit])
    model.meta = {"data": "GMDCSA24 (MIT) subjects " + ", ".join(sorted(subjects)) + " (MediaPipe poses) + "
                  "synthetic scenes (tests/fall_scenes.py)", "licence": "MIT (GMDCSA24); model: project licence",
                  "trained_by": "benchmarks/fall_score_train.py", "loso": folds,
                  "samples": {"positive": len(model_pos := syn_pos + sum((d["pos"] for d in subjects.values()), [])),
                              "negative": len(syn_neg) + sum(len(d["neg"]) for d in subjects.values())}}
    del model_pos
    if args.write:
        model.save(MODEL_PATH)
        print("wrote", MODEL_PATH)


if __name__ == "__main__":
    main()

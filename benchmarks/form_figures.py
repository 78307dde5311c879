"""Form figures (issue 17): shipped rules, rules with thresholds fitted on the training groups only, a learned
model and the majority baseline, on every labelled form / state set in the real-data folder, by recording group.

    .venv/bin/python benchmarks/form_figures.py [--sets plank,bicep,lunge,squat_states,mlkit_pushup,mlkit_squat]

Sets (loaders and window cutting reused from ``benchmarks/exercise_acceptance.py``):

* ``plank`` C/H/L, ``bicep`` C/L (leaning back), ``lunge`` C/L (knee over toe): Exercise-Correction windows
  of 15 rows (stride 8) inside runs of one label; the rules are the built-in definition's mapped rules
  (``FAULT_TASKS``), judged per window as in the acceptance benchmark.
* ``squat_states``: Exercise-Correction squat up/down, same windows. The state rule is the knee angle's median
  over the window: ``down`` below 100 degrees (the counter's bottom zone, hip under 0.75 of its standing
  height, is ~80 degrees of knee flexion: squat.yaml's geometry note).
* ``mlkit_pushup``, ``mlkit_squat``: ML Kit single-pose up/down samples. State rule: push-up elbow angle below
  105 degrees is ``down`` (pushup.yaml: peak 0.60 ~ 105 degrees), squat knee angle below 100 degrees.
  Learned: the k-NN terminal-state model (``learn-states``); groups: source video / screenshot session,
  near-duplicates merged (as in the acceptance benchmark).

Every figure is by group k-fold (``min(5, groups)`` folds: leave one recording out where there are 5 or fewer
recordings). *Fitted* rules choose each mapped rule's threshold from a fixed grid around the shipped value (fault
rules: +-30 degrees or +-0.3 torso lengths, 13 values; state rules: +-50 degrees in 5-degree steps) by accuracy
on the training folds only, then judge the held-out fold; the shipped thresholds were never tuned on these
sets. *Learned* is a random forest on window features (``ActionClassifier(model="rf")``, the ``actionpose
train`` default) fitted on the training folds. *Majority*
answers the training folds' most common label.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exercise_acceptance import DUP_RADIUS, FAULT_TASKS, STRIDE, WINDOW  # noqa: E402

from actionpose.datasets.form_correction import load_form_correction  # noqa: E402
from actionpose.datasets.mlkit_fitness import load_mlkit_fitness, stack_poses  # noqa: E402
from actionpose.models.classifier import ActionClassifier  # noqa: E402
from actionpose.sample_data import require_data_dir  # noqa: E402
from actionpose.skeleton.sequence import PoseSequence  # noqa: E402
from actionpose.tasks.exercise import TerminalStateClassifier  # noqa: E402
from actionpose.tasks.exercise.definitions import Zone, builtin_definition  # noqa: E402
from actionpose.tasks.exercise.evaluation import near_duplicate_groups, pixel_clips, rule_window_labels  # noqa: E402
from actionpose.tasks.exercise.learned import embed  # noqa: E402
from actionpose.tasks.exercise.signals import TrackMeasures  # noqa: E402
from actionpose.train.windows import make_windows  # noqa: E402

GRID = 13
#: state rules: set -> (definition, measure, threshold below which the state is the peak, peak, rest)
STATE_RULES = {"squat_states": ("squat", "knee_angle", 100.0, "down", "up"),
               "mlkit_squat": ("squat", "knee_angle", 100.0, "squats_down", "squats_up"),
               "mlkit_pushup": ("pushup", "elbow_angle", 105.0, "pushups_down", "pushups_up")}


def folds(groups: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    n = min(5, len(set(groups.tolist())))
    return list(GroupKFold(n_splits=n).split(np.zeros(len(groups)), groups, groups))


def grid(value: float, unit: str) -> np.ndarray:
    span = 30.0 if unit == "deg" else 0.3
    return np.linspace(value - span, value + span, GRID)


def majority(y: np.ndarray, split: list) -> np.ndarray:
    out = np.empty(len(y), dtype=object)
    for train, test in split:
        labels, counts = np.unique(y[train], return_counts=True)
        out[test] = labels[np.argmax(counts)]
    return out.astype(str)


def learned_rf(ws, split: list) -> np.ndarray:
    out = np.empty(len(ws), dtype=object)
    for train, test in split:
        clf = ActionClassifier(model="rf", window=WINDOW, stride=STRIDE).fit(ws.subset(train))
        out[test] = clf.predict(ws.subset(test))
    return out.astype(str)


def fitted_from_candidates(y: np.ndarray, candidates: list[np.ndarray], split: list) -> tuple[np.ndarray, list]:
    """Per fold, the candidate prediction best on the training windows, applied to the test windows."""
    out = np.empty(len(y), dtype=object)
    chosen = []
    for train, test in split:
        accs = [float((c[train] == y[train]).mean()) for c in candidates]
        best = int(np.argmax(accs))
        out[test] = candidates[best][test]
        chosen.append(best)
    return out.astype(str), chosen


def fault_set(data: Path, name: str) -> dict:
    task, definition, mapping, ok, _ = FAULT_TASKS[name]
    form = data / "exercise" / "form_correction"
    clips = pixel_clips([c for c in load_form_correction(form, name, task=task) if c.meta["file"] != "kaggle.csv"])
    ws = make_windows(clips, window=WINDOW, stride=STRIDE, layout=clips[0].seq.layout, fps=clips[0].seq.fps,
                      people=1, channels="xyzs")
    y, split = ws.y.astype(str), folds(ws.groups)
    d = builtin_definition(definition)
    shipped, _ = rule_window_labels(ws.X, ws.layout, ws.fps, d, mapping, ok)
    # each mapped rule alone at each grid threshold: does it fire on the window?
    rules = [r for r in d.rules if r.id in mapping]
    values = []
    fires = {}
    for r in rules:
        vals = grid(r.zone.threshold, d.measure(r.measure).unit)
        values.append(vals)
        for v in vals:
            alone = replace(d, rules=(replace(r, zone=Zone(r.zone.direction, float(v))),))
            pred, _ = rule_window_labels(ws.X, ws.layout, ws.fps, alone, mapping, ok)
            fires[(r.id, float(v))] = pred != ok
    combos = list(itertools.product(*[range(GRID)] * len(rules)))
    candidates = []
    for combo in combos:       # the first firing rule in definition order decides, as with the shipped rules
        pred = np.full(len(y), ok, dtype=object)
        for r, vals, i in reversed(list(zip(rules, values, combo))):
            pred[fires[(r.id, float(vals[i]))]] = mapping[r.id]
        candidates.append(pred.astype(str))
    fitted, chosen = fitted_from_candidates(y, candidates, split)
    picked = [{r.id: round(float(vals[combos[c][k]]), 2) for k, (r, vals) in enumerate(zip(rules, values))}
              for c in chosen]
    return {"set": name, "labels": "/".join(sorted(set(y))), "n": len(y), "groups": len(set(ws.groups.tolist())),
            "folds": len(split), "unit": "windows", "shipped": shipped, "fitted": fitted,
            "learned": learned_rf(ws, split),
            "majority": majority(y, split), "y": y,
            "note": "shipped " + ", ".join(f"{r.id} {r.zone.direction} {r.zone.threshold:g}" for r in rules)
                    + f"; fitted per fold {picked}"}


def angles(X: np.ndarray, layout, fps: float, definition: str, measure: str) -> np.ndarray:
    """``(N,)`` median of a definition's angle measure over each pose window (or single pose)."""
    d = builtin_definition(definition)
    out = np.full(len(X), np.nan)
    for i, w in enumerate(X):
        tm = TrackMeasures(PoseSequence(w, layout, fps), 0)
        v = tm.compute(d.measure(measure)).value
        if np.isfinite(v).any():
            out[i] = np.nanmedian(v)
    return out


def state_rule(values: np.ndarray, threshold: float, peak: str, rest: str) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(values < threshold, peak, rest).astype(str)


def state_candidates(values: np.ndarray, shipped: float, peak: str, rest: str) -> tuple[list, np.ndarray]:
    vals = np.linspace(shipped - 50, shipped + 50, 21)        # 5-degree steps
    return [state_rule(values, v, peak, rest) for v in vals], vals


def squat_states(data: Path) -> dict:
    definition, measure, threshold, peak, rest = STATE_RULES["squat_states"]
    clips = pixel_clips(load_form_correction(data / "exercise" / "form_correction", "squat"))
    ws = make_windows(clips, window=WINDOW, stride=STRIDE, layout=clips[0].seq.layout, fps=clips[0].seq.fps,
                      people=1, channels="xyzs")
    y, split = ws.y.astype(str), folds(ws.groups)
    values = angles(ws.X, ws.layout, ws.fps, definition, measure)
    candidates, vals = state_candidates(values, threshold, peak, rest)
    fitted, chosen = fitted_from_candidates(y, candidates, split)
    return {"set": "squat_states", "labels": "up/down", "n": len(y), "groups": len(set(ws.groups.tolist())),
            "folds": len(split), "unit": "windows", "shipped": state_rule(values, threshold, peak, rest),
            "fitted": fitted, "learned": learned_rf(ws, split), "majority": majority(y, split), "y": y,
            "note": f"{measure} < {threshold:g} = {peak}; fitted per fold {[round(float(vals[c]), 1) for c in chosen]}"}


def mlkit(data: Path, name: str) -> dict:
    definition, measure, threshold, peak, rest = STATE_RULES[name]
    clips = load_mlkit_fitness(data / "exercise" / "mlkit_fitness_pose" / "fitness_pose_samples.csv")
    X, y, g = stack_poses(clips)
    merged, _ = near_duplicate_groups(embed(X), g, DUP_RADIUS)
    prefix = peak.split("_")[0]
    m = np.char.startswith(y.astype(str), prefix)
    X, y, groups = X[m], y[m].astype(str), merged[m]
    split = folds(groups)
    seqs = X[:, None, None]        # each pose its own one-frame "window"
    values = angles(seqs, clips[0].seq.layout, clips[0].seq.fps, definition, measure)
    candidates, vals = state_candidates(values, threshold, peak, rest)
    fitted, chosen = fitted_from_candidates(y, candidates, split)
    learned = np.empty(len(y), dtype=object)
    for train, test in split:
        learned[test] = TerminalStateClassifier().fit(X[train], y[train]).predict(X[test])
    return {"set": name, "labels": f"{rest}/{peak}", "n": len(y), "groups": len(set(groups.tolist())),
            "folds": len(split), "unit": "poses", "shipped": state_rule(values, threshold, peak, rest),
            "fitted": fitted, "learned": learned.astype(str), "majority": majority(y, split), "y": y,
            "learned_name": "k-NN states",
            "note": f"{measure} < {threshold:g} = {peak}; fitted per fold {[round(float(vals[c]), 1) for c in chosen]}"}


def acc(pred: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray(pred).astype(str) == y).mean())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="plank,bicep,lunge,squat_states,mlkit_pushup,mlkit_squat")
    args = ap.parse_args()
    data = require_data_dir()
    rows = []
    for name in args.sets.split(","):
        t0 = time.perf_counter()
        if name in FAULT_TASKS:
            r = fault_set(data, name)
        elif name == "squat_states":
            r = squat_states(data)
        else:
            r = mlkit(data, name)
        r["seconds"] = time.perf_counter() - t0
        rows.append(r)
        print(f"{name}: {r['n']} {r['unit']} ({r['labels']}), {r['groups']} groups, {r['folds']} folds: shipped rules "
              f"{acc(r['shipped'], r['y']):.3f}, fitted rules {acc(r['fitted'], r['y']):.3f}, learned "
              f"{acc(r['learned'], r['y']):.3f}, majority {acc(r['majority'], r['y']):.3f}  [{r['note']}] "
              f"({r['seconds']:.0f} s)", flush=True)
    print("\n| set | labels | samples (groups, folds) | shipped rules | rules fitted on training groups | learned | "
          "majority |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        learned = r.get("learned_name", "rf")
        print(f"| {r['set']} | {r['labels']} | {r['n']} {r['unit']} ({r['groups']}, {r['folds']}) | "
              f"{acc(r['shipped'], r['y']):.3f} | {acc(r['fitted'], r['y']):.3f} | {acc(r['learned'], r['y']):.3f} "
              f"({learned}) | {acc(r['majority'], r['y']):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Acceptance figures of the exercise task (issue 8) on the real data, with honest splits.

    .venv/bin/python benchmarks/exercise_acceptance.py [--skip-video]

1. Squat rep counting: each of ``exercise/form_correction/squat_model/{train,test}.csv`` is one
   stream; reps from the up/down labels (down -> up) against the counter on the landmarks (the
   built-in squat definition, and a k-NN terminal-state model learned from the ML Kit squat samples).
2. Form faults on plank (C/H/L), bicep (C/L) and lunge (C/L): the definitions' rules against
   learned models (ActionClassifier rf / logreg), scored on the same windows. Windows are cut inside
   runs of one label; the learned models are evaluated by group k-fold where a group is a recording
   block inferred from the planted support (``load_form_correction``), never by random frames.
3. ML Kit up/down samples: the k-NN terminal-state classifier under group 5-fold, groups = the
   source video (``frame__<id>__``) or screenshot session, merged wherever two samples of different
   groups are near-duplicate poses.
4. The real push-up clip end to end through the CLI (``reps --exercise pushup`` and ``auto``).

The tests (``tests/test_exercise_real.py``) assert floors a little under these figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold

from actionpose.datasets.form_correction import load_form_correction
from actionpose.datasets.mlkit_fitness import load_mlkit_fitness, stack_poses
from actionpose.models.classifier import ActionClassifier
from actionpose.sample_data import require_data_dir
from actionpose.tasks.exercise import TerminalStateClassifier, analyze, pick_exercise
from actionpose.tasks.exercise.definitions import ExerciseDefinition, Zone, builtin_definition, parse_definition
from actionpose.tasks.exercise.evaluation import (
    label_reps,
    near_duplicate_groups,
    pixel_clips,
    rule_window_labels,
    stream,
)
from actionpose.tasks.exercise.learned import embed
from actionpose.train.crossval import cross_validate
from actionpose.train.windows import make_windows

WINDOW, STRIDE = 15, 8
#: exercise -> (loader task, built-in definition, rule fault -> dataset label, good-form label, folds)
FAULT_TASKS = {
    "plank": (None, "plank", {"high_back": "H", "low_back": "L"}, "C", None),
    "bicep": (None, "bicep_curl", {"leaning_back": "L"}, "C", None),
    "lunge": ("err", "lunge", {"knee_over_toe": "L"}, "C", 5),
}
#: rule thresholds tried only to show how sensitive the rule figures are (the shipped values are the YAML's)
SENSITIVITY = {"plank": [("high_back", 20.0), ("high_back", 25.0)], "bicep": [("leaning_back", -10.0)],
               "lunge": [("knee_over_toe", 0.0), ("knee_over_toe", 0.10)]}
#: near-duplicate radius for the ML Kit samples, in embedding units (torso-normalised coordinates
#: of 13 joints): 0.15 is ~0.03 torso lengths per coordinate, far below the up/down difference
DUP_RADIUS = 0.15


def with_threshold(d: ExerciseDefinition, rule_id: str, value: float) -> ExerciseDefinition:
    """``d`` with one rule's threshold changed."""
    return replace(d, rules=tuple(replace(r, zone=Zone(r.zone.direction, value)) if r.id == rule_id else r
                                  for r in d.rules))


def section(title: str) -> None:
    print(f"\n== {title}")


def squat_counting(data: Path, squat_states: TerminalStateClassifier, tmp: Path) -> None:
    section("1. squat reps: labels (down -> up) vs counter, one stream per CSV, 30 fps assumed, 16:9 frame")
    model_path = squat_states.save(tmp / "mlkit_squat_states.npz", name="squat_learned")
    learned = parse_definition({"name": "squat_learned", "signal": {"learned": str(model_path)},
                                "rest": {"below": 0.4}, "peak": {"above": 0.6}}, "benchmark")
    for name in ("train", "test"):
        seq, labels = stream(data / "exercise" / "form_correction" / "squat_model" / f"{name}.csv")
        t0 = time.perf_counter()
        person = analyze(seq, "squat").people[0]
        took = time.perf_counter() - t0
        learned_person = analyze(seq, learned).people[0]
        partial = [r.reason for r in person.reps if not r.complete]
        print(f"  {name}.csv ({seq.num_frames} rows): label reps {label_reps(labels)} "
              f"(ignoring label runs < 5 rows: {label_reps(labels, min_run=5)}); "
              f"counter {person.count} complete + {person.partial} partial {partial} in {took:.2f} s; "
              f"learned k-NN states (ML Kit squats) {learned_person.count} complete + {learned_person.partial} partial")
        faults = {}
        for r in person.reps:
            for f in r.faults:
                faults[f.id] = faults.get(f.id, 0) + 1
        views = {v: sum(r.view == v for r in person.reps) for v in ("side", "front", "unknown")}
        print(f"     views of the reps {views}; faults {faults}; depth (hip above knee, torso lengths) median "
              f"{np.nanmedian([r.depth for r in person.reps if r.depth is not None]):.2f}")


def fault_rules_and_models(data: Path, models: list[str]) -> None:
    section(f"2. form faults: windows of {WINDOW} rows (stride {STRIDE}) inside runs of one label; rules vs learned")
    form = data / "exercise" / "form_correction"
    for exercise, (task, definition, mapping, ok, folds) in FAULT_TASKS.items():
        clips = [c for c in load_form_correction(form, exercise, task=task) if c.meta["file"] != "kaggle.csv"]
        clips = pixel_clips(clips)
        groups = sorted({c.group for c in clips})
        ws = make_windows(clips, window=WINDOW, stride=STRIDE, layout=clips[0].seq.layout, fps=clips[0].seq.fps,
                          people=1, channels="xyzs")
        classes = sorted(set(ws.y.tolist()))
        counts = {c: int((ws.y == c).sum()) for c in classes}
        split = "leave one recording out" if folds is None else f"group {folds}-fold over recordings"
        print(f"  {exercise}: {len(clips)} label runs in {len(groups)} recording blocks, {len(ws)} windows {counts}; "
              f"learned models: {split}")
        pred, skipped = rule_window_labels(ws.X, ws.layout, ws.fps, definition, mapping, ok)
        print(f"    rules ({definition}.yaml)   accuracy {accuracy_score(ws.y, pred):.3f}  macro-F1 "
              f"{f1_score(ws.y, pred, average='macro', zero_division=0):.3f}  (rule not assessable in "
              f"{skipped:.0%} of windows)  confusion {confusion_matrix(ws.y, pred, labels=classes).tolist()}")
        for rule_id, value in SENSITIVITY.get(exercise, []):
            variant = with_threshold(builtin_definition(definition), rule_id, value)
            alt, _ = rule_window_labels(ws.X, ws.layout, ws.fps, variant, mapping, ok)
            alt_f1 = f1_score(ws.y, alt, average="macro", zero_division=0)
            print(f"      sensitivity only (not shipped): {rule_id} at {value:g}: accuracy "
                  f"{accuracy_score(ws.y, alt):.3f}  macro-F1 {alt_f1:.3f}")
        for model in models:
            cv = cross_validate(lambda model=model: ActionClassifier(model=model, window=WINDOW, stride=STRIDE), clips,
                                folds)
            print(f"    learned {model:<7} accuracy {cv.report.accuracy:.3f}  macro-F1 {cv.report.macro_f1:.3f}  "
                  f"({len(cv.y_true)} windows; per fold {[round(a, 2) for a in cv.fold_accuracy]})")


def terminal_states(data: Path) -> TerminalStateClassifier:
    section("3. ML Kit up/down samples: k-NN terminal states, group 5-fold (video / screenshot session, "
            "near-duplicates merged)")
    clips = load_mlkit_fitness(data / "exercise" / "mlkit_fitness_pose" / "fitness_pose_samples.csv")
    X, y, g = stack_poses(clips)
    merged, pairs = near_duplicate_groups(embed(X), g, DUP_RADIUS)
    print(f"  {len(y)} samples, {len(set(g))} source groups; {pairs} cross-group near-duplicate pairs "
          f"(radius {DUP_RADIUS}) merge them into {len(set(merged))} groups")
    squat_model = None
    for name, prefix in (("push-up up/down", "pushups"), ("squat up/down", "squats"), ("all four states", "")):
        m = np.char.startswith(y.astype(str), prefix)
        Xe, ye, ge = X[m], y[m], merged[m]
        pred = np.empty(len(ye), dtype=object)
        folds = []
        for train, test in GroupKFold(n_splits=5).split(Xe, ye, ge):
            clf = TerminalStateClassifier().fit(Xe[train], ye[train])
            pred[test] = clf.predict(Xe[test])
            folds.append(float((pred[test] == ye[test]).mean()))
        print(f"  {name}: accuracy {accuracy_score(ye, pred.astype(str)):.3f}  macro-F1 "
              f"{f1_score(ye, pred.astype(str), average='macro'):.3f}  ({len(ye)} samples, {len(set(ge))} groups; "
              f"per fold {[round(a, 3) for a in folds]})")
        if prefix == "squats":
            squat_model = TerminalStateClassifier(rest_class="squats_up", peak_class="squats_down").fit(Xe, ye)
    return squat_model


def pushup_clip(data: Path) -> None:
    section("4. real push-up clip end to end (MediaPipe Pose, CLI)")
    clip = data / "exercise" / "clips" / "pushup_correct_001.mp4"
    for exercise in ("pushup", "auto"):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "actionpose.cli", "-q", "reps", str(clip), "--exercise", exercise,
                              "--json"], capture_output=True, text=True)
        took = time.perf_counter() - t0
        if out.returncode != 0:
            print(f"  --exercise {exercise}: exit {out.returncode}: {out.stderr.strip()}")
            continue
        doc = json.loads(out.stdout)
        for p in doc["people"]:
            reps = [(r["start_s"], r["bottom_s"], r["end_s"], r["depth"], r["rom_deg"], [f["id"] for f in r["faults"]])
                    for r in p["reps"]]
            auto = f" (auto picked {doc['exercise']}, scores {doc['auto']['scores']})" if doc.get("auto") else ""
            print(f"  --exercise {exercise}: person {p['person']}: {p['count']} rep(s), {p['partial']} partial, "
                  f"reps (start, bottom, end s, depth, elbow ROM deg, faults) {reps}{auto}; {took:.1f} s")


def auto_on_streams(data: Path) -> None:
    section("5. --exercise auto on the real landmark streams (form_correction test files; the picker is not trained)")
    form = data / "exercise" / "form_correction"
    truth = {"squat_model/test.csv": "squat", "squat_model/train.csv": "squat",
             "bicep_model/test.csv": "bicep_curl", "lunge_model/stage.test.csv": "lunge",
             "lunge_model/err.test.csv": "lunge", "plank_model/test.csv": "plank"}
    right = 0
    for rel, expected in truth.items():
        seq, _ = stream(form / rel)
        choice = pick_exercise(seq)
        right += choice.exercise == expected
        top = sorted(choice.scores.items(), key=lambda kv: -kv[1])[:3]
        print(f"  {rel}: picked {choice.exercise} (expected {expected}); "
              f"top scores {[(k, round(v, 2)) for k, v in top]}")
    print(f"  {right} of {len(truth)} picked right")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="rf,logreg", help="learned fault models (ActionClassifier names)")
    ap.add_argument("--skip-video", action="store_true", help="skip the MediaPipe extraction of the push-up clip")
    args = ap.parse_args()
    data = require_data_dir()
    start = time.perf_counter()
    for name in ("squat", "pushup", "plank", "bicep_curl", "lunge"):
        d = builtin_definition(name)
        zones = f"rest {d.rest.direction} {d.rest.threshold:g}, peak {d.peak.direction} {d.peak.threshold:g}; " \
            if d.rest else ""
        print(f"{name}: {zones}rules " + ", ".join(f"{r.id} {r.zone.direction} {r.zone.threshold:g}" for r in d.rules))
    with tempfile.TemporaryDirectory() as tmp:
        squat_states = terminal_states(data)
        squat_counting(data, squat_states, Path(tmp))
    fault_rules_and_models(data, args.models.split(","))
    auto_on_streams(data)
    if not args.skip_video:
        pushup_clip(data)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

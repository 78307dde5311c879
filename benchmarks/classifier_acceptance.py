"""Acceptance figures of the action classifiers on the real data, split by group as CARD.md says.

    .venv/bin/python benchmarks/classifier_acceptance.py [--models rf,stgcn]

The tests (tests/test_classifier_real.py) assert floors a little under these figures.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from actionpose.datasets import load_body25_static, load_form_correction, load_holistic_signs, load_thingx
from actionpose.models.classifier import ActionClassifier
from actionpose.sample_data import require_data_dir
from actionpose.train.crossval import cross_validate


#: per task: loader, classifier settings, folds (None = leave one group out), restrict to trained labels
def tasks(data):
    signs = load_holistic_signs(data / "signs" / "holistic_sequences")
    form = data / "exercise" / "form_correction"
    return {
        "signs, leave one signer out": (signs, dict(window=30, stride=30), None, True),
        "plank C/H/L": (load_form_correction(form, "plank"), dict(window=8, stride=4), 5, False),
        "bicep C/L": (load_form_correction(form, "bicep"), dict(window=8, stride=4), 3, False),
        "lunge C/L (knee)": (load_form_correction(form, "lunge", task="err"), dict(window=8, stride=4), 5, False),
        "falls thingx fall/no_fall": (load_thingx(data / "falls" / "thingx_skeleton" / "output_csv_label"),
                                      dict(window=30, stride=10), 5, False),
        "body25 static 20 classes": (load_body25_static(data / "exercise" / "body25_static_poses" / "body_poses.npz"),
                                     dict(window=1, stride=5), 5, False),
    }


def one_signer_to_others(signs, model: str) -> None:
    for train_group in sorted({c.group for c in signs}):
        train = [c for c in signs if c.group == train_group]
        clf = ActionClassifier(model=model, window=30, stride=30).fit(train)
        test = clf.windows([c for c in signs if c.group != train_group])
        keep = np.isin(test.y, clf.classes_)
        acc = float((clf.predict(test.subset(keep)) == test.y[keep]).mean())
        print(f"  signs, train on {train_group}: shared signs {sorted(set(test.y[keep]))}, "
              f"{keep.sum()} test windows, accuracy {acc:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="rf")
    args = ap.parse_args()
    data = require_data_dir()
    all_tasks = tasks(data)
    for model in args.models.split(","):
        print(f"model {model}")
        one_signer_to_others(all_tasks["signs, leave one signer out"][0], model)
        for name, (clips, settings, folds, restrict) in all_tasks.items():
            start = time.perf_counter()
            make = lambda model=model, settings=settings: ActionClassifier(model=model, **settings)
            cv = cross_validate(make, clips, folds, restrict)
            split = "leave-one-group-out" if folds is None else f"{folds}-fold by group"
            print(f"  {name:<28} {split:<20} accuracy {cv.report.accuracy:.3f}  macro-F1 {cv.report.macro_f1:.3f}"
                  f"  ({cv.report.n} windows, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sign acceptance figures on the real data, and the reproducible training of the shipped ASL model.

    python benchmarks/signs_acceptance.py [--data ../shared/data] [--write-model]

* ASL alphabet (signs/asl_alphabet): train on the first 75 % of each letter's frames, test on the
  last 25 %; accuracy and the confusion between look-alike letters.
* Static hand gestures (signs/hand_gestures/keypoint_classifier): same temporal 75/25 split per class.
* Real photos (signs/gesture_images): share of images in which MediaPipe Hands finds a hand.
* Dynamic signs (signs/holistic_sequences): leave-one-signer-out accuracy on the signs that more
  than one signer performs (hello, thanks), with :class:`DynamicSignClassifier`.
* ``--write-model``: retrain the shipped model on every ASL frame and write
  ``actionpose/tasks/signs/models/asl_alphabet.apm``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actionpose.datasets.asl_alphabet import load_asl_alphabet, load_hand_gestures, split_in_time  # noqa: E402
from actionpose.tasks.signs.static import FEATURE_SETS, StaticSignClassifier, builtin_model_path  # noqa: E402

LOOK_ALIKES = [("M", "N"), ("U", "V"), ("A", "S"), ("S", "T"), ("A", "E"), ("E", "S"), ("K", "V"), ("G", "H"),
               ("R", "U"), ("I", "J"), ("D", "Z")]


def asl_figures(data: Path) -> dict:
    clips = load_asl_alphabet(data / "signs/asl_alphabet")
    Xtr, ytr, Xte, yte = split_in_time(clips)
    clf = StaticSignClassifier().fit(Xtr, ytr)
    pred = clf.predict(Xte)
    labels = list(clf.classes_)
    cm = confusion_matrix(yte, pred, labels=labels)
    pairs = {f"{a}/{b}": {f"{a}->{b}": int(cm[labels.index(a), labels.index(b)]),
                          f"{b}->{a}": int(cm[labels.index(b), labels.index(a)]),
                          f"{a} n": int(cm[labels.index(a)].sum()), f"{b} n": int(cm[labels.index(b)].sum())}
             for a, b in LOOK_ALIKES}
    per_letter = {c: round(float(cm[i, i] / max(cm[i].sum(), 1)), 3) for i, c in enumerate(labels)}
    off = cm.copy()
    np.fill_diagonal(off, 0)
    worst = sorted(((int(off[i, j]), f"{labels[i]}->{labels[j]}") for i in range(len(labels))
                    for j in range(len(labels)) if off[i, j]), reverse=True)[:8]
    return {"train": len(ytr), "test": len(yte), "accuracy": round(float((pred == yte).mean()), 4),
            "alternatives": feature_set_accuracies(clips),
            "per_letter": per_letter, "look_alikes": pairs, "largest_confusions": worst}


def feature_set_accuracies(clips) -> dict:
    """Held-out accuracy of every feature set x {logreg, rf} on the same 75/25 split."""
    Xtr, ytr, Xte, yte = split_in_time(clips)
    return {f"{features} {model}": round(float((StaticSignClassifier(model, features).fit(Xtr, ytr).predict(Xte)
                                                == yte).mean()), 4)
            for features in FEATURE_SETS for model in ("logreg", "rf")}


def gesture_figures(data: Path) -> dict:
    clips = load_hand_gestures(data / "signs/hand_gestures")
    Xtr, ytr, Xte, yte = split_in_time(clips)
    pred = StaticSignClassifier().fit(Xtr, ytr).predict(Xte)
    return {"classes": sorted(set(ytr)), "train": len(ytr), "test": len(yte),
            "accuracy": round(float((pred == yte).mean()), 4), "alternatives": feature_set_accuracies(clips)}


def image_figures(data: Path) -> dict:
    from actionpose.tasks.signs.extract import poses_from_images
    from actionpose.tasks.signs.normalize import hands_of

    files = sorted((data / "signs/gesture_images").glob("*/*.jpg"))
    found = hands_of(poses_from_images(files)).present.any(axis=(1, 2))
    plain = hands_of(poses_from_images(files, tile_retry=False)).present.any(axis=(1, 2))
    per_class = {}
    for f, ok in zip(files, found):
        n, k = per_class.get(f.parent.name, (0, 0))
        per_class[f.parent.name] = (n + int(ok), k + 1)
    return {"images": len(files), "with_hand": int(found.sum()), "rate": round(float(found.mean()), 4),
            "rate_without_tile_retry": round(float(plain.mean()), 4),
            "per_class": {k: f"{v[0]}/{v[1]}" for k, v in per_class.items()}}


def dynamic_figures(data: Path) -> dict:
    from actionpose.datasets import load_holistic_signs
    from actionpose.tasks.signs.dynamic import DynamicSignClassifier

    clips = load_holistic_signs(data / "signs/holistic_sequences")
    groups = np.array([c.group for c in clips])
    labels = np.array([c.label for c in clips])
    shared = sorted(str(s) for s in set(labels) if len(set(groups[labels == s])) > 1)
    keep = np.isin(labels, shared)
    per_signer, hits = {}, 0
    for signer in sorted(set(groups)):
        train, test = keep & (groups != signer), keep & (groups == signer)
        clf = DynamicSignClassifier().fit([c.seq for c, k in zip(clips, train) if k], labels[train])
        ok = clf.predict([c.seq for c, k in zip(clips, test) if k]) == labels[test]
        hits += int(ok.sum())
        per_signer[signer] = {"accuracy": round(float(ok.mean()), 4), "clips": int(test.sum()),
                              "signs": sorted(set(labels[test].tolist()))}
    return {"signs": shared, "clips": int(keep.sum()), "accuracy": round(hits / int(keep.sum()), 4),
            "chance": round(1 / len(shared), 4), "per_signer": per_signer}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--write-model", action="store_true", help="retrain and write the shipped ASL model")
    ap.add_argument("--skip-images", action="store_true", help="skip the MediaPipe photo check")
    args = ap.parse_args()
    t0 = time.perf_counter()
    report = {"asl_alphabet_75_25": asl_figures(args.data), "hand_gestures_75_25": gesture_figures(args.data)}
    report["holistic_sequences_loso"] = dynamic_figures(args.data)
    if not args.skip_images:
        report["gesture_images"] = image_figures(args.data)
    if args.write_model:
        clips = load_asl_alphabet(args.data / "signs/asl_alphabet")
        X = np.concatenate([c.seq.data[:, 0] for c in clips])
        y = np.concatenate([[c.label] * c.seq.num_frames for c in clips])
        clf = StaticSignClassifier().fit(X, y)
        path = clf.save(builtin_model_path("asl_alphabet"), meta={
            "data": "signs/asl_alphabet (borisgraudt/asl-ai @fa1dcdb, MIT), all 8,399 frames",
            "heldout_accuracy_75_25": report["asl_alphabet_75_25"]["accuracy"]})
        report["model"] = {"path": str(path.relative_to(ROOT)), "bytes": path.stat().st_size}
    report["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

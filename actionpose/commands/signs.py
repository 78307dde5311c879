"""``actionpose signs``: sign transcripts with times and confidences, and training on a user's own signs.

One command, two forms (the first word ``train`` selects training; a file named ``train`` is ``./train``):

* ``actionpose signs INPUT [--model MODEL] [--threshold P] [--json]``: INPUT is a video, an image or
  a pose file; MODEL a static (hand shape) or dynamic (moving sign) model file, by default the
  built-in ASL alphabet.
* ``actionpose signs train DIR -o MODEL [--kind auto|static|dynamic] [--classifier NAME]``: DIR has
  one folder per sign holding short clips, pose files or photos; a folder named ``none`` holds
  hands that are not signs (learned, reported as ``unknown``); ``DIR/groups.csv`` (columns
  ``file, group``) names each file's signer, so that the open-set gate is calibrated on signers
  left out in turn.

Every model is open-set: a hand or movement unlike its training data, or like its ``none`` class, or
below --threshold is reported as ``unknown`` with the nearest sign and the reason.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from actionpose.commands.options import add_backend_args, load_or_extract
from actionpose.errors import InputError
from actionpose.inputs import IMAGE_SUFFIXES


def _positive(text: str) -> float:
    """A positive number (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _poses(path: Path, args: argparse.Namespace, mode: str):
    """The poses of a photo, video or pose file; videos are extracted with MediaPipe ``mode`` unless --mode."""
    if path.suffix.lower() in IMAGE_SUFFIXES:
        from actionpose.tasks.signs.extract import poses_from_images

        return poses_from_images([path], mode=args.mode or mode)
    if args.mode is None and args.backend == "mediapipe":
        args.mode = mode
    return load_or_extract(path, args, desc=path.name)


def cmd_signs(args: argparse.Namespace) -> int:
    if args.input == "train":
        return cmd_train(args)
    if args.dir is not None:
        raise InputError(args.dir, "unexpected second argument (did you mean `actionpose signs train DIR -o MODEL`?)")
    from actionpose.tasks.signs.dynamic import transcribe_stream
    from actionpose.tasks.signs.static import KIND as STATIC
    from actionpose.tasks.signs.static import transcribe
    from actionpose.tasks.signs.task import load_sign_model

    source = Path(args.input)
    if not source.exists():
        raise InputError(source, "no such file")
    kind, clf, model_path = load_sign_model(args.model, args.tolerance)
    seq = _poses(source, args, "hands" if kind == STATIC else "holistic")
    if seq.num_people == 0:
        raise InputError(source, "no hands found")
    if kind == STATIC and args.spell:
        from actionpose.tasks.signs.fingerspell import fingerspell

        events = fingerspell(clf, seq, threshold=args.threshold)
    elif kind == STATIC:
        events = transcribe(clf, seq, threshold=args.threshold)
    else:
        events = transcribe_stream(clf, seq, threshold=args.threshold)
    if args.json:
        print(json.dumps({"input": str(source), "model": str(model_path), "kind": kind,
                          "classes": [str(c) for c in clf.classes_], "threshold": args.threshold,
                          "tolerance": args.tolerance,
                          "signs": [e.to_dict() for e in events]}))
        return 0
    print(f"{source}: {len(events)} sign(s) ({kind} model {model_path.name})")
    for e in events:
        hand = f"  {e.hand} hand" if e.hand else ""
        why = f"  (nearest {e.meta.get('nearest')}: {e.meta.get('reason')})" if e.meta.get("reason") else ""
        print(f"  {e.start_s:7.2f}-{e.end_s:7.2f} s  {e.label:<14} {e.confidence:5.2f}{hand}{why}")
    if events:
        print("transcript: " + " ".join(e.label for e in events))
    if events and args.spell and kind == STATIC:
        from actionpose.tasks.signs.fingerspell import spell

        print("spelled: " + spell(events))
    return 0


def _sign_folders(folder: Path) -> dict[str, list[Path]]:
    from actionpose.inputs import VIDEO_SUFFIXES
    from actionpose.skeleton.io import SUFFIXES

    usable = IMAGE_SUFFIXES | VIDEO_SUFFIXES | set(SUFFIXES) | {".json"}
    signs = {d.name: sorted(f for f in d.iterdir() if f.is_file() and f.suffix.lower() in usable)
             for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith(".")}
    return {name: files for name, files in signs.items() if files}


def cmd_train(args: argparse.Namespace) -> int:
    import numpy as np

    from actionpose.tasks.signs.dynamic import DynamicSignClassifier
    from actionpose.tasks.signs.normalize import hands_of
    from actionpose.tasks.signs.static import StaticSignClassifier
    from actionpose.train.sources import GROUPS_FILE, group_of, read_groups

    if args.dir is None or args.output is None:
        raise InputError(None, "usage: actionpose signs train DIR -o MODEL")
    folder = Path(args.dir)
    if not folder.is_dir():
        raise InputError(folder, "not a folder (expected one sub-folder per sign)")
    signs = _sign_folders(folder)
    if len(signs) < 2:
        raise InputError(folder, f"needs at least two sign folders with clips, pose files or photos; found "
                                 f"{len(signs)}")
    files = [f for fs in signs.values() for f in fs]
    kind = args.kind
    if kind == "auto":
        kind = "static" if all(f.suffix.lower() in IMAGE_SUFFIXES for f in files) else "dynamic"
    mode = "hands" if kind == "static" else "holistic"
    table = read_groups(folder)
    signer = {f: group_of(table, folder, f) for f in files} if table else None
    if kind == "static":
        hands, left, y, groups = [], [], [], []
        for name, fs in signs.items():
            for f in fs:
                found = hands_of(_poses(f, args, mode))
                for side in (0, 1):
                    ok = found.present[:, :, side]
                    hands.append(found.points[:, :, side][ok][..., :2])
                    left += [side == 0] * int(ok.sum())
                    y += [name] * int(ok.sum())
                    groups += [signer[f] if signer else ""] * int(ok.sum())
        if not y:
            raise InputError(folder, "no hands found in any file")
        try:
            clf = StaticSignClassifier(model=args.classifier).fit(np.concatenate(hands), y, left=np.asarray(left),
                                                                   groups=groups if signer else None)
        except ValueError as exc:
            raise InputError(folder, str(exc)) from None
        count = f"{len(y)} hands"
    else:
        seqs, y = [], []
        for name, fs in signs.items():
            for f in fs:
                seqs.append(_poses(f, args, mode))
                y.append(name)
        groups = [signer[f] if signer else "" for fs in signs.values() for f in fs]
        try:
            clf = DynamicSignClassifier(model=args.classifier).fit(seqs, y, groups=groups if signer else None)
        except ValueError as exc:
            raise InputError(folder, str(exc)) from None
        count = f"{len(seqs)} clips"
    clf.save(args.output, meta={"trained_on": str(folder), "signs": {k: len(v) for k, v in signs.items()}})
    print(f"{args.output}: {kind} sign model, {len(signs)} signs ({', '.join(signs)}) from {count}; "
          f"use it with `actionpose signs INPUT --model {args.output}`")
    left_out = clf.gate_.signers_left_out
    if left_out:
        print(f"open-set gate calibrated by leaving signers out in turn ({left_out} of {len(set(groups))} signers)")
    else:
        why = (f"no {GROUPS_FILE} (columns file, group) names each file's signer" if signer is None
               else f"the signers in {GROUPS_FILE} share too few signs to be left out in turn")
        print(f"note: {why}, so the open-set gate was calibrated on a held-out part of the same signers' files; "
              f"a new signer's signs may come out unknown more often")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``signs`` (transcript of an input, or ``signs train DIR -o MODEL``)."""
    p = sub.add_parser("signs", conflict_handler="resolve",
                       help="sign transcript of a video, photo or pose file; `signs train DIR -o MODEL` learns "
                            "your own signs",
                       description="actionpose signs INPUT [--model MODEL] [--json]  |  "
                                   "actionpose signs train DIR -o MODEL")
    p.add_argument("input", help="video, photo or pose file; or the word `train` to learn a model from DIR")
    p.add_argument("dir", nargs="?", help="with `train`: a folder with one sub-folder of clips/photos per sign")
    add_backend_args(p)
    p.add_argument("--model", help="sign model file (default: the built-in ASL alphabet A-Z)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="below this confidence a sign is reported as `unknown` (default 0.5)")
    p.add_argument("--tolerance", type=_positive, default=1.0,
                   help="factor on the model's calibrated distance limit (default 1; 1.25 accepts more of a new "
                        "signer's signs, and more non-signs)")
    p.add_argument("--spell", action="store_true",
                   help="fingerspelling: one letter per hold of the hand (a repeated letter is two holds); "
                        "static models only")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("-o", "--output", help="with `train`: the model file to write")
    p.add_argument("--kind", choices=("auto", "static", "dynamic"), default="auto",
                   help="with `train`: hand shapes (static) or moving signs (dynamic); auto: static for "
                        "photos only, else dynamic")
    p.add_argument("--classifier", default="logreg", choices=("logreg", "rf", "knn", "gb"),
                   help="with `train`: the scikit-learn model (default logreg)")
    p.set_defaults(func=cmd_signs)

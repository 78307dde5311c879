"""Your own action classes: ``train``, ``evaluate``, ``predict`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from actionpose.commands.options import add_backend_args, load_or_extract, progress_bar
from actionpose.errors import InputError
from actionpose.train.defaults import DEFAULT_MODEL, DEFAULT_WINDOW


def _training_clips(path: str, args: argparse.Namespace) -> list:
    """Labelled clips from a folder (one sub-folder per class) or a pose table with a ``label`` column."""
    from actionpose.train.sources import clips_from_folder, clips_from_table

    data = Path(path)
    if data.is_dir():
        update, close = progress_bar("extract", args.quiet)
        try:
            return clips_from_folder(data)
        finally:
            close()
    if data.suffix.lower() in (".csv", ".parquet"):
        import pandas as pd

        try:
            table = pd.read_parquet(data) if data.suffix.lower() == ".parquet" else pd.read_csv(data, comment="#")
        except (OSError, ValueError) as exc:
            raise InputError(data, f"cannot read the table ({exc})") from None
        return clips_from_table(table)
    raise InputError(data, "training data must be a folder with one sub-folder per class, or a .csv/.parquet "
                           "pose table with a label column")


def cmd_train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from actionpose.models.classifier import ActionClassifier
    from actionpose.train.guidance import check_data, evaluate_by_group

    clips = _training_clips(args.data, args)
    if args.reps:
        from actionpose.tasks.exercise.rep_model import REP_FRAMES, rep_classifier, rep_clips

        frames = args.window or REP_FRAMES
        cut = rep_clips(clips, args.reps, frames=frames)
        print(f"training data: {len(clips)} clips of {args.reps}, cut into reps by its counter "
              f"(each rep time-normalised to {frames} frames)")
        print("\n".join(cut.lines()), flush=True)
        if not cut.clips:
            raise InputError(args.data, f"no complete {args.reps} rep in any clip: check --reps")
        clips = cut.clips
    data = check_data(clips)
    print(f"training data: {len(clips)} {'reps' if args.reps else 'clips'}")
    print("\n".join(data.lines()), flush=True)

    def make() -> ActionClassifier:
        if args.reps:
            return rep_classifier(args.reps, model=args.model, frames=frames, people=1, epochs=args.epochs,
                                  seed=args.seed)
        return ActionClassifier(model=args.model, window=args.window or DEFAULT_WINDOW, stride=args.stride,
                                fps=args.fps, people=args.people, epochs=args.epochs, seed=args.seed)

    evaluation = None
    if args.cv:
        evaluation = evaluate_by_group(make, clips, data=data)
        if evaluation is None:
            print("warning: every clip is one person/recording: nothing can be held out honestly, so the model is "
                  "not evaluated; give clips of at least two people (groups.csv with columns file, group)")
        else:
            print("\n".join(evaluation.lines()), flush=True)
    clf = make()
    with tqdm(total=args.epochs, desc="train", unit="epoch", disable=True if args.quiet else None,
              file=sys.stderr, leave=False) as bar:
        def epoch_line(epoch: int, epochs: int, stats: dict) -> None:
            bar.update(1)
            val = f"  val_loss {stats['val_loss']:.3f}  val_acc {stats['val_acc']:.3f}" if "val_acc" in stats else ""
            print(f"epoch {epoch}/{epochs}  train_loss {stats['train_loss']:.3f}{val}", flush=True)

        clf.fit(clips, progress=epoch_line)
    clf.save(args.output)
    if args.report:
        doc = {"model": str(args.output), "data": str(args.data), "classes": data.table().to_dict("records"),
               "data_warnings": data.warnings, "evaluation": evaluation.to_dict() if evaluation else None}
        Path(args.report).write_text(json.dumps(doc, indent=1))
        print(f"wrote {args.report}")
    kept = f", kept epoch {clf.history_.best_epoch}" if clf.history_ else ""
    print(f"{args.output}: {args.model} model, {len(clf.classes_)} classes ({', '.join(clf.classes_)}), "
          f"{len(clips)} {'reps' if args.reps else 'clips'}{kept}")
    if args.reps:
        print(f"judge reps with it: actionpose reps VIDEO --exercise {args.reps} --fault-model {args.output}")
    if evaluation is not None and not evaluation.better:
        print("warning: saved, but NOT better than the majority-class baseline on held-out people (see above)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from actionpose.models.classifier import ActionClassifier
    from actionpose.train.evaluate import evaluate_predictions, save_report

    clf = ActionClassifier.load(args.model)
    clips = _training_clips(args.data, args)
    windows = clf.windows(clips)
    if not len(windows):
        raise InputError(args.data, "no windows to evaluate (clips too short or no person)")
    report = evaluate_predictions(windows.y, clf.predict(windows), classes=clf.classes_)
    print(f"windows: {report.summary()}")
    labelled = [c for c in clips if c.label is not None]
    extra = {"model": str(args.model), "data": str(args.data)}
    if labelled:
        truth = [c.label for c in labelled]
        verdicts = [clf.predict_verdict(c.seq).label for c in labelled]
        clip_report = evaluate_predictions(truth, verdicts, classes=sorted(set(truth) | set(clf.classes_)))
        print(f"clips (one verdict each): {clip_report.summary()}")
        extra["clips"] = {"accuracy": clip_report.accuracy, "macro_f1": clip_report.macro_f1,
                          "classes": clip_report.classes, "confusion": clip_report.confusion,
                          "verdicts": [{"clip": str(c.meta.get("path", c.meta.get("clip", i))), "label": c.label,
                                        "verdict": v} for i, (c, v) in enumerate(zip(labelled, verdicts))]}
    if args.report:
        for path in save_report(report, args.report, extra=extra):
            print(f"wrote {path}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier.load(args.model)
    source = Path(args.input)
    seq = load_or_extract(source, args)
    steps = clf.predict_windows(seq)
    verdict = clf.predict_verdict(seq, steps)
    if args.json:
        print(json.dumps({"input": str(source), "model": str(args.model), "classes": clf.classes_.tolist(),
                          "verdict": verdict.to_dict(),
                          "windows": [{"start": round(w.start_s, 3), "end": round(w.end_s, 3), "label": w.label,
                                       "proba": [round(float(p), 4) for p in w.proba]} for w in steps]}))
        return 0
    print(f"clip: {verdict.line()}")
    for s in verdict.segments:
        print(f"{s.start_s:7.2f}-{s.end_s:7.2f} s  {s.label:<16} {s.confidence:.2f}  ({s.windows} windows)")
    if args.windows:
        print("windows:")
        for w in steps:
            print(f"{w.start_s:7.2f}-{w.end_s:7.2f} s  {w.label:<16} {w.proba.max():.2f}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import torch

    from actionpose.models.classifier import ActionClassifier
    from actionpose.models.export import export_onnx

    clf = ActionClassifier.load(args.model)
    if clf._is_sklearn:
        raise InputError(args.model, f"only torch models export to ONNX; this is a {clf.model} model")
    # the batch axis stays dynamic
    example = torch.zeros((2, clf.window, clf.people, clf.layout_.num_joints, clf.channels_))
    diff = export_onnx(clf.estimator_, example, args.output)
    print(f"{args.output}: ONNX, checked with onnxruntime, max abs difference {diff:.2e}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the action-classifier commands."""
    t = sub.add_parser("train", help="train an action classifier on your own labelled clips")
    t.add_argument("data", help="folder with one sub-folder per class (videos or pose files), or a pose table")
    t.add_argument("-o", "--output", required=True, help="model file to write (e.g. my_actions.apm)")
    t.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"rf | gb | logreg | knn | stgcn | tcn | gru (default {DEFAULT_MODEL}: features + random "
                        "forest, what generalises from a few clips)")
    t.add_argument("--window", type=int,
                   help=f"window length in frames (default {DEFAULT_WINDOW}; with --reps: frames per "
                        "time-normalised rep, default 32)")
    t.add_argument("--reps", metavar="EXERCISE",
                   help="a per-rep form model: cut each clip into its reps of EXERCISE (e.g. squat) and learn "
                        "the clip's label (correct / incorrect / a fault) per rep; use it with "
                        "`reps --fault-model`")
    t.add_argument("--stride", type=int, help="window step in frames (default half the window)")
    t.add_argument("--epochs", type=int, default=60)
    t.add_argument("--fps", type=float, help="resample clips to this frame rate first")
    t.add_argument("--people", type=int, default=1, help="person slots per window")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--no-cv", dest="cv", action="store_false",
                   help="skip the cross-validation by person/recording against the majority-class baseline")
    t.add_argument("--report", help="write the data counts and the cross-validation as JSON")
    t.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="accuracy, macro-F1, per-class metrics and confusion matrix")
    ev.add_argument("model")
    ev.add_argument("data", help="folder with one sub-folder per class, or a pose table")
    ev.add_argument("--report", help="write the report as JSON (and the confusion matrix as PNG beside it)")
    ev.set_defaults(func=cmd_evaluate)

    pr = sub.add_parser("predict", help="the label of a video or pose file, its segments, and (--windows) the "
                                        "label of every window")
    pr.add_argument("model")
    pr.add_argument("input")
    pr.add_argument("--json", action="store_true", help="one JSON document on stdout")
    pr.add_argument("--windows", action="store_true", help="also print the label of every window")
    add_backend_args(pr)
    pr.set_defaults(func=cmd_predict)

    ex = sub.add_parser("export", help="export a torch model to ONNX (checked with onnxruntime)")
    ex.add_argument("model")
    ex.add_argument("-o", "--output", required=True, help="model.onnx")
    ex.set_defaults(func=cmd_export)

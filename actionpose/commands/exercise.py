"""``actionpose reps``, ``exercises`` and ``learn-states``: rep counting, per-rep metrics and form feedback."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from actionpose.commands.options import add_backend_args, load_or_extract
from actionpose.errors import InputError


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{unit}"


def _print_report(report, source: str) -> None:
    units = report.units
    for person in report.people:
        print(f"{source}: {report.title}, person {person.person}: {person.summary}")
        for hold in person.holds:
            faults = ", ".join(f"{f.id} {f.share:.0%}" for f in hold.faults) or "none"
            print(f"  hold {hold.start_s:6.2f}-{hold.end_s:6.2f} s  {hold.duration_s:5.1f} s, good form "
                  f"{hold.good_form_s:5.1f} s  faults: {faults}  {hold.feedback}")
        for rep in person.reps:
            label = f"rep {rep.number:>2}" if rep.complete else "partial"
            tempo = "  ".join(f"{k} {v:.2f} s" for k, v in rep.tempo.items())
            extra = f"  asym {_fmt(rep.asymmetry, '.0f', ' ' + units.get('asymmetry', ''))}" if rep.asymmetry else ""
            print(f"  {label}  {rep.start_s:6.2f}-{rep.end_s:6.2f} s  {tempo}  depth "
                  f"{_fmt(rep.depth, '.2f')} {units.get('depth', '')}  ROM {_fmt(rep.rom_deg, '.0f')} "
                  f"{units.get('rom_deg', '')}{extra}  [{rep.view}]  {rep.feedback}")
            for f in rep.faults:
                print(f"      {f.id}: {f.measured()}" + (f" [{f.standard}]" if f.standard else ""))
            if rep.not_assessed:
                print(f"      not assessed from this view ({rep.view}): {', '.join(rep.not_assessed)}")
    if not report.people:
        print(f"{source}: no person seen long enough")


def cmd_reps(args: argparse.Namespace) -> int:
    from actionpose.tasks.exercise import LearnedFaults, analyze, pick_exercise
    from actionpose.tasks.exercise.definitions import get_definition

    source = Path(args.input)
    if not source.exists():
        raise InputError(source, "no such file")
    definition = None if args.exercise == "auto" else get_definition(args.exercise, args.standard)
    learned = LearnedFaults(args.fault_model, tuple(args.ok_class.split(","))) if args.fault_model else None
    seq = load_or_extract(source, args)
    if seq.num_people == 0 or not seq.present.any():
        raise InputError(source, "no person found in the poses")
    if args.person is not None and args.person not in set(seq.track_ids.tolist()):
        raise InputError(source, f"no person {args.person}; track ids are {seq.track_ids.tolist()}")
    choice = None
    if definition is None:
        choice = pick_exercise(seq, person=args.person)
        if choice.exercise is None:
            raise InputError(source, f"could not tell the exercise: {choice.reason}; pass --exercise NAME")
        definition = get_definition(choice.exercise, args.standard)
    report = analyze(seq, definition, person=args.person, learned=learned)
    if choice is not None:
        report.auto = choice.to_dict()
    if args.json:
        print(json.dumps({"input": str(source), **report.to_dict()}))
    else:
        if choice is not None:
            print(f"{source}: exercise picked automatically: {choice.exercise}")
        print(f"{source}: form judged by the {report.standard!r} standard of {report.exercise}")
        _print_report(report, str(source))
    return 0


def cmd_exercises(args: argparse.Namespace) -> int:
    from actionpose.tasks.exercise.definitions import builtin_definitions

    defs = builtin_definitions()
    if args.json:
        print(json.dumps([d.summary() for d in defs]))
        return 0
    for d in defs:
        signal = f"{d.signal.type} {'/'.join(d.signal.joints) or d.signal.model}" if d.signal else "gates only"
        zones = (f"rest {d.rest.direction} {d.rest.threshold:g}, peak {d.peak.direction} {d.peak.threshold:g}"
                 if d.rest and d.peak else "in position: " + ", ".join(
                     f"{g.measure} {g.zone.direction} {g.zone.threshold:g}" for g in d.gates))
        print(f"{d.name:<13} {d.kind:<5} {signal:<28} {zones}")
        for name in d.standard_names():
            st = d.standards.get(name)
            print(f"{'':<13} standard {name}" + (f": {st.description}" if st and st.description else ""))
            for r in d.with_standard(name).rules:
                print(f"{'':<13}   - {r.id}: {r.measure} at {r.at} {r.zone.direction} {r.zone.threshold:g}"
                      f"{'' if r.view == 'any' else f' ({r.view} view)'}: {r.message}")
    return 0


def cmd_learn_states(args: argparse.Namespace) -> int:
    import numpy as np

    from actionpose.datasets.mlkit_fitness import load_mlkit_fitness, stack_poses
    from actionpose.tasks.exercise import TerminalStateClassifier

    samples = Path(args.samples)
    if not samples.is_file():
        raise InputError(samples, "no such samples file")
    X, y, _ = stack_poses(load_mlkit_fitness(samples))
    classes = sorted(set(y.tolist()))
    chosen = [c for c in (args.rest, args.peak) if c]
    if len(chosen) < 2 and len(classes) != 2:
        raise InputError(samples, f"the samples have {len(classes)} classes ({', '.join(classes)}): name the two "
                                  "terminal states with --rest and --peak")
    missing = [c for c in chosen if c not in classes]
    if missing:
        raise InputError(samples, f"no samples of class {missing[0]!r}; classes are {', '.join(classes)}")
    keep = np.isin(y, chosen) if len(chosen) == 2 else np.ones(len(y), bool)
    clf = TerminalStateClassifier(n_neighbors=args.neighbors, rest_class=args.rest, peak_class=args.peak)
    clf.fit(X[keep], y[keep])
    clf.save(args.output)
    print(f"{args.output}: k-NN terminal states from {int(keep.sum())} poses; rest = {clf.rest_class_}, "
          f"peak = {clf.peak_class_}; count with `actionpose reps INPUT --exercise {args.output}`")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the exercise commands: ``reps``, ``exercises``, ``learn-states``."""
    r = sub.add_parser("reps", help="count reps per person, with per-rep metrics and form feedback")
    r.add_argument("input", help="video file or pose file")
    r.add_argument("--exercise", default="auto",
                   help="built-in name (see `actionpose exercises`), auto, a definition .yaml/.json, or a "
                        "learned-states .npz (default: auto)")
    r.add_argument("--person", type=int, help="only this track id")
    r.add_argument("--json", action="store_true", help="one JSON document on stdout")
    r.add_argument("--fault-model", metavar="MODEL",
                   help="also judge each rep with a trained classifier (`actionpose train` on form-labelled data)")
    r.add_argument("--standard", default="default",
                   help="the named form standard to judge by: default, or e.g. squat powerlifting, pushup strict "
                        "(see `actionpose exercises`)")
    r.add_argument("--ok-class", default="C,correct,good,ok",
                   help="comma-separated classes of --fault-model that mean good form")
    add_backend_args(r)
    r.set_defaults(func=cmd_reps)

    e = sub.add_parser("exercises", help="list the built-in exercise definitions and their form rules")
    e.add_argument("--json", action="store_true", help="one JSON document on stdout")
    e.set_defaults(func=cmd_exercises)

    s = sub.add_parser("learn-states", help="learn an exercise's two terminal states from labelled poses (k-NN)")
    s.add_argument("samples", help="CSV without header: image name, class, 33 BlazePose landmarks x (x, y, z)")
    s.add_argument("-o", "--output", required=True, help="model file to write (.npz)")
    s.add_argument("--rest", help="class of the rest state (e.g. pushups_up)")
    s.add_argument("--peak", help="class of the peak state (e.g. pushups_down)")
    s.add_argument("--neighbors", type=int, default=10, help="neighbours that vote (default 10)")
    s.set_defaults(func=cmd_learn_states)

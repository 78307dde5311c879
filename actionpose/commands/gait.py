"""``actionpose gait``: gait events, spatiotemporal parameters, joint angles and alerts from one video or pose file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from actionpose.commands.alerting import add_alert_args, open_alert_manager
from actionpose.commands.options import add_backend_args, load_or_extract
from actionpose.errors import InputError


def cmd_gait(args: argparse.Namespace) -> int:
    from actionpose.tasks.gait import GaitConfig, analyze_gait
    from actionpose.tasks.gait.report import document, format_table, write_report
    from actionpose.tasks.gait.rules import DEFAULT_RULES, gait_alerts, load_rules
    from actionpose.tasks.gait.task import is_walk

    source = Path(args.input)
    if not source.exists():
        raise InputError(source, "no such file")
    config = GaitConfig(view=args.view, height_m=args.height_m, norm_condition=args.norm)
    rules = load_rules(args.alert_rules) if args.alert_rules else list(DEFAULT_RULES)
    classifier = None
    if args.classifier:
        from actionpose.tasks.gait.classify import GaitClassifier

        classifier = GaitClassifier.load(args.classifier)
        if classifier.feature_set != "pose_gait":
            raise InputError(args.classifier, f"a {classifier.feature_set!r} model reads features a 2D video does "
                                              "not give; use a 'pose_gait' model")
    seq = load_or_extract(source, args, desc="extract")
    seq.meta["source"] = str(source)      # errors name the file the user gave
    reports = analyze_gait(seq, config, person=args.person)
    if not any(r.events for r in reports):
        raise InputError(source, "no walking found: no periodic heel or toe motion (is the person walking, "
                                 "with the feet in view?)")
    alerts = []
    for r in reports:
        if classifier is not None and r.view.view == "side":
            r.classification = classifier.opinion(r)
        if is_walk(r):  # a track that is not a walk (premise.py) raises no gait alert
            alerts.extend(gait_alerts(r, rules, source=str(source)))
    if args.alert_jsonl or args.alert_db or args.alert_webhook:
        with open_alert_manager(args, str(source), echo=False) as manager:
            for alert in alerts:
                manager.dispatch(alert)  # one report: every rule that fired, no cooldown between them
    written = write_report(reports, args.report, alerts, source=str(source)) if args.report else []
    if args.json:
        extra = {"report_files": [str(p) for p in written]} if written else {}
        print(json.dumps(document(reports, alerts, str(source), extra)))
        return 0
    for r in reports:
        print(format_table(r, [a for a in alerts if a.person == r.person]))
        if not is_walk(r):
            print(f"person {r.person}: {r.walk.get('premise')}: no gait rules judged, no gait alerts")
    for path in written:
        print(f"wrote {path}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the gait command."""
    g = sub.add_parser("gait", help="gait analysis: events, cadence, step time and length, angles, alerts",
                       description="Heel strikes and toe offs per foot (side or frontal view), cadence, step and "
                                   "stride time, stance, double support, step length and speed (side view; metres "
                                   "with --height-m), step width (frontal view), knee and hip flexion per cycle "
                                   "against a normative band, quality notes and gait alerts.")
    g.add_argument("input", help="video, or pose file (.npz .parquet .csv .json, OpenPose folder)")
    g.add_argument("--height-m", type=float, metavar="H", help="walker's height in metres: lengths in m, speed in m/s")
    g.add_argument("--json", action="store_true", help="one JSON document on stdout")
    g.add_argument("--report", metavar="DIR", help="write plots (PNG) and numbers (JSON, CSV) into DIR")
    g.add_argument("--person", type=int, metavar="ID", help="only this track id (default: everyone walking)")
    g.add_argument("--alert-rules", metavar="FILE", help="YAML or JSON gait rules (default: built-in reference ranges)")
    g.add_argument("--view", choices=("auto", "side", "frontal"), default="auto",
                   help="camera view of the walker (default: detect)")
    g.add_argument("--norm", choices=("overground", "treadmill"), default="overground",
                   help="normative knee band to compare with")
    g.add_argument("--classifier", metavar="MODEL", help="a 'pose_gait' gait classifier file: adds its second opinion")
    add_alert_args(g, zones=False)
    add_backend_args(g)
    g.set_defaults(func=cmd_gait)

"""``actionpose falls``, ``watch`` and ``evaluate-falls``: fall detection on a clip, live, and judged on events."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from actionpose.commands.alerting import add_alert_args, load_config_file, open_alert_manager
from actionpose.commands.options import add_backend_args, extract_options, load_or_extract, progress_bar, source_arg
from actionpose.errors import InputError


def _config(args: argparse.Namespace):
    from actionpose.tasks.falls import FallConfig

    return load_config_file(args.config, FallConfig) if args.config else FallConfig()


def _classifier(args: argparse.Namespace):
    if not args.classifier:
        return None
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier.load(args.classifier)
    if args.fall_label not in list(clf.classes_):
        raise InputError(args.classifier, f"has no class {args.fall_label!r} (classes: {', '.join(clf.classes_)}); "
                                          "use --fall-label")
    return clf


def _event_line(e) -> str:
    end = f"{e.end_s:6.2f}" if e.end_s is not None else "   end"
    how = "got up" if e.got_up else "still down"
    learned = f"  learned {e.learned_score:.2f}" if e.learned_score is not None else ""
    learned += "  from a raised level (bed, sofa)" if e.start_level == "raised" else ""
    return (f"person {e.person:<3} fall  start {e.start_s:6.2f} s  impact {e.impact_s:6.2f} s  alert "
            f"{e.confirmed_s:6.2f} s  end {end} s  {how:<10}  confidence {e.confidence:.2f}{learned}  "
            f"peak {e.peak_velocity:.2f} H/s")


def cmd_falls(args: argparse.Namespace) -> int:
    from actionpose.alerts.adapter import result_alerts
    from actionpose.tasks.falls import detect_falls

    config, clf = _config(args), _classifier(args)
    seq = load_or_extract(args.input, args)
    result = detect_falls(seq, config, clf, args.fall_label, args.min_learned)
    with open_alert_manager(args, args.input, echo=not args.json) as manager:
        for alert in result_alerts(result, str(args.input), zones=manager.ignore_zones):
            manager.dispatch(alert)  # one alert per confirmed fall, as in the dashboard and batch runs
        alerts = [a.to_dict() for a in manager.sent]
    if args.timeline:
        from actionpose.atomic import atomic_path

        with atomic_path(Path(args.timeline)) as tmp:
            result.state_table().to_csv(tmp, index=False)
    if args.json:
        print(json.dumps({"input": str(args.input), "frames": seq.num_frames, "fps": seq.fps,
                          "layout": seq.layout.name, **result.to_dict(), "alerts": alerts}, default=str))
        return 0
    for e in result.events:
        print(_event_line(e))
    print(f"{args.input}: {len(result.events)} fall(s) in {seq.num_frames} frames, "
          f"{seq.num_people} tracked person(s)")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from actionpose.stream import stream_poses
    from actionpose.tasks.falls import FallDetector

    config, clf = _config(args), _classifier(args)
    options = extract_options(args)
    source = source_arg(args.source)
    detector = None
    frames, fps, last_t = 0, 0.0, 0.0
    started = time.perf_counter()
    with open_alert_manager(args, str(args.source)) as manager:
        for frame in stream_poses(source, options, max_frames=args.max_frames):
            if detector is None:
                detector = FallDetector(frame.layout, config, clf, args.fall_label, args.min_learned)
            for status in detector.update(frame.time_s, frame.poses, frame.track_ids):
                manager.observe(status.observation())
            frames, fps, last_t = frames + 1, frame.fps, frame.time_s
        events = detector.finish(last_t) if detector is not None else []
    elapsed = time.perf_counter() - started
    if not frames:
        raise InputError(args.source, "no frames could be read")
    for e in events:
        print(_event_line(e))
    rate = frames / elapsed if elapsed > 0 else float("inf")
    print(f"{args.source}: {frames} frames in {elapsed:.1f} s ({rate:.1f} frames/s; source {fps:g} fps, "
          f"{rate / fps if fps else float('nan'):.2f}x real time), {len(events)} fall(s), {len(manager.sent)} alert(s)")
    return 0


def cmd_evaluate_falls(args: argparse.Namespace) -> int:
    from actionpose.pipeline import extract_poses
    from actionpose.tasks.falls.data import evaluate_clip, labelled_clips
    from actionpose.tasks.falls.evaluate import evaluate_falls

    config, clf = _config(args), _classifier(args)
    options = extract_options(args)
    update, close = progress_bar("extract", args.quiet)
    try:
        clips = labelled_clips(args.data, lambda p: extract_poses(p, options, progress=update), args.poses)
    finally:
        close()
    if not clips:
        raise InputError(args.data, "no labelled recordings found")
    scored = [evaluate_clip(c.meta.get("name", c.group), c.seq, c.segments or [], config, classifier=clf,
                            fall_label=args.fall_label, min_learned=args.min_learned) for c in clips]
    report = evaluate_falls(scored)
    if args.report:
        from actionpose.atomic import atomic_path

        with atomic_path(Path(args.report)) as tmp:
            Path(tmp).write_text(json.dumps({"data": str(args.data), "config": config.to_dict(),
                                             **report.to_dict()}, indent=1, default=str))
    if args.json:
        print(json.dumps({"data": str(args.data), **report.to_dict()}, default=str))
        return 0
    print(report.per_clip.to_string(index=False))
    print(report.summary())
    return 0


def _detector_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("detector")
    g.add_argument("--config", metavar="FILE", help="fall thresholds (JSON/YAML of FallConfig fields)")
    g.add_argument("--classifier", metavar="MODEL", help="an action model with a fall class: its score is "
                                                         "blended into each fall's confidence")
    g.add_argument("--fall-label", default="fall", help="the classifier's fall class (default 'fall')")
    g.add_argument("--min-learned", type=float, default=0.0,
                   help="drop falls whose learned score is below this (default 0: keep all)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``falls``, ``watch`` and ``evaluate-falls``."""
    f = sub.add_parser("falls", help="fall events in a clip or pose file (and alerts for them)")
    f.add_argument("input", help="video or pose file")
    f.add_argument("--json", action="store_true", help="one JSON document on stdout")
    f.add_argument("--timeline", metavar="CSV", help="write the per-frame state of every person")
    _detector_args(f)
    add_alert_args(f)
    add_backend_args(f)
    f.set_defaults(func=cmd_falls)

    w = sub.add_parser("watch", help="live fall detection on a file, camera index or stream URL")
    w.add_argument("source", help="video file, camera index (0) or stream URL (rtsp://, http://)")
    w.add_argument("--max-frames", type=int, help="stop after this many frames")
    _detector_args(w)
    add_alert_args(w)
    add_backend_args(w)
    w.set_defaults(func=cmd_watch)

    e = sub.add_parser("evaluate-falls", help="event precision, recall, F1, false alarms per hour, latency")
    e.add_argument("data", help="labels.json (GMDCSA24 schema) or its folder, or a folder of per-frame-labelled "
                                "skeleton CSVs")
    e.add_argument("--poses", metavar="DIR", help="pose files already extracted, named like the videos")
    e.add_argument("--json", action="store_true", help="one JSON document on stdout")
    e.add_argument("--report", metavar="FILE", help="write the evaluation as JSON")
    _detector_args(e)
    add_backend_args(e)
    e.set_defaults(func=cmd_evaluate_falls)

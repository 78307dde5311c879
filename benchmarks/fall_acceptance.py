"""Every acceptance figure of fall detection, on the real-data folder.

Run from the project root::

    .venv/bin/python benchmarks/fall_acceptance.py [--cache DIR]

* GMDCSA24 subjects 1-2 (6 falls, 3 daily-activity clips, MediaPipe backend): event precision,
  recall, F1, false alarms, latency from the labelled fall start and from the detected impact.
* ThingX labelled skeletons: the thresholds were set on falldown1-11 ("tune"); falldown12-24 ("test")
  is reported separately, with event and frame F1.
* UR Fall fall-01 (RGB half of the side-by-side clip): where the detected fall lands in the labels.
* False alarms on every other real clip of the folder (no falls in them), per hour of footage.
* The optional learned score: a random-forest ActionClassifier trained on ThingX tune windows
  (fall / no_fall), blended into the confidence; its effect on the ThingX test split and GMDCSA24.
``--cache DIR`` keeps extracted poses between runs (extraction dominates the run time).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from actionpose.cache import PoseCache
from actionpose.datasets import load_thingx
from actionpose.datasets.urfall import urfall_segments
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.sample_data import require_data_dir
from actionpose.tasks.falls import detect_falls
from actionpose.tasks.falls.data import evaluate_clip, fall_intervals, labelled_clips
from actionpose.tasks.falls.evaluate import FallClip, evaluate_falls

OTHER_CLIPS = ("clips/stgcn/ta_chi.mp4", "clips/stgcn/clean_and_jerk.mp4", "clips/basketball_structuralize.mp4",
               "clips/two_people_demo_skeleton.mp4", "exercise/clips/pushup_correct_001.mp4",
               "gait/digigait_side_view/demo.mp4", "pose_gt/mmpose_tests/demo/resources/demo.mp4")


def cached(cache: Path | None, key: str, video: Path, options: ExtractOptions | None = None):
    """The poses of ``video``, from the pose cache in ``cache`` when given (``key`` names it in logs only)."""
    if cache is None:
        return extract_poses(video, options)
    settings = asdict(options) if options is not None else None
    return PoseCache(cache).get_or_extract(video, settings, lambda p: extract_poses(p, options))[0]


def line(title: str, report) -> None:
    print(f"\n## {title}\n{report.summary()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="folder for extracted poses")
    args = ap.parse_args()
    data = require_data_dir()

    gmd_root = data / "falls" / "gmdcsa24"
    gmd = labelled_clips(gmd_root, lambda p: cached(args.cache, f"gmd/{p.relative_to(gmd_root)}", p))
    gmd_scored = [evaluate_clip(c.meta["name"], c.seq, c.segments) for c in gmd]
    report = evaluate_falls(gmd_scored)
    line("GMDCSA24 subjects 1-2 (MediaPipe)", report)
    print(report.per_clip.to_string(index=False))

    thingx = load_thingx(data / "falls" / "thingx_skeleton" / "output_csv_label")
    number = {c.group: int(c.group.removeprefix("falldown")) for c in thingx}
    tune = [c for c in thingx if number[c.group] <= 11]
    test = [c for c in thingx if number[c.group] >= 12]
    line("ThingX tune split falldown1-11 (thresholds set here)",
         evaluate_falls([evaluate_clip(c.group, c.seq, c.segments) for c in tune]))
    test_report = evaluate_falls([evaluate_clip(c.group, c.seq, c.segments) for c in test])
    line("ThingX test split falldown12-24", test_report)
    print("missed:", ", ".join(r["clip"] for r in test_report.per_clip.to_dict("records") if r["caught"] < r["falls"]))

    ur_video = data / "falls" / "urfall" / "fall-01-cam0.mp4"
    seq = cached(args.cache, "urfall/fall-01-rgb", ur_video, ExtractOptions(crop=(320, 0, 320, 240)))
    segments = urfall_segments(data / "falls" / "urfall" / "labels" / "urfall-cam0-falls.csv")["fall-01"]
    falls = fall_intervals(segments)
    events = detect_falls(seq).events
    print(f"\n## UR Fall fall-01 (RGB half)\nlabelled falling+lying {falls}; detected "
          + "; ".join(f"start {e.start_s:.2f} impact {e.impact_s:.2f} alert {e.confirmed_s:.2f} s" for e in events)
          + f"; inside the labelled fall: {all(falls[0][0] <= e.impact_s <= falls[0][1] for e in events)}")

    rows, negatives = [], []
    for rel in OTHER_CLIPS:
        video = data / rel
        if not video.is_file():
            continue
        seq = cached(args.cache, f"other/{rel}", video)
        result = detect_falls(seq)
        duration = float(seq.timestamps[-1] + 1 / seq.fps)
        negatives.append(FallClip(rel, duration, [], result.events))
        rows.append({"clip": rel, "seconds": round(duration, 1), "false_alarms": len(result.events)})
    adl = [c for c in gmd_scored if not c.falls]
    neg = evaluate_falls(negatives + adl)
    print(f"\n## False alarms on footage without falls\n{pd.DataFrame(rows).to_string(index=False)}\n"
          f"+ {len(adl)} GMDCSA24 ADL clips: {neg.false_alarms} false alarms in {neg.non_fall_hours * 60:.1f} min "
          f"({neg.false_alarms_per_hour:.1f} per hour)")

    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier(model="rf", window=30, stride=5, seed=0, background="no_fall").fit(tune)
    learned = evaluate_falls([evaluate_clip(c.group, c.seq, c.segments, classifier=clf) for c in test])
    print(f"\n## Learned score (random forest on ThingX tune windows, classes {list(clf.classes_)})")
    scores = [(e.learned_score, e.rule_score) for c in
              [evaluate_clip(c.group, c.seq, c.segments, classifier=clf) for c in test] for e in c.events]
    print(f"ThingX test: {learned.true_positives}/{learned.falls} caught; learned score of caught falls "
          f"median {pd.Series([s[0] for s in scores]).median():.2f} "
          f"(rule score {pd.Series([s[1] for s in scores]).median():.2f})")
    gl = [evaluate_clip(c.meta['name'], c.seq, c.segments, classifier=clf) for c in gmd]
    print("GMDCSA24 learned scores per detected fall: "
          + ", ".join(f"{c.name} {e.learned_score:.2f}" for c in gl for e in c.events))


if __name__ == "__main__":
    main()

"""The README's "Fall detection figures": per source and per clip, with thresholds fixed before.

Run from the project root (extraction dominates; ``--cache`` keeps poses between runs)::

    .venv/bin/python benchmarks/fall_figures.py --cache /tmp/poses [--json figures.json]

Every threshold of :class:`~actionpose.tasks.falls.FallConfig` was fixed from biomechanics, synthetic
scenes and the ThingX tuning split (falldown1-11) before any clip below was scored; the sources are
therefore held out whole (leave-source-out): GMDCSA24, UR Fall and the fall-free clips never set a
threshold. Sources:

* GMDCSA24 subjects 1-2 (MIT): 6 falls and 3 daily-activity clips, MediaPipe backend.
* The same 9 clips darkened here (pixels x 0.25 plus sensor noise, mean brightness about 30): low light,
  with the backend's low-light gain (the default) and without it.
* UR Fall fall-01, RGB half (labels: falling + lying).
* ThingX labelled skeletons: falldown12-24 (test) and, for reference only, falldown1-11 (tuning).
* Fall-free footage: the 7 other real clips of the data folder and the GMDCSA24 daily-activity clips.

Prints markdown tables (per source, then per clip).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fall_acceptance import OTHER_CLIPS, cached  # noqa: E402

from actionpose.datasets import load_thingx  # noqa: E402
from actionpose.datasets.urfall import urfall_segments  # noqa: E402
from actionpose.pipeline import ExtractOptions  # noqa: E402
from actionpose.pose.mediapipe.lowlight import darken_video  # noqa: E402
from actionpose.sample_data import require_data_dir  # noqa: E402
from actionpose.tasks.falls import FallConfig, detect_falls  # noqa: E402
from actionpose.tasks.falls.data import evaluate_clip as _evaluate_clip  # noqa: E402
from actionpose.tasks.falls.data import fall_intervals, labelled_clips  # noqa: E402
from actionpose.tasks.falls.evaluate import FallClip, evaluate_falls  # noqa: E402

#: per scored clip (by id): rule-confirmed falls the learned second opinion vetoed (default detector vs rules only)
VETOED: dict[int, int] = {}
RULES_ONLY = FallConfig(second_opinion=False)


def evaluate_clip(name: str, seq, segments) -> FallClip:
    """The default detector's clip (second opinion on), noting how many rule-confirmed falls it vetoed."""
    clip = _evaluate_clip(name, seq, segments)
    VETOED[id(clip)] = len(detect_falls(seq, RULES_ONLY).events) - len(clip.events)
    return clip


def unlabelled(name: str, seq, falls=()) -> FallClip:
    """A clip scored against ``falls`` intervals (none: fall-free), with the veto count noted."""
    clip = FallClip(name, float(seq.timestamps[-1] + 1 / seq.fps), list(falls), detect_falls(seq).events)
    VETOED[id(clip)] = len(detect_falls(seq, RULES_ONLY).events) - len(clip.events)
    return clip


def darken(src: Path, dst: Path, scale: float = 0.25, noise: float = 3.0) -> Path:
    """``src`` darkened (:func:`darken_video`), written to ``dst`` once."""
    if not dst.is_file():
        darken_video(src, dst, scale, noise)
    return dst


def fmt(v, digits: int = 2) -> str:
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{digits}f}"


def source_row(name: str, clips: list[FallClip], note: str = "") -> dict:
    r = evaluate_falls(clips)
    return {"source": name, "clips": r.clips, "falls": r.falls, "caught": r.true_positives,
            "false_alarms": r.false_alarms, "precision": r.precision if r.detected or r.falls else None,
            "recall": r.recall if r.falls else None, "f1": r.f1 if r.falls else None,
            "non_fall_min": r.non_fall_hours * 60, "fa_per_hour": r.false_alarms_per_hour,
            "latency_s": r.latency_median_s, "impact_to_alert_s": r.impact_to_alert_median_s, "note": note,
            "vetoed": sum(VETOED.get(id(c), 0) for c in clips)}


def clip_rows(source: str, clips: list[FallClip]) -> list[dict]:
    rows = []
    for clip in clips:
        r = evaluate_falls([clip])
        ev = [e for e in clip.events if e.confirmed]
        learned = [e.learned_score for e in ev if e.learned_score is not None]
        rows.append({"source": source, "clip": clip.name, "falls": len(clip.falls), "caught": r.true_positives,
                     "false_alarms": r.false_alarms, "non_fall_s": r.non_fall_hours * 3600,
                     "latency_s": r.latency_median_s, "impact_to_alert_s": r.impact_to_alert_median_s,
                     "start_level": ",".join(e.start_level for e in ev),
                     "learned": min(learned) if learned else None, "vetoed": VETOED.get(id(clip), 0)})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="folder for extracted poses (and the darkened clips)")
    ap.add_argument("--json", type=Path, help="also write the tables as JSON")
    args = ap.parse_args()
    data = require_data_dir()
    sources, per_clip = [], []

    gmd_root = data / "falls" / "gmdcsa24"
    gmd = labelled_clips(gmd_root, lambda p: cached(args.cache, "", p))
    gmd_scored = [evaluate_clip(c.meta["name"], c.seq, c.segments) for c in gmd]
    sources.append(source_row("GMDCSA24 subjects 1-2 (MediaPipe)", gmd_scored))
    per_clip += clip_rows("GMDCSA24", gmd_scored)

    dark_dir = (args.cache or Path("/tmp")) / "dark"
    dark = [evaluate_clip(c.meta["name"], cached(args.cache, "", darken(gmd_root / c.meta["name"], dark_dir /
                                                                       c.meta["name"])), c.segments) for c in gmd]
    sources.append(source_row("GMDCSA24 darkened (x0.25 + noise, mean ~30)", dark))
    per_clip += clip_rows("GMDCSA24 dark", dark)
    plain = ExtractOptions(backend_options={"low_light": False})
    dark_plain = [evaluate_clip(c.meta["name"], cached(args.cache, "", dark_dir / c.meta["name"], plain), c.segments)
                  for c in gmd]
    sources.append(source_row("GMDCSA24 darkened, low-light gain off", dark_plain))

    ur_video = data / "falls" / "urfall" / "fall-01-cam0.mp4"
    ur_seq = cached(args.cache, "", ur_video, ExtractOptions(crop=(320, 0, 320, 240)))
    segs = urfall_segments(data / "falls" / "urfall" / "labels" / "urfall-cam0-falls.csv")["fall-01"]
    ur = [unlabelled("fall-01 (RGB half)", ur_seq, fall_intervals(segs))]
    sources.append(source_row("UR Fall fall-01", ur))
    per_clip += clip_rows("UR Fall", ur)

    thingx = load_thingx(data / "falls" / "thingx_skeleton" / "output_csv_label")
    number = {c.group: int(c.group.removeprefix("falldown")) for c in thingx}
    test = [evaluate_clip(c.group, c.seq, c.segments) for c in thingx if number[c.group] >= 12]
    tune = [evaluate_clip(c.group, c.seq, c.segments) for c in thingx if number[c.group] <= 11]
    sources.append(source_row("ThingX falldown12-24 (test)", test))
    sources.append(source_row("ThingX falldown1-11 (tuning split: not a test)", tune, "thresholds set here"))
    per_clip += clip_rows("ThingX test", test)

    negatives = []
    for rel in OTHER_CLIPS:
        video = data / rel
        if video.is_file():
            seq = cached(args.cache, "", video)
            negatives.append(unlabelled(rel, seq))
    adl = [c for c in gmd_scored + dark + dark_plain if not c.falls]
    sources.append(source_row("Fall-free: 7 other real clips + GMDCSA24 ADL (plain, dark, dark without gain)",
                              negatives + adl))
    per_clip += clip_rows("fall-free", negatives)

    print("| source | clips | falls caught | false alarms | precision | recall | F1 | non-fall min | "
          "false alarms / h | median latency from fall start / impact (s) | vetoed by the learned score |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sources:
        print(f"| {r['source']} | {r['clips']} | {r['caught']}/{r['falls']} | {r['false_alarms']} | "
              f"{fmt(r['precision'])} | {fmt(r['recall'])} | {fmt(r['f1'])} | {r['non_fall_min']:.1f} | "
              f"{fmt(r['fa_per_hour'], 1)} | {fmt(r['latency_s'])} / {fmt(r['impact_to_alert_s'])} | {r['vetoed']} |")
    print("\n| source | clip | falls | caught | false alarms | non-fall s | latency from fall start (s) | "
          "impact to alert (s) | start level | lowest learned score | vetoed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in per_clip:
        print(f"| {r['source']} | {r['clip']} | {r['falls']} | {r['caught']} | {r['false_alarms']} | "
              f"{r['non_fall_s']:.1f} | {fmt(r['latency_s'])} | {fmt(r['impact_to_alert_s'])} | {r['start_level']} | "
              f"{fmt(r['learned'])} | {r['vetoed']} |")
    if args.json:
        args.json.write_text(json.dumps({"sources": sources, "per_clip": per_clip}, indent=1, default=float))


if __name__ == "__main__":
    main()

"""Event-level evaluation of fall detection: falls caught, false alarms per hour, seconds to alert.

A user judges a fall detector on events, not frames: was each fall caught, how often was someone
alerted for nothing, and how long after the fall did the alert come. :func:`evaluate_falls` scores
detected :class:`~actionpose.tasks.falls.FallEvent` s against labelled fall intervals:

* a detected event **matches** a labelled fall when their time ranges overlap (the event runs from its
  onset to its end, or to the end of the clip while the person is still down); each labelled fall is
  matched by at most one event, the earliest; every other event is a **false alarm** (a second alert
  for one fall wakes someone up twice);
* **latency** is from the labelled fall start to the moment the fall was confirmed (when the alert
  goes out), and **impact to alert** from the detected impact to that moment;
* **false alarms per hour** divide the false alarms by the footage outside labelled falls;
* with per-frame labels, **frame F1** compares them with the frames inside detected events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from actionpose.tasks.falls.detector import FallEvent

#: a labelled fall: (start_s, end_s)
Interval = tuple[float, float]


@dataclass
class FallClip:
    """One evaluated recording.

    Parameters
    ----------
    name
        Recording name (shown in the per-clip table).
    duration_s
        Length of the recording.
    falls
        Labelled fall intervals (empty for daily-activity clips).
    events
        Detected (confirmed) fall events.
    frame_labels, frame_predictions
        Optional per-frame 0/1 truth and detection, for frame F1.
    """

    name: str
    duration_s: float
    falls: list[Interval]
    events: list[FallEvent]
    frame_labels: np.ndarray | None = None
    frame_predictions: np.ndarray | None = None


@dataclass
class FallEvaluation:
    """Event-level (and optionally frame-level) scores over many clips; see the module notes."""

    clips: int
    falls: int
    detected: int
    true_positives: int
    false_alarms: int
    missed: int
    precision: float
    recall: float
    f1: float
    non_fall_hours: float
    false_alarms_per_hour: float
    latency_median_s: float
    impact_to_alert_median_s: float
    frame_f1: float | None = None
    per_clip: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "per_clip"}
        out = {k: (None if isinstance(v, float) and not np.isfinite(v) else
                   round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}
        out["per_clip"] = self.per_clip.round(3).to_dict(orient="records")
        return out

    def summary(self) -> str:
        """A few lines for the terminal."""
        frame = f"  frame F1 {self.frame_f1:.3f}" if self.frame_f1 is not None else ""
        return (f"{self.clips} clips, {self.falls} labelled falls, {self.detected} detected events\n"
                f"falls caught {self.true_positives}/{self.falls}  missed {self.missed}  false alarms "
                f"{self.false_alarms} ({self.false_alarms_per_hour:.2f} per hour of {self.non_fall_hours * 60:.1f} "
                f"min non-fall footage)\n"
                f"event precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}{frame}\n"
                f"median latency from fall start {self.latency_median_s:.2f} s, from impact "
                f"{self.impact_to_alert_median_s:.2f} s")


def _overlaps(event: FallEvent, fall: Interval, clip_end: float) -> bool:
    end = event.end_s if event.end_s is not None else clip_end
    return event.start_s <= fall[1] and end >= fall[0]


def match_events(events: Sequence[FallEvent], falls: Sequence[Interval],
                 duration_s: float) -> tuple[dict[int, int], list[int]]:
    """Match events to labelled falls by overlap.

    Returns ``({fall index: event index}, [indices of unmatched events])``; each fall takes the earliest
    overlapping event not yet used.
    """
    order = sorted(range(len(events)), key=lambda i: events[i].start_s)
    used: set[int] = set()
    matched: dict[int, int] = {}
    for f, fall in sorted(enumerate(falls), key=lambda x: x[1][0]):
        for i in order:
            if i not in used and _overlaps(events[i], fall, duration_s):
                matched[f] = i
                used.add(i)
                break
    return matched, [i for i in order if i not in used]


def evaluate_falls(clips: Sequence[FallClip]) -> FallEvaluation:
    """Score detections over clips (see the module notes for the definitions)."""
    rows, latencies, impacts = [], [], []
    tp = fp = n_falls = n_events = 0
    non_fall_s = 0.0
    truth, pred = [], []
    for clip in clips:
        events = [e for e in clip.events if e.confirmed]
        matched, unmatched = match_events(events, clip.falls, clip.duration_s)
        for f, i in matched.items():
            latencies.append(events[i].confirmed_s - clip.falls[f][0])
            impacts.append(events[i].confirmed_s - events[i].impact_s)
        tp += len(matched)
        fp += len(unmatched)
        n_falls += len(clip.falls)
        n_events += len(events)
        covered = sum(min(e, clip.duration_s) - max(s, 0.0) for s, e in clip.falls)
        non_fall_s += max(clip.duration_s - covered, 0.0)
        if clip.frame_labels is not None and clip.frame_predictions is not None:
            truth.append(np.asarray(clip.frame_labels))
            pred.append(np.asarray(clip.frame_predictions))
        rows.append({"clip": clip.name, "falls": len(clip.falls), "detected": len(events), "caught": len(matched),
                     "false_alarms": len(unmatched),
                     "latency_s": float(np.median([events[i].confirmed_s - clip.falls[f][0]
                                                   for f, i in matched.items()])) if matched else np.nan,
                     "impact_s": ";".join(f"{e.impact_s:.2f}" for e in events)})
    precision = tp / n_events if n_events else (1.0 if not n_falls else 0.0)
    recall = tp / n_falls if n_falls else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    hours = non_fall_s / 3600.0
    frame = float(f1_score(np.concatenate(truth), np.concatenate(pred), zero_division=0)) if truth else None
    return FallEvaluation(clips=len(clips), falls=n_falls, detected=n_events, true_positives=tp, false_alarms=fp,
                          missed=n_falls - tp, precision=precision, recall=recall, f1=f1, non_fall_hours=hours,
                          false_alarms_per_hour=fp / hours if hours > 0 else float("nan"),
                          latency_median_s=float(np.median(latencies)) if latencies else float("nan"),
                          impact_to_alert_median_s=float(np.median(impacts)) if impacts else float("nan"),
                          frame_f1=frame, per_clip=pd.DataFrame(rows))

"""Results as tables for the pages: the timeline lanes, fall events, gait parameters, reps, signs, and the
alerts a clip raised. Only formatting: every number comes from :class:`actionpose.analysis.Analysis`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from actionpose.analysis import Analysis

TIMELINE_COLUMNS = ["lane", "person", "task", "label", "start_s", "end_s"]


def _runs(times: np.ndarray, labels: Sequence[str], step: float) -> list[list[Any]]:
    """Runs of one label over consecutive frames (a missing frame ends a run)."""
    runs: list[list[Any]] = []
    for t, label in zip(times, labels):
        if runs and runs[-1][2] == label and t - runs[-1][1] <= 0.5 * step + 1e-9:
            runs[-1][1] = t + step
        else:
            runs.append([float(t), float(t) + step, label])
    return runs


def timeline(analysis: Analysis, windows: Sequence[Any] = (), model_name: str | None = None) -> pd.DataFrame:
    """One row per stretch of time on one lane: fall states and walking per person, reps, signs and the
    labels of a custom model (``windows``: its :class:`WindowPrediction` list)."""
    rows: list[dict[str, Any]] = []
    step = 1.0 / analysis.fps if analysis.fps else 0.04
    falls = analysis.applied("falls")
    if falls is not None:
        states = falls.state_table()
        for person, part in states.groupby("person", sort=True):
            for start, end, label in _runs(part["time_s"].to_numpy(), part["state"].tolist(), step):
                rows.append({"lane": f"person {person}: state", "person": int(person), "task": "falls",
                             "label": label, "start_s": start, "end_s": end})
    gait = analysis.applied("gait")
    if gait is not None:
        for r in gait.reports:
            rows.append({"lane": f"person {r.person}: gait", "person": int(r.person), "task": "gait",
                         "label": f"walking ({r.view.view} view)", "start_s": r.start_s,
                         "end_s": r.start_s + r.duration_s})
    reps = analysis.applied("reps")
    if reps is not None:
        for p in reps.people:
            for rep in p.reps:
                label = f"{reps.exercise} rep {rep.number}" if rep.number else "partial rep"
                rows.append({"lane": f"person {p.person}: reps", "person": int(p.person), "task": "reps",
                             "label": label, "start_s": rep.start_s, "end_s": rep.end_s})
    signs = analysis.applied("signs")
    if signs is not None:
        for e in signs.task_events():
            rows.append({"lane": f"person {e.person}: signs", "person": e.person, "task": "signs", "label": e.label,
                         "start_s": e.time_s, "end_s": e.end_s})
    for i, w in enumerate(windows):
        end = windows[i + 1].start_s if i + 1 < len(windows) else w.end_s
        rows.append({"lane": f"model: {model_name}", "person": -1, "task": "model", "label": w.label,
                     "start_s": w.start_s, "end_s": max(end, w.start_s + step)})
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)


def fall_events(analysis: Analysis) -> pd.DataFrame:
    """The fall events, one row each (times in seconds)."""
    falls = analysis.applied("falls")
    if falls is None or not falls.events:
        return pd.DataFrame()
    rows = [{"person": e.person, "start_s": e.start_s, "impact_s": e.impact_s, "alert_s": e.confirmed_s,
             "end_s": e.end_s, "got_up": e.got_up, "confidence": round(e.confidence, 2),
             "peak_velocity_H_per_s": round(e.peak_velocity, 2)} for e in falls.events]
    return pd.DataFrame(rows)


def gait_parameters(report: Any) -> pd.DataFrame:
    """The parameter table of one person's :class:`GaitReport` (parameter, left, right, both, unit)."""
    from actionpose.tasks.gait.report import parameter_table

    rows = parameter_table(report)
    return pd.DataFrame(rows, columns=["parameter", "left", "right", "both", "unit"])


def rep_table(report: Any) -> pd.DataFrame:
    """One row per rep (complete or partial) of every person of an :class:`ExerciseReport`."""
    rows = []
    for p in report.people:
        for rep in p.reps:
            rows.append({"person": p.person, "rep": rep.number if rep.number else "partial",
                         "start_s": round(rep.start_s, 2), "end_s": round(rep.end_s, 2),
                         "tempo": " / ".join(f"{k} {v:.1f} s" for k, v in rep.tempo.items()),
                         "rom_deg": None if rep.rom_deg is None else round(rep.rom_deg, 1),
                         "depth": None if rep.depth is None else round(rep.depth, 2),
                         "feedback": rep.feedback or (rep.reason or ""),
                         "faults": "; ".join(f.message for f in rep.faults)})
        for hold in p.holds:
            rows.append({"person": p.person, "rep": "hold", "start_s": round(hold.start_s, 2),
                         "end_s": round(hold.end_s, 2), "tempo": f"good form {hold.good_form_s:.1f} s",
                         "rom_deg": None, "depth": None, "feedback": hold.feedback,
                         "faults": "; ".join(f.message for f in hold.faults)})
    return pd.DataFrame(rows)


def sign_table(analysis: Analysis) -> pd.DataFrame:
    signs = analysis.applied("signs")
    if signs is None:
        return pd.DataFrame()
    return pd.DataFrame(signs.to_dict()["signs"])


def changed_acks(before: pd.DataFrame, after: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Alert ids (the index) whose ``acknowledged`` box was ticked, and those unticked, in an edit."""
    diff = after["acknowledged"].astype(bool) != before["acknowledged"].astype(bool)
    changed = after.loc[diff, "acknowledged"].astype(bool)
    return changed[changed].index.tolist(), changed[~changed].index.tolist()


__all__ = ["TIMELINE_COLUMNS", "changed_acks", "fall_events", "gait_parameters", "rep_table",
           "sign_table", "timeline"]

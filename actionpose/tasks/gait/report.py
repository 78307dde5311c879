"""The gait report for people: a parameter table, and files (JSON, CSV, PNG plots) in a folder.

:func:`parameter_table` gives the rows a clinician reads (parameter, left, right, both/mean, unit);
:func:`format_table` lays them out as text (``actionpose gait`` prints it). :func:`write_report`
writes, atomically, ``gait.json`` (everything), ``gait_parameters.csv`` (one row per person),
``gait_events.csv``, ``gait_cycles.csv`` (mean and SD angle curves) and per person the knee and
hip flexion curves with the normative band and the event timeline per foot as PNG.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from actionpose.alerts.types import Alert
from actionpose.atomic import atomic_path
from actionpose.tasks.gait.norms import NormativeBand, load_band
from actionpose.tasks.gait.results import HEEL_STRIKE, TOE_OFF, GaitReport

Row = tuple[str, "float | None", "float | None", "float | None", str]


def parameter_table(report: GaitReport) -> list[Row]:
    """``(label, left, right, both, unit)`` rows; None where not measured. Metres when the height is known."""
    p = report.parameters
    metric = report.height_m is not None
    length_unit = "m" if metric else "leg lengths"
    sfx = "_m" if metric else ""
    rows: list[Row] = [
        ("Strides analysed", p.strides_left, p.strides_right, None, ""),
        ("Cadence", None, None, p.cadence_spm, "steps/min"),
        ("Step time", p.step_time_left_s, p.step_time_right_s, p.step_time_s, "s"),
        ("Stride time", None, None, p.stride_time_s, "s"),
        ("Stride time variability (CV)", None, None, p.stride_time_cv_pct, "%"),
        ("Stance", p.stance_left_pct, p.stance_right_pct, None, "% of cycle"),
        ("Swing", p.swing_left_pct, p.swing_right_pct, None, "% of cycle"),
        ("Double support", None, None, p.double_support_pct, "% of cycle"),
        ("Step length", getattr(p, f"step_length_left{sfx}"), getattr(p, f"step_length_right{sfx}"),
         getattr(p, f"step_length{sfx}"), length_unit),
        ("Stride length", None, None, getattr(p, f"stride_length{sfx}"), length_unit),
        ("Gait speed", None, None, p.gait_speed_mps if metric else p.gait_speed,
         "m/s" if metric else "leg lengths/s"),
        ("Step width", None, None, getattr(p, f"step_width{sfx}"), length_unit),
        ("Step time symmetry index", None, None, p.step_time_si, "%"),
        ("Step length symmetry index", None, None, p.step_length_si, "%"),
        ("Stance symmetry index", None, None, p.stance_si, "%"),
        ("Knee flexion range", p.knee_rom_left_deg, p.knee_rom_right_deg, None, "deg"),
        ("Peak knee flexion (swing)", p.knee_peak_swing_left_deg, p.knee_peak_swing_right_deg, None, "deg"),
        ("Hip flexion range", p.hip_rom_left_deg, p.hip_rom_right_deg, None, "deg"),
        ("Knee vs normative (RMS diff.)", None, None, p.knee_norm_rmsd_deg, "deg"),
        ("Knee within normative band", None, None, p.knee_within_norm_pct, "% of cycle"),
    ]
    return [r for r in rows if any(v is not None for v in r[1:4])]


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"


def format_table(report: GaitReport, alerts: Sequence[Alert] = ()) -> str:
    """The report of one person as text: header, parameter table, quality flags, alerts."""
    v = report.view
    lines = [f"person {report.person}: {v.view} view ({v.direction}, confidence {v.confidence:.2f}), "
             f"{report.duration_s:.1f} s from {report.start_s:.1f} s, {len(report.events)} events"]
    rows = parameter_table(report)
    width = max(len(r[0]) for r in rows) if rows else 10
    lines.append(f"  {'parameter':<{width}}  {'left':>8}  {'right':>8}  {'both':>8}  unit")
    for label, left, right, both, unit in rows:
        lines.append(f"  {label:<{width}}  {_fmt(left):>8}  {_fmt(right):>8}  {_fmt(both):>8}  {unit}")
    if report.classification:
        c = report.classification
        lines.append(f"  classifier: {c['label']} (p = {c['probability']:.2f}, {c.get('model', '')})")
    for q in report.quality:
        lines.append(f"  note: {q.message}")
    for a in alerts:
        lines.append(f"  ALERT [{a.severity}] {a.message}")
    return "\n".join(lines)


def _write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _write_csv(path: Path, frame: pd.DataFrame) -> Path:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path


def _save(fig: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    return path


def plot_angles(report: GaitReport, joint: str, path: Path, band: NormativeBand | None = None) -> Path | None:
    """Mean +- SD of ``joint`` per side over the cycle, with the normative band (knee) shaded."""
    from matplotlib.figure import Figure

    curves = [report.angle(joint, f) for f in ("left", "right")]
    curves = [c for c in curves if c is not None and len(c.cycles)]
    if not curves:
        return None
    fig = Figure(figsize=(7, 4.2))
    ax = fig.add_subplot()
    x = np.arange(101)
    if band is not None and band.joint == joint:
        ax.fill_between(x, band.lower(), band.upper(), color="0.85", label=f"normative mean +- 2 SD ({band.condition})")
        ax.plot(x, band.mean, color="0.5", lw=1, ls="--")
    colours = {"left": "tab:red", "right": "tab:blue"}
    for c in curves:
        m, s = c.mean, c.sd
        ax.plot(x, m, color=colours[c.foot], lw=2, label=f"{c.foot} (n = {len(c.cycles)} cycles)")
        ax.fill_between(x, m - s, m + s, color=colours[c.foot], alpha=0.2)
    ax.set_xlabel("gait cycle (%), heel strike to heel strike")
    ax.set_ylabel(f"{joint.replace('_', ' ')} (deg)")
    ax.set_title(f"person {report.person}: {joint.replace('_', ' ')}")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_timeline(report: GaitReport, path: Path) -> Path:
    """Stance phases (heel strike to toe off) per foot as bars, with every event marked."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 2.8))
    ax = fig.add_subplot()
    longest = report.parameters.stride_time_s or np.inf     # no stance bar across a gap in the events
    for row, foot in enumerate(("left", "right")):
        hs, to = report.event_times(foot, HEEL_STRIKE), report.event_times(foot, TOE_OFF)
        spans = []
        for h in hs:
            later = to[to > h]
            nxt = hs[hs > h]
            if later.size and (not nxt.size or later[0] < nxt[0]) and later[0] - h < longest:
                spans.append((h, later[0] - h))
        ax.broken_barh(spans, (row - 0.3, 0.6), color="tab:red" if foot == "left" else "tab:blue", alpha=0.5)
        ax.plot(hs, np.full(len(hs), row), "kv", ms=6, label="heel strike" if row == 0 else None)
        ax.plot(to, np.full(len(to), row), "k^", ms=6, mfc="none", label="toe off" if row == 0 else None)
    ax.set_yticks([0, 1], ["left", "right"])
    ax.set_xlabel("time (s)")
    ax.set_ylim(-0.7, 1.7)
    ax.set_title(f"person {report.person}: stance phases (bars) and events")
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def document(reports: Sequence[GaitReport], alerts: Sequence[Alert] = (), source: str = "",
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document of a gait analysis (``--json`` and ``gait.json``)."""
    return {"input": source, **(extra or {}), "people": [r.to_dict() for r in reports],
            "alerts": [a.to_dict() for a in alerts]}


def write_report(reports: Sequence[GaitReport], out_dir: str | Path, alerts: Sequence[Alert] = (),
                 source: str = "", band: NormativeBand | None = None) -> list[Path]:
    """Write the report files into ``out_dir`` (created if needed); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [_write_text(out / "gait.json", json.dumps(document(reports, alerts, source), indent=1) + "\n")]
    rows = [{"person": r.person, "view": r.view.view, "direction": r.view.direction, "height_m": r.height_m,
             **r.parameters.to_dict()} for r in reports]
    written.append(_write_csv(out / "gait_parameters.csv", pd.DataFrame(rows)))
    events = [{"person": r.person, "foot": e.foot, "event": e.kind, "time_s": round(e.time_s, 4), "frame": e.frame,
               "confidence": round(e.confidence, 3)} for r in reports for e in r.events]
    written.append(_write_csv(out / "gait_events.csv",
                              pd.DataFrame(events, columns=["person", "foot", "event", "time_s", "frame",
                                                            "confidence"])))
    cycles = []
    for r in reports:
        for c in r.angles:
            for pct, (m, s) in enumerate(zip(c.mean, c.sd)):
                cycles.append({"person": r.person, "joint": c.joint, "foot": c.foot, "cycle_pct": pct,
                               "mean_deg": round(float(m), 3), "sd_deg": round(float(s), 3), "n_cycles": len(c.cycles)})
    written.append(_write_csv(out / "gait_cycles.csv",
                              pd.DataFrame(cycles, columns=["person", "joint", "foot", "cycle_pct", "mean_deg",
                                                            "sd_deg", "n_cycles"])))
    for r in reports:
        knee_band = band
        if knee_band is None and r.norm is not None:
            knee_band = load_band("knee_flexion", r.norm.get("condition", "overground"))
        for joint in ("knee_flexion", "hip_flexion"):
            path = plot_angles(r, joint, out / f"person{r.person}_{joint}.png",
                               knee_band if joint == "knee_flexion" else None)
            if path is not None:
                written.append(path)
        written.append(plot_timeline(r, out / f"person{r.person}_events.png"))
    return written


__all__ = ["document", "format_table", "parameter_table", "plot_angles", "plot_timeline", "write_report"]

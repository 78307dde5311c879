"""Altair charts of the pages: the timeline of states and actions per person, and a confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

#: colours of the fall states (the other labels get the default scheme)
STATE_COLOURS = {"upright": "#4c9f70", "falling": "#f0a202", "down": "#d1462f", "lying": "#8e6c8a",
                 "recovered": "#3b7dd8"}


def timeline_chart(table: pd.DataFrame) -> alt.Chart:
    """Horizontal bars: one lane per person and task, time on x, coloured by label, with tooltips."""
    labels = sorted(table["label"].unique().tolist())
    fixed = [lab for lab in labels if lab in STATE_COLOURS]
    others = [lab for lab in labels if lab not in STATE_COLOURS]
    palette = alt.Scale(domain=fixed + others,
                        range=[STATE_COLOURS[lab] for lab in fixed] + _scheme(len(others)))
    lanes = table["lane"].drop_duplicates().tolist()
    # a step per lane: Streamlit's renderer does not honour a fixed height for a discrete axis
    return alt.Chart(table).mark_bar().encode(
        x=alt.X("start_s:Q", title="time (s)"),
        x2="end_s:Q",
        y=alt.Y("lane:N", sort=lanes, title=None),
        color=alt.Color("label:N", scale=palette, legend=alt.Legend(title=None)),
        tooltip=["lane", "label", alt.Tooltip("start_s:Q", format=".2f"), alt.Tooltip("end_s:Q", format=".2f")],
    ).properties(height=alt.Step(32))


def _scheme(n: int) -> list[str]:
    # no greens, oranges or reds: those mean the fall states
    base = ["#4e79a7", "#76b7b2", "#b07aa1", "#9c755f", "#1b9e9e", "#ff9da7", "#6a51a3", "#bab0ac", "#2c3e74",
            "#c9b2d6"]
    return [base[i % len(base)] for i in range(n)]


def confusion_chart(classes: Sequence[str], matrix: Sequence[Sequence[int]]) -> alt.LayerChart:
    """A heat map of true (rows) against predicted (columns) counts, with the counts written in."""
    rows = [{"true": t, "predicted": p, "count": int(matrix[i][j])}
            for i, t in enumerate(classes) for j, p in enumerate(classes)]
    data = pd.DataFrame(rows)
    order = list(classes)
    base = alt.Chart(data).encode(x=alt.X("predicted:N", sort=order), y=alt.Y("true:N", sort=order))
    cells = base.mark_rect().encode(color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
                                    tooltip=["true", "predicted", "count"])
    text = base.mark_text().encode(text="count:Q")
    return (cells + text).properties(width=alt.Step(56), height=alt.Step(40))


__all__ = ["STATE_COLOURS", "confusion_chart", "timeline_chart"]

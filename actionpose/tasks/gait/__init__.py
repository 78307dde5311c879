"""Gait analysis from a single 2D video: events, spatiotemporal parameters, joint angles, alerts.

>>> from actionpose.tasks.gait import GaitConfig, analyze_gait, gait_alerts   # doctest: +SKIP
>>> reports = analyze_gait(seq, GaitConfig(height_m=1.72))                      # doctest: +SKIP
>>> reports[0].parameters.cadence_spm, gait_alerts(reports[0])                  # doctest: +SKIP

Modules: :mod:`.trajectories` (cleaning), :mod:`.view` (side or frontal), :mod:`.events` (heel
strike, toe off), :mod:`.parameters` (cadence, step time, lengths, symmetry), :mod:`.angles` and
:mod:`.norms` (knee and hip flexion per cycle against a normative band), :mod:`.analysis` (all of
it per person), :mod:`.rules` (alerts), :mod:`.classify` (normal vs impaired, a second opinion),
:mod:`.report` (tables, plots, JSON/CSV), :mod:`.synthetic` (a walker with known parameters).
:mod:`.classify` is imported on demand (it loads scikit-learn).
"""

from actionpose.tasks.gait.analysis import METHODS, GaitConfig, analyze_gait, analyze_person
from actionpose.tasks.gait.norms import NormativeBand, band_from_npz, load_band
from actionpose.tasks.gait.report import format_table, parameter_table, write_report
from actionpose.tasks.gait.results import (
    AngleCurves,
    GaitEvent,
    GaitParameters,
    GaitReport,
    QualityFlag,
    ViewEstimate,
    symmetry_index,
)
from actionpose.tasks.gait.rules import DEFAULT_RULES, GaitRule, gait_alerts, load_rules
from actionpose.tasks.gait.view import detect_view

__all__ = ["DEFAULT_RULES", "METHODS", "AngleCurves", "GaitConfig", "GaitEvent", "GaitParameters", "GaitReport",
           "GaitRule", "NormativeBand", "QualityFlag", "ViewEstimate", "analyze_gait", "analyze_person",
           "band_from_npz", "detect_view", "format_table", "gait_alerts", "load_band", "load_rules",
           "parameter_table", "symmetry_index", "write_report"]

"""``analyze(seq, exercise)``: count reps per tracked person, measure each rep and judge its form.

Per person (track): the definition's signal is computed from the poses, frames failing the
definition's gates (e.g. a push-up needs a roughly horizontal trunk) are dropped, gaps up to
``max_gap_s`` are interpolated, a centred running median removes landmark jitter, and the
hysteresis counter (:mod:`.counter`) cuts the reps. Each rep then gets its metrics
(:mod:`.metrics`) and faults (:mod:`.faults`). Hold exercises (plank) report stretches in position
and the time in good form instead.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.counter import RepSpan, count_signal, hold_segments
from actionpose.tasks.exercise.definitions import ExerciseDefinition, get_definition
from actionpose.tasks.exercise.faults import LearnedFaults, feedback, hold_faults, rep_faults
from actionpose.tasks.exercise.learned import learned_measure
from actionpose.tasks.exercise.metrics import around, asymmetry, rep_view, tempo, value_range
from actionpose.tasks.exercise.results import ExerciseReport, Hold, PersonReport, Rep
from actionpose.tasks.exercise.signals import MeasureValues, TrackMeasures, fill_gaps, smooth

log = logging.getLogger(__name__)


@dataclass
class AnalyzeOptions:
    """Options of :func:`analyze`.

    Parameters
    ----------
    min_score
        Joints scored below this are treated as missing.
    ref_window_s
        Window of the rolling torso-length and standing-height references.
    min_track_s
        Tracks seen for less than this are left out (tracking fragments), unless a person is asked for.
    """

    min_score: float = 0.3
    ref_window_s: float = 30.0
    min_track_s: float = 1.0


class TrackAnalysis:
    """The measures of one person for one definition, computed once and shared by counter, metrics and rules."""

    def __init__(self, seq: PoseSequence, track: int, definition: ExerciseDefinition, options: AnalyzeOptions) -> None:
        self.seq, self.track, self.d = seq, track, definition
        fps = seq.fps
        timing = definition.timing
        self.smooth_frames = max(1, int(round(timing.smooth_s * fps))) | 1
        self.max_gap = int(round(timing.max_gap_s * fps))
        self.min_state = max(1, int(round(timing.min_state_s * fps)))
        self.min_rep = max(1, int(round(timing.min_rep_s * fps)))
        self.half = max(1, int(round(0.1 * fps)))
        self.tm = TrackMeasures(seq, track, options.min_score, options.ref_window_s, learned=learned_measure)
        self._raw: dict[str, MeasureValues] = {}
        self._smooth: dict[str, np.ndarray] = {}
        self.gate = (self.tm.gate(definition.gates, definition.measures, self.smooth_frames) if definition.gates
                     else np.ones(seq.num_frames, dtype=bool))

    def raw(self, name: str) -> MeasureValues:
        """A measure's unsmoothed values (``"signal"`` is the counting signal)."""
        if name not in self._raw:
            self._raw[name] = self.tm.compute(self.d.measure(name))
        return self._raw[name]

    def smoothed(self, name: str) -> np.ndarray:
        """A measure with short gaps bridged and jitter removed (the signal also drops gated-out frames)."""
        if name not in self._smooth:
            values = self.raw(name).value.copy()
            if name == "signal":
                values[~self.gate] = np.nan
            self._smooth[name] = smooth(fill_gaps(values, self.max_gap), self.smooth_frames)
        return self._smooth[name]

    def rule_values(self) -> dict[str, np.ndarray]:
        """Smoothed values of every measure the rules read."""
        return {r.measure: self.smoothed(r.measure) for r in self.d.rules}

    def spans(self) -> list[RepSpan]:
        """The reps of the signal, complete and partial."""
        timing = self.d.timing
        return count_signal(self.smoothed("signal"), self.d.rest, self.d.peak, min_state=self.min_state,
                            max_gap=self.max_gap, min_rep=self.min_rep, partial=timing.partial)

    def both_sides_seen(self, name: str) -> bool:
        """Whether both sides of a measure's joints are reliably seen."""
        m = self.d.measure(name)
        names = m.joints + m.ref
        return self.tm.has_sides(names) and all(self.tm.side_reliable(names, s) for s in ("left", "right"))


def _nan_to_none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _rep(a: TrackAnalysis, span: RepSpan, number: int | None, learned: LearnedFaults | None) -> Rep:
    d, t = a.d, a.seq.timestamps
    view = rep_view(a.tm.side_view, span)
    faults, skipped = rep_faults(d, {**a.rule_values(), "signal": a.smoothed("signal")}, span, view, a.half,
                                 fps=a.seq.fps, times=t)
    if learned is not None and span.end > span.start:
        extra = learned.rep_fault(a.seq, a.track, span)
        if extra is not None:
            faults.append(extra)
    return Rep(
        number=number, start_s=float(t[span.start]), bottom_s=float(t[span.bottom]), end_s=float(t[span.end]),
        duration_s=float(t[span.end] - t[span.start]), tempo=tempo(t, span, d.phases), complete=span.complete,
        reason=span.reason, rom=_nan_to_none(value_range(a.smoothed("signal"), span)),
        rom_deg=_nan_to_none(value_range(a.smoothed(d.rom), span)) if d.rom else None,
        depth=_nan_to_none(around(a.smoothed(d.depth), span.bottom, a.half)) if d.depth else None,
        asymmetry=_nan_to_none(asymmetry(a.raw(d.asymmetry), span, a.half, a.both_sides_seen(d.asymmetry)))
        if d.asymmetry else None,
        view=view, faults=faults, not_assessed=skipped,
        feedback=feedback(faults, d.good, span.complete, span.reason, d.partial),
        frames=(span.start, span.bottom, span.end))


def _holds(a: TrackAnalysis) -> list[Hold]:
    d, t, fps = a.d, a.seq.timestamps, a.seq.fps
    values = a.rule_values()
    out = []
    for start, stop in hold_segments(a.gate, a.max_gap, int(round(d.timing.min_hold_s * fps))):
        faults, skipped, good = hold_faults(d, values, slice(start, stop), a.tm.side_view)
        duration = float(t[stop - 1] - t[start] + 1.0 / fps)
        good_s = float(good.sum() / fps)
        faults.sort(key=lambda f: -(f.share or 0))
        text = feedback(faults, d.good) if faults else d.good
        out.append(Hold(float(t[start]), float(t[stop - 1] + 1.0 / fps), duration, min(good_s, duration), faults,
                        skipped, text))
    return out


def _summary(d: ExerciseDefinition, person: PersonReport) -> str:
    if d.kind == "hold":
        if not person.holds:
            return "never in position"
        return (f"{person.time_in_position_s:.1f} s in position, {person.good_form_s:.1f} s in good form"
                + (f"; {person.holds[0].faults[0].message}" if person.holds[0].faults else ""))
    text = f"{person.count} rep{'s' if person.count != 1 else ''}"
    if person.partial:
        text += f", {person.partial} partial"
    faults = Counter(f.message for r in person.reps if r.complete for f in r.faults)
    if faults:
        message, n = faults.most_common(1)[0]
        text += f"; most common fault: {message} ({n} of {person.count})"
    elif person.count:
        text += f"; {d.good.lower()}"
    return text


def analyze_track(seq: PoseSequence, track: int, definition: ExerciseDefinition,
                  options: AnalyzeOptions | None = None, learned: LearnedFaults | None = None) -> PersonReport:
    """The report of one person (slot index ``track``) for one definition."""
    a = TrackAnalysis(seq, track, definition, options or AnalyzeOptions())
    seen = int(seq.present[:, track].sum())
    person = PersonReport(person=int(seq.track_ids[track]), count=0, partial=0, frames_seen=seen)
    if definition.kind == "reps":
        number = 0
        for span in a.spans():
            number += span.complete
            person.reps.append(_rep(a, span, number if span.complete else None, learned))
        person.count = sum(r.complete for r in person.reps)
        person.partial = len(person.reps) - person.count
    else:
        person.holds = _holds(a)
        person.time_in_position_s = float(sum(h.duration_s for h in person.holds))
        person.good_form_s = float(sum(h.good_form_s for h in person.holds))
    person.summary = _summary(definition, person)
    return person


def _units(d: ExerciseDefinition) -> dict[str, str]:
    units = {"signal": d.signal.unit if d.signal else ""}
    for key in ("depth", "rom", "asymmetry"):
        name = getattr(d, key)
        if name:
            units["rom_deg" if key == "rom" else key] = d.measure(name).unit
    return units


def analyze(seq: PoseSequence, exercise: str | ExerciseDefinition = "squat", person: int | None = None,
            options: AnalyzeOptions | None = None, learned: LearnedFaults | None = None,
            standard: str | None = None) -> ExerciseReport:
    """Count, measure and judge the reps (or holds) of every person in ``seq``.

    Parameters
    ----------
    seq
        Tracked poses (any layout with a body; pixel or normalised coordinates).
    exercise
        A built-in name, a definition file (``.yaml``/``.json``), a learned-states ``.npz`` or an
        :class:`ExerciseDefinition`.
    person
        Only this track id.
    learned
        Optional learned form-fault model applied to every rep.
    standard
        The named standard the form rules judge by (``default``; e.g. squat ``powerlifting``, push-up
        ``strict``; see ``actionpose exercises``). None keeps the definition's.

    Raises
    ------
    InputError
        For an unknown exercise or standard, a bad definition file, or a person id that is not in ``seq``.
    """
    definition = get_definition(exercise, standard)
    options = options or AnalyzeOptions()
    if person is not None and int(person) not in set(seq.track_ids.tolist()):
        raise InputError(seq.meta.get("source"), f"no person {person}; track ids are {seq.track_ids.tolist()}")
    people = []
    for p, tid in enumerate(seq.track_ids):
        if person is not None and int(tid) != int(person):
            continue
        seen = int(seq.present[:, p].sum())
        if person is None and seen < options.min_track_s * seq.fps:
            log.info("track %d seen in %d frames only: left out", tid, seen)
            continue
        people.append(analyze_track(seq, p, definition, options, learned))
    return ExerciseReport(definition.name, definition.title, definition.kind, float(seq.fps), float(seq.duration),
                          people, units=_units(definition), standard=definition.standard)


__all__ = ["AnalyzeOptions", "TrackAnalysis", "analyze", "analyze_track"]

"""``--exercise auto``: pick the exercise whose definition explains the person's movement best.

The picker scores every candidate definition on the most-seen person, with evidence from the
definitions themselves:

* **reps**: complete reps the counter finds (partial reps weigh a quarter), times the share of the
  person's frames that pass the definition's gates (a push-up needs a horizontal trunk, a curl an
  upright one), times the share of reps whose bottom matches the definition's ``signature`` (a
  lunge drops one thigh, a squat both);
* **holds**: seconds in position divided by ``hold_s_per_rep`` (10 s of plank weigh as one rep).

The highest score wins; with no evidence at all (score 0) the picker says so instead of guessing.
This is a transparent scoring classifier, not a trained one: no public labelled set of videos of
all seven exercises exists to train one (see the project's data card).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.analyze import AnalyzeOptions, TrackAnalysis
from actionpose.tasks.exercise.counter import hold_segments
from actionpose.tasks.exercise.definitions import ExerciseDefinition, builtin_definitions
from actionpose.tasks.exercise.metrics import around

log = logging.getLogger(__name__)


@dataclass
class AutoChoice:
    """The picked exercise, every candidate's score and the evidence behind it."""

    exercise: str | None
    person: int | None
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {"exercise": self.exercise, "person": self.person,
                "scores": {k: round(v, 3) for k, v in self.scores.items()},
                "evidence": {k: {n: round(float(x), 3) for n, x in v.items()} for k, v in self.evidence.items()}}


def _signature_share(a: TrackAnalysis, spans: list) -> float:
    """Share of complete reps whose bottom satisfies every signature condition (0.5 when it cannot be judged)."""
    if not a.d.signature or not spans:
        return 1.0
    votes = []
    for span in spans:
        values = [around(a.smoothed(c.measure), span.bottom, a.half) for c in a.d.signature]
        if not all(np.isfinite(values)):
            votes.append(0.5)
        else:
            votes.append(float(all(c.zone.contains(v) for c, v in zip(a.d.signature, values))))
    return float(np.mean(votes))


def evidence(seq: PoseSequence, track: int, definition: ExerciseDefinition, options: AnalyzeOptions,
             hold_s_per_rep: float = 10.0) -> dict[str, float]:
    """How well one definition explains one person's movement (see the module notes)."""
    a = TrackAnalysis(seq, track, definition, options)
    present = seq.present[:, track]
    coverage = float(a.gate[present].mean()) if present.any() else 0.0
    if definition.kind == "hold":
        frames = sum(b - s for s, b in hold_segments(a.gate, a.max_gap, int(definition.timing.min_hold_s * seq.fps)))
        seconds = frames / seq.fps
        return {"in_position_s": seconds, "coverage": coverage, "score": seconds / hold_s_per_rep}
    spans = a.spans()
    complete = [s for s in spans if s.complete]
    partial = len(spans) - len(complete)
    signature = _signature_share(a, complete)
    score = (len(complete) + 0.25 * partial) * coverage * signature
    return {"reps": float(len(complete)), "partial": float(partial), "coverage": coverage, "signature": signature,
            "score": score}


def pick_exercise(seq: PoseSequence, candidates: list[ExerciseDefinition] | None = None,
                  options: AnalyzeOptions | None = None, person: int | None = None) -> AutoChoice:
    """The candidate (default: every built-in) that explains the most-seen person (or ``person``) best.

    Raises
    ------
    InputError
        When ``seq`` has no person.
    """
    candidates = candidates or builtin_definitions()
    options = options or AnalyzeOptions()
    if seq.num_people == 0 or not seq.present.any():
        raise InputError(seq.meta.get("source"), "no person in the poses")
    if person is not None:
        track = int(np.flatnonzero(seq.track_ids == int(person))[0])
    else:
        track = int(np.argmax(seq.present.sum(axis=0)))
    choice = AutoChoice(None, int(seq.track_ids[track]))
    for d in candidates:
        ev = evidence(seq, track, d, options)
        choice.evidence[d.name] = ev
        choice.scores[d.name] = ev["score"]
    best = max(choice.scores, key=choice.scores.get)
    choice.exercise = best if choice.scores[best] > 0 else None
    log.info("auto exercise: %s (scores %s)", choice.exercise, choice.scores)
    return choice


__all__ = ["AutoChoice", "evidence", "pick_exercise"]

"""``--exercise auto``: pick the exercise whose definition explains the person's movement best.

The picker scores every candidate definition on the most-seen person, with evidence from the
definitions themselves:

* **reps**: complete reps the counter finds (partial reps weigh a quarter), times the share of the
  person's frames that pass the definition's gates (a push-up needs a horizontal trunk, a curl an
  upright one), times the share of reps whose bottom matches the definition's ``signature`` (a
  lunge drops one thigh, a squat both);
* **holds**: seconds in position divided by ``hold_s_per_rep`` (10 s of plank weigh as one rep).
* **stance** (definitions with ``stance:``, squat and lunge): the share of reps whose bottom shows the
  stance the exercise needs (:func:`rep_stance`): a lunge needs a *split* stance (feet apart along the
  direction the person faces, one knee forward and the back knee low), a squat a *level* one. Where no rep's
  stance can be seen, the signature decides as before.

The highest score wins. With no evidence at all (score 0), or when two exercises that need a stance (squat,
lunge) score within :data:`TIE_RATIO` of each other and no rep shows the stance (the legs are hidden), the
picker says it cannot tell instead of guessing.
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

#: a runner-up scoring at least this share of the winner's score is a tie: the picker cannot tell them apart
TIE_RATIO = 0.8
#: stance thresholds, in torso lengths at the bottom of a rep. Split stance of a lunge: front foot ~0.25 H
#: ahead of and back foot ~0.3 H behind the pelvis (~1.9 torso lengths apart), back knee near the floor
#: and front knee at shin height (~0.75 torso lengths higher). A squat: feet side by side (seen from the side
#: they overlap), knees at one height.
SPLIT_FEET, LEVEL_FEET = 0.8, 0.5
SPLIT_KNEES, LEVEL_KNEES = 0.4, 0.25
LEVEL_ANKLES = 0.2


def rep_stance(a: TrackAnalysis, frame: int) -> str | None:
    """``split``, ``level`` or None (cannot be seen) at one frame, from the median around it.

    From the side (the person's facing direction is the image x) the feet's distance along x decides with the
    knees' height difference; from the front or an angle only the knees' and ankles' height differences can
    be seen (a back foot further away also sits higher in the image).
    """
    tm = a.tm
    lo, hi = max(0, frame - a.half), min(a.seq.num_frames, frame + a.half + 1)

    def at(name: str) -> np.ndarray:
        p = tm.point(name)[lo:hi]
        return np.nanmedian(p, axis=0) if np.isfinite(p).all(axis=1).any() else np.full(2, np.nan)

    torso = float(np.nanmedian(tm.torso[lo:hi])) if np.isfinite(tm.torso[lo:hi]).any() else np.nan
    if not np.isfinite(torso) or torso <= 0:
        return None
    la, ra, lk, rk = at("left_ankle"), at("right_ankle"), at("left_knee"), at("right_knee")
    view = tm.side_view[lo:hi]
    side = bool(np.isfinite(view).any() and np.nanmedian(view) >= 0.5)
    knees = abs(lk[1] - rk[1]) / torso
    feet_x = abs(la[0] - ra[0]) / torso
    feet_y = abs(la[1] - ra[1]) / torso
    if side and np.isfinite(feet_x):
        if feet_x >= SPLIT_FEET and not (np.isfinite(knees) and knees < LEVEL_KNEES):
            return "split"
        if feet_x <= LEVEL_FEET and not (np.isfinite(knees) and knees >= SPLIT_KNEES):
            return "level"
        return None
    if not np.isfinite(knees):
        return None
    if knees >= SPLIT_KNEES:
        return "split"
    if knees < LEVEL_KNEES and np.isfinite(feet_y) and feet_y < LEVEL_ANKLES:
        return "level"
    return None


def _stance_share(a: TrackAnalysis, spans: list) -> float | None:
    """Share of the reps with a visible stance whose stance is the definition's (None: none visible)."""
    seen = [st for st in (rep_stance(a, s.bottom) for s in spans) if st is not None]
    return float(np.mean([st == a.d.stance for st in seen])) if seen else None


@dataclass
class AutoChoice:
    """The picked exercise, every candidate's score and the evidence behind it."""

    exercise: str | None
    person: int | None
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    reason: str | None = None

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {"exercise": self.exercise, "person": self.person, "reason": self.reason,
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
    out = {"reps": float(len(complete)), "partial": float(partial), "coverage": coverage, "signature": signature}
    shape = signature
    if a.d.stance and complete:
        stance = _stance_share(a, complete)
        if stance is not None:
            out["stance"] = stance
            shape = stance
    out["score"] = (len(complete) + 0.25 * partial) * coverage * shape
    return out


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
    by_name = {d.name: d for d in candidates}
    for d in candidates:
        ev = evidence(seq, track, d, options)
        choice.evidence[d.name] = ev
        choice.scores[d.name] = ev["score"]
    ranked = sorted(choice.scores, key=lambda k: -choice.scores[k])
    best = ranked[0]
    if choice.scores[best] <= 0:
        choice.reason = "no reps or holds of any built-in exercise"
    elif (len(ranked) > 1 and choice.scores[ranked[1]] >= TIE_RATIO * choice.scores[best]
          and choice.evidence[best].get("reps", 1.0) >= 1    # only partial reps: picked, then not counted
          and all(by_name[n].stance and "stance" not in choice.evidence[n] for n in ranked[:2])):
        a, b = sorted(ranked[:2])
        seen = "; ".join(f"{n}: {choice.evidence[n].get('reps', 0):.0f} reps" for n in (a, b))
        choice.reason = f"cannot tell {a} from {b} (the stance, split or level feet, cannot be seen; {seen})"
    else:
        choice.exercise = best
    log.info("auto exercise: %s (scores %s; %s)", choice.exercise, choice.scores, choice.reason)
    return choice


__all__ = ["TIE_RATIO", "AutoChoice", "evidence", "pick_exercise", "rep_stance"]

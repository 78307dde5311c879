"""Per-rep form models learned from the user's own labelled clips (``actionpose train DIR --reps EXERCISE``).

Clips labelled by form (``correct/``, ``incorrect/``, or one folder per fault) are cut into their reps by
the exercise's own counter, each complete rep is time-normalised to ``frames`` frames (a slow and a fast
rep of the same form look alike), and an :class:`~actionpose.models.classifier.ActionClassifier` learns
one window per rep. The model file remembers the exercise and the rep length, so that
``actionpose reps --fault-model`` (:class:`~actionpose.tasks.exercise.faults.LearnedFaults`) judges each
rep exactly the way the model was trained.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.exercise.analyze import AnalyzeOptions, TrackAnalysis
from actionpose.tasks.exercise.definitions import get_definition
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

#: frames per time-normalised rep, and the nominal frame rate they are given (a 2-second rep)
REP_FRAMES = 32
REP_FPS = 16.0


def time_normalise(seq: PoseSequence, frames: int = REP_FRAMES, fps: float = REP_FPS) -> PoseSequence:
    """``seq`` linearly resampled to exactly ``frames`` frames, stamped at ``fps`` (a joint missing in a
    neighbouring frame is missing in the result)."""
    if seq.num_frames < 2:
        data = np.repeat(seq.data[:1], frames, axis=0)
    else:
        src = np.linspace(0, seq.num_frames - 1, frames)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, seq.num_frames - 1)
        w = (src - lo)[:, None, None, None].astype(np.float32)
        data = (1 - w) * seq.data[lo] + w * seq.data[hi]
        score = np.minimum(seq.data[lo, ..., -1], seq.data[hi, ..., -1])
        data[..., -1] = np.where(np.isfinite(data[..., 0]), score, 0.0)
    return PoseSequence(data.astype(np.float32), seq.layout, fps, track_ids=seq.track_ids.copy(),
                        frame_size=seq.frame_size, meta=dict(seq.meta, time_normalised=frames))


@dataclass
class RepCut:
    """The reps cut from labelled clips, and the clips that gave none."""

    clips: list[LabelledClip]
    without_reps: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human-readable counts per label."""
        counts: dict[str, int] = {}
        for c in self.clips:
            counts[str(c.label)] = counts.get(str(c.label), 0) + 1
        out = [f"reps cut: {len(self.clips)} ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"]
        if self.without_reps:
            out.append(f"warning: {len(self.without_reps)} clip(s) had no complete rep and were left out: "
                       + ", ".join(self.without_reps[:5]) + (" ..." if len(self.without_reps) > 5 else ""))
        return out


def rep_clips(clips: Sequence[LabelledClip], exercise: str, frames: int = REP_FRAMES,
              options: AnalyzeOptions | None = None) -> RepCut:
    """Every complete rep of every clip (its most-seen person), time-normalised, with the clip's label and group.

    Raises
    ------
    InputError
        For an unknown exercise, a hold exercise (no reps), or clips without a single label.
    """
    definition = get_definition(exercise)
    if definition.kind != "reps":
        raise InputError(exercise, f"{definition.name} is a hold, not a rep exercise: train on windows instead")
    options = options or AnalyzeOptions()
    out = RepCut([])
    for i, clip in enumerate(clips):
        name = str(clip.meta.get("file", clip.meta.get("source", clip.seq.meta.get("source", f"clip {i}"))))
        if clip.label is None:
            raise InputError(name, "a per-rep model needs one label per clip (correct, incorrect, or a fault)")
        if clip.seq.num_people == 0 or not clip.seq.present.any():
            out.without_reps.append(name)
            continue
        track = int(np.argmax(clip.seq.present.sum(axis=0)))
        spans = [s for s in TrackAnalysis(clip.seq, track, definition, options).spans() if s.complete]
        if not spans:
            out.without_reps.append(name)
            continue
        one = clip.seq.select_tracks([int(clip.seq.track_ids[track])])
        for k, span in enumerate(spans):
            rep = time_normalise(one.slice_frames(span.start, span.end + 1), frames)
            out.clips.append(LabelledClip(rep, label=clip.label, group=clip.group,
                                          meta=dict(clip.meta, rep=k, source=name)))
    log.info("%d reps from %d clips (%d without a rep)", len(out.clips), len(clips), len(out.without_reps))
    return out


def rep_classifier(exercise: str, model: str = "rf", frames: int = REP_FRAMES, **params):
    """An unfitted :class:`~actionpose.models.classifier.ActionClassifier` for time-normalised reps (one
    window per rep); its saved file records ``rep_model`` = exercise and frames."""
    from actionpose.models.classifier import ActionClassifier

    return ActionClassifier(model=model, window=frames, stride=frames, **params,
                            rep_model={"exercise": get_definition(exercise).name, "frames": int(frames),
                                       "fps": REP_FPS})


__all__ = ["REP_FPS", "REP_FRAMES", "RepCut", "rep_classifier", "rep_clips", "time_normalise"]

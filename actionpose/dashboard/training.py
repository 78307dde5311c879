"""The Train page's work, without Streamlit: labelled uploads -> poses (extracted once per content hash)
-> counts per class -> cross-validation by person/recording against the majority-class baseline -> an
:class:`ActionClassifier` fitted on every clip."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actionpose.dashboard.workspace import StoredFile, Workspace
from actionpose.errors import ActionPoseError, InputError
from actionpose.train.data import LabelledClip
from actionpose.train.defaults import DEFAULT_MODEL, DEFAULT_WINDOW
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions
from actionpose.train.guidance import DataCheck, GroupEvaluation, check_data, evaluate_by_group

log = logging.getLogger(__name__)

#: models offered, the default for few clips first
MODELS = ("rf", "gb", "logreg", "knn", "stgcn", "tcn", "gru")
TORCH_MODELS = ("stgcn", "tcn", "gru")

Progress = Callable[[int, "int | None"], None]


@dataclass
class TrainingRun:
    """A trained classifier, what its data holds, and its evaluation by person/recording.

    ``report`` is the cross-validated window report (``evaluation.report``), or the report on the training
    clips (said so in ``evaluated_on``) when nothing could be held out.
    """

    clf: Any
    report: EvaluationReport
    evaluated_on: str
    train_clips: int
    test_clips: int
    skipped: list[str] = field(default_factory=list)
    data: DataCheck | None = None
    evaluation: GroupEvaluation | None = None


def check_classes(files: Mapping[str, Sequence[Any]]) -> list[str]:
    """The classes that have clips; ``InputError`` unless there are at least two."""
    have = [c for c, f in files.items() if f]
    if len(have) < 2:
        got = f"only {have[0]!r} has clips" if have else "no class has clips"
        raise InputError(None, f"training needs clips of at least two classes; {got}")
    return have


ClipCallback = Callable[[int, int, str], "Progress | None"]


def load_clips(workspace: Workspace, files: Mapping[str, Sequence[StoredFile]],
               on_clip: ClipCallback | None = None,
               groups: Mapping[str, str] | None = None) -> tuple[list[LabelledClip], list[str]]:
    """Poses of every clip, labelled by class.

    Videos are extracted with MediaPipe (default options) once and cached by content hash; pose files are
    read. A clip that cannot be used is skipped and named in the second return value.

    Parameters
    ----------
    on_clip
        ``on_clip(index, count, name)`` before each clip; may return a ``progress(done, total)``
        callback for that clip's frames.
    groups
        The person or recording of a clip by its file name or stem (a ``groups.csv``); default each clip
        its own.
    """
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import load_poses
    from actionpose.train.sources import cached_extract

    groups = groups or {}
    items = [(label, f) for label, fs in files.items() for f in fs]
    clips, skipped = [], []
    for i, (label, stored) in enumerate(items):
        progress = on_clip(i, len(items), stored.name) if on_clip else None
        try:
            if stored.is_video:
                seq = cached_extract(stored.path, lambda p, bar=progress: extract_poses(p, progress=bar),
                                     workspace.training / "poses", cache_tag="mediapipe")
            else:
                seq = load_poses(stored.path)
        except ActionPoseError as exc:
            problem = getattr(exc, "problem", str(exc))
            skipped.append(f"{label}/{stored.name}: {problem}")
            log.info("training clip %s skipped: %s", stored.name, problem)
            continue
        seq.meta["source"] = stored.name
        group = groups.get(stored.name, groups.get(Path(stored.name).stem, stored.sha256[:16]))
        clips.append(LabelledClip(seq, label=label, group=group,
                                  meta={"name": stored.name, "class": label}))
    return clips, skipped


def train_and_evaluate(clips: Sequence[LabelledClip], model: str = DEFAULT_MODEL, window: int = DEFAULT_WINDOW,
                       epochs: int = 30, progress: Callable[[int, int, dict], None] | None = None,
                       skipped: Sequence[str] = (), reps: str | None = None) -> TrainingRun:
    """Count the data, cross-validate by person/recording against the majority-class baseline, then fit on
    every clip (the model that is saved).

    With ``reps`` (an exercise, e.g. ``squat``) the model is a per-rep form model: every clip is cut into its
    reps by the exercise's counter, each rep time-normalised to ``window`` frames, and the clip's label
    (correct / incorrect / a fault) learned per rep (:mod:`actionpose.tasks.exercise.rep_model`); it judges
    reps on the Analyze page and with ``actionpose reps --fault-model``.

    Raises
    ------
    InputError
        Fewer than two classes, clips shorter than the window, or no person in them.
    """
    from actionpose.models.classifier import ActionClassifier

    check_classes({c.label: [c] for c in clips})
    if reps:
        from actionpose.tasks.exercise.rep_model import rep_classifier, rep_clips

        cut = rep_clips(clips, reps, frames=int(window))
        skipped = [*skipped, *(f"{name}: no complete {reps} rep" for name in cut.without_reps)]
        clips = cut.clips
        check_classes({c.label: [c] for c in clips})
    data = check_data(clips)

    def make() -> ActionClassifier:
        if reps:
            return rep_classifier(reps, model=model, frames=int(window), epochs=int(epochs), seed=0)
        return ActionClassifier(model=model, window=int(window), epochs=int(epochs), seed=0)

    evaluation = evaluate_by_group(make, clips, data=data)
    clf = make().fit(clips, progress=progress)
    if evaluation is not None:
        report, evaluated_on = evaluation.report, f"held-out clips: {evaluation.split}"
    else:
        windows = clf.windows(clips)
        report = evaluate_predictions(windows.y, clf.predict(windows), classes=clf.classes_)
        evaluated_on = "the training clips (too few people to hold any out: optimistic)"
    log.info("trained %s on %d clips, %s: macro-F1 %.3f", model, len(clips), evaluated_on, report.macro_f1)
    return TrainingRun(clf, report, evaluated_on, len(clips), len(clips) if evaluation else 0, list(skipped), data,
                       evaluation)


__all__ = ["MODELS", "TORCH_MODELS", "TrainingRun", "check_classes", "load_clips", "train_and_evaluate"]

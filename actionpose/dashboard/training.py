"""The Train page's work, without Streamlit: labelled uploads -> poses (extracted once per content hash)
-> a held-out split by clip -> :class:`ActionClassifier` fit -> evaluation report."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from actionpose.dashboard.workspace import StoredFile, Workspace
from actionpose.errors import ActionPoseError, InputError
from actionpose.train.data import LabelledClip
from actionpose.train.evaluate import EvaluationReport, evaluate_predictions

log = logging.getLogger(__name__)

#: models offered, torch ones first
MODELS = ("stgcn", "tcn", "gru", "rf", "gb", "logreg", "knn")
TORCH_MODELS = ("stgcn", "tcn", "gru")

Progress = Callable[[int, "int | None"], None]


@dataclass
class TrainingRun:
    """A trained classifier, its report, and what the report was computed on."""

    clf: Any
    report: EvaluationReport
    evaluated_on: str
    train_clips: int
    test_clips: int
    skipped: list[str] = field(default_factory=list)


def check_classes(files: Mapping[str, Sequence[Any]]) -> list[str]:
    """The classes that have clips; ``InputError`` unless there are at least two."""
    have = [c for c, f in files.items() if f]
    if len(have) < 2:
        got = f"only {have[0]!r} has clips" if have else "no class has clips"
        raise InputError(None, f"training needs clips of at least two classes; {got}")
    return have


ClipCallback = Callable[[int, int, str], "Progress | None"]


def load_clips(workspace: Workspace, files: Mapping[str, Sequence[StoredFile]],
               on_clip: ClipCallback | None = None) -> tuple[list[LabelledClip], list[str]]:
    """Poses of every clip, labelled by class.

    Videos are extracted with MediaPipe (default options) once and cached by content hash; pose files are
    read. A clip that cannot be used is skipped and named in the second return value.

    Parameters
    ----------
    on_clip
        ``on_clip(index, count, name)`` before each clip; may return a ``progress(done, total)``
        callback for that clip's frames.
    """
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import load_poses
    from actionpose.train.sources import cached_extract

    items = [(label, f) for label, fs in files.items() for f in fs]
    clips, skipped = [], []
    for i, (label, stored) in enumerate(items):
        progress = on_clip(i, len(items), stored.name) if on_clip else None
        try:
            if stored.is_video:
                seq = cached_extract(stored.path, lambda p: extract_poses(p, progress=progress),
                                     workspace.training / "poses", cache_tag="mediapipe")
            else:
                seq = load_poses(stored.path)
        except ActionPoseError as exc:
            problem = getattr(exc, "problem", str(exc))
            skipped.append(f"{label}/{stored.name}: {problem}")
            log.info("training clip %s skipped: %s", stored.name, problem)
            continue
        seq.meta["source"] = stored.name
        clips.append(LabelledClip(seq, label=label, group=stored.sha256[:16],
                                  meta={"name": stored.name, "class": label}))
    return clips, skipped


def split_clips(clips: Sequence[LabelledClip], fraction: float = 0.25,
                seed: int = 0) -> tuple[list[LabelledClip], list[LabelledClip]]:
    """``(train, test)``: about ``fraction`` of each class's clips held out (at least one) for classes with
    two or more clips; whole clips, so no recording is on both sides. ``test`` is empty when a class has
    a single clip."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[LabelledClip]] = {}
    for clip in clips:
        by_class.setdefault(str(clip.label), []).append(clip)
    if fraction <= 0 or any(len(v) < 2 for v in by_class.values()):
        return list(clips), []
    train, test = [], []
    for members in by_class.values():
        order = rng.permutation(len(members))
        n_test = min(len(members) - 1, max(1, round(fraction * len(members))))
        test += [members[i] for i in order[:n_test]]
        train += [members[i] for i in order[n_test:]]
    return train, test


def train_and_evaluate(clips: Sequence[LabelledClip], model: str = "stgcn", window: int = 30, epochs: int = 30,
                       held_out: float = 0.25, progress: Callable[[int, int, dict], None] | None = None,
                       skipped: Sequence[str] = ()) -> TrainingRun:
    """Fit on the training clips and report on the held-out ones (on the training clips, said so, when a
    class has too few clips to hold one out).

    Raises
    ------
    InputError
        Fewer than two classes, clips shorter than the window, or no person in them.
    """
    from actionpose.models.classifier import ActionClassifier

    check_classes({c.label: [c] for c in clips})
    train, test = split_clips(clips, held_out)
    clf = ActionClassifier(model=model, window=int(window), epochs=int(epochs), seed=0)
    clf.fit(train, progress=progress)
    evaluated_on = "held-out clips"
    windows = clf.windows(test) if test else None
    if windows is None or len(windows) == 0:
        evaluated_on = "the training clips (too few clips to hold any out: optimistic)"
        windows = clf.windows(train)
    report = evaluate_predictions(windows.y, clf.predict(windows), classes=clf.classes_)
    log.info("trained %s on %d clips, %s: accuracy %.3f", model, len(train), evaluated_on, report.accuracy)
    return TrainingRun(clf, report, evaluated_on, len(train), len(test), list(skipped))


__all__ = ["MODELS", "TORCH_MODELS", "TrainingRun", "check_classes", "load_clips", "split_clips",
           "train_and_evaluate"]

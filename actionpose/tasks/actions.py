"""The ``actions`` task: your own action classes (an :class:`~actionpose.models.classifier.ActionClassifier`)
over a clip: one smoothed label for the whole clip and one per segment, with confidence
(:mod:`actionpose.models.verdict`), and the raw labels per window.

The premise is a model: without ``ActionsConfig.model`` the result does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from actionpose.models.verdict import ClipVerdict
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import TaskEvent, TaskResult, register_task


@dataclass
class ActionsConfig:
    """Options of the ``actions`` task.

    Parameters
    ----------
    model
        An action model file (``actionpose train``); None: the task does not apply.
    """

    model: str | None = None


@dataclass
class ActionsResult(TaskResult):
    """Labels over time from an action model.

    Attributes
    ----------
    windows
        The model's :class:`~actionpose.models.classifier.WindowPrediction` s, in time order.
    verdict
        The clip's :class:`~actionpose.models.verdict.ClipVerdict`: its label and confidence, and the
        segments (None when the result does not apply).
    classes, model
        The model's classes and file.
    """

    windows: list[Any] = field(default_factory=list)
    verdict: ClipVerdict | None = None
    classes: list[str] = field(default_factory=list)
    model: str = ""

    def task_events(self) -> list[TaskEvent]:
        """One event per segment of the verdict (not per window)."""
        if self.verdict is None:
            return []
        return [TaskEvent("action", 0, s.start_s, s.end_s, s.label, s.confidence,
                          message=f"{s.label} from {s.start_s:.1f} s to {s.end_s:.1f} s (confidence "
                                  f"{s.confidence:.2f})") for s in self.verdict.segments]

    def summary(self) -> dict[str, Any]:
        if not self.applies:
            return super().summary()
        v = self.verdict
        return {"applies": True, "label": v.label if v else None,
                "confidence": round(v.confidence, 4) if v else None, "segments": len(v.segments) if v else 0,
                "windows": len(self.windows)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "model": self.model, "classes": self.classes,
                "verdict": self.verdict.to_dict() if self.verdict else None,
                "people": self.person_ids(), "events": [e.to_dict() for e in self.task_events()],
                "windows": [{"start": round(w.start_s, 3), "end": round(w.end_s, 3), "label": w.label,
                             "proba": [round(float(p), 4) for p in w.proba]} for w in self.windows]}


@register_task("actions", ActionsConfig, "your own action classes over time (needs a model from `actionpose train`)")
def analyze(seq: PoseSequence, config: ActionsConfig) -> ActionsResult:
    """Labels over time of the model in ``config`` on ``seq``."""
    if config.model is None:
        return ActionsResult(applies=False, reason="no action model given")
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier.load(config.model)
    windows = clf.predict_windows(seq)
    return ActionsResult(windows=windows, verdict=clf.predict_verdict(seq, windows),
                         classes=[str(c) for c in clf.classes_], model=str(config.model))

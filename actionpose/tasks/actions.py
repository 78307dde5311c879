"""The ``actions`` task: your own action classes (an :class:`~actionpose.models.classifier.ActionClassifier`)
over a clip, as labels per window.

The premise is a model: without ``ActionsConfig.model`` the result does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    classes, model
        The model's classes and file.
    """

    windows: list[Any] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    model: str = ""

    def task_events(self) -> list[TaskEvent]:
        return [TaskEvent("action", 0, w.start_s, w.end_s, w.label, float(w.proba.max())) for w in self.windows]

    def summary(self) -> dict[str, Any]:
        if not self.applies:
            return super().summary()
        labels = [w.label for w in self.windows]
        return {"windows": len(labels), "most_common": max(set(labels), key=labels.count) if labels else None}

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "model": self.model, "classes": self.classes,
                "windows": [{"start": round(w.start_s, 3), "end": round(w.end_s, 3), "label": w.label,
                             "proba": [round(float(p), 4) for p in w.proba]} for w in self.windows]}


@register_task("actions", ActionsConfig, "your own action classes over time (needs a model from `actionpose train`)")
def analyze(seq: PoseSequence, config: ActionsConfig) -> ActionsResult:
    """Labels over time of the model in ``config`` on ``seq``."""
    if config.model is None:
        return ActionsResult(applies=False, reason="no action model given")
    from actionpose.models.classifier import ActionClassifier

    clf = ActionClassifier.load(config.model)
    return ActionsResult(windows=clf.predict_windows(seq), classes=[str(c) for c in clf.classes_],
                         model=str(config.model))

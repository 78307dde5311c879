"""Run registered tasks on one tracked sequence: the one analysis path shared by :func:`actionpose.analyze`,
``actionpose analyze`` (folders, Ray), the dashboard and the demo.

Every task runs on its own (see :mod:`actionpose.tasks.base`): a task whose premise fails on the clip (no walk
for gait, no hands for signs) returns a result that does not apply, with its reason, and raises no alert; a
task stopped by bad input (an unknown exercise, a broken model file) records its error and the others still
run.

>>> analysis = analyze_sequence(seq, ["falls", "gait"], {"gait": GaitConfig(height_m=1.72)})  # doctest: +SKIP
>>> analysis.results["falls"].events, analysis.alerts()                                        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from actionpose.errors import ActionPoseError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import TaskResult, get_task, list_tasks

log = logging.getLogger(__name__)

#: the tasks run when none are named
DEFAULT_TASKS = ("falls", "gait", "reps")


@dataclass
class Analysis:
    """All tasks on one clip.

    Attributes
    ----------
    results
        Task name -> its :class:`~actionpose.tasks.base.TaskResult` (also when it does not apply).
    errors
        Task name -> the one-line error that stopped it (bad input or model file).
    """

    source: str
    frames: int
    fps: float
    people: int
    layout: str
    results: dict[str, TaskResult] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def tasks(self) -> list[str]:
        """The tasks run, in order."""
        return [*self.results, *(t for t in self.errors if t not in self.results)]

    def applied(self, task: str) -> TaskResult | None:
        """``task``'s result when it ran and applies to this clip, else None."""
        result = self.results.get(task)
        return result if result is not None and result.applies else None

    def note(self, task: str) -> str | None:
        """Why ``task`` has nothing to show: its error, or the reason it does not apply; None when it applies."""
        if task in self.errors:
            return self.errors[task]
        result = self.results.get(task)
        if result is None:
            return "not run"
        return None if result.applies else result.reason

    def alerts(self, clip_id: str | None = None, zones: Sequence[Any] = ()) -> list[Any]:
        """The alerts of every task result (:func:`actionpose.alerts.adapter.analysis_alerts`)."""
        from actionpose.alerts.adapter import analysis_alerts

        return analysis_alerts(self.results.values(), self.source, clip_id, zones)

    def to_dict(self) -> dict[str, Any]:
        tasks = {name: {"task": name, "error": self.errors[name]} if name in self.errors
                 else self.results[name].to_dict()
                 for name in self.tasks}
        return {"source": self.source, "frames": self.frames, "fps": self.fps, "people": self.people,
                "layout": self.layout, "tasks": tasks}

    def summary_row(self) -> dict[str, Any]:
        """One flat row: the clip, then ``task.key`` for every task's summary (and ``task.error``)."""
        row: dict[str, Any] = {"source": self.source, "frames": self.frames, "fps": self.fps, "people": self.people}
        for name in self.tasks:
            if name in self.errors:
                row[f"{name}.error"] = self.errors[name]
            else:
                row.update({f"{name}.{k}": v for k, v in self.results[name].summary().items()})
        return row


def check_tasks(tasks: Sequence[str]) -> list[str]:
    """The task names, validated and without repeats (``ValueError`` naming the unknown ones)."""
    known = list_tasks()
    unknown = [t for t in tasks if t not in known]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; choose from {', '.join(known)}")
    return list(dict.fromkeys(tasks))


def analyze_sequence(seq: PoseSequence, tasks: Sequence[str] = DEFAULT_TASKS,
                     configs: Mapping[str, Any] | None = None) -> Analysis:
    """Run ``tasks`` on ``seq``, each with its config from ``configs`` (its defaults otherwise).

    Raises
    ------
    ValueError
        If a task name is unknown.
    """
    configs = configs or {}
    analysis = Analysis(str(seq.meta.get("source", "")), seq.num_frames, seq.fps, seq.num_people, seq.layout.name)
    for name in check_tasks(tasks):
        try:
            result = get_task(name).run(seq, configs.get(name))
        except (ActionPoseError, ValueError) as exc:
            log.info("%s: %s stopped: %s", analysis.source or "sequence", name, exc)
            analysis.errors[name] = str(exc)
            continue
        if not result.applies:
            log.info("%s: %s does not apply: %s", analysis.source or "sequence", name, result.reason)
        analysis.results[name] = result
    return analysis


def analyze(source: Any, tasks: Sequence[str] = DEFAULT_TASKS, configs: Mapping[str, Any] | None = None,
            extract_options: Any = None) -> Analysis:
    """Every task in ``tasks`` on a video, a pose file or a :class:`~actionpose.skeleton.sequence.PoseSequence`.

    Parameters
    ----------
    source
        A video file (poses are extracted with ``extract_options``), a pose file, or a sequence.
    tasks
        Registered task names (:func:`actionpose.tasks.base.list_tasks`).
    configs
        Task name -> its config dataclass.
    extract_options
        :class:`actionpose.pipeline.ExtractOptions` for a video.

    Examples
    --------
    >>> analysis = actionpose.analyze("clip.mp4", tasks=["falls", "gait"])     # doctest: +SKIP
    >>> analysis.results["falls"].events, analysis.alerts()                    # doctest: +SKIP
    """
    if isinstance(source, PoseSequence):
        seq = source
    else:
        from pathlib import Path

        from actionpose.inputs import is_video

        if is_video(source):
            from actionpose.pipeline import extract_poses

            seq = extract_poses(source, extract_options)
        else:
            from actionpose.skeleton.io import load_poses

            seq = load_poses(source)
        seq.meta.setdefault("source", str(Path(source)))
    return analyze_sequence(seq, tasks, configs)


__all__ = ["DEFAULT_TASKS", "Analysis", "analyze", "analyze_sequence", "check_tasks"]

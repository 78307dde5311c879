"""ActionPose: action and activity recognition on human pose sequences.

The public API, importable from the package root (loaded on first use, so ``import actionpose`` stays fast)::

    import actionpose

    analysis = actionpose.analyze("clip.mp4", tasks=["falls", "gait"])   # video, pose file or PoseSequence
    seq = actionpose.extract("clip.mp4", max_people=2)                    # video -> tracked PoseSequence
    actionpose.save_poses(seq, "poses.csv"); seq = actionpose.load_poses("poses.csv")
    result = actionpose.get_task("reps").run(seq)                          # one task, its typed result
    clf = actionpose.ActionClassifier().fit(clips)                         # your own action classes

Registries: :func:`list_backends` / :func:`create_backend` (pose backends), :func:`list_tasks` /
:func:`get_task` / :func:`register_task` (tasks).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module, attribute), imported on first access
_API = {
    "PoseSequence": ("actionpose.skeleton.sequence", "PoseSequence"),
    "KeypointLayout": ("actionpose.skeleton.layouts", "KeypointLayout"),
    "get_layout": ("actionpose.skeleton.layouts", "get_layout"),
    "load_poses": ("actionpose.skeleton.io", "load_poses"),
    "save_poses": ("actionpose.skeleton.io", "save_poses"),
    "extract": ("actionpose.pipeline", "extract"),
    "ExtractOptions": ("actionpose.pipeline", "ExtractOptions"),
    "analyze": ("actionpose.analysis", "analyze"),
    "analyze_sequence": ("actionpose.analysis", "analyze_sequence"),
    "Analysis": ("actionpose.analysis", "Analysis"),
    "ActionClassifier": ("actionpose.models.classifier", "ActionClassifier"),
    "list_backends": ("actionpose.pose", "list_backends"),
    "create_backend": ("actionpose.pose", "create_backend"),
    "list_tasks": ("actionpose.tasks.base", "list_tasks"),
    "get_task": ("actionpose.tasks.base", "get_task"),
    "register_task": ("actionpose.tasks.base", "register_task"),
    "TaskResult": ("actionpose.tasks.base", "TaskResult"),
    "TaskEvent": ("actionpose.tasks.base", "TaskEvent"),
    "detect_falls": ("actionpose.tasks.falls", "detect_falls"),
    "FallConfig": ("actionpose.tasks.falls", "FallConfig"),
    "analyze_gait": ("actionpose.tasks.gait", "analyze_gait"),
    "GaitConfig": ("actionpose.tasks.gait", "GaitConfig"),
    "analyze_exercise": ("actionpose.tasks.exercise", "analyze"),
    "ExerciseConfig": ("actionpose.tasks.exercise.task", "ExerciseConfig"),
    "transcribe": ("actionpose.tasks.signs", "transcribe"),
    "fingerspell": ("actionpose.tasks.signs", "fingerspell"),
    "SignsConfig": ("actionpose.tasks.signs.task", "SignsConfig"),
    "AlertManager": ("actionpose.alerts", "AlertManager"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'actionpose' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))

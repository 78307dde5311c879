"""The ``signs`` task: a sign transcript per person, from a static hand-shape or a dynamic sign model.

The premise is hands: the sequence must hold hand landmarks (extracted with ``--mode hands`` or
``holistic``); otherwise the result does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actionpose.errors import InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import TaskEvent, TaskResult, register_task
from actionpose.tasks.signs.static import SignEvent

#: layouts that carry hand landmarks
HAND_LAYOUTS = ("hand21", "hands", "holistic")


@dataclass
class SignsConfig:
    """Options of the ``signs`` task.

    Parameters
    ----------
    model
        A sign model file (static or dynamic); None: the built-in ASL alphabet.
    threshold
        Signs less confident than this are reported as ``unknown`` (so are hands unlike the
        model's training data and its ``none`` class: every sign model is open-set).
    spell
        Static models: one letter per hold of the hand (fingerspelling, see
        :mod:`~actionpose.tasks.signs.fingerspell`) instead of runs of one label.
    tolerance
        Factor on the model's calibrated distance threshold (see
        :class:`~actionpose.tasks.signs.gated.GatedSignClassifier`): above 1 accepts more of a new
        signer's signs and more non-signs.
    """

    model: str | None = None
    threshold: float = 0.5
    spell: bool = False
    tolerance: float = 1.0


def load_sign_model(path: str | Path | None, tolerance: float = 1.0) -> tuple[str, Any, Path]:
    """``(kind, classifier, path)`` of a sign model file (None: the built-in ASL alphabet), judging with
    ``tolerance`` times its calibrated distance threshold.

    Raises
    ------
    InputError
        If the file is missing or is not a sign model.
    """
    from actionpose.models.store import header_of
    from actionpose.tasks.signs.dynamic import KIND as DYNAMIC
    from actionpose.tasks.signs.dynamic import DynamicSignClassifier
    from actionpose.tasks.signs.static import KIND as STATIC
    from actionpose.tasks.signs.static import StaticSignClassifier, builtin_model_path

    model_path = Path(path) if path else builtin_model_path("asl_alphabet")
    if not model_path.is_file():
        raise InputError(model_path, "no such model file")
    kind = header_of(model_path).get("kind")
    classes = {STATIC: StaticSignClassifier, DYNAMIC: DynamicSignClassifier}
    if kind in classes:
        return kind, classes[kind].load(model_path).set_params(tolerance=tolerance), model_path
    raise InputError(model_path, f"not a sign model (kind {kind!r}); train one with `actionpose signs train`")


@dataclass
class SignsResult(TaskResult):
    """The ``signs`` task's result: each person's transcript.

    Attributes
    ----------
    signs
        Track id -> that person's :class:`~actionpose.tasks.signs.static.SignEvent` s, in time order.
    kind, model
        The model's kind (static or dynamic) and file.
    """

    signs: dict[int, list[SignEvent]] = field(default_factory=dict)
    kind: str = ""
    model: str = ""

    def person_ids(self) -> list[int]:
        return sorted(self.signs)

    def task_events(self) -> list[TaskEvent]:
        out = [TaskEvent("sign", person, e.start_s, e.end_s, e.label, e.confidence,
                         details={"hand": e.hand, "nearest": e.meta.get("nearest", e.label),
                                  "reason": e.meta.get("reason", "")})
               for person, events in self.signs.items() for e in events]
        return sorted(out, key=lambda e: e.time_s)

    def summary(self) -> dict[str, Any]:
        if not self.applies:
            return super().summary()
        events = self.task_events()
        return {"signs": len(events), "transcript": " ".join(e.label for e in events)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "kind": self.kind, "model": self.model,
                "people": [{"person": p, "signs": [e.to_dict() for e in ev]} for p, ev in sorted(self.signs.items())],
                "signs": [{"person": p, **e.to_dict()} for p, ev in sorted(self.signs.items()) for e in ev]}


@register_task("signs", SignsConfig, "sign transcript per person (built-in ASL alphabet, or your own model)")
def analyze(seq: PoseSequence, config: SignsConfig) -> SignsResult:
    """The sign transcript of every person in ``seq``."""
    from actionpose.tasks.signs.dynamic import transcribe_stream
    from actionpose.tasks.signs.static import KIND as STATIC
    from actionpose.tasks.signs.static import transcribe

    source = str(seq.meta.get("source", ""))
    if seq.layout.name not in HAND_LAYOUTS:
        return SignsResult(source=source, applies=False,
                           reason=f"signs need hand landmarks (extract with --mode hands or holistic), "
                                  f"not the {seq.layout.name} layout")
    kind, clf, model_path = load_sign_model(config.model, config.tolerance)
    signs = {}
    for slot, tid in enumerate(seq.track_ids):
        if kind == STATIC and config.spell:
            from actionpose.tasks.signs.fingerspell import fingerspell

            events = fingerspell(clf, seq, person=slot, threshold=config.threshold)
        elif kind == STATIC:
            events = transcribe(clf, seq, person=slot, threshold=config.threshold)
        else:
            events = transcribe_stream(clf, seq, person=slot, threshold=config.threshold)
        if events:
            signs[int(tid)] = events
    return SignsResult(signs=signs, kind=kind, model=str(model_path), source=source)

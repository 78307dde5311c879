"""The ``falls`` task: :func:`~actionpose.tasks.falls.detector.detect_falls` under the task protocol."""

from __future__ import annotations

from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import register_task
from actionpose.tasks.falls.detector import FallConfig, FallResult, detect_falls


@register_task("falls", FallConfig, "falls per person: start, impact, alert time, got up or still down")
def analyze(seq: PoseSequence, config: FallConfig) -> FallResult:
    """Fall events of every tracked person in ``seq`` (a confirmed fall raises a critical alert)."""
    return detect_falls(seq, config)

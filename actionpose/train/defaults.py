"""Training defaults for a handful of clips per class, chosen by group cross-validation.

With 5-20 clips per class and a few people, the model that generalises to *new people* is a classical model
on layout-independent window features (joint angles, inclinations, centre path and key-joint positions in
torso units, velocities; :func:`actionpose.features.window_features`), not a network on raw coordinates:
the features already encode what an action is (angles and motion, whatever the camera distance or the
skeleton layout), so the model has few things to learn, and a random forest does not overfit a few
hundred windows the way a graph network does. The figures that decided it (macro-F1 by person/recording
against the majority-class baseline) are in the README, "Custom action figures", measured with
``benchmarks/few_clips.py``.
"""

from __future__ import annotations

#: the model ``actionpose train`` and the dashboard use unless told otherwise
DEFAULT_MODEL = "rf"
#: window length in frames
DEFAULT_WINDOW = 30
#: clips are resampled to this rate first (None: each clip's own)
DEFAULT_FPS: float | None = None

__all__ = ["DEFAULT_FPS", "DEFAULT_MODEL", "DEFAULT_WINDOW"]

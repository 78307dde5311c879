"""The pose backend protocol and registry (timm style: register a constructor under a name).

A backend turns one BGR frame into the poses of the people in it::

    with create_backend("mediapipe", mode="pose") as backend:
        poses = backend(frame_bgr, timestamp_s)   # (N, K, C) float32, pixels, score last

Built-in backends are imported on first use; third-party ones register through
:func:`register_backend` or the ``actionpose.backends`` entry-point group. Backends that load a
model file take its path as ``model_path`` (the CLI's ``--weights``/``--model``).
"""

from __future__ import annotations

import abc
import importlib
import inspect
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, ClassVar

import numpy as np

from actionpose.errors import BackendError
from actionpose.skeleton.layouts import KeypointLayout

log = logging.getLogger(__name__)


class PoseBackend(abc.ABC):
    """A pose estimator: frames in, per-frame detections out.

    Subclasses set ``layout`` and implement :meth:`__call__`. Detections are returned as a float32
    array ``(N, K, C)`` with pixel x, y (and z if the backend gives depth, C = 4) and a score in
    [0, 1] in the last channel; missing joints are NaN with score 0. ``N`` may be 0.
    """

    name: ClassVar[str] = "base"
    layout: KeypointLayout
    #: frames the pipeline hands to :meth:`process_batch` at once (networks that batch set more)
    batch_size: int = 1
    #: most people per frame, None for no limit (the tracker caps live identities by it)
    max_people: int | None = None

    @abc.abstractmethod
    def __call__(self, frame_bgr: np.ndarray, timestamp_s: float) -> np.ndarray:
        """Poses in one frame; ``timestamp_s`` must increase from call to call in video mode."""

    def process_batch(self, frames_bgr: list[np.ndarray], timestamps_s: list[float]) -> list[np.ndarray]:
        """Poses in several consecutive frames; backends that batch on a GPU override this."""
        return [self(frame, t) for frame, t in zip(frames_bgr, timestamps_s)]

    @property
    def meta(self) -> dict[str, Any]:
        """Provenance stored in the sequence metadata (backend name, model, options)."""
        return {"backend": self.name}

    def close(self) -> None:  # noqa: B027 - an optional hook: most backends hold nothing to release
        """Release models and native resources."""

    def __enter__(self) -> PoseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


BackendFactory = Callable[..., PoseBackend]
_REGISTRY: dict[str, BackendFactory] = {}
#: built-in backends, imported lazily so that ``import actionpose`` stays light
_BUILTIN: dict[str, str] = {"mediapipe": "actionpose.pose.mediapipe", "openpose": "actionpose.pose.openpose",
                            "rsn": "actionpose.pose.rsn"}


def register_backend(name: str) -> Callable[[BackendFactory], BackendFactory]:
    """Decorator: register a backend class or factory under ``name``."""
    def deco(factory: BackendFactory) -> BackendFactory:
        _REGISTRY[name] = factory
        return factory
    return deco


def _load(name: str) -> None:
    if name in _REGISTRY:
        return
    if name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
        return
    for ep in entry_points(group="actionpose.backends"):
        if ep.name == name:
            _REGISTRY[name] = ep.load()
            return


def list_backends() -> list[str]:
    """Names of every backend that :func:`create_backend` accepts."""
    names = set(_REGISTRY) | set(_BUILTIN)
    names |= {ep.name for ep in entry_points(group="actionpose.backends")}
    return sorted(names)


def create_backend(name: str, **options: Any) -> PoseBackend:
    """Build the backend registered as ``name`` with ``options``.

    Raises
    ------
    BackendError
        If no backend has that name or it cannot start with these options.
    """
    _load(name)
    if name not in _REGISTRY:
        raise BackendError(f"unknown backend {name!r}; available: {', '.join(list_backends())}")
    factory = _REGISTRY[name]
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as exc:
        raise BackendError(f"backend {name!r} does not take these options ({exc})") from None
    return factory(**options)

"""`PoseSequence`: the one data type that flows from pose backends to tasks and views."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from actionpose.errors import ActionPoseError, LayoutError
from actionpose.skeleton.layouts import KeypointLayout, conversion_plan, get_layout, resolve_joint


class SequenceError(ActionPoseError):
    """A `PoseSequence` was built from inconsistent parts."""


@dataclass
class PoseSequence:
    """Poses of several tracked people over time.

    Parameters
    ----------
    data
        ``(T, P, K, C)`` float32: frames x people x joints x channels. ``C`` is 3 (x, y, score) or
        4 (x, y, z, score); x and y are pixels of the source frame (or normalised units when
        ``frame_size`` is None). A missing joint, or a person absent from a frame, is NaN with score 0.
    layout
        What the ``K`` joints are.
    fps
        Nominal frame rate.
    timestamps
        ``(T,)`` seconds from the start of the clip; defaults to ``frame / fps``.
    track_ids
        ``(P,)`` identity of each person slot, stable across frames; defaults to ``0..P-1``.
    frame_size
        ``(width, height)`` of the source frames in pixels, or None.
    meta
        Free-form provenance: source, backend, model, version.
    """

    data: np.ndarray
    layout: KeypointLayout
    fps: float
    timestamps: np.ndarray | None = None
    track_ids: np.ndarray | None = None
    frame_size: tuple[int, int] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layout = get_layout(self.layout)
        data = np.asarray(self.data, dtype=np.float32)
        if data.ndim != 4 or data.shape[-1] not in (3, 4):
            raise SequenceError(f"data must be (T, P, K, 3 or 4), got shape {data.shape}")
        if data.shape[2] != self.layout.num_joints:
            raise SequenceError(f"data has {data.shape[2]} joints but layout {self.layout.name!r} has "
                                f"{self.layout.num_joints}")
        self.data = data
        self.fps = float(self.fps)
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise SequenceError(f"fps must be a positive number, got {self.fps}")
        T, P = data.shape[:2]
        if self.timestamps is None:
            self.timestamps = np.arange(T, dtype=np.float64) / self.fps
        self.timestamps = np.asarray(self.timestamps, dtype=np.float64).reshape(-1)
        if self.timestamps.shape != (T,):
            raise SequenceError(f"{T} frames but {self.timestamps.shape[0]} timestamps")
        if T and (not np.all(np.isfinite(self.timestamps)) or np.any(np.diff(self.timestamps) < 0)):
            raise SequenceError("timestamps must be finite and non-decreasing")
        if self.track_ids is None:
            self.track_ids = np.arange(P, dtype=np.int64)
        self.track_ids = np.asarray(self.track_ids, dtype=np.int64).reshape(-1)
        if self.track_ids.shape != (P,) or len(set(self.track_ids.tolist())) != P:
            raise SequenceError(f"need {P} distinct track ids, got {self.track_ids.tolist()}")
        if self.frame_size is not None:
            w, h = (int(v) for v in self.frame_size)
            self.frame_size = (w, h)
        # a joint without a position has no score, and a score is never NaN
        score = self.data[..., -1]
        invalid = ~np.isfinite(self.data[..., :2]).all(axis=-1) | ~np.isfinite(score)
        if invalid.any():
            self.data[invalid, :-1] = np.nan
            self.data[invalid, -1] = 0.0

    # ------------------------------------------------------------------ shape
    @property
    def num_frames(self) -> int:
        """T, the number of frames."""
        return self.data.shape[0]

    @property
    def num_people(self) -> int:
        """P, the number of person slots (tracks)."""
        return self.data.shape[1]

    @property
    def num_joints(self) -> int:
        """K, the number of joints of the layout."""
        return self.data.shape[2]

    @property
    def has_z(self) -> bool:
        """Whether a depth channel is stored."""
        return self.data.shape[-1] == 4

    @property
    def xy(self) -> np.ndarray:
        """``(T, P, K, 2)`` image coordinates (a view)."""
        return self.data[..., :2]

    @property
    def z(self) -> np.ndarray | None:
        """``(T, P, K)`` depth, or None."""
        return self.data[..., 2] if self.has_z else None

    @property
    def scores(self) -> np.ndarray:
        """``(T, P, K)`` confidences in [0, 1] (visibility for MediaPipe)."""
        return self.data[..., -1]

    @property
    def present(self) -> np.ndarray:
        """``(T, P)`` whether each person has at least one detected joint in each frame."""
        return (self.scores > 0).any(axis=-1)

    @property
    def duration(self) -> float:
        """Seconds covered, from the first frame to one frame past the last."""
        if self.num_frames == 0:
            return 0.0
        return float(self.timestamps[-1] - self.timestamps[0] + 1.0 / self.fps)

    def __repr__(self) -> str:
        size = f", frame_size={self.frame_size}" if self.frame_size else ""
        return (f"PoseSequence(frames={self.num_frames}, people={self.num_people}, layout={self.layout.name!r}, "
                f"fps={self.fps:g}{size})")

    # ------------------------------------------------------------ construction
    @classmethod
    def empty(cls, layout: str | KeypointLayout, fps: float, num_frames: int = 0, num_people: int = 0,
              channels: int = 3, **kwargs: Any) -> PoseSequence:
        """A sequence with every joint missing."""
        layout = get_layout(layout)
        data = np.full((num_frames, num_people, layout.num_joints, channels), np.nan, dtype=np.float32)
        data[..., -1] = 0
        return cls(data, layout, fps, **kwargs)

    def copy(self) -> PoseSequence:
        """A deep copy."""
        return replace(self, data=self.data.copy(), timestamps=self.timestamps.copy(),
                       track_ids=self.track_ids.copy(), meta=copy.deepcopy(self.meta))

    def _with(self, **changes: Any) -> PoseSequence:
        changes.setdefault("meta", copy.deepcopy(self.meta))
        return replace(self, **changes)

    # --------------------------------------------------------------- slicing
    def slice_frames(self, start: int | None = None, stop: int | None = None) -> PoseSequence:
        """Frames ``start`` to ``stop`` (Python slice semantics); timestamps keep their values."""
        s = slice(start, stop)
        return self._with(data=self.data[s].copy(), timestamps=self.timestamps[s].copy())

    def slice_time(self, start: float | None = None, end: float | None = None) -> PoseSequence:
        """Frames with ``start <= t < end`` (seconds; None means unbounded)."""
        t = self.timestamps
        keep = np.ones(len(t), dtype=bool)
        if start is not None:
            keep &= t >= start
        if end is not None:
            keep &= t < end
        return self._with(data=self.data[keep].copy(), timestamps=t[keep].copy())

    def select_tracks(self, track_ids: Iterable[int]) -> PoseSequence:
        """Only the given tracks, in the given order."""
        ids = [int(i) for i in track_ids]
        where = {int(t): i for i, t in enumerate(self.track_ids)}
        missing = [i for i in ids if i not in where]
        if missing:
            raise SequenceError(f"no track {missing[0]}; tracks are {self.track_ids.tolist()}")
        cols = [where[i] for i in ids]
        return self._with(data=self.data[:, cols].copy(), track_ids=np.array(ids, dtype=np.int64))

    def track(self, track_id: int) -> PoseSequence:
        """One person's sequence (P = 1)."""
        return self.select_tracks([track_id])

    # -------------------------------------------------------------- resample
    def resample(self, fps: float) -> PoseSequence:
        """Linear interpolation onto a regular grid at ``fps``, from the first to the last timestamp.

        A joint missing in either neighbouring frame is missing in the result.
        """
        if fps <= 0 or not np.isfinite(fps):
            raise SequenceError(f"fps must be positive, got {fps}")
        if self.num_frames < 2:
            return self._with(data=self.data.copy(), fps=float(fps), timestamps=self.timestamps.copy())
        t = self.timestamps
        n = int(np.floor((t[-1] - t[0]) * fps + 1e-9)) + 1
        new_t = t[0] + np.arange(n) / fps
        hi = np.clip(np.searchsorted(t, new_t, side="left"), 1, len(t) - 1)
        lo = hi - 1
        span = t[hi] - t[lo]
        w = np.where(span > 0, (new_t - t[lo]) / np.where(span > 0, span, 1), 0.0)
        w = np.clip(w, 0, 1).astype(np.float32)[:, None, None, None]
        a, b = self.data[lo], self.data[hi]
        out = np.where(w == 0, a, np.where(w == 1, b, (1 - w) * a + w * b)).astype(np.float32)
        lost = ~np.isfinite(out[..., :2]).all(axis=-1)
        out[lost, :-1] = np.nan
        out[lost, -1] = 0
        return self._with(data=out, fps=float(fps), timestamps=new_t)

    # ---------------------------------------------------------------- layout
    def convert(self, layout: str | KeypointLayout) -> PoseSequence:
        """The same poses in another layout (see :mod:`actionpose.skeleton.layouts`)."""
        target = get_layout(layout)
        if target.name == self.layout.name and target.joints == self.layout.joints:
            return self.copy()
        plan = conversion_plan(self.layout, target)
        meta = copy.deepcopy(self.meta)
        meta["converted_from"] = self.layout.name
        return replace(self, data=plan.apply(self.data), layout=target, meta=meta,
                       timestamps=self.timestamps.copy(), track_ids=self.track_ids.copy())

    def point(self, joint: str) -> np.ndarray:
        """``(T, P, C)`` positions of a joint, derived if the layout lacks it (``"pelvis"``, ``"neck"``).

        Raises :class:`LayoutError` if the joint cannot be derived from this layout.
        """
        src = resolve_joint(self.layout, joint)
        if not src:
            raise LayoutError(f"joint {joint!r} cannot be derived from layout {self.layout.name!r}")
        picked = self.data[:, :, list(src), :]
        out = picked.mean(axis=2)
        out[..., -1] = picked[..., -1].min(axis=2)
        return out

    # ---------------------------------------------------------- normalisation
    def torso_length(self, per_frame: bool = False) -> np.ndarray:
        """Distance neck (mid-shoulders) to pelvis (mid-hips), in the data's units.

        Returns ``(T, P)`` when ``per_frame``, else ``(P,)``: the median over each track, which
        does not jitter with the pose.
        """
        d = np.linalg.norm(self.point("neck")[..., :2] - self.point("pelvis")[..., :2], axis=-1)
        if per_frame:
            return d
        out = np.full(self.num_people, np.nan)
        for p in range(self.num_people):
            valid = d[:, p][np.isfinite(d[:, p])]
            if valid.size:
                out[p] = np.median(valid)
        return out

    def normalized(self, center: str = "pelvis", per_frame_scale: bool = False) -> PoseSequence:
        """Coordinates relative to ``center`` and in units of torso length (z scaled alike).

        The centre is taken per frame; the scale is each track's median torso length unless
        ``per_frame_scale``. ``frame_size`` becomes None because the units are no longer pixels.
        """
        c = self.point(center)[..., :2]
        scale = self.torso_length(per_frame=per_frame_scale)
        scale = scale[..., None, None] if per_frame_scale else scale[None, :, None, None]
        data = self.data.copy()
        with np.errstate(all="ignore"):
            data[..., :2] = (data[..., :2] - c[:, :, None, :]) / scale
            if self.has_z:
                data[..., 2] = data[..., 2] / scale[..., 0]
        meta = copy.deepcopy(self.meta)
        meta["normalized"] = {"center": center, "scale": "torso_length"}
        return replace(self, data=data, frame_size=None, meta=meta, timestamps=self.timestamps.copy(),
                       track_ids=self.track_ids.copy())

    def mirrored(self) -> PoseSequence:
        """Horizontal flip: x mirrored about the frame (or about 0 without a frame size), left/right swapped."""
        data = self.data[:, :, self.layout.flip_permutation].copy()
        width = self.frame_size[0] if self.frame_size else 0.0
        data[..., 0] = (width - data[..., 0]) if self.frame_size else -data[..., 0]
        return self._with(data=data)

    # --------------------------------------------------------------- summary
    def summary(self) -> dict[str, Any]:
        """A JSON-friendly description (used by ``actionpose info``)."""
        present = self.present
        return {
            "layout": self.layout.name, "joints": self.num_joints, "frames": self.num_frames,
            "people": self.num_people, "track_ids": self.track_ids.tolist(), "fps": self.fps,
            "duration_s": round(self.duration, 3), "frame_size": list(self.frame_size) if self.frame_size else None,
            "has_z": self.has_z,
            "frames_with_person": int(present.any(axis=1).sum()) if self.num_people else 0,
            "frames_per_track": {int(t): int(n) for t, n in zip(self.track_ids, present.sum(axis=0))},
            "meta": self.meta,
        }

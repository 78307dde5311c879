"""Live, causal pose tracking: frames in, tracked poses out, one frame at a time.

The offline path (:func:`actionpose.pipeline.extract_poses`) sees a whole clip before it fills gaps and
smooths; a camera or a stream cannot wait. :func:`stream_poses` runs the same backend and tracker frame
by frame and smooths each track with its own One-Euro filter as the frames arrive, never looking ahead.
``actionpose watch`` and the dashboard's live view are built on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actionpose.pipeline import ExtractOptions, _cropped, _uncropped
from actionpose.pose import create_backend
from actionpose.skeleton.filters import OneEuroFilter
from actionpose.skeleton.layouts import KeypointLayout
from actionpose.skeleton.tracking import PoseTracker
from actionpose.video.reader import VideoReader

log = logging.getLogger(__name__)


@dataclass
class TrackedFrame:
    """One frame of a live stream.

    Attributes
    ----------
    index, time_s
        Frame number and time in seconds from the start of the stream.
    poses
        ``(N, K, C)`` smoothed poses of the tracked people in this frame (score last).
    track_ids
        ``(N,)`` their track ids.
    layout
        Layout of the poses.
    frame_size
        ``(width, height)`` of the source.
    fps
        The source's nominal frame rate.
    image
        The decoded frame (BGR) when asked for, else None.
    """

    index: int
    time_s: float
    poses: np.ndarray
    track_ids: np.ndarray
    layout: KeypointLayout
    frame_size: tuple[int, int] | None
    fps: float
    image: np.ndarray | None = None


class _TrackSmoother:
    """A One-Euro filter per track, in units of that track's torso so ``beta`` is scale-free."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 4.0, d_cutoff: float = 1.0) -> None:
        self.params = (min_cutoff, beta, d_cutoff)
        self.filters: dict[int, tuple[OneEuroFilter, float]] = {}

    def __call__(self, pid: int, pose: np.ndarray, t: float) -> np.ndarray:
        if pid not in self.filters:
            xy = pose[:, :2][np.isfinite(pose[:, :2]).all(axis=1)]
            size = float(np.ptp(xy, axis=0).max()) if len(xy) > 1 else 1.0
            self.filters[pid] = (OneEuroFilter(*self.params), max(size / 3.0, 1e-6))  # box ~ 3 torsos
        filt, scale = self.filters[pid]
        out = pose.copy()
        out[:, :-1] = filt(pose[:, :-1].astype(np.float64) / scale, t) * scale
        return out

    def forget(self, live: set[int]) -> None:
        for pid in [p for p in self.filters if p not in live]:
            del self.filters[pid]


def stream_poses(source: str | Path | int, options: ExtractOptions | None = None, max_frames: int | None = None,
                 with_images: bool = False, max_fps: float | None = None) -> Iterator[TrackedFrame]:
    """Decode, detect, track and smooth a video, camera (index) or stream URL causally.

    Parameters
    ----------
    source
        A file, a camera index or a stream URL.
    options
        Backend, ``max_people``, ``smooth`` and ``crop`` as for extraction (gap filling, which needs
        the future, does not apply).
    max_frames
        Stop after this many frames.
    with_images
        Attach each decoded frame to its :class:`TrackedFrame` (for drawing).
    max_fps
        Give the backend at most this many frames a second of stream time (the others are decoded and
        dropped), so a slow machine keeps up with a fast camera; None: every frame.

    Yields
    ------
    TrackedFrame
        One per decoded frame, as soon as it has been processed.

    Raises
    ------
    InputError
        If the source cannot be opened or read.
    """
    options = options or ExtractOptions()
    backend_options = dict(options.backend_options)
    if options.max_people is not None:
        backend_options["max_people"] = options.max_people
    smoother = _TrackSmoother() if options.smooth else None
    with VideoReader(source, threaded=options.threaded_decode) as reader, \
            create_backend(options.backend, **backend_options) as backend:
        tracker = PoseTracker(backend.layout, max_people=getattr(backend, "max_people", None))
        step = 1.0 / max_fps if max_fps else 0.0
        due = -float("inf")
        for frame in reader:
            if max_frames is not None and frame.index >= max_frames:
                break
            if step:
                if frame.timestamp_s < due - 0.25 * step:  # a little slack: frame times jitter
                    continue
                due = max(due + step, frame.timestamp_s) if due > -float("inf") else frame.timestamp_s + step
            image = frame.image if options.crop is None else _cropped(frame.image, options.crop, source)
            found = backend.process_batch([image], [frame.timestamp_s])[0]
            if options.crop is not None:
                found = _uncropped(found, options.crop)
            found = np.asarray(found, dtype=np.float32)
            if not len(found):
                found = np.empty((0, backend.layout.num_joints, 3), np.float32)
            ids = tracker.update(found, frame.timestamp_s)
            keep = ids >= 0
            poses, ids = found[keep], ids[keep]
            if smoother is not None:
                poses = np.stack([smoother(int(i), p, frame.timestamp_s) for i, p in zip(ids, poses)]) \
                    if len(poses) else poses
                smoother.forget(set(tracker.live_ids))
            yield TrackedFrame(frame.index, frame.timestamp_s, poses, ids, backend.layout, reader.frame_size,
                               reader.fps, frame.image if with_images else None)

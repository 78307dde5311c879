"""Video -> backend -> tracked `PoseSequence`: the one extraction path shared by the CLI and the dashboard."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actionpose import __version__
from actionpose.errors import InputError
from actionpose.pose import create_backend
from actionpose.skeleton.filters import fill_gaps, smooth
from actionpose.skeleton.sequence import PoseSequence
from actionpose.skeleton.tracking import track_detections
from actionpose.video.reader import VideoReader

log = logging.getLogger(__name__)

Progress = Callable[[int, "int | None"], None]


@dataclass
class ExtractOptions:
    """How to turn a video into a tracked sequence.

    Parameters
    ----------
    backend
        Registered backend name (see :func:`actionpose.pose.list_backends`).
    backend_options
        Keyword options for the backend (``mode``, ``model_complexity``, ``model_path``, ...).
    max_people
        Most people tracked at once; None means the backend's own default (one for legacy
        MediaPipe, everybody for bottom-up backends).
    fill_gap_s
        Interpolate joints missing for at most this long (0 disables).
    smooth
        One-Euro smoothing of the tracked coordinates.
    threaded_decode
        Decode the next frames while the backend works on the current one.
    crop
        ``(x, y, width, height)`` region of every frame given to the backend (a camera's corner, one
        half of a side-by-side video); coordinates stay those of the full frame.
    """

    backend: str = "mediapipe"
    backend_options: dict[str, Any] = field(default_factory=dict)
    max_people: int | None = None
    fill_gap_s: float = 0.25
    smooth: bool = True
    threaded_decode: bool = True
    crop: tuple[int, int, int, int] | None = None


def extract_poses(source: str | Path | int, options: ExtractOptions | None = None,
                  progress: Progress | None = None, max_frames: int | None = None) -> PoseSequence:
    """Run a pose backend over a video, camera or stream and return the tracked sequence.

    Raises
    ------
    InputError
        If the source cannot be read or no person is found in any frame.
    """
    options = options or ExtractOptions()
    detections: list[np.ndarray] = []
    timestamps: list[float] = []
    backend_options = dict(options.backend_options)
    if options.max_people is not None:
        backend_options["max_people"] = options.max_people
    with VideoReader(source, threaded=options.threaded_decode) as reader, \
            create_backend(options.backend, **backend_options) as backend:
        total = reader.frame_count if max_frames is None else min(max_frames, reader.frame_count or max_frames)
        frames = itertools.islice(reader, max_frames)
        for batch in iter(lambda: list(itertools.islice(frames, backend.batch_size)), []):
            images, times = [f.image for f in batch], [f.timestamp_s for f in batch]
            if options.crop is not None:
                images = [_cropped(image, options.crop, source) for image in images]
            found = backend.process_batch(images, times)
            if options.crop is not None:
                found = [_uncropped(d, options.crop) for d in found]
            detections += found
            timestamps += times
            if progress is not None:
                progress(batch[-1].index + 1, total)
        meta = {"source": str(source), "actionpose_version": __version__, **backend.meta}
        layout, fps, frame_size = backend.layout, reader.fps, reader.frame_size
        max_people = getattr(backend, "max_people", None)
    if not any(len(d) for d in detections):
        raise InputError(source, f"no person found in any of its {len(detections)} frames")
    seq = track_detections(detections, timestamps, layout=layout, fps=fps, frame_size=frame_size,
                           max_people=max_people, meta=meta)
    if options.fill_gap_s > 0:
        seq = fill_gaps(seq, max_gap_s=options.fill_gap_s)
    if options.smooth:
        seq = smooth(seq)
    log.info("extracted %s from %s", seq, source)
    return seq


def _cropped(image: np.ndarray, crop: tuple[int, int, int, int], source: str | Path | int) -> np.ndarray:
    x, y, w, h = crop
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > image.shape[1] or y + h > image.shape[0]:
        raise InputError(source, f"crop {x},{y},{w},{h} is not inside the {image.shape[1]}x{image.shape[0]} frame")
    return np.ascontiguousarray(image[y:y + h, x:x + w])


def _uncropped(detections: np.ndarray, crop: tuple[int, int, int, int]) -> np.ndarray:
    """Detections in crop pixels -> full-frame pixels (NaN stays NaN)."""
    if not len(detections):
        return detections
    out = np.array(detections, dtype=np.float32, copy=True)
    out[..., 0] += crop[0]
    out[..., 1] += crop[1]
    return out


def extract(source: str | Path | int, options: ExtractOptions | None = None, *, max_frames: int | None = None,
            progress: Progress | None = None, **settings: Any) -> PoseSequence:
    """Tracked, smoothed poses of a video file, camera index or stream URL (:func:`extract_poses`).

    ``settings`` are :class:`ExtractOptions` fields (``backend``, ``max_people``, ``smooth``, ...) applied on
    top of ``options``; anything else goes to the backend (``mode="holistic"``, ``weights=...``).

    Examples
    --------
    >>> seq = actionpose.extract("clip.mp4", max_people=2)          # doctest: +SKIP
    >>> seq = actionpose.extract("clip.mp4", mode="holistic")        # doctest: +SKIP
    """
    from dataclasses import fields, replace

    options = options or ExtractOptions()
    known = {f.name for f in fields(ExtractOptions)}
    backend_options = {**options.backend_options, **{k: v for k, v in settings.items() if k not in known}}
    options = replace(options, backend_options=backend_options, **{k: v for k, v in settings.items() if k in known})
    return extract_poses(source, options, progress=progress, max_frames=max_frames)

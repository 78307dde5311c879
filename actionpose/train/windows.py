"""Cutting clips into fixed-length, normalised windows: the input of every model.

Training (:func:`make_windows`) and prediction (:func:`windows_from_sequence`, :func:`last_window`)
share one path, so a live buffer is windowed and normalised exactly like the training clips:

1. convert to one ``layout`` and resample to one ``fps`` (both optional);
2. keep the ``people`` most present tracks (ties: the earlier slot), most present first; a clip with
   fewer tracks gets empty (all-missing) slots;
3. cut windows of ``window`` frames every ``stride`` frames; a sequence shorter than one window gives
   one window padded by repeating its last frame;
4. keep the channels (x, y, score) or (x, y, z, score) (z is 0 when the data has none);
5. normalise with :func:`normalize_windows` (origin at the pelvis of the window's first valid frame,
   torso units, missing joints 0 with score 0).

Labels (training only): a clip's ``label``, or for a segment-labelled clip the label of the segment
that covers the window's **last** frame (seconds from the clip's first timestamp; when segments
overlap, the one that started last). This is causal: a live classifier labels the newest frame of its
buffer the same way. Time outside every segment is ``background`` (None drops those windows).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from actionpose.features.normalize import normalize_windows
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.data import LabelledClip, Segment, WindowSet

log = logging.getLogger(__name__)

#: the ``channels`` options: x, y, score, or x, y, z, score
CHANNELS = ("xys", "xyzs")
_FPS_TOLERANCE = 0.01


def _check(window: int, stride: int, people: int, channels: str) -> None:
    if int(window) < 1 or int(stride) < 1 or int(people) < 1:
        raise ValueError(f"window, stride and people must be >= 1, got {window}, {stride}, {people}")
    if channels not in CHANNELS:
        raise ValueError(f"channels must be one of {CHANNELS}, got {channels!r}")


def _prepare(seq: PoseSequence, layout: KeypointLayout | None, fps: float | None) -> PoseSequence:
    """``seq`` in ``layout`` on a regular grid at ``fps`` (unchanged where None or already so)."""
    if layout is not None and (seq.layout.name != layout.name or seq.layout.joints != layout.joints):
        seq = seq.convert(layout)
    if fps is not None:
        step = np.diff(seq.timestamps)
        regular = np.allclose(step, 1.0 / fps, rtol=1e-3, atol=1e-6) if step.size else True
        if abs(seq.fps - fps) > 1e-9 * fps or not regular:
            seq = seq.resample(fps)
    return seq


def _channels(data: np.ndarray, channels: str) -> np.ndarray:
    """``(..., C)`` with the requested channels; z is 0 when the data has none."""
    if channels == "xys":
        return data[..., [0, 1, -1]]
    if data.shape[-1] == 4:
        return data
    return np.concatenate([data[..., :2], np.zeros_like(data[..., :1]), data[..., -1:]], axis=-1)


def _people(data: np.ndarray, people: int) -> np.ndarray:
    """``(T, people, K, C)``: the most present tracks first, missing slots NaN with score 0."""
    present = (data[..., -1] > 0).any(axis=-1).sum(axis=0)
    order = np.argsort(-present, kind="stable")[:people]
    out = np.full(data.shape[:1] + (people,) + data.shape[2:], np.nan, dtype=np.float32)
    out[..., -1] = 0.0
    out[:, :len(order)] = data[:, order]
    return out


def pose_array(seq: PoseSequence, layout: str | KeypointLayout | None = None, fps: float | None = None,
               people: int = 1, channels: str = "xys",
               tracks: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray, KeypointLayout]:
    """Steps 1, 2 and 4 of the module docstring for one sequence, before cutting and normalising.

    Returns
    -------
    data
        ``(T, people, K, C)`` float32, missing joints NaN with score 0.
    timestamps
        ``(T,)`` seconds (the sequence's own time axis).
    layout
        The layout of ``data``.
    """
    _check(1, 1, people, channels)
    seq = _prepare(seq, get_layout(layout) if layout is not None else None, fps)
    if tracks is not None:
        seq = seq.select_tracks(tracks)
    return _people(_channels(seq.data, channels), int(people)), seq.timestamps, seq.layout


def cut(data: np.ndarray, window: int, stride: int, align: str = "start") -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``window`` frames every ``stride`` frames along axis 0.

    ``align="start"`` starts at frame 0 (the last frames may be left out); ``"end"`` makes the last
    window end on the last frame (the first frames may be left out). Fewer than ``window`` frames give
    one window padded by repeating the last frame; no frames give none.

    Returns
    -------
    ``(N, window, ...)`` windows and ``(N,)`` start frame of each.
    """
    if align not in ("start", "end"):
        raise ValueError(f"align must be 'start' or 'end', got {align!r}")
    T, window, stride = len(data), int(window), int(stride)
    if T == 0:
        return np.empty((0, window) + data.shape[1:], dtype=data.dtype), np.empty(0, dtype=np.int64)
    if T < window:
        return data[np.minimum(np.arange(window), T - 1)][None], np.zeros(1, dtype=np.int64)
    starts = np.arange(0, T - window + 1, stride, dtype=np.int64)
    if align == "end":
        starts = (T - window) - starts[::-1]
    return data[starts[:, None] + np.arange(window)], starts


def window_presence(X: np.ndarray) -> np.ndarray:
    """``(N,)`` share of each window's frames in which its most present person has any joint."""
    present = (np.asarray(X)[..., -1] > 0).any(axis=-1)
    return present.mean(axis=1).max(axis=-1) if present.size else np.zeros(len(X))


def label_at(segments: Sequence[Segment], times: np.ndarray, background: str | None) -> np.ndarray:
    """The label at each of ``times`` (seconds from the clip start): the segment covering it
    (``start <= t < end``; the one that started last when several do), else ``background``.

    Returns an ``(len(times),)`` object array (None where ``background`` is None and no segment covers).
    """
    times = np.asarray(times, dtype=np.float64)
    out = np.full(times.shape, background, dtype=object)
    if not segments:
        return out
    start = np.array([s[0] for s in segments], dtype=np.float64)
    end = np.array([s[1] for s in segments], dtype=np.float64)
    names = np.array([str(s[2]) for s in segments], dtype=object)
    covers = (times[:, None] >= start) & (times[:, None] < end)
    # the latest start wins; among equal starts, the later-listed segment
    rank = np.empty(len(start), dtype=np.int64)
    rank[np.lexsort((np.arange(len(start)), start))] = np.arange(len(start))
    rank = np.where(covers, rank[None, :], -1)
    best = rank.argmax(axis=1)
    hit = covers.any(axis=1)
    out[hit] = names[best[hit]]
    return out


def windows_from_sequence(seq: PoseSequence, window: int, stride: int = 1, fps: float | None = None,
                          layout: str | KeypointLayout | None = None, people: int = 1, channels: str = "xys",
                          tracks: Sequence[int] | None = None, align: str = "end") -> tuple[np.ndarray, np.ndarray]:
    """Unlabelled normalised windows of a sequence, cut like :func:`make_windows` cuts a clip.

    Parameters
    ----------
    seq
        The poses (a whole recording or a live buffer).
    window, stride, fps, layout, people, channels
        As for :func:`make_windows` (use the values the model was trained with).
    tracks
        Track ids to use, in slot order, instead of the most present ones (e.g. one person of a crowd).
    align
        ``"end"`` (default): the last window ends on the newest frame; ``"start"``: as in training.

    Returns
    -------
    X
        ``(N, window, people, K, C)`` float32, normalised.
    start_s
        ``(N,)`` timestamp of each window's first frame, on ``seq``'s time axis (for a window padded
        from a short sequence, its first timestamp).
    """
    _check(window, stride, people, channels)
    data, t, out_layout = pose_array(seq, layout, fps, people, channels, tracks)
    X, starts = cut(data, window, stride, align)
    return normalize_windows(X, out_layout), t[starts] if len(t) else np.empty(0)


def last_window(seq: PoseSequence, window: int, fps: float | None = None,
                layout: str | KeypointLayout | None = None, people: int = 1, channels: str = "xys",
                tracks: Sequence[int] | None = None) -> np.ndarray:
    """``(1, window, people, K, C)``: the window that ends on ``seq``'s newest frame, normalised as in
    training; ``(0, ...)`` for an empty sequence. Only the frames it needs are converted."""
    span = int(np.ceil(window * seq.fps / fps)) + 1 if fps else int(window)
    X, _ = windows_from_sequence(seq.slice_frames(-span) if seq.num_frames > span else seq, window, window, fps,
                                 layout, people, channels, tracks, align="end")
    return X[-1:]


def _common(values: list[float], what: str) -> float:
    if max(values) > min(values) * (1 + _FPS_TOLERANCE):
        raise ValueError(f"the clips have different {what} ({min(values):g} to {max(values):g}); pass fps=")
    return values[0]


def make_windows(clips: Sequence[LabelledClip], window: int, stride: int, fps: float | None = None,
                 layout: str | KeypointLayout | None = None, people: int = 1, channels: str = "xys",
                 background: str | None = "none", min_present: float = 0.5) -> WindowSet:
    """Labelled, normalised windows from labelled clips (see the module docstring).

    Parameters
    ----------
    clips
        The clips; any layouts, frame rates and numbers of tracks.
    window, stride
        Window length and step, in frames (at ``fps``).
    fps
        Resample every clip to this rate; None keeps the clips' rate (they must agree within 1 %).
    layout
        Convert every clip to this layout; None keeps the clips' layout (they must all share one).
    people
        Person slots per window (the clip's most present tracks).
    channels
        ``"xys"`` (x, y, score) or ``"xyzs"`` (x, y, z, score; z is 0 for clips without depth).
    background
        Label of windows whose last frame no segment covers; None drops them.
    min_present
        Drop windows in which no person is present in at least this share of the frames.

    Returns
    -------
    A :class:`WindowSet`; ``start_s`` is in seconds from each clip's first timestamp.
    """
    _check(window, stride, people, channels)
    if not clips:
        raise ValueError("no clips to cut into windows")
    target = get_layout(layout) if layout is not None else clips[0].seq.layout
    if layout is None and any(c.seq.layout.joints != target.joints for c in clips):
        names = sorted({c.seq.layout.name for c in clips})
        raise ValueError(f"the clips have several layouts ({', '.join(names)}); pass layout=")
    rate = float(fps) if fps is not None else _common([c.seq.fps for c in clips], "frame rates")
    K, C = target.num_joints, len(channels)
    X_parts, y_parts, clip_parts, start_parts = [np.zeros((0, int(window), int(people), K, C), np.float32)], [], [], []
    dropped = {"empty": 0, "absent": 0, "background": 0}
    for i, clip in enumerate(clips):
        data, t, _ = pose_array(clip.seq, target, fps, people, channels)
        X, starts = cut(data, window, stride)
        if not len(X):
            dropped["empty"] += 1
            continue
        rel = t - t[0]
        last = np.minimum(starts + int(window) - 1, len(t) - 1)
        y = (np.full(len(X), clip.label, dtype=object) if clip.label is not None
             else label_at(clip.segments or [], rel[last], background))
        keep = window_presence(X) >= min_present
        labelled = np.not_equal(y, None)
        dropped["absent"] += int((~keep).sum())
        dropped["background"] += int((keep & ~labelled).sum())
        keep &= labelled
        X_parts.append(normalize_windows(X[keep], target))
        y_parts.append(y[keep])
        clip_parts.append(np.full(int(keep.sum()), i, dtype=np.int64))
        start_parts.append(rel[starts[keep]])
    clip_index = np.concatenate(clip_parts) if clip_parts else np.empty(0, dtype=np.int64)
    log.info("%d windows from %d clips (dropped: %d empty clips, %d windows without a person, %d unlabelled)",
             len(clip_index), len(clips), dropped["empty"], dropped["absent"], dropped["background"])
    groups = np.array([str(c.group) for c in clips], dtype=str)
    return WindowSet(X=np.concatenate(X_parts), y=np.concatenate(y_parts or [np.empty(0)]).astype(str),
                     groups=groups[clip_index], clip=clip_index,
                     start_s=np.concatenate(start_parts) if start_parts else np.empty(0), layout=target, fps=rate)

__all__ = ["CHANNELS", "cut", "label_at", "last_window", "make_windows", "normalize_windows", "pose_array",
           "window_presence", "windows_from_sequence"]

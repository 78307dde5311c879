"""Draw skeletons on frames and write annotated, browser-playable H.264 MP4 videos.

OpenCV cannot write H.264, so videos are encoded by the ffmpeg (with libx264) bundled with
``imageio-ffmpeg``: yuv420p, ``-movflags +faststart``, which every browser plays. yuv420p needs even
dimensions; odd-sized frames are padded by one replicated row/column (never rescaled).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from actionpose.atomic import atomic_path
from actionpose.errors import InputError, LayoutError, VideoError
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.video.reader import Source, VideoReader

logger = logging.getLogger(__name__)

#: Track colours (BGR), chosen to be distinct from each other and visible on video; track ``i`` gets
#: ``PALETTE[i % len(PALETTE)]``.
PALETTE: tuple[tuple[int, int, int], ...] = tuple((b, g, r) for r, g, b in (
    (230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48), (145, 30, 180), (70, 240, 240),
    (240, 50, 230), (210, 245, 60), (255, 225, 25), (0, 128, 128), (170, 110, 40), (250, 190, 212),
))

_SHIFT = 4  # sub-pixel bits for cv2 drawing calls
_ONE = 1 << _SHIFT

ProgressCallback = Callable[[int, "int | None"], None]


def track_color(track_id: int) -> tuple[int, int, int]:
    """The BGR colour of a track: stable for a given id, distinct for neighbouring ids."""
    return PALETTE[int(track_id) % len(PALETTE)]


@dataclass(frozen=True)
class _Style:
    """Line widths and sizes for one image size."""

    line: int
    radius: int
    font_scale: float
    font_thickness: int
    margin: int

    @classmethod
    def for_size(cls, width: int, height: int) -> _Style:
        base = min(width, height)
        return cls(line=max(1, round(base / 240)), radius=max(2, round(base / 150)),
                   font_scale=max(0.4, base / 720), font_thickness=max(1, round(base / 360)),
                   margin=max(2, round(base / 120)))


def _draw_label(image: np.ndarray, text: str, anchor: tuple[float, float], color: tuple[int, int, int],
                style: _Style) -> None:
    """A filled tag with ``text``, centred above ``anchor`` (x, y) and kept inside the image."""
    h, w = image.shape[:2]
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), baseline = cv2.getTextSize(text, font, style.font_scale, style.font_thickness)
    pad = style.margin
    bw, bh = tw + 2 * pad, th + baseline + 2 * pad
    x0 = int(np.clip(anchor[0] - bw / 2, 0, max(w - bw, 0)))
    y0 = int(np.clip(anchor[1] - style.radius - style.margin - bh, 0, max(h - bh, 0)))
    cv2.rectangle(image, (x0, y0), (x0 + bw, y0 + bh), color, cv2.FILLED)
    luminance = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
    ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    cv2.putText(image, text, (x0 + pad, y0 + pad + th), font, style.font_scale, ink, style.font_thickness,
                cv2.LINE_AA)


def _draw_person(image: np.ndarray, pose: np.ndarray, bones: np.ndarray, track_id: int, min_score: float,
                 style: _Style) -> None:
    """Bones, joints and the id tag of one person, in place."""
    xy, score = pose[:, :2], pose[:, -1]
    valid = np.isfinite(xy).all(axis=1) & np.isfinite(score) & (score >= min_score)
    if not valid.any():
        return
    h, w = image.shape[:2]
    limit = 4.0 * max(h, w)  # keeps far-off points inside int32 once shifted
    pts = np.round(np.clip(np.where(valid[:, None], xy, 0.0), -limit, limit) * _ONE).astype(np.int32)
    color = track_color(track_id)
    if len(bones):
        drawn = bones[valid[bones].all(axis=1)]
        if len(drawn):
            cv2.polylines(image, list(pts[drawn]), False, color, style.line, cv2.LINE_AA, _SHIFT)
    for x, y in pts[valid]:
        cv2.circle(image, (int(x), int(y)), style.radius * _ONE, color, cv2.FILLED, cv2.LINE_AA, _SHIFT)
    top = int(np.argmin(np.where(valid, xy[:, 1], np.inf)))
    _draw_label(image, str(track_id), (float(xy[valid, 0].mean()), float(xy[top, 1])), color, style)


def draw_poses(image: np.ndarray, poses: np.ndarray, layout: KeypointLayout | str,
               track_ids: np.ndarray | list[int] | None = None, min_score: float = 0.3) -> np.ndarray:
    """Draw skeletons on a copy of ``image``.

    Bones are anti-aliased lines, joints filled circles, each in its track's colour
    (:func:`track_color`), with the track id on a tag above the person's highest joint. Line width,
    joint size and font scale grow with the image size.

    Parameters
    ----------
    image
        ``(H, W, 3)`` uint8 BGR image; not modified.
    poses
        ``(P, K, C)`` pixel coordinates, last channel the score (``(K, C)`` for one person).
    layout
        The layout of the ``K`` joints (or its name).
    track_ids
        ``(P,)`` track ids; default ``0..P-1``.
    min_score
        Joints scoring below this, or with NaN coordinates, are not drawn (nor their bones).

    Returns
    -------
    np.ndarray
        The annotated copy.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8 BGR, got {img.shape} {img.dtype}")
    layout = get_layout(layout)
    poses = np.asarray(poses, dtype=np.float32)
    if poses.ndim == 2:
        poses = poses[None]
    if poses.ndim != 3 or poses.shape[-1] < 3:
        raise ValueError(f"poses must be (P, K, C) with C >= 3, got shape {poses.shape}")
    if poses.shape[1] != layout.num_joints:
        raise LayoutError(f"poses have {poses.shape[1]} joints, layout {layout.name!r} has {layout.num_joints}")
    ids = np.arange(len(poses)) if track_ids is None else np.asarray(track_ids, dtype=np.int64).reshape(-1)
    if len(ids) != len(poses):
        raise ValueError(f"{len(poses)} poses but {len(ids)} track ids")
    out = img.copy()
    style = _Style.for_size(out.shape[1], out.shape[0])
    bones = layout.bone_indices
    for pose, track_id in zip(poses, ids):
        _draw_person(out, pose, bones, int(track_id), min_score, style)
    return out


def _pose_scale(seq: PoseSequence, frame_size: tuple[int, int], source: Source) -> np.ndarray | None:
    """Factor from the sequence's pixel coordinates to the video's (None: already the same)."""
    if seq.frame_size is None:
        logger.warning("the pose sequence has no frame size; drawing its coordinates as pixels of %s", source)
        return None
    (sw, sh), (vw, vh) = seq.frame_size, frame_size
    if (sw, sh) == (vw, vh):
        return None
    if sw <= 0 or sh <= 0 or abs(sw / sh - vw / vh) > 0.01 * vw / vh:
        raise InputError(source, f"the poses were extracted from {sw}x{sh} frames but the video is {vw}x{vh}")
    logger.warning("poses were extracted from %dx%d frames; scaling them to the %dx%d video", sw, sh, vw, vh)
    return np.array([vw / sw, vh / sh], dtype=np.float32)


def _annotate(image: np.ndarray, seq: PoseSequence, index: int, scale: np.ndarray | None,
              min_score: float) -> np.ndarray:
    """``image`` with the poses of sequence frame ``index`` drawn (unchanged past the sequence's end)."""
    if index >= seq.num_frames or seq.num_people == 0:
        return image
    poses = seq.data[index]
    if scale is not None:
        poses = poses.copy()
        poses[..., :2] *= scale
    return draw_poses(image, poses, seq.layout, seq.track_ids, min_score)


def _pad_even(image: np.ndarray) -> np.ndarray:
    """Pad the bottom row / right column by replication so that both dimensions are even."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    return cv2.copyMakeBorder(image, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)


def render_video(source: Source | None, seq: PoseSequence, out_path: str | Path, min_score: float = 0.3,
                 progress: ProgressCallback | None = None, max_width: int | None = None,
                 preset: str | None = None) -> Path:
    """Draw ``seq`` over the video ``source`` and write a browser-playable H.264 MP4.

    Sequence frame ``i`` is drawn on video frame ``i``; video frames past the end of the sequence are
    written unannotated, so the output has exactly the input's frames, at the input's frame rate.
    Odd frame sizes are padded by one row/column to the even size yuv420p needs. The file appears
    only when complete: on any error nothing is left at ``out_path``.

    Parameters
    ----------
    source
        The video the poses were extracted from (file, camera or stream), or None to draw the poses on a
        dark canvas of ``seq.frame_size`` (640x480 when unknown) at the sequence's frame rate.
    seq
        Poses in pixels of that video (coordinates made on a resized copy with the same aspect ratio
        are scaled, with a warning).
    out_path
        Where to write the MP4 (always MP4, whatever the suffix).
    min_score
        Joints scoring below this are not drawn.
    progress
        Called as ``progress(done, total)`` after each frame; ``total`` is the container's frame
        count, or None when unknown. An exception it raises aborts the rendering.
    max_width
        Scale wider frames down to this width (aspect kept): a page's player rarely shows more, and
        drawing and encoding a 720p clip at 640 pixels takes a fifth of the time.
    preset
        x264 preset (default ffmpeg's ``medium``; ``veryfast`` encodes several times faster, larger files).

    Returns
    -------
    Path
        ``out_path``.
    """
    out_path = Path(out_path)
    if source is None:
        size = tuple(int(v) for v in seq.frame_size) if seq.frame_size else CANVAS_SIZE
        blank = np.full((size[1], size[0], 3), 24, np.uint8)
        frames = ((i, blank) for i in range(seq.num_frames))
        return _encode(frames, size, seq.fps, seq.num_frames, None, seq, out_path, min_score, progress,
                       max_width, preset, "the pose sequence")
    with VideoReader(source, threaded=True) as reader:
        scale = _pose_scale(seq, reader.frame_size, source)
        total = reader.frame_count
        if total is not None and seq.num_frames > total:
            logger.warning("the pose sequence has %d frames, the video %d; the extra poses are not drawn",
                           seq.num_frames, total)
        frames = ((frame.index, frame.image) for frame in reader)
        return _encode(frames, reader.frame_size, reader.fps, total, scale, seq, out_path, min_score, progress,
                       max_width, preset, source)


#: frame size of the canvas a pose sequence without a frame size is drawn on
CANVAS_SIZE = (640, 480)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _encode(frames, size: tuple[int, int], fps: float, total: int | None, scale: np.ndarray | None,
            seq: PoseSequence, out_path: Path, min_score: float, progress: ProgressCallback | None,
            max_width: int | None, preset: str | None, source: object) -> Path:
    """Draw and encode ``(index, BGR image)`` frames of ``size`` into the MP4 ``out_path``."""
    w, h = size
    if max_width is not None and w > max_width:
        out_size = (_even(max_width), _even(h * max_width / w))
        shrink = np.array([out_size[0] / w, out_size[1] / h], dtype=np.float32)
        scale = shrink if scale is None else scale * shrink
    else:
        out_size = (w + w % 2, h + h % 2)
        if out_size != (w, h):
            logger.info("padding %dx%d frames to %dx%d for yuv420p", w, h, *out_size)
    params = (["-preset", preset] if preset else []) + ["-movflags", "+faststart", "-f", "mp4"]
    with atomic_path(out_path) as tmp:
        # macro_block_size=1: imageio's default (16) would silently rescale e.g. 1080 to 1088 rows
        writer = imageio_ffmpeg.write_frames(
            str(tmp), out_size, fps=fps, codec="libx264", pix_fmt_in="rgb24", pix_fmt_out="yuv420p",
            output_params=params, macro_block_size=1, ffmpeg_log_level="error")
        writer.send(None)
        done = 0
        try:
            for index, image in frames:
                if image.shape[:2] != (h, w):
                    raise VideoError(source, f"frame {index} is {image.shape[1]}x{image.shape[0]}, "
                                             f"the first was {w}x{h}")
                if out_size[0] < w:
                    image = cv2.resize(image, out_size, interpolation=cv2.INTER_AREA)
                image = _annotate(image, seq, index, scale, min_score)
                try:
                    writer.send(cv2.cvtColor(_pad_even(image), cv2.COLOR_BGR2RGB))
                except OSError as exc:
                    raise VideoError(out_path, f"H.264 encoding failed: {str(exc).splitlines()[0]}") from None
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            writer.close()
        if done == 0:
            raise VideoError(source, "no frames to render")
        _check_written(tmp, out_path, done)
    return out_path


def _check_written(tmp: Path, out_path: Path, expected: int) -> None:
    """Raise :class:`VideoError` unless ``tmp`` is an MP4 announcing ``expected`` frames."""
    cap = cv2.VideoCapture(str(tmp), cv2.CAP_FFMPEG)
    try:
        written = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    finally:
        cap.release()
    if written != expected:
        raise VideoError(out_path, f"ffmpeg wrote {written} of {expected} frames")


def render_frame(source: Source, seq: PoseSequence, frame_index: int, min_score: float = 0.3) -> np.ndarray:
    """One video frame with the poses of the same sequence frame drawn on it.

    Parameters
    ----------
    source
        The video.
    seq
        Poses in pixels of that video.
    frame_index
        Which frame, from 0 (frames are decoded in order up to it, which is exact for any codec).
    min_score
        Joints scoring below this are not drawn.

    Returns
    -------
    np.ndarray
        ``(H, W, 3)`` uint8 BGR image.
    """
    if frame_index < 0:
        raise InputError(source, f"frame index must be 0 or more, got {frame_index}")
    with VideoReader(source, threaded=False) as reader:
        scale = _pose_scale(seq, reader.frame_size, source)
        frame = next(itertools.islice(reader, frame_index, None), None)
        if frame is None:
            raise VideoError(source, f"has no frame {frame_index} (the video is shorter)")
        return _annotate(frame.image, seq, frame.index, scale, min_score)


def save_png(image: np.ndarray, path: str | Path) -> Path:
    """Write a BGR image as PNG, atomically.

    Parameters
    ----------
    image
        ``(H, W, 3)`` uint8 BGR (or ``(H, W)`` grey) image.
    path
        Output file.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    img = np.asarray(image)
    if img.size == 0 or img.ndim not in (2, 3) or img.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"cannot encode an image of shape {img.shape} and type {img.dtype} as PNG")
    ok, buf = cv2.imencode(".png", img)
    if not ok:
        raise ValueError(f"cannot encode an image of shape {np.shape(image)} as PNG")
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.tobytes())
    return path

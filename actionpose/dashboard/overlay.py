"""The overlaid skeleton video the Analyze page plays: H.264, sized for a browser, encoded fast.

It draws with the library's :func:`actionpose.video.render.draw_poses` and encodes with the same ffmpeg
(libx264, yuv420p, ``+faststart``) as :func:`actionpose.video.render.render_video`, with two differences
that matter on a page: the ``veryfast`` x264 preset and a width cap of 640 pixels, the size the page's
player shows (measured here on the 20 s 720p demo clip, with the machine shared: drawing and encoding took
7.2 s at 960 pixels wide and 2.9 s at 640; the default preset at full size needs 15.5 s for the encoding
alone). ``actionpose render`` writes the full-size video.
A pose file without its video is drawn on a dark canvas of the poses' frame size, so every upload gets a
video.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterator

import cv2
import imageio_ffmpeg
import numpy as np

from actionpose.atomic import atomic_path
from actionpose.errors import VideoError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.video.reader import VideoReader
from actionpose.video.render import draw_poses

log = logging.getLogger(__name__)

Progress = Callable[[int, "int | None"], None]
_CANVAS = (640, 480)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def _video_frames(video: Path) -> Iterator[tuple[int, np.ndarray]]:
    with VideoReader(video, threaded=True) as reader:
        for frame in reader:
            yield frame.index, frame.image


def _canvas_frames(seq: PoseSequence, size: tuple[int, int]) -> Iterator[tuple[int, np.ndarray]]:
    blank = np.full((size[1], size[0], 3), 24, np.uint8)
    for index in range(seq.num_frames):
        yield index, blank


def render_overlay(seq: PoseSequence, out_path: str | Path, video: str | Path | None = None,
                   max_width: int = 640, preset: str = "veryfast", min_score: float = 0.3,
                   progress: Progress | None = None) -> Path:
    """Write ``seq`` drawn over ``video`` (or a dark canvas) as a browser-playable H.264 MP4.

    Parameters
    ----------
    seq
        Poses in pixels of the video's frames (or of ``seq.frame_size``).
    out_path
        The MP4; written atomically.
    video
        The source video; None draws on a canvas of ``seq.frame_size`` (640x480 when unknown).
    max_width
        Frames wider than this are scaled down (aspect kept, even sizes for yuv420p).
    preset
        x264 preset.
    progress
        ``progress(done, total)`` after each frame.

    Raises
    ------
    VideoError
        When the video cannot be read or encoding fails.
    """
    out_path = Path(out_path)
    if video is not None:
        with VideoReader(video, threaded=False) as reader:
            size, fps, total = reader.frame_size, reader.fps, reader.frame_count
        frames = _video_frames(Path(video))
    else:
        size = tuple(int(v) for v in seq.frame_size) if seq.frame_size else _CANVAS
        fps, total = seq.fps, seq.num_frames
        frames = _canvas_frames(seq, size)
    scale = min(1.0, max_width / size[0])
    out_size = (_even(size[0] * scale), _even(size[1] * scale))
    pose_scale = np.array([out_size[0] / size[0], out_size[1] / size[1]], np.float32)
    if seq.frame_size and video is not None and tuple(seq.frame_size) != tuple(size):
        pose_scale *= np.array([size[0] / seq.frame_size[0], size[1] / seq.frame_size[1]], np.float32)
    with atomic_path(out_path) as tmp:
        writer = imageio_ffmpeg.write_frames(
            str(tmp), out_size, fps=fps, codec="libx264", pix_fmt_in="rgb24", pix_fmt_out="yuv420p",
            output_params=["-preset", preset, "-movflags", "+faststart", "-f", "mp4"], macro_block_size=1,
            ffmpeg_log_level="error")
        writer.send(None)
        done = 0
        try:
            for index, image in frames:
                if image.shape[1::-1] != out_size:
                    image = cv2.resize(image, out_size, interpolation=cv2.INTER_AREA)
                if index < seq.num_frames and seq.num_people:
                    poses = seq.data[index].copy()
                    poses[..., :2] *= pose_scale
                    image = draw_poses(image, poses, seq.layout, seq.track_ids, min_score)
                try:
                    writer.send(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
                except OSError as exc:
                    raise VideoError(out_path, f"H.264 encoding failed: {str(exc).splitlines()[0]}") from None
                done += 1
                if progress is not None:
                    progress(done, total)
        finally:
            writer.close()
        if done == 0:
            raise VideoError(video or out_path, "no frames to render")
    log.info("rendered %d frames (%dx%d) to %s", done, *out_size, out_path)
    return out_path


__all__ = ["render_overlay"]

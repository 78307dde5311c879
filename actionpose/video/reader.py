"""Read frames from video files, cameras and streams, and probe video files.

:class:`VideoReader` is a one-pass iterator of :class:`VideoFrame` that can decode in a background
thread, so that decoding the next frames overlaps with whatever the consumer does with the current
one (pose inference, drawing, encoding). :func:`probe_video` describes a file with the ffmpeg binary
bundled by ``imageio-ffmpeg``.

Timestamps
----------
For files, a frame's timestamp is its presentation time (``CAP_PROP_POS_MSEC`` right after it was
decoded) as long as those values are finite, non-negative and strictly increasing; from the first
value that is not, the reader continues with ``index / fps`` steps from the last good value, so the
result is always strictly increasing. The presentation time is preferred over ``index / fps``
because phone recordings are often variable-frame-rate: in the GMDCSA24 fall clips the two differ by
up to 0.07 s and in ``two_people_demo_skeleton.mp4`` by 0.15 s, while label files give time ranges
in media time. For a constant-rate file both are identical. For cameras and streams the timestamp
is the wall-clock time (``time.monotonic``) since the first frame.
"""

from __future__ import annotations

import logging
import math
import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from actionpose.errors import VideoError

logger = logging.getLogger(__name__)

#: URL schemes opened as network streams.
STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp")
#: Frame rate used when a source reports none (or a nonsensical one).
DEFAULT_FPS = 30.0
#: Frame rates above this are treated as bogus metadata.
MAX_FPS = 1000.0
#: How long :meth:`VideoReader.close` waits for the decoding thread (a live read can block).
JOIN_TIMEOUT_S = 5.0
_POLL_S = 0.05

Source = str | Path | int


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame.

    Parameters
    ----------
    index
        Position in the video, from 0.
    timestamp_s
        Seconds from the start of the video (files) or from the first frame (live sources).
    image
        ``(H, W, 3)`` uint8 BGR image.
    """

    index: int
    timestamp_s: float
    image: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe_video` found out about a file.

    Parameters
    ----------
    fps
        Nominal (average) frame rate.
    frame_size
        ``(width, height)`` in pixels.
    frame_count
        Exact number of decodable frames (counted by decoding the file).
    duration_s
        Duration in seconds as reported by ffmpeg after decoding every frame.
    codec
        ffmpeg's name of the video codec, e.g. ``"h264"``.
    """

    fps: float
    frame_size: tuple[int, int]
    frame_count: int
    duration_s: float
    codec: str


@dataclass(frozen=True)
class _End:
    """Queue marker: the producer finished, with ``error`` set if decoding failed."""

    error: BaseException | None = None


def parse_source(source: Source) -> tuple[str, str | int]:
    """Classify a video source.

    Parameters
    ----------
    source
        A file path, a camera index (int or a string of digits) or a stream URL.

    Returns
    -------
    tuple
        ``(kind, target)`` with kind ``"file"`` (target: the path as a string), ``"camera"`` (target:
        the index) or ``"stream"`` (target: the URL).
    """
    if isinstance(source, bool):
        raise TypeError(f"a video source must be a path, camera index or URL, not {source!r}")
    if isinstance(source, int):
        return "camera", source
    if isinstance(source, Path):
        return "file", str(source.expanduser())
    if not isinstance(source, str):
        raise TypeError(f"a video source must be a path, camera index or URL, not {type(source).__name__}")
    text = source.strip()
    if text.isdigit():
        return "camera", int(text)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in STREAM_SCHEMES:
        return "stream", text
    return "file", str(Path(source).expanduser())


def check_video_file(path: str | Path, source: Source | None = None) -> Path:
    """Raise :class:`VideoError` (about ``source``, default ``path``) unless ``path`` is a non-empty file."""
    source = path if source is None else source
    p = Path(path).expanduser()
    if not p.exists():
        raise VideoError(source, "no such file")
    if p.is_dir():
        raise VideoError(source, "is a directory, not a video file")
    if not p.is_file():
        raise VideoError(source, "is not a regular file")
    if p.stat().st_size == 0:
        raise VideoError(source, "file is empty")
    return p


def sane_fps(value: float, source: Source) -> float:
    """``value`` if it is a plausible frame rate, else :data:`DEFAULT_FPS` with a logged warning."""
    if math.isfinite(value) and 0 < value <= MAX_FPS:
        return float(value)
    logger.warning("%s reports a frame rate of %r; assuming %g fps", source, value, DEFAULT_FPS)
    return DEFAULT_FPS


class VideoReader:
    """Frames of a video file, camera or stream, optionally decoded in a background thread.

    The reader opens the source and decodes the first frame on construction, so a source that
    cannot be used fails here with a :class:`~actionpose.errors.VideoError`. It is a one-pass
    iterator: leaving the loop early (``break``, closing the generator) or calling :meth:`close`
    stops the decoding thread and releases the capture.

    Parameters
    ----------
    source
        A file path, a camera index (``0`` or ``"0"``) or a stream URL (``rtsp://``, ``rtmp://``,
        ``http(s)://``, ``udp://``).
    threaded
        Decode in a background thread into a bounded queue, overlapping decoding with the consumer.
    queue_size
        Frames decoded ahead at most (threaded mode).

    Attributes
    ----------
    source
        What was passed in.
    fps
        Frame rate (``CAP_PROP_FPS``; 30 with a warning when the source reports 0, NaN or > 1000).
    frame_size
        ``(width, height)`` of the decoded frames.
    frame_count
        Frames announced by the container (an estimate; :func:`probe_video` counts exactly), or
        None when unknown or live.
    is_live
        True for cameras and streams.

    Examples
    --------
    >>> with VideoReader("clip.mp4") as reader:  # doctest: +SKIP
    ...     for frame in reader:
    ...         poses = backend(frame.image)
    """

    def __init__(self, source: Source, threaded: bool = True, queue_size: int = 8) -> None:
        self.source = source
        self.threaded = bool(threaded)
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self._queue: queue.Queue = queue.Queue(maxsize=int(queue_size))
        self._stop = threading.Event()
        self._release_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started = False
        self._closed = False
        self._cap: cv2.VideoCapture | None = None

        kind, target = parse_source(source)
        self.is_live = kind != "file"
        if kind == "file":
            check_video_file(target, source)
            self._cap = cv2.VideoCapture(target, cv2.CAP_FFMPEG)
            problem = "not a video file (no decodable video stream)"
        elif kind == "stream":
            self._cap = cv2.VideoCapture(target, cv2.CAP_FFMPEG)
            problem = "cannot open the stream"
        else:
            self._cap = cv2.VideoCapture(target)
            problem = f"cannot open camera {target}"
        if not self._cap.isOpened():
            self._release()
            raise VideoError(source, problem)

        self.fps = sane_fps(self._cap.get(cv2.CAP_PROP_FPS), source)
        count = self._cap.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count: int | None = (int(count) if not self.is_live and math.isfinite(count) and count > 0
                                        else None)
        # timestamp state (see the module docstring)
        self._t0: float | None = None
        self._use_pts = True
        self._last_t = -math.inf
        self._last_index = -1
        self._next_index = 0

        try:
            first = self._decode()
        except BaseException:
            self._release()
            raise
        if first is None:
            self._release()
            raise VideoError(source, "video has no decodable frames" if kind == "file"
                             else "opened, but delivered no frame")
        self._first: VideoFrame | None = first
        h, w = first.image.shape[:2]
        self.frame_size: tuple[int, int] = (int(w), int(h))

    # ------------------------------------------------------------------ decoding
    def _timestamp(self, index: int) -> float:
        """Timestamp of the frame just decoded (see the module docstring)."""
        if self.is_live:
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now
            return now - self._t0
        t = self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0 if self._use_pts and self._cap is not None else math.nan
        if not (math.isfinite(t) and t >= 0 and t > self._last_t):
            if self._use_pts:
                logger.debug("%s: unusable frame time %r at frame %d; continuing with index / fps",
                             self.source, t, index)
                self._use_pts = False
            base = max(self._last_t, 0.0) if self._last_index >= 0 else 0.0
            t = base + (index - max(self._last_index, 0)) / self.fps
        self._last_t, self._last_index = t, index
        return t

    def _decode(self) -> VideoFrame | None:
        """Decode the next frame, or None at the end of the video."""
        cap = self._cap
        if cap is None:
            return None
        try:
            ok, image = cap.read()
        except cv2.error as exc:
            raise VideoError(self.source, f"decoding failed at frame {self._next_index}: "
                             f"{(str(exc).strip().splitlines() or [type(exc).__name__])[-1]}") from None
        if not ok or image is None:
            return None
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        index = self._next_index
        self._next_index += 1
        return VideoFrame(index, self._timestamp(index), image)

    def _put(self, item: VideoFrame | _End) -> bool:
        """Queue ``item`` unless the consumer stops first; True if queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        """Background thread: decode frames into the queue until the end, an error or a stop."""
        end = _End()
        try:
            while not self._stop.is_set():
                frame = self._decode()
                if frame is None or not self._put(frame):
                    break
        except BaseException as exc:  # handed to the consumer, which re-raises it
            end = _End(exc)
        finally:
            self._put(end)
            if self._stop.is_set():
                # close() may have given up waiting for us while we were blocked in a read
                self._release()

    def _threaded_frames(self) -> Iterator[VideoFrame]:
        self._thread = threading.Thread(target=self._produce, name=f"VideoReader({self.source})", daemon=True)
        self._thread.start()
        while True:
            try:
                item = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                # close() was called from inside the loop, or the producer is gone without a word
                if self._stop.is_set() or (not self._thread.is_alive() and self._queue.empty()):
                    return
                continue
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item

    def _direct_frames(self) -> Iterator[VideoFrame]:
        while not self._stop.is_set() and (frame := self._decode()) is not None:
            yield frame

    def _frames(self) -> Iterator[VideoFrame]:
        try:
            first, self._first = self._first, None
            yield first
            yield from (self._threaded_frames() if self.threaded else self._direct_frames())
        finally:
            self.close()

    def __iter__(self) -> Iterator[VideoFrame]:
        if self._closed:
            raise ValueError(f"VideoReader({self.source!r}) is closed")
        if self._started:
            raise ValueError(f"VideoReader({self.source!r}) is a one-pass iterator and was already iterated")
        self._started = True
        return self._frames()

    # ------------------------------------------------------------------ lifetime
    def _release(self) -> None:
        with self._release_lock:
            if self._cap is not None:
                self._cap.release()
                self._cap = None

    def close(self) -> None:
        """Stop the decoding thread (if any) and release the capture; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            # unblock a producer waiting on a full queue, then wait for it
            deadline = time.monotonic() + JOIN_TIMEOUT_S
            while thread.is_alive():
                self._drain()
                thread.join(timeout=_POLL_S)
                if thread.is_alive() and time.monotonic() > deadline:
                    logger.warning("%s: decoding thread still blocked after %.0f s; it will release the "
                                   "capture when its read returns", self.source, JOIN_TIMEOUT_S)
                    return
        self._drain()
        self._release()

    def _drain(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._closed

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        count = self.frame_count if self.frame_count is not None else "?"
        return (f"VideoReader({self.source!r}, fps={self.fps:g}, frame_size={self.frame_size}, "
                f"frames={count}, live={self.is_live})")


_VIDEO_LINE = re.compile(r"Stream #\S+.*?: Video: (?P<codec>[\w-]+)(?P<rest>.*)")
_SIZE = re.compile(r"\b(\d{1,5})x(\d{1,5})\b")
_FPS = re.compile(r"([\d.]+) (?:fps|tbr)\b")


def _ffmpeg_stream_info(path: Path, source: str | Path) -> tuple[str, tuple[int, int] | None, float]:
    """Codec, frame size and frame rate from the first ``Video:`` line of ``ffmpeg -i`` (nan if absent)."""
    try:
        # without an output ffmpeg exits with status 1 after describing the input: that is expected
        result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                                capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VideoError(source, f"could not run ffmpeg to probe it ({exc})") from None
    stderr = result.stderr.decode(errors="replace")
    match = next(filter(None, map(_VIDEO_LINE.search, stderr.splitlines())), None)
    if match is None:
        raise VideoError(source, "not a video file (ffmpeg finds no video stream)")
    size = _SIZE.search(match["rest"])
    fps = _FPS.search(match["rest"])
    return (match["codec"], (int(size[1]), int(size[2])) if size else None,
            float(fps[1]) if fps else math.nan)


def probe_video(path: str | Path) -> VideoInfo:
    """Describe a video file: frame rate, size, exact frame count, duration and codec.

    The codec and the exact frame count come from the ffmpeg binary bundled with ``imageio-ffmpeg``
    (the count decodes the whole file, which takes about as long as reading it); the frame rate is
    OpenCV's, as in :class:`VideoReader`, so that both agree.

    Parameters
    ----------
    path
        A video file.

    Returns
    -------
    VideoInfo

    Raises
    ------
    VideoError
        If the file is missing, empty, not a video or has no decodable frame.
    """
    p = check_video_file(path).resolve()  # absolute: a name starting with "-" is not an ffmpeg option
    codec, size, ffmpeg_fps = _ffmpeg_stream_info(p, path)
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG)
    try:
        cv_fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else math.nan
        if size is None and cap.isOpened():
            size = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    finally:
        cap.release()
    fps = cv_fps if math.isfinite(cv_fps) and 0 < cv_fps <= MAX_FPS else sane_fps(ffmpeg_fps, path)
    try:
        frame_count, duration = imageio_ffmpeg.count_frames_and_secs(str(p))
    except (RuntimeError, OSError) as exc:
        status = re.search(r"failed with (-?\d+)", str(exc))
        detail = f"ffmpeg exit status {status[1]}" if status else str(exc).splitlines()[0]
        raise VideoError(path, f"video has no decodable frames ({detail})") from None
    if not frame_count:
        raise VideoError(path, "video has no decodable frames")
    if size is None:
        raise VideoError(path, "ffmpeg reports no frame size")
    return VideoInfo(fps=float(fps), frame_size=size, frame_count=int(frame_count),
                     duration_s=float(duration) if duration is not None else frame_count / fps, codec=codec)

"""Video stage: reading frames, probing files, drawing skeletons, rendering H.264 MP4.

Synthetic videos are made here with imageio-ffmpeg, so most tests run without the real-data folder;
the real-clip tests read ../shared/data in place through ``data_file`` and skip without it.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from actionpose.errors import InputError, LayoutError, VideoError
from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.sequence import PoseSequence
from actionpose.video import (
    PALETTE,
    VideoFrame,
    VideoReader,
    draw_poses,
    probe_video,
    render_frame,
    render_video,
    save_png,
    track_color,
)
from actionpose.video.reader import parse_source, sane_fps

TA_CHI = "clips/stgcn/ta_chi.mp4"
TWO_PEOPLE = "clips/two_people_demo_skeleton.mp4"
VFR_CLIP = "falls/gmdcsa24/Subject_1/ADL/10.mp4"

# a COCO-17 stick figure, in units of a person's height, centred on the hips
STICK = np.array([[0, -0.8], [-0.05, -0.85], [0.05, -0.85], [-0.1, -0.82], [0.1, -0.82], [-0.2, -0.6], [0.2, -0.6],
                  [-0.3, -0.35], [0.3, -0.35], [-0.35, -0.1], [0.35, -0.1], [-0.12, 0], [0.12, 0], [-0.15, 0.4],
                  [0.15, 0.4], [-0.15, 0.8], [0.15, 0.8]], dtype=np.float32)


# ---------------------------------------------------------------------------------------------- helpers
def synthetic_frames(n: int, width: int, height: int) -> list[np.ndarray]:
    """BGR frames whose brightness grows with the index and with a white square moving right."""
    frames = []
    for i in range(n):
        img = np.full((height, width, 3), 20 + 8 * i, dtype=np.uint8)
        x = 2 + i * (width - 14) // max(n - 1, 1)
        img[height // 2 - 5: height // 2 + 5, x: x + 10] = 255
        frames.append(img)
    return frames


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """Encode BGR frames nearly losslessly (crf 5, yuv444p) as H.264 MP4 with its index first."""
    h, w = frames[0].shape[:2]
    writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=fps, codec="libx264", quality=9,
                                         pix_fmt_out="yuv444p", macro_block_size=1, ffmpeg_log_level="error",
                                         output_params=["-movflags", "+faststart"])
    writer.send(None)
    for frame in frames:
        writer.send(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    writer.close()
    return path


def stick_sequence(num_frames: int, frame_size: tuple[int, int], track_ids=(3, 7), fps: float = 25.0) -> PoseSequence:
    """Two stick figures walking left to right across the frame, one above the other."""
    w, h = frame_size
    t = np.arange(num_frames, dtype=np.float32)[:, None, None]
    data = np.zeros((num_frames, len(track_ids), 17, 3), dtype=np.float32)
    for p in range(len(track_ids)):
        cx = w * (0.15 + 0.7 * t / max(num_frames - 1, 1))
        cy = h * (0.35 + 0.35 * p)
        data[:, p, :, 0] = cx[..., 0] + STICK[:, 0] * h * 0.35
        data[:, p, :, 1] = cy + STICK[:, 1] * h * 0.35
    data[..., 2] = 0.9
    return PoseSequence(data, COCO17, fps, track_ids=np.array(track_ids), frame_size=frame_size)


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("VideoReader(")]


def patch_mean(image: np.ndarray, x: float, y: float, r: int = 2) -> np.ndarray:
    x, y = int(round(x)), int(round(y))
    return image[y - r: y + r + 1, x - r: x + r + 1].reshape(-1, 3).astype(float).mean(axis=0)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """20 frames, 64x48, 10 fps."""
    return write_video(tmp_path_factory.mktemp("video") / "synthetic.mp4", synthetic_frames(20, 64, 48))


@pytest.fixture(scope="module")
def odd_clip(tmp_path_factory) -> Path:
    """12 frames of an odd size, 65x49, 10 fps."""
    return write_video(tmp_path_factory.mktemp("video") / "odd.mp4", synthetic_frames(12, 65, 49))


@pytest.fixture(autouse=True)
def no_leaked_reader_threads():
    yield
    leaked = reader_threads()
    assert not leaked, f"reader threads left running: {leaked}"


# ---------------------------------------------------------------------------------------------- reader
def test_parse_source_kinds():
    assert parse_source(0) == ("camera", 0)
    assert parse_source(" 2 ") == ("camera", 2)
    assert parse_source("rtsp://cam.local/stream") == ("stream", "rtsp://cam.local/stream")
    assert parse_source("HTTPS://x/y.m3u8")[0] == "stream"
    assert parse_source("udp://@:1234")[0] == "stream"
    assert parse_source(Path("a/b.mp4")) == ("file", str(Path("a/b.mp4")))
    assert parse_source("2.mp4")[0] == "file"
    with pytest.raises(TypeError):
        parse_source(True)


@pytest.mark.parametrize("threaded", [True, False])
def test_reader_synthetic(clip, threaded):
    expected = synthetic_frames(20, 64, 48)
    with VideoReader(clip, threaded=threaded) as reader:
        assert (reader.fps, reader.frame_size, reader.frame_count, reader.is_live) == (10.0, (64, 48), 20, False)
        frames = list(reader)
    assert reader.closed
    assert [f.index for f in frames] == list(range(20))
    assert all(isinstance(f, VideoFrame) and f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8
               for f in frames)
    np.testing.assert_allclose([f.timestamp_s for f in frames], np.arange(20) / 10.0, atol=1e-6)
    for got, want in zip(frames, expected):
        assert np.abs(got.image.astype(int) - want).mean() < 3


def test_reader_is_one_pass(clip):
    reader = VideoReader(clip, threaded=False)
    assert len(list(reader)) == 20
    with pytest.raises(ValueError, match="closed"):
        iter(reader)


def test_sane_fps_falls_back_with_warning(caplog):
    assert sane_fps(25.0, "x") == 25.0
    for bad in (0.0, float("nan"), 90000.0, -5.0):
        caplog.clear()
        assert sane_fps(bad, "cam") == 30.0
        assert "assuming 30 fps" in caplog.text


def _truncated(tmp_path: Path, clip: Path) -> Path:
    """A real MP4 (index first) cut right after the header of its media data: it opens, no frame decodes."""
    data = clip.read_bytes()
    cut = data.find(b"mdat")
    assert 0 < data.find(b"moov") < cut
    return _written(tmp_path / "truncated.mp4", data[: cut + 4])


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


BAD_FILES = {  # case: (make the file from (tmp_path, a good clip), words the problem must contain)
    "missing": (lambda tmp, clip: tmp / "nope.mp4", "no such file"),
    "directory": (lambda tmp, clip: tmp, "is a directory"),
    "empty": (lambda tmp, clip: _written(tmp / "empty.mp4", b""), "file is empty"),
    "random_bytes": (lambda tmp, clip: _written(tmp / "random.mp4", np.random.default_rng(0).bytes(50_000)),
                     "not a video"),
    "text_as_mp4": (lambda tmp, clip: _written(tmp / "notes.mp4", b"just some notes\n" * 50), "not a video"),
    "no_frames": (_truncated, "no decodable frames"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("opener", ["reader", "probe"])
def test_bad_files_raise_video_error(tmp_path, clip, case, opener):
    make, problem = BAD_FILES[case]
    path = make(tmp_path, clip)
    with pytest.raises(VideoError) as info:
        VideoReader(path) if opener == "reader" else probe_video(path)
    assert problem in info.value.problem
    assert info.value.source == path
    assert "cv2" not in str(info.value) and "Traceback" not in str(info.value)


@pytest.mark.parametrize("source, problem", [(97, "cannot open camera 97"), ("98", "cannot open camera 98"),
                                             ("rtsp://127.0.0.1:1/none", "cannot open the stream")])
def test_live_source_that_cannot_be_opened(source, problem):
    with pytest.raises(VideoError) as info:
        VideoReader(source)
    assert (info.value.source, info.value.problem) == (source, problem)


def test_stream_is_live_with_wall_clock_timestamps(clip):
    """The synthetic clip served over local HTTP: a stream, timed by the clock since its first frame."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clip.parent))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        with VideoReader(f"http://127.0.0.1:{server.server_port}/{clip.name}") as reader:
            assert reader.is_live and reader.frame_count is None and reader.frame_size == (64, 48)
            times = [f.timestamp_s for f in reader]
    finally:
        server.shutdown()
        server.server_close()
        serving.join()
    assert len(times) == 20 and times[0] == 0.0
    assert np.all(np.diff(times) >= 0) and 0 < times[-1] < 10


@pytest.mark.parametrize("stop", ["break", "generator_close", "close", "close_inside_loop"])
def test_threaded_reader_stops_cleanly(clip, stop):
    reader = VideoReader(clip, threaded=True, queue_size=2)
    seen = []
    if stop == "break":
        for frame in reader:
            seen.append(frame.index)
            if frame.index == 3:
                break
    elif stop == "close_inside_loop":
        for frame in reader:
            seen.append(frame.index)
            if frame.index == 3:
                reader.close()
    else:
        frames = iter(reader)
        seen += [next(frames).index for _ in range(4)]
        assert reader_threads(), "the decoding thread should be running while frames are consumed"
        frames.close() if stop == "generator_close" else reader.close()
    assert seen == [0, 1, 2, 3]
    assert reader.closed
    assert reader_threads() == []


class _FailingCapture:
    """Wraps a real capture; ``read`` raises ``error`` once ``fail_at`` frames were read."""

    def __init__(self, real: cv2.VideoCapture, fail_at: int, error: BaseException) -> None:
        self.real, self.fail_at, self.error, self.reads = real, fail_at, error, 0

    def read(self):
        if self.reads == self.fail_at:
            raise self.error
        self.reads += 1
        return self.real.read()

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("threaded", [True, False])
@pytest.mark.parametrize("error, expected", [(cv2.error("corrupt NAL unit"), VideoError),
                                             (MemoryError("out of memory"), MemoryError)])
def test_decode_errors_reach_the_consumer(clip, monkeypatch, threaded, error, expected):
    real = cv2.VideoCapture
    monkeypatch.setattr(cv2, "VideoCapture", lambda *a: _FailingCapture(real(*a), 5, error))
    seen = []
    with pytest.raises(expected) as info:
        for frame in VideoReader(clip, threaded=threaded):
            seen.append(frame.index)
    assert seen == [0, 1, 2, 3, 4]
    if expected is VideoError:
        assert info.value.problem == "decoding failed at frame 5: corrupt NAL unit"
    else:
        assert info.value is error
    assert reader_threads() == []


def test_probe_synthetic(clip):
    info = probe_video(clip)
    assert (info.codec, info.frame_size, info.frame_count, info.fps) == ("h264", (64, 48), 20, 10.0)
    assert info.duration_s == pytest.approx(2.0, abs=0.05)


# ---------------------------------------------------------------------------------------------- real clips
def test_ta_chi_reader_and_probe(data_file):
    path = data_file(TA_CHI)
    info = probe_video(path)
    assert (info.codec, info.frame_size, info.frame_count) == ("h264", (340, 256), 300)
    with VideoReader(path, threaded=True) as threaded, VideoReader(path, threaded=False) as direct:
        assert threaded.frame_count == direct.frame_count == 300
        assert threaded.fps == pytest.approx(29.97, abs=0.01)
        pairs = list(zip(threaded, direct, strict=True))
    assert len(pairs) == info.frame_count
    for a, b in pairs:
        assert a.index == b.index and a.timestamp_s == b.timestamp_s
        assert np.array_equal(a.image, b.image)
    times = np.array([a.timestamp_s for a, _ in pairs])
    assert times[0] == 0.0 and np.all(np.diff(times) > 0)


def test_two_people_clip_size(data_file):
    path = data_file(TWO_PEOPLE)
    with VideoReader(path) as reader:
        assert reader.frame_size == (1920, 1080)
        first = next(iter(reader))
    assert first.image.shape == (1080, 1920, 3)
    assert probe_video(path).frame_size == (1920, 1080)


def test_timestamps_follow_presentation_times_of_vfr_clip(data_file):
    """A variable-frame-rate phone clip: timestamps are ffmpeg's pts, not index / fps."""
    path = data_file(VFR_CLIP)
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map",
                          "0:v:0", "-vf", "showinfo", "-f", "null", "-"], capture_output=True, check=True)
    pts = np.array([float(v) for v in re.findall(r"pts_time:\s*([-\d.]+)", out.stderr.decode())])
    with VideoReader(path) as reader:
        fps = reader.fps
        times = np.array([f.timestamp_s for f in reader])
    assert len(times) == len(pts) > 100
    np.testing.assert_allclose(times, pts - pts[0], atol=1e-3)
    assert np.abs(times - np.arange(len(times)) / fps).max() > 0.02  # the clip really is VFR


# ---------------------------------------------------------------------------------------------- drawing
def test_track_colors_stable_and_distinct():
    assert track_color(5) == track_color(5) == track_color(5 + len(PALETTE))
    assert len({track_color(i) for i in range(len(PALETTE))}) == len(PALETTE)


def test_draw_poses_draws_joints_bones_and_label_on_a_copy():
    image = np.zeros((240, 320, 3), np.uint8)
    seq = stick_sequence(1, (320, 240), track_ids=(4,))
    out = draw_poses(image, seq.data[0], COCO17, track_ids=[4])
    assert not image.any(), "the input image must not be modified"
    color = np.array(track_color(4))
    x, y = seq.data[0, 0, COCO17.index("left_knee"), :2]
    assert np.array_equal(out[int(round(y)), int(round(x))], color)
    # the middle of the left shin bone (knee-ankle) is painted: a 1-px anti-aliased line there
    x, y = np.round(seq.data[0, 0, [COCO17.index("left_knee"), COCO17.index("left_ankle")], :2].mean(axis=0))
    patch = out[int(y) - 1: int(y) + 2, int(x) - 1: int(x) + 2].reshape(-1, 3).astype(int)
    assert np.abs(patch - color).max(axis=1).min() < 50
    # the id tag sits above the head: a block of the track colour there
    top_y = seq.data[0, 0, :, 1].min()
    above = out[: int(top_y) - 2]
    assert (np.abs(above.astype(int) - color).sum(axis=-1) == 0).sum() > 30


def test_draw_poses_skips_low_score_and_nan_joints():
    image = np.zeros((100, 100, 3), np.uint8)
    poses = np.full((1, 17, 3), np.nan, np.float32)
    poses[0, :, 2] = 0.0
    poses[0, 0] = (50, 50, 0.2)        # below min_score
    poses[0, 5] = (np.nan, 20, 0.9)   # NaN coordinate
    assert not draw_poses(image, poses, "coco17", min_score=0.3).any()
    drawn = draw_poses(image, poses, "coco17", min_score=0.1)
    assert drawn[50, 50].any() and drawn.any(axis=-1).sum() > 10


def test_line_width_grows_with_image_size():
    def painted_rows(width, height):
        poses = np.full((1, 17, 3), np.nan, np.float32)
        poses[0, :, 2] = 0
        poses[0, COCO17.index("left_hip")] = (0.2 * width, height / 2, 1)
        poses[0, COCO17.index("right_hip")] = (0.8 * width, height / 2, 1)
        out = draw_poses(np.zeros((height, width, 3), np.uint8), poses, COCO17)
        return int(out[:, width // 2].any(axis=-1).sum())
    assert painted_rows(1920, 1080) > painted_rows(340, 256) >= 1


def test_draw_poses_rejects_wrong_joint_count():
    with pytest.raises(LayoutError, match="17"):
        draw_poses(np.zeros((10, 10, 3), np.uint8), np.zeros((1, 5, 3), np.float32), COCO17)


def test_save_png_roundtrip(tmp_path):
    image = np.random.default_rng(1).integers(0, 255, (31, 47, 3), dtype=np.uint8)
    path = save_png(image, tmp_path / "sub" / "frame.png")
    assert path == tmp_path / "sub" / "frame.png"
    assert np.array_equal(cv2.imread(str(path)), image)
    with pytest.raises(ValueError):
        save_png(np.zeros((0, 0, 3), np.uint8), tmp_path / "bad.png")
    assert sorted(p.name for p in path.parent.iterdir()) == ["frame.png"]


def test_render_frame_matches_draw_poses(clip):
    seq = stick_sequence(20, (64, 48))
    with VideoReader(clip, threaded=False) as reader:
        source = [f.image for f in reader][7]
    got = render_frame(clip, seq, 7)
    assert np.array_equal(got, draw_poses(source, seq.data[7], COCO17, seq.track_ids))
    assert not np.array_equal(got, source)
    with pytest.raises(VideoError, match="no frame 20"):
        render_frame(clip, seq, 20)


def test_render_frame_scales_poses_from_a_resized_copy_and_rejects_other_aspects(clip):
    small = stick_sequence(20, (32, 24))
    full = stick_sequence(20, (64, 48))
    assert np.array_equal(render_frame(clip, small, 3), render_frame(clip, full, 3))
    wrong = stick_sequence(20, (48, 48))
    with pytest.raises(InputError, match="48x48"):
        render_frame(clip, wrong, 3)


# ---------------------------------------------------------------------------------------------- rendering
def test_render_video_over_real_clip(tmp_path, data_file):
    path = data_file(TWO_PEOPLE)
    source_info = probe_video(path)
    seq = stick_sequence(60, source_info.frame_size, fps=source_info.fps)  # shorter than the clip's 72
    calls = []
    out = render_video(path, seq, tmp_path / "annotated.mp4", progress=lambda done, total: calls.append((done, total)))
    assert out == tmp_path / "annotated.mp4"
    info = probe_video(out)
    assert info.codec == "h264"
    assert info.frame_count == source_info.frame_count == 72
    assert info.frame_size == (1920, 1080), "1080 rows must not be rescaled to a multiple of 16"
    assert info.fps == pytest.approx(source_info.fps, rel=1e-3)
    assert calls == [(i, 72) for i in range(1, 73)]
    assert b"ftyp" in out.read_bytes()[:64] and out.read_bytes().find(b"moov") < out.read_bytes().find(b"mdat")

    with VideoReader(path) as src, VideoReader(out) as dst:
        for a, b in zip(src, dst, strict=True):
            if a.index in (10, 59):
                for p in range(2):
                    x, y = seq.data[a.index, p, COCO17.index("right_hip"), :2]
                    assert np.abs(patch_mean(b.image, x, y) - patch_mean(a.image, x, y)).max() > 40
            if a.index == 70:  # past the sequence: written unannotated
                assert np.abs(a.image.astype(int) - b.image).mean() < 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.mp4"]


def test_render_video_odd_size_pads_without_rescaling(tmp_path, odd_clip):
    out = render_video(odd_clip, stick_sequence(12, (65, 49)), tmp_path / "odd.mp4")
    info = probe_video(out)
    assert (info.codec, info.frame_size, info.frame_count) == ("h264", (66, 50), 12)
    # with no poses the picture must come back as it was: padded by one row and column, not rescaled
    empty = PoseSequence.empty(COCO17, fps=10, num_frames=12, frame_size=(65, 49))
    plain = render_video(odd_clip, empty, tmp_path / "plain.mp4")
    with VideoReader(odd_clip) as src, VideoReader(plain) as dst:
        for a, b in zip(src, dst, strict=True):
            assert b.image.shape == (50, 66, 3)
            assert np.abs(a.image.astype(int) - b.image[:49, :65]).mean() < 3
            row = 49 // 2  # the moving white square's columns are exactly where they were
            assert np.array_equal(np.flatnonzero(a.image[row, :, 0] > 140), np.flatnonzero(b.image[row, :65, 0] > 140))


def test_render_video_failure_leaves_no_file(tmp_path, clip):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"previous render")

    def explode(done, total):
        if done == 5:
            raise RuntimeError("consumer gave up")

    with pytest.raises(RuntimeError, match="consumer gave up"):
        render_video(clip, stick_sequence(20, (64, 48)), out, progress=explode)
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]
    out.unlink()
    with pytest.raises(RuntimeError):
        render_video(clip, stick_sequence(20, (64, 48)), out, progress=explode)
    assert list(tmp_path.iterdir()) == []


def test_render_video_missing_source_writes_nothing(tmp_path):
    with pytest.raises(VideoError, match="no such file"):
        render_video(tmp_path / "missing.mp4", stick_sequence(3, (64, 48)), tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []


def test_render_video_scaled_down_and_on_a_canvas(clip, tmp_path):
    seq = stick_sequence(20, (64, 48))
    small = render_video(clip, seq, tmp_path / "small.mp4", max_width=32, preset="veryfast")
    info = probe_video(small)
    assert info.frame_size == (32, 24) and info.frame_count == 20
    # on a plain canvas the only content is the skeleton: at half width it lands where the full one does
    big = seq.copy()
    big.data[..., :2] *= 4
    big.frame_size = (256, 192)
    full = render_video(None, big, tmp_path / "full.mp4")
    half = render_video(None, big, tmp_path / "half.mp4", max_width=128)
    assert probe_video(full).frame_size == (256, 192) and probe_video(full).frame_count == 20
    with VideoReader(full, threaded=False) as a, VideoReader(half, threaded=False) as b:
        pairs = [(fa.image, fb.image) for fa, fb in zip(a, b)]
    lit_full = [(cv2.resize(fa, (128, 96), interpolation=cv2.INTER_AREA).max(axis=2) > 80) for fa, _ in pairs]
    lit_half = [(fb.max(axis=2) > 80) for _, fb in pairs]
    overlap = np.mean([(x & y).sum() / max(x.sum(), 1) for x, y in zip(lit_full, lit_half)])
    assert lit_half[5].sum() > 20 and overlap > 0.6

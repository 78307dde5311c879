"""Video input and output: read frames from files, cameras and streams; draw skeletons; write H.264 MP4."""

from actionpose.video.reader import VideoFrame, VideoInfo, VideoReader, probe_video
from actionpose.video.render import PALETTE, draw_poses, render_frame, render_video, save_png, track_color

__all__ = ["VideoFrame", "VideoInfo", "VideoReader", "probe_video", "PALETTE", "draw_poses", "render_frame",
           "render_video", "save_png", "track_color"]

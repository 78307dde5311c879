"""A local MJPEG-over-HTTP camera for tests: a real network stream that can be stopped and started again.

It serves the frames of a video as ``multipart/x-mixed-replace`` JPEG parts (what most IP cameras send on
``http://.../mjpg``) at the video's frame rate, from the first frame on every new connection, looping while
it runs. :meth:`MJPEGServer.stop` closes the listening socket and every open connection (the client sees the
stream end, then "connection refused"); :meth:`MJPEGServer.start` opens the same port again.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BOUNDARY = "actionposeframe"


class MJPEGServer:
    """Serve ``frames`` (JPEG bytes) at ``fps`` on ``http://127.0.0.1:PORT/stream.mjpg``."""

    def __init__(self, frames: list[bytes], fps: float, port: int = 0) -> None:
        if not frames:
            raise ValueError("no frames to serve")
        self.frames, self.fps, self.port = frames, float(fps), port
        self.connections = 0
        self.frames_sent = 0
        self._running = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_video(cls, path: str | Path, port: int = 0, quality: int = 85) -> MJPEGServer:
        """Every frame of the video at ``path`` as JPEG, at the video's own frame rate."""
        import cv2

        cap = cv2.VideoCapture(str(path))
        fps = cap.get(cv2.CAP_PROP_FPS) or 15.0
        frames = []
        while True:
            ok, image = cap.read()
            if not ok:
                break
            frames.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes())
        cap.release()
        return cls(frames, fps, port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def start(self) -> MJPEGServer:
        """Listen (on the same port as before, after a :meth:`stop`)."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                with owner._lock:
                    owner.connections += 1
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                start, i = time.monotonic(), 0
                try:
                    while owner._running.is_set():
                        data = owner.frames[i % len(owner.frames)]
                        self.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                         f"Content-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                        with owner._lock:
                            owner.frames_sent += 1
                        i += 1
                        ahead = start + i / owner.fps - time.monotonic()
                        if ahead > 0:
                            time.sleep(ahead)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._running.set()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and stop listening (the camera goes away)."""
        self._running.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        time.sleep(2.0 / self.fps)  # the handlers see the flag within one frame and close their sockets

    def __enter__(self) -> MJPEGServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""One monitor's worker: connect to the source, track poses live, raise alerts, write status and snapshots.

:func:`run_monitor` is the body of the worker process the supervisor starts. It keeps one
:class:`~actionpose.alerts.AlertManager` for its whole life, so debounce, cooldown and escalation hold across
reconnects; stream time keeps increasing across reconnects and loops of a file (each new connection starts
where the last one stopped). A dropped stream is retried with back-off (0.5 s doubling to 10 s); a file is
played at its own frame rate, like a camera, and started again at its end when ``loop`` is set.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from actionpose.errors import ActionPoseError
from actionpose.monitor.config import MonitorConfig
from actionpose.monitor.status import MonitorStatus, snapshot_path, write_status

log = logging.getLogger(__name__)

#: seconds between status files and between snapshots
STATUS_EVERY_S = 1.0
SNAPSHOT_EVERY_S = 1.0
#: reconnect back-off: first wait, factor, longest wait (seconds)
BACKOFF = (0.5, 2.0, 10.0)
#: gait: analyse the last this many seconds, this often
GAIT_WINDOW_S, GAIT_EVERY_S = 20.0, 10.0
#: the snapshot's width at most (pixels)
SNAPSHOT_WIDTH = 640


class _Gait:
    """Gait analysis over a rolling window of live poses; its alerts go through the manager's cooldown."""

    def __init__(self) -> None:
        self.frames: deque[tuple[float, np.ndarray, np.ndarray]] = deque()
        self.next_at = GAIT_EVERY_S

    def add(self, t: float, poses: np.ndarray, ids: np.ndarray) -> None:
        self.frames.append((t, poses, ids))
        while self.frames and t - self.frames[0][0] > GAIT_WINDOW_S:
            self.frames.popleft()

    def due(self, t: float) -> bool:
        return t >= self.next_at

    def run(self, t: float, layout, fps: float, frame_size, source: str) -> Any:
        from actionpose.skeleton.sequence import PoseSequence
        from actionpose.tasks.base import get_task

        self.next_at = t + GAIT_EVERY_S
        ids = sorted({int(i) for _, _, f_ids in self.frames for i in f_ids})
        if not ids or len(self.frames) < 2:
            return None
        slot = {pid: j for j, pid in enumerate(ids)}
        k, c = self.frames[0][1].shape[1:] if len(self.frames[0][1]) else (layout.num_joints, 3)
        data = np.full((len(self.frames), len(ids), k, c), np.nan, np.float32)
        data[..., -1] = 0.0
        for r, (_, poses, f_ids) in enumerate(self.frames):
            for pose, pid in zip(poses, f_ids):
                data[r, slot[int(pid)]] = pose
        times = np.array([f[0] for f in self.frames])
        seq = PoseSequence(data, layout, fps, timestamps=times, track_ids=np.array(ids), frame_size=frame_size,
                           meta={"source": source})
        return get_task("gait").run(seq)


def _snapshot(image: np.ndarray, poses: np.ndarray, ids: np.ndarray, layout, zones, path: Path) -> None:
    import cv2

    from actionpose.video.render import draw_poses

    out = draw_poses(image, poses, layout, ids) if len(poses) else image.copy()
    for zone in zones:
        pts = np.round(zone.polygon).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [pts], True, (0, 200, 255), 2)
    h, w = out.shape[:2]
    if w > SNAPSHOT_WIDTH:
        out = cv2.resize(out, (SNAPSHOT_WIDTH, round(h * SNAPSHOT_WIDTH / w)), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 80])
    if ok:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(buf.tobytes())
        tmp.replace(path)


def _manager(config: MonitorConfig, default_db: str | None):
    from actionpose.alerts import AlertManager, open_sinks

    db = config.alert_db or default_db
    sinks = open_sinks(jsonl=config.alert_jsonl, sqlite=db, webhook=config.alert_webhook)
    return AlertManager(sinks, debounce_s=config.debounce_s, cooldown_s=config.cooldown_s,
                        escalate_after_s=config.escalate_after_s, ignore_zones=config.zones(), source=config.name)


def run_monitor(config: dict[str, Any] | MonitorConfig, state_dir: str | Path, alert_db: str | None = None,
                restarts: int = 0, stop: Any = None, max_seconds: float | None = None,
                pace: bool = True) -> MonitorStatus:
    """Watch one monitor's source until ``stop`` is set (or a file without ``loop`` ends).

    Parameters
    ----------
    config
        The monitor (or its dict).
    state_dir
        Where the status file and the snapshot go.
    alert_db
        The alert log when the monitor names none.
    restarts
        How often the supervisor restarted this monitor (shown in the status).
    stop
        A :class:`~actionpose.monitor.stopflag.StopFlag` (what the supervisor gives), or a ``threading.Event``; None:
        run until the source ends.
    max_seconds
        Stop after this long (benchmarks).
    pace
        Play a file at its own frame rate, as a camera would deliver it (False: as fast as the path
        goes, for ``benchmarks/monitor_live.py``).

    Returns
    -------
    MonitorStatus
        The last status written.
    """
    import cv2

    from actionpose.pipeline import ExtractOptions
    from actionpose.stream import stream_poses
    from actionpose.tasks.falls import FallDetector

    cv2.setNumThreads(1)
    if isinstance(config, dict):
        config = MonitorConfig(**config)
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    status = MonitorStatus(config.name, "starting", pid=_pid(), started_at=time.time(), restarts=restarts)
    write_status(state_dir, config.slug, status)
    snap = snapshot_path(state_dir, config.slug)
    zones = config.zones()
    options = ExtractOptions(backend=config.backend, smooth=True)
    is_file = config.kind == "file"
    paced = is_file and pace
    offset, last_t, wait = 0.0, 0.0, BACKOFF[0]
    began = time.monotonic()
    stopped = (lambda: stop.is_set()) if stop is not None else (lambda: False)
    out_of_time = (lambda: max_seconds is not None and time.monotonic() - began > max_seconds)
    gait = _Gait() if "gait" in config.tasks else None
    with _manager(config, alert_db) as manager:
        def on_alert(alerts: list) -> None:
            status.alerts += len(alerts)

        while not stopped() and not out_of_time():
            detector, got, t0_wall = None, 0, None
            recent: deque[float] = deque(maxlen=60)
            next_status = next_snap = 0.0
            try:
                for frame in stream_poses(config.source, options, with_images=True, max_fps=config.max_fps):
                    now = time.monotonic()
                    if t0_wall is None:
                        t0_wall = now - frame.time_s
                    if paced:  # play a file at its own rate, as a camera would deliver it
                        ahead = t0_wall + frame.time_s - now
                        if ahead > 0:
                            if stop is not None and stop.wait(ahead):
                                break
                            elif stop is None:
                                time.sleep(ahead)
                    t = offset + frame.time_s
                    if "falls" in config.tasks:
                        if detector is None:
                            detector = FallDetector(frame.layout)
                        for st in detector.update(frame.time_s, frame.poses, frame.track_ids):
                            obs = st.observation()
                            on_alert(manager.observe(dataclasses.replace(obs, time_s=obs.time_s + offset)))
                    if gait is not None:
                        gait.add(t, frame.poses, frame.track_ids)
                        if gait.due(t):
                            result = gait.run(t, frame.layout, frame.fps, frame.frame_size, config.name)
                            if result is not None:
                                from actionpose.alerts.adapter import result_alerts

                                for alert in result_alerts(result, config.name, zones=zones):
                                    if manager.notify(alert):
                                        on_alert([alert])
                    got += 1
                    last_t = t
                    wall = time.time()
                    recent.append(time.monotonic())
                    status.frames += 1
                    status.last_frame_at = wall
                    status.source_fps = float(frame.fps)
                    if status.state != "running":
                        status.state, status.error, wait = "running", "", BACKOFF[0]
                    if now >= next_status:
                        status.fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 1 and \
                            recent[-1] > recent[0] else 0.0
                        write_status(state_dir, config.slug, status)
                        next_status = now + STATUS_EVERY_S
                    if now >= next_snap and frame.image is not None:
                        _snapshot(frame.image, frame.poses, frame.track_ids, frame.layout, zones, snap)
                        next_snap = now + SNAPSHOT_EVERY_S
                    if stopped() or out_of_time():
                        break
                problem = "" if got else "no frames could be read"
            except (ActionPoseError, OSError) as exc:
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if stopped() or out_of_time():
                break
            if got:
                offset = last_t + 1.0 / max(status.source_fps, 1.0)  # the next connection continues the clock
            if is_file and got and config.loop:
                continue
            if is_file and got:
                status.state, status.error = "stopped", "end of the video file"
                break
            status.state = "reconnecting"
            status.error = problem or "the stream ended"
            status.reconnects += 1
            status.fps = 0.0
            write_status(state_dir, config.slug, status)
            log.warning("monitor %s: %s; reconnecting in %.1f s", config.name, status.error, wait)
            if stop is not None:
                if stop.wait(wait):
                    break
            else:
                time.sleep(wait)
            wait = min(wait * BACKOFF[1], BACKOFF[2])
    if status.state != "stopped" or not status.error:
        status.state = "stopped"
    status.fps = 0.0
    status.pid = None
    write_status(state_dir, config.slug, status)
    return status


def _pid() -> int:
    import os

    return os.getpid()


def worker_main(config: dict[str, Any], state_dir: str, alert_db: str | None, restarts: int, stop: Any) -> None:
    """The worker process's entry point (logging to stderr, then :func:`run_monitor`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when a worker stops
    root = logging.getLogger("actionpose")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s monitor {config['name']}: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    run_monitor(config, state_dir, alert_db, restarts, stop)


__all__ = ["BACKOFF", "run_monitor", "worker_main"]

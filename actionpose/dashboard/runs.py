"""One Analyze run: stored upload -> poses (extracted once per content hash and settings) -> the library's
analysis, custom-model labels and gait plots, while the overlay video is drawn -> one :class:`ClipResult`.

Poses and the overlay video are cached on disk under ``results/<content hash>-<settings hash>/``; whole
results are kept in memory (the most recent :data:`MEMORY_SLOTS`), so re-opening a clip is instant. No
Streamlit here: the page passes progress callbacks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actionpose.alerts.types import Alert
from actionpose.analysis import Analysis, analyze_sequence
from actionpose.cache import result_key
from actionpose.dashboard.archive import unpack_openpose
from actionpose.dashboard.config import BUILTIN_BACKENDS, DashboardConfig
from actionpose.dashboard.library import ModelLibrary
from actionpose.dashboard.workspace import StoredFile, Workspace
from actionpose.errors import ActionPoseError, InputError
from actionpose.skeleton.sequence import PoseSequence
from actionpose.video.render import render_video

log = logging.getLogger(__name__)

#: the Analyze page's overlay: the width its player shows, encoded fast (drawing and encoding the 20 s 720p
#: demo clip took 2.9 s at 640 pixels wide and veryfast, against 15.5 s for full size at the default preset)
OVERLAY_WIDTH = 640

Progress = Callable[[int, "int | None"], None]
#: results kept in memory
MEMORY_SLOTS = 8
_memory: OrderedDict[tuple, ClipResult] = OrderedDict()
_memory_lock = threading.Lock()


@dataclass(frozen=True)
class AnalyzeRequest:
    """What the Analyze page asks for."""

    backend: str = "mediapipe"
    tasks: tuple[str, ...] = ("falls", "gait", "reps")
    exercise: str = "auto"
    standard: str = "default"
    height_m: float | None = None
    model: str | None = None

    def extract_settings(self) -> dict[str, Any]:
        """The settings that change the poses (part of the cache key)."""
        mode = "holistic" if "signs" in self.tasks and self.backend == "mediapipe" else None
        return {"backend": self.backend, "mode": mode}


@dataclass
class ClipResult:
    """Everything the Analyze page shows for one clip."""

    stored: StoredFile
    key: str
    seq: PoseSequence
    analysis: Analysis
    overlay: Path | None
    model: str | None = None
    windows: list[Any] = field(default_factory=list)
    verdict: Any = None
    model_error: str | None = None
    gait_plots: dict[int, list[Path]] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    from_cache: bool = False


def extract_options(request: AnalyzeRequest, config: DashboardConfig):
    """:class:`ExtractOptions` for the request (RSN needs its configured weights; OpenPose without them runs
    its built-in network)."""
    from actionpose.pipeline import ExtractOptions

    settings = request.extract_settings()
    backend_options: dict[str, Any] = {}
    if settings["mode"]:
        backend_options["mode"] = settings["mode"]
    if request.backend != "mediapipe":
        weights = config.backend_weights(request.backend)
        if weights is not None:
            backend_options["model_path"] = weights
        elif request.backend not in BUILTIN_BACKENDS:
            raise InputError(None, f"the {request.backend} backend needs its weights file: "
                                   f"actionpose dashboard --weights {request.backend}=FILE")
    return ExtractOptions(backend=request.backend, backend_options=backend_options)


def load_poses_upload(workspace: Workspace, stored: StoredFile, limit_bytes: int) -> PoseSequence:
    """The poses of an uploaded pose file (a ZIP is a folder of OpenPose JSON frames)."""
    from actionpose.skeleton.io import load_poses

    if stored.path.suffix == ".zip":
        folder = workspace.result_dir(f"{stored.sha256}-openpose")
        if not any(folder.glob("*.json")):
            unpack_openpose(stored.path, folder, stored.name, limit_bytes)
        return load_poses(folder, format="openpose")
    return load_poses(stored.path)


def poses(workspace: Workspace, stored: StoredFile, request: AnalyzeRequest, config: DashboardConfig,
          limit_bytes: int, progress: Progress | None = None) -> tuple[PoseSequence, str, bool]:
    """``(sequence, result key, read from the cache)`` of an upload."""
    from actionpose.pipeline import extract_poses
    from actionpose.skeleton.io import load_poses, save_poses

    if not stored.is_video:
        seq = load_poses_upload(workspace, stored, limit_bytes)
        key, cached = result_key(stored.sha256, {"poses": "file"}), False
    else:
        weights = config.backend_weights(request.backend)  # none for MediaPipe, or the built-in OpenPose
        settings = {**request.extract_settings(), **({"weights": str(weights)} if weights else {})}
        key = result_key(stored.sha256, settings)  # other weights (or none: the built-in network), other poses
        cache = workspace.result_dir(key) / "poses.npz"
        cached = cache.is_file()
        if cached:
            seq = load_poses(cache)
        else:
            seq = extract_poses(stored.path, extract_options(request, config), progress=progress)
            save_poses(seq, cache)
    seq.meta["source"] = stored.name
    return seq, key, cached


def _analyze(seq: PoseSequence, request: AnalyzeRequest, library: ModelLibrary, folder: Path,
             result: dict[str, Any]) -> None:
    """The tasks, the custom model and the gait plots (runs in a worker thread while the video is drawn)."""
    started = time.perf_counter()
    from actionpose.tasks.exercise.task import ExerciseConfig
    from actionpose.tasks.gait import GaitConfig

    clf, model_error = None, None
    if request.model:
        try:
            clf = library.load(request.model)
        except (ActionPoseError, ValueError) as exc:
            model_error = str(exc)
    rep_model = getattr(clf, "rep_model", None)
    reps = ExerciseConfig(exercise=request.exercise, standard=request.standard)
    if rep_model:                # a per-rep form model judges every rep of its exercise (Train page, "form of ...")
        reps.fault_model = str(library.path(request.model))
        if reps.exercise == "auto":
            reps.exercise = rep_model["exercise"]
    analysis = analyze_sequence(seq, request.tasks, {"reps": reps, "gait": GaitConfig(height_m=request.height_m)})
    result["analysis"] = analysis
    if model_error:
        result["model_error"] = model_error
    elif clf is not None and not rep_model:
        try:
            result["windows"] = clf.predict_windows(seq)
            result["verdict"] = clf.predict_verdict(seq, result["windows"])
        except (ActionPoseError, ValueError) as exc:
            result["model_error"] = str(exc)
    gait = analysis.applied("gait")
    plots: dict[int, list[Path]] = {}
    if gait is not None:
        from actionpose.tasks.gait.norms import load_band
        from actionpose.tasks.gait.report import plot_angles, plot_timeline

        for r in gait.reports:
            band = load_band("knee_flexion", r.norm.get("condition", "overground")) if r.norm else None
            paths = [plot_angles(r, "knee_flexion", folder / f"person{r.person}_knee_flexion.png", band),
                     plot_angles(r, "hip_flexion", folder / f"person{r.person}_hip_flexion.png"),
                     plot_timeline(r, folder / f"person{r.person}_events.png")]
            plots[r.person] = [p for p in paths if p is not None]
    result["gait_plots"] = plots
    result["seconds"] = time.perf_counter() - started


def run_clip(workspace: Workspace, library: ModelLibrary, config: DashboardConfig, stored: StoredFile,
             request: AnalyzeRequest, limit_bytes: int, on_extract: Progress | None = None,
             on_render: Progress | None = None) -> ClipResult:
    """Analyse an upload (or return the result kept in memory).

    The overlay video is drawn in this thread (so ``on_render`` may update the page) while the analysis
    runs in a worker thread.

    Raises
    ------
    ActionPoseError
        Unreadable file, no person found, a backend without weights.
    """
    memo = (stored.sha256, request)
    with _memory_lock:
        if memo in _memory:
            _memory.move_to_end(memo)
            hit = _memory[memo]
            hit.from_cache = True
            return hit
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    seq, key, cached = poses(workspace, stored, request, config, limit_bytes, on_extract)
    timings["poses"] = time.perf_counter() - t0
    folder = workspace.result_dir(key)
    work: dict[str, Any] = {}
    t1 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="actionpose-analyze") as pool:
        future = pool.submit(_analyze, seq, request, library, folder, work)
        overlay = folder / "overlay.mp4"
        try:
            if not overlay.is_file():
                render_video(stored.path if stored.is_video else None, seq, overlay, progress=on_render,
                             max_width=OVERLAY_WIDTH, preset="veryfast")
        except ActionPoseError as exc:
            log.warning("%s: no overlay video: %s", stored.name, exc)
            overlay = None
        timings["overlay"] = time.perf_counter() - t1
        future.result()
    timings["analysis"] = work["seconds"]
    timings["total"] = time.perf_counter() - t0
    analysis: Analysis = work["analysis"]
    result = ClipResult(stored, key, seq, analysis, overlay, request.model, work.get("windows", []),
                        work.get("verdict"), work.get("model_error"), work["gait_plots"],
                        analysis.alerts(clip_id=stored.sha256), timings, from_cache=cached)
    log.info("%s analysed in %.1f s (%s)", stored.name, timings["total"],
             ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    with _memory_lock:
        _memory[memo] = result
        while len(_memory) > MEMORY_SLOTS:
            _memory.popitem(last=False)
    return result


def forget(model: str | None = None) -> None:
    """Drop remembered results (those using ``model`` only, when given), e.g. after a model is replaced."""
    with _memory_lock:
        for memo in [m for m in _memory if model is None or m[1].model == model]:
            del _memory[memo]


def record_alerts(result: ClipResult, workspace: Workspace, config: DashboardConfig) -> int:
    """Write the clip's alerts to the alert log (and the webhook when configured so); returns how many are new."""
    from actionpose.alerts.sinks import SQLiteSink, read_alerts

    if not result.alerts:
        return 0
    db = workspace.alert_db(config.alert_db)
    known: set[str] = set()
    if db.is_file():
        known = set(read_alerts(db)["id"])
    new = [a for a in result.alerts if a.id not in known]
    sink = SQLiteSink(db)
    try:
        for alert in new:
            sink.send(alert)
    finally:
        sink.close()
    if new and config.webhook_on_analyze and config.webhook_url:
        from actionpose.dashboard.notify import send_webhook

        send_webhook(new, workspace, config)
    return len(new)


__all__ = ["MEMORY_SLOTS", "AnalyzeRequest", "ClipResult", "extract_options", "forget", "poses", "record_alerts",
           "run_clip"]

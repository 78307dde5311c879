"""One clip of a batch: the settings, the job, its record, and :func:`process_clip`, the function every engine runs.

:func:`process_clip` decides on its own whether the clip's results are still current (see
:mod:`actionpose.scale.resume`), so the process pool and Ray run exactly the same code and write the same files.
It never raises: a clip that cannot be done comes back as a ``failed`` record with the reason.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from actionpose import __version__
from actionpose.analysis import analyze_sequence
from actionpose.atomic import atomic_path
from actionpose.cache import settings_key
from actionpose.errors import ActionPoseError
from actionpose.inputs import file_sha256
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.scale.resume import SIDECAR_SUFFIX, finished, read_sidecar, remove_partials, write_sidecar

log = logging.getLogger(__name__)

DONE, SKIPPED, FAILED = "done", "skipped-unchanged", "failed"
ANALYSIS_SUFFIX = ".analysis.json"


@dataclass
class BatchSettings:
    """Everything that shapes one clip's results.

    Parameters
    ----------
    extract
        How poses are extracted.
    pose_format, pose_suffix
        The pose file's format (``save_poses`` name, None: from the suffix) and suffix.
    tasks
        Tasks of :func:`actionpose.analysis.analyze_sequence`; None extracts only.
    configs
        Task name -> its config dataclass (each task's defaults otherwise).
    fingerprint
        JSON-able description of the settings, filled once by :meth:`fingerprinted` (model files hashed there,
        not in every worker).
    """

    extract: ExtractOptions = field(default_factory=ExtractOptions)
    pose_format: str | None = None
    pose_suffix: str = ".npz"
    tasks: tuple[str, ...] | None = None
    configs: dict[str, Any] = field(default_factory=dict)
    fingerprint: dict[str, Any] = field(default_factory=dict)

    def fingerprinted(self) -> BatchSettings:
        """A copy whose :attr:`fingerprint` describes the settings that change results (not decode threads)."""
        opts = asdict(self.extract)
        opts.pop("threaded_decode", None)
        poses = {"actionpose": __version__, "backend_version": _package_version(self.extract.backend),
                 "extract": _describe(opts), "format": self.pose_format, "suffix": self.pose_suffix}
        analysis = None
        if self.tasks is not None:
            configs = {name: _describe(asdict(c)) for name, c in self.configs.items() if name in self.tasks}
            analysis = {"actionpose": __version__, "tasks": list(self.tasks), "configs": configs}
        return BatchSettings(self.extract, self.pose_format, self.pose_suffix, self.tasks, self.configs,
                             {"poses": poses, "analysis": analysis})


def _package_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def _describe(value: Any) -> Any:
    """JSON-able ``value``; an existing file becomes its path and content hash (a retrained model changes keys)."""
    if isinstance(value, dict):
        return {str(k): _describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_describe(v) for v in value]
    if isinstance(value, (str, Path)) and str(value) and Path(value).is_file():
        return {"path": str(value), "sha256": file_sha256(value)}
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass
class ClipJob:
    """One input and where its results go: ``<base><suffix>`` for each result file.

    Parameters
    ----------
    source
        The video.
    base
        Output path without suffix (``OUT/sub/clip``).
    name
        The input's path relative to the inputs' common folder (the summary's ``clip`` column).
    """

    source: Path
    base: Path
    name: str

    def poses(self, settings: BatchSettings) -> Path:
        return Path(f"{self.base}{settings.pose_suffix}")

    @property
    def analysis(self) -> Path:
        return Path(f"{self.base}{ANALYSIS_SUFFIX}")

    @property
    def sidecar(self) -> Path:
        return Path(f"{self.base}{SIDECAR_SUFFIX}")


@dataclass
class ClipRecord:
    """What became of one input in this run: ``done``, ``skipped-unchanged`` or ``failed`` (with ``reason``).

    ``seconds`` is the wall time spent on the clip in this run; ``duration_s`` the clip's length.
    ``task_columns`` holds the ``task.key`` columns of :meth:`actionpose.analysis.Analysis.summary_row`.
    """

    clip: str
    source: Path
    status: str
    reason: str = ""
    frames: int | None = None
    people: int | None = None
    fps: float | None = None
    duration_s: float | None = None
    seconds: float = 0.0
    poses: Path | None = None
    analysis: Path | None = None
    reused_poses: bool = False
    task_columns: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the clip's results exist (made now or found current)."""
        return self.status != FAILED

    def row(self) -> dict[str, Any]:
        """One flat row of the summary table."""
        return {"clip": self.clip, "status": self.status, "reason": self.reason, "frames": self.frames,
                "people": self.people, "fps": self.fps, "duration_s": self.duration_s,
                "seconds": round(self.seconds, 3), "poses": str(self.poses) if self.poses else None,
                "analysis": str(self.analysis) if self.analysis else None, "reused_poses": self.reused_poses,
                "source": str(self.source), **self.task_columns}


def failed_record(job: ClipJob, reason: str, seconds: float = 0.0) -> ClipRecord:
    """The record of a clip that could not be done."""
    return ClipRecord(job.name, job.source, FAILED, reason, seconds=seconds)


def process_clip(job: ClipJob, settings: BatchSettings) -> ClipRecord:
    """Bring ``job``'s results up to date: skip when current, reuse current poses, else extract (and analyze).

    Never raises; errors become a ``failed`` record whose reason names the clip.
    """
    started = time.perf_counter()
    try:
        return _process(job, settings, started)
    except (ActionPoseError, OSError, ValueError) as exc:
        return failed_record(job, str(exc) if str(job.source) in str(exc) else f"{job.source}: {exc}",
                             time.perf_counter() - started)
    except Exception as exc:  # one broken clip never stops the batch; its traceback goes to the log
        log.exception("%s failed", job.source)
        return failed_record(job, f"{job.source}: internal error: {type(exc).__name__}: {exc}",
                             time.perf_counter() - started)


def _process(job: ClipJob, settings: BatchSettings, started: float) -> ClipRecord:
    if not settings.fingerprint:
        settings = settings.fingerprinted()
    sha = file_sha256(job.source)
    side = read_sidecar(job.sidecar)
    if side.get("sha256") != sha:
        side = {}
    poses_path = job.poses(settings)
    pose_key = settings_key(sha, settings.fingerprint["poses"])
    poses_current = finished(side.get("poses"), pose_key, poses_path)
    analysis_key = settings_key(pose_key, settings.fingerprint["analysis"]) if settings.tasks is not None else None
    wanted_analysis = settings.tasks is not None
    if poses_current and (not wanted_analysis or finished(side.get("analysis"), analysis_key, job.analysis)):
        return _record(job, SKIPPED, side, settings, time.perf_counter() - started)

    seq = None
    if not poses_current:
        for path in (poses_path, job.analysis, job.sidecar):
            remove_partials(path)
        seq = extract_poses(job.source, settings.extract)
        from actionpose.skeleton.io import save_poses

        save_poses(seq, poses_path, format=settings.pose_format)
        side = {"input": str(job.source), "sha256": sha, "size": job.source.stat().st_size,
                "poses": {"key": pose_key, "file": poses_path.name, "frames": seq.num_frames,
                          "people": seq.num_people, "fps": seq.fps, "settings": settings.fingerprint["poses"]}}
    reused = seq is None
    if wanted_analysis:
        if seq is None:
            from actionpose.skeleton.io import load_poses

            seq = load_poses(poses_path, format=settings.pose_format)
        seq.meta["source"] = str(job.source)  # the same document whether poses were made now or reused
        result = analyze_sequence(seq, settings.tasks, settings.configs)
        with atomic_path(job.analysis) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=1, default=_json_default))
        columns = {k: v for k, v in result.summary_row().items() if "." in k}
        side["analysis"] = {"key": analysis_key, "file": job.analysis.name, "columns": columns,
                            "settings": settings.fingerprint["analysis"]}
    else:
        reused = False
    write_sidecar(job.sidecar, side)
    return _record(job, DONE, side, settings, time.perf_counter() - started, reused)


def _record(job: ClipJob, status: str, side: dict[str, Any], settings: BatchSettings, seconds: float,
            reused: bool = False) -> ClipRecord:
    poses = side["poses"]
    analysis = side.get("analysis") if settings.tasks is not None else None
    fps = poses.get("fps")
    return ClipRecord(job.name, job.source, status, frames=poses["frames"], people=poses["people"], fps=fps,
                      duration_s=round(poses["frames"] / fps, 3) if fps else None, seconds=seconds,
                      poses=job.poses(settings), analysis=job.analysis if analysis else None, reused_poses=reused,
                      task_columns=dict(analysis["columns"]) if analysis else {})


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)

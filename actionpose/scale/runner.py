"""A whole batch: find the videos, plan their outputs, run an engine, keep the summary table."""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actionpose.errors import InputError
from actionpose.inputs import find_videos
from actionpose.scale.summary import SummaryTable
from actionpose.scale.work import BatchSettings, ClipJob, ClipRecord

log = logging.getLogger(__name__)

ENGINES = ("pool", "ray")


@dataclass
class BatchReport:
    """The records of one run (input order), the summary files and the wall time."""

    records: list[ClipRecord]
    summary: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        """How many clips ended ``done``, ``skipped-unchanged`` and ``failed``."""
        return dict(Counter(r.status for r in self.records))

    @property
    def failed(self) -> list[ClipRecord]:
        return [r for r in self.records if not r.ok]


def plan_jobs(videos: Sequence[Path], out_dir: str | Path) -> list[ClipJob]:
    """One job per video, its results under ``out_dir`` at the video's path below the inputs' common folder.

    Videos whose names differ only by extension (``a.mp4``, ``a.avi``) keep the extension in their result
    names (``a.mp4.npz``) so that they never overwrite each other.
    """
    if not videos:
        return []
    out_dir = Path(out_dir)
    resolved = [v.resolve() for v in videos]
    base = Path(os.path.commonpath([str(v.parent) for v in resolved]))
    rels = [v.relative_to(base) for v in resolved]
    stems = Counter(r.with_suffix("") for r in rels)
    jobs = []
    for video, rel in zip(videos, rels):
        stem = rel.with_suffix("") if stems[rel.with_suffix("")] == 1 else rel
        jobs.append(ClipJob(Path(video), out_dir / stem, rel.as_posix()))
    return jobs


def run_batch(inputs: Sequence[str | Path], out_dir: str | Path, settings: BatchSettings, engine: str = "pool",
              workers: int | None = None, address: str | None = None, summary: str | Path | None = None,
              progress: Callable[[ClipRecord], None] | None = None, on_plan: Callable[[int], None] | None = None,
              ray_options=None) -> BatchReport:
    """Extract (and analyze, if ``settings.tasks``) every video under ``inputs`` into ``out_dir``.

    Parameters
    ----------
    inputs
        Folders (searched recursively) and video files.
    engine
        ``"pool"`` (``workers`` processes, default one per core) or ``"ray"`` (Ray tasks; ``address`` of a
        cluster, else a local Ray with ``workers`` CPUs or the one this process is connected to).
    summary
        Summary table path (``.csv``; a ``.parquet`` is written beside it); default ``out_dir/summary.csv``.
    progress
        Called with each clip's record as it finishes.
    on_plan
        Called once with the number of clips before any starts (a progress bar's total).
    ray_options
        :class:`actionpose.scale.ray_engine.RayOptions` (resources and retries of each task).

    Raises
    ------
    InputError
        If an input is missing, no video is found, or the engine is unknown or unavailable.
    """
    if engine not in ENGINES:
        raise InputError(engine, f"unknown engine; choose from {', '.join(ENGINES)}")
    missing = [str(i) for i in inputs if not Path(i).exists()]
    if missing:
        raise InputError(", ".join(missing), "no such file or folder")
    if engine == "ray":
        from actionpose.scale.ray_engine import import_ray

        import_ray()  # a missing extra is one line before any work
    videos = find_videos(inputs)
    if not videos:
        raise InputError(", ".join(map(str, inputs)), "no video files found")
    started = time.perf_counter()
    settings = settings if settings.fingerprint else settings.fingerprinted()
    jobs = plan_jobs(videos, out_dir)
    table = SummaryTable(summary or Path(out_dir) / "summary.csv", [j.name for j in jobs])
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    if on_plan is not None:
        on_plan(len(jobs))

    def finished(record: ClipRecord) -> None:
        if record.status == "failed":
            log.info("%s", record.reason)
        table.add(record)
        if progress is not None:
            progress(record)

    if engine == "ray":
        from actionpose.scale.ray_engine import run_ray

        run_ray(jobs, settings, finished, address=address, num_cpus=workers, options=ray_options)
    else:
        from actionpose.scale.pool import run_pool

        run_pool(jobs, settings, finished, workers=workers)
    paths = table.write()
    order = {j.name: i for i, j in enumerate(jobs)}
    records = sorted(table.records, key=lambda r: order[r.clip])
    return BatchReport(records, paths, time.perf_counter() - started)

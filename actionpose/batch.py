"""Extract poses from many clips with a process pool (one clip per task, failures recorded, never fatal).

``find_videos`` is shared by every command. Resumable folder runs with analysis, a summary table and a Ray
engine (what ``actionpose extract DIR`` and ``actionpose analyze DIR`` use) live in :mod:`actionpose.scale`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from actionpose.errors import ActionPoseError
from actionpose.pipeline import ExtractOptions, extract_poses
from actionpose.skeleton.io import save_poses

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv"}


@dataclass
class ClipResult:
    """What became of one input clip."""

    source: Path
    output: Path | None
    frames: int = 0
    people: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the clip was extracted and written."""
        return self.error is None


def find_videos(inputs: Sequence[str | Path]) -> list[Path]:
    """Expand folders (recursively) into the video files they hold, keeping files as given."""
    found: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file())
        else:
            found.append(item)
    return found


def plan_outputs(videos: Sequence[Path], out_dir: Path, suffix: str) -> list[tuple[Path, Path]]:
    """Pair each video with ``out_dir`` / its path below the inputs' common folder, with ``suffix``.

    Keeping the relative path means clips with equal names in different folders never collide.
    """
    if not videos:
        return []
    base = Path(os.path.commonpath([str(v.resolve().parent) for v in videos]))
    return [(v, (out_dir / v.resolve().relative_to(base)).with_suffix(suffix)) for v in videos]


def _extract_one(source: Path, output: Path, options: ExtractOptions, fmt: str | None) -> ClipResult:
    try:
        seq = extract_poses(source, options)
        save_poses(seq, output, format=fmt)
        return ClipResult(source, output, seq.num_frames, seq.num_people)
    except (ActionPoseError, OSError) as exc:
        return ClipResult(source, None, error=str(exc))
    except Exception as exc:  # one broken clip never stops the batch; its traceback goes to the log
        log.exception("extracting %s failed", source)
        return ClipResult(source, None, error=f"{source}: internal error: {type(exc).__name__}: {exc}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def extract_many(jobs: Sequence[tuple[Path, Path]], options: ExtractOptions, fmt: str | None = None,
                 workers: int | None = None, progress: Callable[[ClipResult], None] | None = None) -> list[ClipResult]:
    """Extract each ``(source, output)`` pair, ``workers`` clips at a time (default: one per core).

    Each worker is a fresh process (spawn), so native pose libraries never see a forked state.
    Results come back in the order of ``jobs``.
    """
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs) or 1))
    if workers >= (os.cpu_count() or 1):
        # every core runs a worker: a decode thread per worker would only add hand-over costs
        options = replace(options, threaded_decode=False)
    results: list[ClipResult] = []
    if workers == 1:
        for src, out in jobs:
            results.append(_extract_one(src, out, options, fmt))
            if progress:
                progress(results[-1])
        return results
    ctx = multiprocessing.get_context("spawn")
    # longest clips first (by file size), so that no long clip starts last and runs alone
    ordered = sorted(jobs, key=lambda job: _size(job[0]), reverse=True)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(_extract_one, src, out, options, fmt): src for src, out in ordered}
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # a crashed worker costs one clip, never the batch
                res = ClipResult(futures[fut], None, error=f"worker failed: {exc}")
            results.append(res)
            if progress:
                progress(res)
    order = {src: i for i, (src, _) in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.source])

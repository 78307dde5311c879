"""The process-pool engine: one clip per task on a pool of spawned processes, sized to the cores."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from actionpose.scale.work import BatchSettings, ClipJob, ClipRecord, failed_record, process_clip

log = logging.getLogger(__name__)

Work = Callable[[ClipJob, BatchSettings], ClipRecord]


def pool_workers(workers: int | None, jobs: int) -> int:
    """``workers`` (default: one per core), never more than there are jobs."""
    return max(1, min(workers or os.cpu_count() or 1, jobs or 1))


def single_threaded(settings: BatchSettings) -> BatchSettings:
    """``settings`` without a decode thread: when every core runs a clip, the thread only adds hand-over costs."""
    return replace(settings, extract=replace(settings.extract, threaded_decode=False))


def longest_first(jobs: Sequence[ClipJob]) -> list[ClipJob]:
    """``jobs`` by decreasing frame count, so that no long clip starts last and runs alone."""
    return sorted(jobs, key=_frames, reverse=True)


def _frames(job: ClipJob) -> float:
    """The clip's frame count from its header, the best cheap guess of its cost (pose inference per frame
    dominates; file size misleads between codecs and resolutions); 0 when unreadable."""
    import cv2

    cap = cv2.VideoCapture(str(job.source))
    try:
        return max(cap.get(cv2.CAP_PROP_FRAME_COUNT), 0.0) if cap.isOpened() else 0.0
    finally:
        cap.release()


def run_pool(jobs: Sequence[ClipJob], settings: BatchSettings, on_result: Callable[[ClipRecord], None],
             workers: int | None = None, attempts: int = 3, work: Work = process_clip) -> None:
    """Run ``work`` on every job, ``workers`` at a time, calling ``on_result`` as each clip finishes.

    One worker runs the clips in this process. Otherwise each worker is a fresh (spawned) process, so native
    pose libraries never see a forked state; longest clips (by frame count) go first so that none starts last
    and runs alone. Only as many clips as workers are in flight: when a worker dies (a native crash, the
    out-of-memory killer) the pool is restarted and the clips that were running are rerun one at a time, so
    the culprit is found; a clip whose worker dies ``attempts`` times alone is recorded as failed. The other
    clips are never lost.
    """
    workers = pool_workers(workers, len(jobs))
    if workers >= (os.cpu_count() or 1):
        settings = single_threaded(settings)
    if workers == 1:
        for job in jobs:
            on_result(work(job, settings))
        return
    pending = deque(longest_first(jobs))
    suspects: deque[ClipJob] = deque()  # were running when a worker died: rerun one at a time to find the culprit
    tries: Counter[int] = Counter()
    ctx = multiprocessing.get_context("spawn")
    while pending or suspects:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        running: dict[Future, ClipJob] = {}
        broken = False
        try:
            while (pending or suspects or running) and not broken:
                while True:
                    if suspects:
                        if running:
                            break
                        job = suspects.popleft()
                    elif pending and len(running) < workers:
                        job = pending.popleft()
                    else:
                        break
                    running[pool.submit(work, job, settings)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
                if broken:  # every clip still running lost its worker too
                    wait(running)
                    done = set(running)
                alone = len(running) == 1
                for fut in done:
                    job = running.pop(fut)
                    exc = fut.exception()
                    if exc is None:
                        on_result(fut.result())
                    elif not isinstance(exc, BrokenProcessPool):
                        on_result(failed_record(job, f"{job.source}: worker failed: {type(exc).__name__}: {exc}"))
                    elif not alone:
                        log.warning("a worker died while on %s (among %d clips); rerunning them one at a time",
                                    job.source, len(done))
                        suspects.append(job)
                    else:
                        tries[id(job)] += 1
                        if tries[id(job)] >= attempts:
                            on_result(failed_record(job, f"{job.source}: worker process died {attempts} times "
                                                         "(native crash or out of memory)"))
                        else:
                            log.warning("a worker died on %s; retrying it", job.source)
                            suspects.appendleft(job)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

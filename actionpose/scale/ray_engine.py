"""The Ray engine: the same :func:`~actionpose.scale.work.process_clip` as Ray tasks, one per clip.

Ray is an optional extra (``pip install actionpose[ray]``) imported only here. Each task declares its
resources (one CPU and a memory reservation by default) and is retried by Ray when its worker process or
node dies. On a cluster every node must see the inputs and the output folder at the same paths (a shared
file system) and have actionpose installed: results are written by the workers, as with the process pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from actionpose.errors import InputError
from actionpose.scale.pool import longest_first, single_threaded
from actionpose.scale.work import BatchSettings, ClipJob, ClipRecord, failed_record, process_clip

log = logging.getLogger(__name__)


@dataclass
class RayOptions:
    """Resources and retries of each clip's Ray task.

    Parameters
    ----------
    num_cpus
        CPUs each task reserves (extraction of one clip uses one core).
    memory_bytes
        Memory each task reserves for scheduling (a 10-minute clip peaks well below 1.5 GB); 0 reserves none.
    max_retries
        Times Ray reruns a task whose worker died (Python errors are not retried: they are the clip's fault).
    """

    num_cpus: float = 1.0
    memory_bytes: int = 1536 * 1024 * 1024
    max_retries: int = 3


def import_ray() -> Any:
    """The ``ray`` module, or an :class:`InputError` saying how to install it."""
    try:
        import ray
    except ImportError:
        raise InputError("--engine ray", "Ray is not installed; install it with `pip install actionpose[ray]`") \
            from None
    return ray


def run_ray(jobs: Sequence[ClipJob], settings: BatchSettings, on_result: Callable[[ClipRecord], None],
            address: str | None = None, num_cpus: int | None = None, options: RayOptions | None = None) -> None:
    """Run every job as a Ray task, calling ``on_result`` as each finishes.

    Uses the Ray instance this process is already connected to; otherwise connects to ``address`` (a cluster:
    ``HOST:PORT`` or ``auto``) or starts a local Ray with ``num_cpus`` CPUs, and shuts it down at the end.
    """
    ray = import_ray()
    options = options or RayOptions()
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "logging_level": logging.ERROR}
        if address:
            kwargs["address"] = address
        elif num_cpus:
            kwargs["num_cpus"] = num_cpus
        try:
            ray.init(**kwargs)
        except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
            raise InputError(address or "ray", f"cannot start or reach Ray: {exc}") from None
        started = True
    try:
        resources: dict[str, Any] = {"num_cpus": options.num_cpus, "max_retries": options.max_retries,
                                     "retry_exceptions": False}
        if options.memory_bytes:
            resources["memory"] = options.memory_bytes
        task = ray.remote(process_clip).options(**resources)
        settings_ref = ray.put(single_threaded(settings))
        refs = {task.remote(job, settings_ref): job for job in longest_first(jobs)}
        log.info("submitted %d clip task(s) to Ray (%s)", len(refs), resources)
        remaining = list(refs)
        while remaining:
            done, remaining = ray.wait(remaining, num_returns=1)
            for ref in done:
                job = refs[ref]
                try:
                    record = ray.get(ref)
                except Exception as exc:  # the worker died more than max_retries times, or the task was lost
                    record = failed_record(job, f"{job.source}: Ray task failed: {type(exc).__name__}: {exc}")
                on_result(record)
    finally:
        if started:
            ray.shutdown()

"""Batch extraction and analysis of video collections: a process pool on one machine, or Ray on a cluster.

>>> report = run_batch(["recordings/"], "out/", BatchSettings(tasks=("falls", "gait")))  # doctest: +SKIP
>>> report.counts  # doctest: +SKIP
{'done': 41, 'skipped-unchanged': 958, 'failed': 1}

Every input gets its result files under the output folder (same relative path), a sidecar that makes
re-runs skip it while its content and the settings are unchanged, and a row in ``summary.csv`` /
``summary.parquet``. Modules: :mod:`~actionpose.scale.work` (one clip), :mod:`~actionpose.scale.resume`
(hashes, sidecars), :mod:`~actionpose.scale.pool` and :mod:`~actionpose.scale.ray_engine` (engines),
:mod:`~actionpose.scale.summary` (the table), :mod:`~actionpose.scale.runner` (all of it together).
"""

from __future__ import annotations

from actionpose.scale.runner import ENGINES, BatchReport, plan_jobs, run_batch
from actionpose.scale.work import DONE, FAILED, SKIPPED, BatchSettings, ClipJob, ClipRecord, process_clip

__all__ = ["BatchReport", "BatchSettings", "ClipJob", "ClipRecord", "DONE", "ENGINES", "FAILED", "SKIPPED",
           "plan_jobs", "process_clip", "run_batch"]

"""``actionpose analyze``: the tasks over a whole folder of videos, and the batch options ``extract`` shares.

Both run :func:`actionpose.scale.run_batch`: one result set per input, resumable, a summary table, a progress
bar over clips, failures of single clips recorded and never fatal; ``--engine ray`` runs the clips as Ray tasks.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from actionpose.commands.options import add_backend_args, extract_options
from actionpose.errors import InputError


def add_batch_args(p: argparse.ArgumentParser) -> None:
    """``--workers``, ``--engine``, ``--address`` and ``--summary`` (folder runs of ``extract`` and ``analyze``)."""
    g = p.add_argument_group("batch (folders)")
    g.add_argument("--workers", type=int, help="parallel clips (default: one per core; with a local Ray, its CPUs)")
    g.add_argument("--engine", choices=("pool", "ray"), default="pool",
                   help="pool: processes on this machine (default); ray: Ray tasks (pip install actionpose[ray])")
    g.add_argument("--address", metavar="ADDR",
                   help="with --engine ray: the cluster to join (HOST:PORT or auto; default: a local Ray)")
    g.add_argument("--summary", metavar="FILE",
                   help="summary table (.csv, with a .parquet beside it; default OUTDIR/summary.csv)")


def batch_settings(args: argparse.Namespace, options=None, pose_format: str | None = None, pose_suffix: str = ".npz",
                   tasks: tuple[str, ...] | None = None, configs: dict | None = None):
    """:class:`actionpose.scale.BatchSettings` from the command's options."""
    from actionpose.scale import BatchSettings

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", f"must be at least 1, got {args.workers}")
    if args.address and args.engine != "ray":
        raise InputError("--address", "only applies with --engine ray")
    return BatchSettings(options or extract_options(args), pose_format, pose_suffix, tasks, configs or {})


def run_with_progress(args: argparse.Namespace, settings):
    """Run the batch of ``args.inputs`` into ``args.output`` under a progress bar over clips."""
    from tqdm import tqdm

    from actionpose.scale import run_batch

    with tqdm(desc="clips", unit="clip", disable=True if args.quiet else None, file=sys.stderr) as bar:
        def update(record) -> None:
            bar.update()
            bar.set_postfix_str(record.clip[-40:], refresh=False)

        def total(n: int) -> None:
            bar.total = n
            bar.refresh()

        return run_batch(args.inputs, args.output, settings, engine=args.engine, workers=args.workers,
                         address=args.address, summary=args.summary, progress=update, on_plan=total)


def print_report(report, out: Path, verb: str) -> int:
    """One line per clip done, one stderr line per failure, a closing count; exit 2 if any clip failed."""
    for r in report.records:
        if r.status == "done":
            what = str(r.analysis or r.poses)
            reuse = " (poses reused)" if r.reused_poses else ""
            print(f"{what}: {r.frames} frames, {r.people} track(s){reuse}")
    for r in report.failed:
        print(f"actionpose: error: {r.reason}", file=sys.stderr)
    counts = report.counts
    ok = counts.get("done", 0) + counts.get("skipped-unchanged", 0)
    print(f"{ok} of {len(report.records)} clips {verb} into {out} ({counts.get('skipped-unchanged', 0)} unchanged "
          f"and skipped, {counts.get('failed', 0)} failed) in {report.seconds:.1f} s; summary {report.summary[0]}")
    return 2 if report.failed else 0


def _tasks(text: str) -> tuple[str, ...]:
    from actionpose.analysis import check_tasks

    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError("--tasks", "no task given")
    try:
        return tuple(check_tasks(names))
    except ValueError as exc:
        raise InputError("--tasks", str(exc)) from None


def task_configs(args: argparse.Namespace) -> dict:
    """The task configs that ``analyze``'s options set (the other tasks keep their defaults)."""
    from actionpose.tasks.actions import ActionsConfig
    from actionpose.tasks.exercise.task import ExerciseConfig
    from actionpose.tasks.gait import GaitConfig
    from actionpose.tasks.signs.task import SignsConfig

    for path in (args.sign_model, args.action_model):
        if path and not Path(path).is_file():
            raise InputError(path, "no such model file")
    return {"reps": ExerciseConfig(exercise=args.exercise), "gait": GaitConfig(height_m=args.height),
            "signs": SignsConfig(model=args.sign_model), "actions": ActionsConfig(model=args.action_model)}


def cmd_analyze(args: argparse.Namespace) -> int:
    tasks = _tasks(args.tasks)
    report = run_with_progress(args, batch_settings(args, tasks=tasks, configs=task_configs(args)))
    return print_report(report, Path(args.output), "analyzed")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``analyze``."""
    a = sub.add_parser("analyze", help="falls, gait, reps and signs over a folder of videos (resumable, "
                                       "summary table, process pool or Ray)")
    a.add_argument("inputs", nargs="+", help="folder(s) of videos (searched recursively) or video files")
    a.add_argument("-o", "--output", required=True, help="output folder: per clip CLIP.npz (poses), "
                                                          "CLIP.analysis.json, CLIP.batch.json (resume record)")
    a.add_argument("--tasks", default="falls,gait,reps", help="comma-separated: falls, gait, reps, signs, "
                                                              "actions (default falls,gait,reps)")
    a.add_argument("--exercise", default="auto", help="reps: a built-in exercise, auto, or a definition file")
    a.add_argument("--height", type=float, metavar="M", help="gait: the walkers' height in metres")
    a.add_argument("--sign-model", metavar="FILE", help="signs: a sign model (default: the built-in alphabet)")
    a.add_argument("--action-model", metavar="FILE", help="actions: your action model (`actionpose train`)")
    add_batch_args(a)
    add_backend_args(a)
    a.set_defaults(func=cmd_analyze)

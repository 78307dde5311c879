"""``actionpose monitor CONFIG``: watch live sources headless (a server can run it as a service)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``monitor`` command."""
    m = sub.add_parser("monitor", help="watch cameras and streams in background workers (falls, gait) and raise alerts",
                       description="Run every enabled monitor of a monitors file (JSON or YAML) in its own worker "
                                   "process: restarted when it crashes or stalls, reconnected with back-off when "
                                   "its stream drops. Status and snapshots go to the state folder; alerts to the "
                                   "monitors' sinks. The file is re-read when it changes. Stop with Ctrl-C.")
    m.add_argument("config", help="monitors file (see actionpose.monitor.config for the schema)")
    m.add_argument("--check", action="store_true", help="only check the file and list its monitors")
    m.add_argument("--duration", type=float, metavar="S", help="stop after this many seconds")
    m.set_defaults(func=cmd_monitor)


def cmd_monitor(args: argparse.Namespace) -> int:
    from actionpose.monitor.config import load_monitors

    file = load_monitors(args.config)
    if args.check:
        for mon in file.monitors:
            print(f"{mon.name}: {mon.kind} {mon.source}  tasks {','.join(mon.tasks)}  "
                  f"{'enabled' if mon.enabled else 'disabled'}")
        print(f"{args.config}: {len(file.monitors)} monitor(s), state in {file.state_dir}")
        return 0
    from actionpose.monitor.supervisor import run_supervisor

    print(f"{args.config}: supervising {sum(m.enabled for m in file.monitors)} monitor(s); state in "
          f"{file.state_dir}", flush=True)
    run_supervisor(args.config, args.duration)
    return 0

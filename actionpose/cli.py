"""The ``actionpose`` command line. Only this module prints; the library logs.

Every command exits 0 on success, 2 with one line on stderr when the input is bad
(missing, empty, corrupt, wrong schema, no person), and 1 on an internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from actionpose import __version__
from actionpose.commands import add_command_parsers
from actionpose.errors import ActionPoseError

log = logging.getLogger("actionpose")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="actionpose", description="Action recognition on human pose sequences.")
    p.add_argument("--version", action="version", version=f"actionpose {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_command_parsers(sub)
    return p


@contextlib.contextmanager
def _quiet_native_stderr(enabled: bool) -> Iterator[None]:
    """Send what native libraries write straight to file descriptor 2 to /dev/null.

    MediaPipe/TFLite (absl logging) and FFmpeg inside OpenCV print diagnostics on fd 2 that would
    bury the one-line error message; Python's own ``sys.stderr`` (our messages, logging, progress
    bars) keeps the real stderr. Spawned worker processes inherit the quiet fd 2.
    """
    if not enabled:
        yield
        return
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    real_stderr = sys.stderr
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1, encoding=real_stderr.encoding or "utf-8",
                           errors="backslashreplace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = real_stderr
        os.dup2(saved, 2)
        os.close(saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actionpose`` console script."""
    args = build_parser().parse_args(argv)
    quiet_native = args.verbose < 2 and _has_fileno(sys.stderr)
    with _quiet_native_stderr(quiet_native):
        level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
        log.setLevel(level)  # the command owns this process's logging, whatever configured "actionpose" before
        return _run(args)


def _has_fileno(stream: Any) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False  # captured (pytest, notebooks): nothing native to silence through it


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except ActionPoseError as exc:
        print(f"actionpose: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable output folder, disk full, ...
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"actionpose: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("actionpose: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for users; --debug shows it
        if args.debug:
            raise
        print(f"actionpose: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

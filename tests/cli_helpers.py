"""Running the ``actionpose`` CLI in-process from tests, and checking its one-line errors."""

from __future__ import annotations

from actionpose.cli import main


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of ``actionpose -q ARGV``."""
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    """Exit code 2, one line on stderr holding every word, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]

"""The README's Python section runs as written, on a real clip, with root imports only."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    """The ```python blocks under the README's "## Python" heading."""
    text = README.read_text()
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_python_section_uses_root_imports_only():
    blocks = python_blocks()
    assert blocks, "no python block under ## Python"
    imports = [line.strip() for b in blocks for line in b.splitlines() if re.match(r"\s*(import|from) ", line)]
    assert imports == ["import actionpose"]


@pytest.mark.slow
def test_the_python_section_runs(data_file, tmp_path, monkeypatch, capsys):
    shutil.copy(data_file("falls/gmdcsa24/Subject_2/Fall/13.mp4"), tmp_path / "clip.mp4")
    monkeypatch.chdir(tmp_path)
    for block in python_blocks():
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "falls {'falls': 1, " in out          # the labelled fall is found
    assert "critical person 0 fell" in out
    assert (tmp_path / "poses.csv").is_file()

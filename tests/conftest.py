"""Shared fixtures. Real-data tests read ../shared/data (or $ACTIONPOSE_DATA) in place and skip with a
reason when it is absent."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def data_root() -> Path | None:
    """The shared real-data folder, or None."""
    env = os.environ.get("ACTIONPOSE_DATA")
    path = Path(env) if env else ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real-data folder; skips the test when it is absent."""
    root = data_root()
    if root is None:
        pytest.skip("real data not found: set ACTIONPOSE_DATA or place it at ../shared/data")
    return root


@pytest.fixture(scope="session")
def data_file(data_dir: Path):
    """``data_file("clips/stgcn/ta_chi.mp4")``: a path in the data folder, skipping if it is missing.

    Session-scoped, so module fixtures that load a dataset once can use it too.
    """
    def get(rel: str) -> Path:
        p = data_dir / rel
        if not p.exists():
            pytest.skip(f"{rel} not in the real-data folder {data_dir}")
        return p
    return get


@pytest.fixture
def bad_file(tmp_path: Path):
    """``bad_file("rules.yaml", text, load_rules)``: write ``text``, load it, and return the InputError's message.

    Fails unless loading raises :class:`~actionpose.errors.InputError` naming the file.
    """
    from actionpose.errors import InputError

    def load(name: str, text: str, loader) -> str:
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(InputError) as info:
            loader(path)
        message = str(info.value)
        assert name in message, message
        return message
    return load


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that needs the real-data folder is marked ``real`` (``-m "not real"`` runs the rest)."""
    for item in items:
        if "data_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real)


def read_reference(name: str) -> tuple[list[tuple[str, tuple[int, ...]]], int, int]:
    """``([(name, shape), ...], tensor count, value count)`` of a checkpoint listing in
    ``../shared/reference``; skips the test when the file is absent."""
    path = ROOT.parent / "shared" / "reference" / name
    if not path.is_file():
        pytest.skip(f"reference list {path} not found")
    entries, header = [], []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            header.append(line)
        elif line.strip():
            key, shape = line.split(" ", 1)
            entries.append((key, tuple(ast.literal_eval(shape))))
    counts = [int(w) for w in header[1].replace(",", " ").split() if w.isdigit()]
    return entries, counts[0], counts[1]


@pytest.fixture
def ws_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh private dashboard workspace (and no remembered results)."""
    from actionpose.dashboard import runs
    from actionpose.dashboard.config import ENV_DIR, ENV_HOST, ENV_MAX_UPLOAD_MB

    root = tmp_path / "workspace"
    monkeypatch.setenv(ENV_DIR, str(root))
    monkeypatch.delenv(ENV_MAX_UPLOAD_MB, raising=False)
    monkeypatch.delenv(ENV_HOST, raising=False)
    runs.forget()
    yield root
    runs.forget()

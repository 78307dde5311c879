"""The batch's summary table: one row per input, written as CSV and Parquet (atomically), also while it runs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from actionpose.atomic import atomic_path
from actionpose.scale.work import ClipRecord

log = logging.getLogger(__name__)


def summary_paths(summary: str | Path) -> tuple[Path, Path]:
    """``(csv, parquet)`` for a summary given as ``NAME.csv``, ``NAME.parquet`` or ``NAME``."""
    path = Path(summary)
    stem = path.with_suffix("") if path.suffix.lower() in (".csv", ".parquet") else path
    return Path(f"{stem}.csv"), Path(f"{stem}.parquet")


class SummaryTable:
    """Rows of finished clips, rewritten to disk at most every ``every_s`` seconds and by :meth:`write`.

    A killed run therefore still leaves a summary of what had finished (the sidecars hold the rest).
    """

    def __init__(self, summary: str | Path, order: list[str] | None = None, every_s: float = 2.0) -> None:
        self.csv, self.parquet = summary_paths(summary)
        self.records: list[ClipRecord] = []
        self.every_s = every_s
        self._order = {name: i for i, name in enumerate(order or [])}
        self._written = time.monotonic()

    def add(self, record: ClipRecord) -> None:
        """Add a finished clip; rewrite the files if the last write is older than ``every_s``."""
        self.records.append(record)
        if time.monotonic() - self._written >= self.every_s:
            self.write()

    def frame(self) -> Any:
        """The table as a pandas DataFrame, in input order."""
        import pandas as pd

        records = sorted(self.records, key=lambda r: (self._order.get(r.clip, len(self._order)), r.clip))
        table = pd.DataFrame([r.row() for r in records])
        for col in ("frames", "people"):
            if col in table:
                table[col] = table[col].astype("Int64")  # failed clips have none: no float 61.0
        return table

    def write(self) -> list[Path]:
        """Write CSV and Parquet atomically; returns the paths."""
        table = self.frame()
        with atomic_path(self.csv) as tmp:
            table.to_csv(tmp, index=False)
        try:
            with atomic_path(self.parquet) as tmp:
                table.to_parquet(tmp, index=False)
        except (TypeError, ValueError, ImportError) as exc:  # pyarrow refuses a column mixing types
            log.info("summary: mixed column types (%s); writing object columns as text", exc)
            text = table.copy()
            for col in text.select_dtypes(include="object").columns:
                text[col] = text[col].map(lambda v: None if v is None else str(v))
            with atomic_path(self.parquet) as tmp:
                text.to_parquet(tmp, index=False)
        self._written = time.monotonic()
        return [self.csv, self.parquet]

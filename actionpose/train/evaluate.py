"""Evaluation report of a classifier: accuracy, macro-F1, per-class precision/recall, confusion matrix."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from actionpose.atomic import atomic_path


@dataclass
class EvaluationReport:
    """Metrics of predictions against the truth (labels in ``classes`` order)."""

    accuracy: float
    macro_f1: float
    classes: list[str]
    precision: list[float]
    recall: list[float]
    f1: list[float]
    support: list[int]
    confusion: list[list[int]]
    n: int

    def summary(self) -> str:
        """A few readable lines (the CLI prints them)."""
        lines = [f"accuracy {self.accuracy:.3f}  macro-F1 {self.macro_f1:.3f}  ({self.n} samples)"]
        width = max(len(c) for c in self.classes)
        for c, p, r, f, s in zip(self.classes, self.precision, self.recall, self.f1, self.support):
            lines.append(f"  {c:<{width}}  precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  n={s}")
        return "\n".join(lines)


def evaluate_predictions(y_true: Sequence, y_pred: Sequence, classes: Sequence[str] | None = None) -> EvaluationReport:
    """Build the report from true and predicted labels (scikit-learn metrics)."""
    y_true, y_pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    labels = list(classes) if classes is not None else sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return EvaluationReport(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        classes=[str(c) for c in labels], precision=p.tolist(), recall=r.tolist(), f1=f.tolist(),
        support=[int(v) for v in s], confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        n=len(y_true))


def save_report(report: EvaluationReport, json_path: str | Path, png_path: str | Path | None = None,
                extra: dict[str, Any] | None = None) -> list[Path]:
    """Write the report as JSON and the confusion matrix as a PNG (default: beside the JSON)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    json_path = Path(json_path)
    png_path = Path(png_path) if png_path else json_path.with_suffix(".png")
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps({**asdict(report), **(extra or {})}, indent=1))
    size = max(4.0, 0.6 * len(report.classes) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ConfusionMatrixDisplay(np.array(report.confusion), display_labels=report.classes).plot(
        ax=ax, colorbar=False, xticks_rotation=45)
    ax.set_title(f"accuracy {report.accuracy:.3f}, macro-F1 {report.macro_f1:.3f}")
    fig.tight_layout()
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return [json_path, png_path]

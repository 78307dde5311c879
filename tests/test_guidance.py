"""Honest guidance: counts and warnings before training, cross-validation by person against the majority-class
baseline after, with a clear warning when the model is not better, and advice per class."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import run
from synthetic_actors import actor

from actionpose.models.classifier import ActionClassifier
from actionpose.skeleton.io import save_poses
from actionpose.train.data import LabelledClip
from actionpose.train.guidance import check_data, evaluate_by_group


def _clips(spec: dict[str, tuple[str, int, int]]) -> list[LabelledClip]:
    """``{label: (motion, clips, people)}``: clips of ``motion`` labelled ``label``, spread over people."""
    out = []
    for k, (label, (motion, n, people)) in enumerate(spec.items()):
        for i in range(n):
            out.append(LabelledClip(actor(motion, 100 * k + i, frames=60), label=label, group=f"person{i % people}"))
    return out


def test_check_data_counts_and_warns() -> None:
    data = check_data(_clips({"wave": ("wave", 12, 3), "squat": ("squat", 3, 1)}))
    table = data.table()
    assert table.set_index("class").loc["wave", ["clips", "frames", "people"]].tolist() == [12, 720, 3]
    assert table.set_index("class").loc["squat", "people"] == 1
    text = " | ".join(data.warnings)
    assert "'squat' has only 3 clip(s)" in text
    assert "all clips of 'squat' come from 1 person" in text and "from other people" in text
    assert "unbalanced classes: 'wave' has 12 clips, 'squat' only 3" in text
    fine = check_data(_clips({"wave": ("wave", 6, 3), "squat": ("squat", 6, 3)}))
    assert fine.warnings == []


def test_clips_without_groups_are_called_optimistic() -> None:
    clips = [LabelledClip(actor(a, i), label=a, group=f"{a}{i}") for i in range(5) for a in ("wave", "squat")]
    data = check_data(clips)
    assert not data.groups_given and any("optimistic" in w for w in data.warnings)


def _logreg() -> ActionClassifier:
    return ActionClassifier(model="logreg", window=15)


def test_a_useful_model_beats_the_baseline() -> None:
    ev = evaluate_by_group(_logreg, _clips({"wave": ("wave", 6, 3), "squat": ("squat", 6, 3)}))
    assert ev.folds == 3 and ev.groups == 3
    assert ev.better and ev.report.macro_f1 > 0.9 and ev.baseline.macro_f1 < 0.5
    assert ev.clip_report.macro_f1 > 0.9 and ev.clip_report.n == 12
    assert not ev.warnings and not ev.advice
    assert "majority baseline" in "\n".join(ev.lines())


def test_a_model_at_the_baseline_gets_the_warning_and_advice() -> None:
    # both classes are the same motion: nothing to learn, and "a" is the majority
    ev = evaluate_by_group(_logreg, _clips({"a": ("wave", 8, 4), "b": ("wave", 4, 4)}))
    assert not ev.better
    assert ev.report.macro_f1 < ev.baseline.macro_f1 + 0.05 or ev.report.accuracy <= ev.baseline.accuracy
    assert any("NOT better than always answering the most common class" in w for w in ev.warnings)
    assert any("add clips of 'b' from other people" in a for a in ev.advice)


def test_one_group_cannot_be_evaluated() -> None:
    assert evaluate_by_group(_logreg, _clips({"wave": ("wave", 3, 1), "squat": ("squat", 3, 1)})) is None


def _folder(tmp_path: Path, spec: dict[str, tuple[str, int, int]]) -> Path:
    root = tmp_path / "clips"
    rows = []
    for i, clip in enumerate(_clips(spec)):
        (root / clip.label).mkdir(parents=True, exist_ok=True)
        save_poses(clip.seq, root / clip.label / f"c{i}.npz")
        rows.append({"file": f"c{i}", "group": clip.group})
    pd.DataFrame(rows).to_csv(root / "groups.csv", index=False)
    return root


@pytest.mark.parametrize("useless", [False, True])
def test_cli_train_prints_counts_cross_validation_and_the_warning(tmp_path: Path, capsys, useless: bool) -> None:
    spec = {"a": ("wave", 8, 4), "b": ("wave", 4, 4)} if useless else {"a": ("wave", 6, 3), "b": ("squat", 6, 3)}
    root = _folder(tmp_path, spec)
    report = tmp_path / "train.json"
    code, out, err = run(["train", str(root), "-o", str(tmp_path / "m.apm"), "--model", "logreg", "--window", "15",
                          "--report", str(report)], capsys)
    assert code == 0, err
    assert "class  clips  frames  seconds  people" in out
    assert "majority baseline macro-F1" in out
    doc = json.loads(report.read_text())
    assert doc["evaluation"]["better"] is (not useless)
    assert ("NOT better than the majority-class baseline" in out) is useless

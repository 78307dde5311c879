"""Per-rep form models from the user's own labelled clips: ``train DIR --reps EXERCISE`` -> ``reps --fault-model``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run

from actionpose.skeleton.io import save_poses
from actionpose.tasks.exercise.rep_model import rep_clips, time_normalise
from actionpose.tasks.exercise.synthetic import synthetic_sequence
from actionpose.train.data import LabelledClip


def pushup(bend: float, seed: int) -> object:
    rng = np.random.default_rng(seed)
    return synthetic_sequence("pushup", reps=[1, 1, 1], noise_px=1.0, seed=seed, bend=bend,
                              bottom_elbow=float(rng.uniform(70, 85)), origin=(float(rng.uniform(250, 390)), 420.0))


@pytest.fixture(scope="module")
def form_folder(tmp_path_factory) -> Path:
    """correct/ (straight body) and incorrect/ (a 10-degree sag the default rules let through), 5 clips each."""
    root = tmp_path_factory.mktemp("form")
    for label, bend in (("correct", 0.0), ("incorrect", -10.0)):
        (root / label).mkdir()
        for i in range(5):
            save_poses(pushup(bend, seed=10 * i + (label == "incorrect")), root / label / f"{label}_{i}.npz")
    return root


def test_time_normalise_gives_the_frames_asked_for() -> None:
    seq = synthetic_sequence("squat", reps=[1])
    out = time_normalise(seq.slice_frames(10, 47), 32)
    assert out.num_frames == 32 and out.fps == 16.0
    assert np.allclose(out.data[0], seq.data[10], equal_nan=True)
    assert np.allclose(out.data[-1], seq.data[46], equal_nan=True)


def test_rep_clips_cut_every_complete_rep() -> None:
    clips = [LabelledClip(pushup(0.0, 1), label="correct", group="a"),
             LabelledClip(synthetic_sequence("squat", reps=[1, 1]), label="correct", group="b")]
    cut = rep_clips(clips, "pushup")
    assert len(cut.clips) == 3 and all(c.seq.num_frames == 32 and c.group == "a" for c in cut.clips)
    assert len(cut.without_reps) == 1
    with pytest.raises(Exception, match="hold"):
        rep_clips(clips, "plank")


@pytest.mark.slow
def test_train_reps_then_judge_each_rep(form_folder: Path, tmp_path: Path, capsys) -> None:
    model, report = tmp_path / "pushup_form.apm", tmp_path / "report.json"
    code, out, err = run(["train", str(form_folder), "--reps", "pushup", "-o", str(model), "--report", str(report)],
                         capsys)
    assert code == 0, err
    assert "reps cut: 30 (correct 15, incorrect 15)" in out
    evaluation = json.loads(report.read_text())["evaluation"]
    assert evaluation is not None
    assert evaluation["model"]["accuracy"] >= 0.9 > evaluation["baseline"]["accuracy"]   # held-out clips
    for label, bend in (("correct", 0.0), ("incorrect", -10.0)):
        clip = save_poses(pushup(bend, seed=99), tmp_path / f"new_{label}.npz")
        code, out, err = run(["reps", str(clip), "--exercise", "pushup", "--fault-model", str(model), "--json"],
                             capsys)
        assert code == 0, err
        reps = [r for r in json.loads(out)["people"][0]["reps"] if r["complete"]]
        assert len(reps) == 3
        learned = [f["id"] for r in reps for f in r["faults"] if f["source"] == "learned"]
        assert learned == ([] if label == "correct" else ["learned:incorrect"] * 3), learned


def test_train_reps_with_no_rep_in_any_clip(tmp_path: Path, capsys) -> None:
    for label in ("correct", "incorrect"):
        (tmp_path / label).mkdir()
        for i in range(2):
            save_poses(synthetic_sequence("plank", phase=np.zeros(60), seed=i), tmp_path / label / f"{i}.npz")
    code, out, err = run(["train", str(tmp_path), "--reps", "squat", "-o", str(tmp_path / "m.apm")], capsys)
    assert_one_line_error(code, err, "no complete squat rep")


@pytest.mark.slow
def test_dashboard_training_makes_a_rep_model(form_folder: Path) -> None:
    from actionpose.dashboard.training import train_and_evaluate
    from actionpose.skeleton.io import load_poses

    clips = [LabelledClip(load_poses(p), label=p.parent.name, group=p.stem)
             for p in sorted(form_folder.glob("*/*.npz"))]
    run_ = train_and_evaluate(clips, "rf", 32, reps="pushup")
    assert run_.clf.rep_model["exercise"] == "pushup" and run_.train_clips == 30
    assert run_.evaluation is not None and run_.report.accuracy >= 0.9

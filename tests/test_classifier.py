"""ActionClassifier: fit / predict / predict_proba / score / predict_stream, safe save and load, and the
train / evaluate / predict / export commands, on synthetic clips of two actions."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from synthetic_actors import actor

from actionpose.cli import main
from actionpose.models.classifier import ActionClassifier
from actionpose.models.store import ModelFileError
from actionpose.skeleton.io import save_poses
from actionpose.train.data import LabelledClip

FPS = 15.0


def clips(n: int = 8, offset: int = 0) -> list[LabelledClip]:
    return [LabelledClip(actor(a, offset + 2 * i + (a == "squat")), label=a, group=f"person{i % 4}")
            for i in range(n) for a in ("wave", "squat")]


@pytest.mark.parametrize("model", ["rf", "logreg", "stgcn", "gru"])
def test_fit_predict_score(model: str) -> None:
    options = {"width": 0.25} if model == "stgcn" else None
    clf = ActionClassifier(model=model, window=15, epochs=12, model_options=options, seed=1)
    clf.fit(clips())
    test = clips(4, offset=1000)
    assert clf.score(test) >= 0.9
    proba = clf.predict_proba(test)
    assert proba.shape == (len(test), 2) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert set(clf.predict(test)) <= {"wave", "squat"}
    windows = clf.windows(test)
    assert clf.predict_proba(windows).shape == (len(windows), 2)


def test_save_load_round_trip_and_refusals(tmp_path: Path) -> None:
    for model in ("stgcn", "knn"):
        clf = ActionClassifier(model=model, window=15, epochs=3, model_options={"width": 0.25} if model == "stgcn"
                               else None).fit(clips(4))
        path = clf.save(tmp_path / f"{model}.apm")
        back = ActionClassifier.load(path)
        test = clips(2, offset=500)
        np.testing.assert_allclose(back.predict_proba(test), clf.predict_proba(test), atol=1e-5)
        with zipfile.ZipFile(path) as zf:
            header = json.loads(zf.read("header.json"))
        assert header["classes"] == ["squat", "wave"] and header["layout"]["name"] == "coco17"
        assert header["window"] == 15 and header["library_version"]
    bad = tmp_path / "bad.apm"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError):
        ActionClassifier.load(bad)
    with pytest.raises(ModelFileError):
        ActionClassifier.load(tmp_path / "missing.apm")


def test_predict_stream_is_causal() -> None:
    clf = ActionClassifier(model="gru", window=15, epochs=8).fit(clips())
    seq = actor("wave", 77, frames=40)
    steps = list(clf.predict_stream(seq))
    assert len(steps) == 40 and [s.index for s in steps] == list(range(40))
    # no look-ahead: the first 20 steps are the same whatever comes after frame 20
    altered = seq.copy()
    altered.data[20:] = actor("squat", 78, frames=40).data[20:]
    early = list(clf.predict_stream(altered))[:20]
    for a, b in zip(steps[:20], early):
        np.testing.assert_allclose(a.proba, b.proba, atol=1e-6)
    assert sum(s.label == "wave" for s in steps[15:]) >= 20


def test_cli_train_evaluate_predict_export(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    for i, clip in enumerate(clips(6)):
        folder = data / clip.label
        folder.mkdir(parents=True, exist_ok=True)
        save_poses(clip.seq, folder / f"{clip.group}_{i}.npz")
    model = tmp_path / "m.apm"
    start = time.perf_counter()
    assert main(["-q", "train", str(data), "-o", str(model), "--model", "tcn", "--window", "15", "--epochs", "8",
                 "--no-cv"]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/8" in out and model.exists() and time.perf_counter() - start < 300
    report = tmp_path / "report.json"
    assert main(["-q", "evaluate", str(model), str(data), "--report", str(report)]) == 0
    capsys.readouterr()
    doc = json.loads(report.read_text())
    assert doc["classes"] == ["squat", "wave"] and len(doc["confusion"]) == 2
    assert report.with_suffix(".png").stat().st_size > 1000
    pose_file = next((data / "wave").glob("*.npz"))
    assert main(["-q", "predict", str(model), str(pose_file), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["windows"] and {w["label"] for w in doc["windows"]} <= {"squat", "wave"}
    onnx = tmp_path / "m.onnx"
    assert main(["-q", "export", str(model), "-o", str(onnx)]) == 0
    assert "max abs difference" in capsys.readouterr().out and onnx.stat().st_size > 0
    code = main(["-q", "train", str(tmp_path / "nothing"), "-o", str(tmp_path / "x.apm")])
    assert code == 2 and not (tmp_path / "x.apm").exists()

"""Train: labelled clips per class (uploads or one ZIP), extraction and training with progress, the
evaluation report, and the local model library (save, import, delete) the Analyze page uses."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from actionpose.dashboard import charts, feedback, runs
from actionpose.dashboard.archive import unpack_classes
from actionpose.dashboard.training import MODELS, TORCH_MODELS, load_clips, train_and_evaluate
from actionpose.dashboard.workspace import UPLOAD_SUFFIXES
from actionpose.errors import InputError

CLIP_TYPES = sorted(s.lstrip(".") for s in UPLOAD_SUFFIXES - {".zip"})


def _class_names(text: str) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in text.replace("\n", ",").split(",") if n.strip()))


def _uploads_per_class() -> dict[str, list]:
    """The clips given on the page: ``{class: [uploaded files]}`` or ``{"__zip__": [zip]}``."""
    how = st.radio("Clips", ["Upload clips per class", "One ZIP with a folder per class"], horizontal=True)
    limit_mb = feedback.settings().max_upload_mb
    if how.startswith("One ZIP"):
        archive = st.file_uploader("ZIP of class folders (class_name/clip.mp4, pose files too)", type=["zip"],
                                   key="train_zip", max_upload_size=max(1, math.ceil(limit_mb)))
        return {"__zip__": [archive] if archive else []}
    names = _class_names(st.text_input("Class names, separated by commas", key="train_classes",
                                       placeholder="e.g. wave, clap, sit down"))
    files: dict[str, list] = {}
    for name in names:
        files[name] = st.file_uploader(f"Clips of '{name}'", type=CLIP_TYPES, accept_multiple_files=True,
                                       key=f"train_clips:{name}", max_upload_size=max(1, math.ceil(limit_mb))) or []
    return files


def _store_all(given: dict[str, list]) -> dict[str, list]:
    ws, limit = feedback.workspace(), feedback.settings().max_upload_bytes
    if "__zip__" in given:
        if not given["__zip__"]:
            raise InputError(None, "upload a ZIP with one folder per class first")
        archive = given["__zip__"][0]
        if archive.size > limit:
            raise InputError(archive.name, f"is larger than the upload limit of {limit / 2 ** 20:g} MB")
        stored = ws.store(archive, archive.name, limit_bytes=limit, allowed={".zip"}, folder=ws.training)
        return unpack_classes(stored.path, archive.name, ws, limit)
    out = {}
    for label, uploads in given.items():
        out[label] = []
        for up in uploads:
            if up.size > limit:
                raise InputError(up.name, f"is larger than the upload limit of {limit / 2 ** 20:g} MB")
            out[label].append(ws.store(up, up.name, limit_bytes=limit, folder=ws.training))
    return out


def _train(given: dict[str, list], model: str, window: int, epochs: int) -> None:
    from actionpose.dashboard.training import check_classes

    files = _store_all(given)
    check_classes(files)
    overall = st.progress(0.0, text="Extracting poses")
    frames: list[feedback.ProgressBar] = []

    def on_clip(i: int, n: int, name: str):
        overall.progress(i / n, text=f"Extracting poses: clip {i + 1} of {n}")
        for bar in frames:
            bar.clear()
        frames[:] = [feedback.ProgressBar(f"Extracting {name}")]
        return frames[0]

    clips, skipped = load_clips(feedback.workspace(), files, on_clip)
    overall.progress(1.0, text=f"Poses of {len(clips)} clip(s) ready")
    for bar in frames:
        bar.clear()
    for line in skipped:
        st.warning(f"Skipped {line}")
    fit_bar = st.progress(0.0, text="Training")
    stats_line = st.empty()

    def on_epoch(epoch: int, total: int, stats: dict) -> None:
        fit_bar.progress(min(1.0, epoch / total), text=f"Training: epoch {epoch} of {total}")
        val = f", validation accuracy {stats['val_acc']:.3f}" if "val_acc" in stats else ""
        stats_line.caption(f"training loss {stats.get('train_loss', float('nan')):.3f}{val}")

    with st.spinner("Training"):
        run = train_and_evaluate(clips, model, window, epochs, progress=on_epoch, skipped=skipped)
    fit_bar.progress(1.0, text="Training done")
    st.session_state["train_run"] = run


def _report() -> None:
    run = st.session_state.get("train_run")
    if run is None:
        return
    report = run.report
    st.subheader("Evaluation")
    st.caption(f"{run.clf.model} model, window {run.clf.window} frames; trained on {run.train_clips} clip(s), "
               f"evaluated on {run.evaluated_on} ({report.n} windows)")
    c1, c2 = st.columns(2)
    c1.metric("Accuracy", f"{report.accuracy:.3f}")
    c2.metric("Macro-F1", f"{report.macro_f1:.3f}")
    per_class = pd.DataFrame({"class": report.classes, "precision": report.precision, "recall": report.recall,
                              "F1": report.f1, "windows": report.support})
    left, right = st.columns(2)
    left.dataframe(per_class, hide_index=True)
    right.altair_chart(charts.confusion_chart(report.classes, report.confusion))
    with st.form("save_model"):
        name = st.text_input("Model name", value=st.session_state.get("train_model_name", ""))
        save = st.form_submit_button("Save to the model library", type="primary")
    if save:
        with feedback.shown_errors("Cannot save the model"):
            entry = feedback.library().add(run.clf, name)
            runs.forget(entry["name"])
            st.session_state["analyze_model"] = entry["name"]
            st.success(f"Saved {entry['name']!r} ({', '.join(entry['classes'])}). The Analyze page uses it now.")
            st.page_link("pages/analyze.py", label="Analyze a clip with it", icon=":material/movie:")


def _library() -> None:
    st.subheader("Model library")
    lib = feedback.library()
    entries = lib.entries()
    if entries:
        st.dataframe(pd.DataFrame([{k: (", ".join(v) if isinstance(v, list) else v) for k, v in e.items()
                                    if k != "file"} for e in entries]), hide_index=True)
    else:
        st.caption("No models yet.")
    with st.expander("Import a model file (.apm)"):
        upload = st.file_uploader("Model file", type=["apm"], key="import_model")
        name = st.text_input("Name for it", key="import_name")
        if st.button("Import", disabled=upload is None):
            with feedback.shown_errors("Cannot import the model"):
                ws, limit = feedback.workspace(), feedback.settings().max_upload_bytes
                stored = ws.store(upload, upload.name, limit_bytes=limit, allowed={".apm"})
                entry = lib.import_file(stored.path, name)
                runs.forget(entry["name"])
                st.success(f"Imported {entry['name']!r}: {entry['model']} model, classes "
                           f"{', '.join(entry['classes'])}.")
    if entries:
        with st.expander("Delete a model"):
            doomed = st.selectbox("Model", [e["name"] for e in entries], key="delete_model")
            if st.button("Delete"):
                with feedback.shown_errors("Cannot delete the model"):
                    lib.remove(doomed)
                    runs.forget(doomed)
                    st.rerun()


def page() -> None:
    st.title("Train your own action classes")
    st.caption("Give a few clips of each action (videos or pose files). Poses are extracted once per clip, "
               "a share of each class's clips is held out for the evaluation, and the model is saved in the "
               "local library for the Analyze page.")
    given = _uploads_per_class()
    c1, c2, c3 = st.columns(3)
    model = c1.selectbox("Model", MODELS, help="stgcn/tcn/gru: neural networks (slower, need more clips); "
                                                "rf/gb/logreg/knn: scikit-learn on pose features (fast)")
    window = c2.number_input("Window (frames)", 4, 300, 30)
    epochs = c3.number_input("Epochs", 1, 500, 30, disabled=model not in TORCH_MODELS)
    if st.button("Extract poses and train", type="primary"):
        st.session_state.pop("train_run", None)
        with feedback.shown_errors("Cannot train"):
            _train(given, model, int(window), int(epochs))
    _report()
    st.divider()
    _library()


page()

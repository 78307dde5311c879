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


def _store_all(given: dict[str, list]) -> tuple[dict[str, list], dict[str, str]]:
    """The stored clips per class, and the person/recording of each clip (a ``groups.csv`` in the ZIP)."""
    from actionpose.dashboard.archive import read_groups

    ws, limit = feedback.workspace(), feedback.settings().max_upload_bytes
    if "__zip__" in given:
        if not given["__zip__"]:
            raise InputError(None, "upload a ZIP with one folder per class first")
        archive = given["__zip__"][0]
        if archive.size > limit:
            raise InputError(archive.name, f"is larger than the upload limit of {limit / 2 ** 20:g} MB")
        stored = ws.store(archive, archive.name, limit_bytes=limit, allowed={".zip"}, folder=ws.training)
        return unpack_classes(stored.path, archive.name, ws, limit), read_groups(stored.path, archive.name)
    out = {}
    for label, uploads in given.items():
        out[label] = []
        for up in uploads:
            if up.size > limit:
                raise InputError(up.name, f"is larger than the upload limit of {limit / 2 ** 20:g} MB")
            out[label].append(ws.store(up, up.name, limit_bytes=limit, folder=ws.training))
    return out, {}


def _train(given: dict[str, list], model: str, window: int, epochs: int, reps: str | None = None) -> None:
    from actionpose.dashboard.training import check_classes

    files, groups = _store_all(given)
    check_classes(files)
    overall = st.progress(0.0, text="Extracting poses")
    frames: list[feedback.ProgressBar] = []

    def on_clip(i: int, n: int, name: str):
        overall.progress(i / n, text=f"Extracting poses: clip {i + 1} of {n}")
        for bar in frames:
            bar.clear()
        frames[:] = [feedback.ProgressBar(f"Extracting {name}")]
        return frames[0]

    clips, skipped = load_clips(feedback.workspace(), files, on_clip, groups)
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

    with st.spinner("Cross-validating by person and training"):
        run = train_and_evaluate(clips, model, window, epochs, progress=on_epoch, skipped=skipped, reps=reps)
    fit_bar.progress(1.0, text="Training done")
    st.session_state["train_run"] = run


def _data_check(run) -> None:
    if run.data is None:
        return
    st.subheader("Your data")
    st.dataframe(run.data.table(), hide_index=True)
    for line in run.data.warnings:
        st.warning(line, icon=":material/info:")


def _report() -> None:
    run = st.session_state.get("train_run")
    if run is None:
        return
    _data_check(run)
    report = run.report
    st.subheader("Evaluation on people it did not train on")
    st.caption(f"{run.clf.model} model, window {run.clf.window} frames; trained on {run.train_clips} clip(s); "
               f"evaluated on {run.evaluated_on} ({report.n} windows)")
    ev = run.evaluation
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Macro-F1", f"{report.macro_f1:.3f}",
              delta=f"{report.macro_f1 - ev.baseline.macro_f1:+.3f} vs baseline" if ev else None)
    c2.metric("Accuracy", f"{report.accuracy:.3f}",
              delta=f"{report.accuracy - ev.baseline.accuracy:+.3f} vs baseline" if ev else None)
    if ev is not None:
        c3.metric("Baseline macro-F1", f"{ev.baseline.macro_f1:.3f}",
                  help="always answering the most common class of the training clips")
        if ev.clip_report is not None:
            c4.metric("Clips right", f"{ev.clip_report.accuracy:.0%}",
                      help=f"clip verdicts of {ev.clip_report.n} held-out clips (baseline "
                           f"{ev.clip_baseline.accuracy:.0%})")
        for line in ev.warnings:
            (st.error if not ev.better else st.warning)(line, icon=":material/warning:")
        for line in ev.advice:
            st.info(line, icon=":material/lightbulb:")
    per_class = pd.DataFrame({"class": report.classes, "precision": report.precision, "recall": report.recall,
                              "F1": report.f1, "windows": report.support})
    left, right = st.columns(2)
    left.dataframe(per_class, hide_index=True)
    right.altair_chart(charts.confusion_chart(report.classes, report.confusion))
    with st.form("save_model"):
        name = st.text_input("Model name", value=st.session_state.get("train_model_name", ""))
        label = ("Save to the model library" if ev is None or ev.better
                 else "Save anyway (not better than the baseline)")
        save = st.form_submit_button(label, type="primary" if ev is None or ev.better else "secondary")
    if save:
        with feedback.shown_errors("Cannot save the model"):
            entry = feedback.library().add(run.clf, name)
            runs.forget(entry["name"])
            st.session_state[feedback.CHOSEN_MODEL_KEY] = entry["name"]
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
        with st.expander("Export a model file (.apm)"):
            chosen = st.selectbox("Model", [e["name"] for e in entries], key="export_model")
            st.download_button("Download", lambda: lib.path(chosen).read_bytes(), f"{chosen}.apm",
                               "application/octet-stream", on_click="ignore", key="export_download",
                               help="a safe model file (JSON header and safetensors/skops, never a pickle): import "
                                    "it in another dashboard, or use it with actionpose predict")
        with st.expander("Delete a model"):
            doomed = st.selectbox("Model", [e["name"] for e in entries], key="delete_model")
            if st.button("Delete"):
                with feedback.shown_errors("Cannot delete the model"):
                    lib.remove(doomed)
                    runs.forget(doomed)
                    st.rerun()


NOT_REPS = "actions (whole clips, windows)"


def _rep_exercises() -> list[str]:
    from actionpose.tasks.exercise import builtin_definitions

    return [d.name for d in builtin_definitions() if d.kind == "reps"]


def page() -> None:
    st.title("Train your own action classes")
    st.caption("Give 5-20 clips of each action (videos or pose files), from several people. Poses are extracted "
               "once per clip; the model is cross-validated on people it did not train on (in a ZIP, a groups.csv "
               "with columns file, group says which clips show the same person) against always answering the "
               "most common class, then trained on every clip and saved in the local library for Analyze.")
    given = _uploads_per_class()
    c1, c2, c3 = st.columns(3)
    model = c1.selectbox("Model", MODELS, help="rf (default): a random forest on pose features, what generalises "
                                                "best from a few clips; gb/logreg/knn: other classical models; "
                                                "stgcn/tcn/gru: neural networks (slower, need many clips)")
    window = c2.number_input("Window (frames)", 4, 300, 30,
                             help="with a per-rep form model: frames each rep is time-normalised to")
    epochs = c3.number_input("Epochs", 1, 500, 30, disabled=model not in TORCH_MODELS)
    reps = st.selectbox("What the classes are", [NOT_REPS, *_rep_exercises()], key="train_reps",
                        help="actions (default), or the form of one exercise's reps: label clips correct / "
                             "incorrect (or one class per fault); each clip is cut into its reps and the model "
                             "judges every rep (Analyze, or actionpose reps --fault-model)",
                        format_func=lambda v: v if v == NOT_REPS else f"form of each {v} rep")
    if st.button("Extract poses and train", type="primary"):
        st.session_state.pop("train_run", None)
        with feedback.shown_errors("Cannot train"):
            _train(given, model, int(window), int(epochs), None if reps == NOT_REPS else reps)
    _report()
    st.divider()
    _library()


page()

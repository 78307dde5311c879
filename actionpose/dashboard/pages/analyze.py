"""Analyze: upload a video or pose file, choose the backend and tasks, and see the overlay video, the
timeline, falls, gait, reps, signs and a custom model's labels, with downloads."""

from __future__ import annotations

import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from actionpose.dashboard import charts, feedback, tables
from actionpose.dashboard.config import BUILTIN_BACKENDS, WEIGHTED_BACKENDS
from actionpose.dashboard.runs import AnalyzeRequest, ClipResult, record_alerts, run_clip
from actionpose.dashboard.workspace import UPLOAD_SUFFIXES

#: the model selectbox (seeded every run from :data:`feedback.CHOSEN_MODEL_KEY`, which outlives page switches)
MODEL_KEY = "analyze_model"
#: set by the "Try the example clip" button: analyse the real clip shipped in the package
EXAMPLE_KEY = "analyze_example"
NO_MODEL = "(none)"


def _remember_model() -> None:
    st.session_state[feedback.CHOSEN_MODEL_KEY] = st.session_state.get(MODEL_KEY, NO_MODEL)
#: the tasks offered here (your own model is chosen below), and their names on the page
TASK_NAMES = {"falls": "Falls", "gait": "Gait", "reps": "Exercise reps", "signs": "Sign transcript"}


def _exercises() -> list[str]:
    from actionpose.tasks.exercise import builtin_names

    return ["auto", *builtin_names()]


def _standards(exercise: str) -> dict[str, str]:
    """The form standards offered for ``exercise`` (auto: every built-in one), name -> label."""
    from actionpose.tasks.exercise import builtin_definition, builtin_definitions

    defs = builtin_definitions() if exercise == "auto" else [builtin_definition(exercise)]
    out = {"default": "default"}
    for d in defs:
        for name in d.standard_names():
            if name != "default":
                out[name] = f"{name} ({d.title.lower()})" if exercise == "auto" else name
    return out


def _request() -> tuple[AnalyzeRequest, bool]:
    """The settings widgets; returns the request and whether to record alerts."""
    config, lib = feedback.config(), feedback.library()
    backends = [*BUILTIN_BACKENDS, *(b for b in WEIGHTED_BACKENDS
                                     if b not in BUILTIN_BACKENDS and config.backend_weights(b))]
    names = {"mediapipe": "MediaPipe",
             "openpose": "OpenPose (your weights)" if config.backend_weights("openpose")
             else "OpenPose (built-in mobilenet_v2_small: coarse, slower than MediaPipe)", "rsn": "RSN"}
    models = lib.names()
    with st.expander("Settings", expanded=False):
        c1, c2, c3 = st.columns(3)
        backend = c1.selectbox("Pose backend", backends, format_func=names.get,
                               help="RSN appears once its weights are configured, and OpenPose runs the CMU or "
                                    "Lightweight weights when they are (actionpose dashboard --weights).")
        tasks = c2.multiselect("Tasks", list(TASK_NAMES), default=["falls", "gait", "reps"],
                               format_func=TASK_NAMES.get,
                               help="Sign transcripts need hand landmarks: MediaPipe then runs in holistic mode.")
        exercise = c3.selectbox("Exercise", _exercises(), help="auto: recognised from the motion")
        standards = _standards(exercise)
        standard = c3.selectbox("Form standard", list(standards), format_func=standards.get, key="analyze_standard",
                                help="the criteria the form rules judge by, e.g. squat depth by the knee angle "
                                     "(default) or the hip crease below the knee (powerlifting); with auto, an "
                                     "exercise without the chosen standard is judged by its default")
        c4, c5, c6 = st.columns(3)
        height = c4.number_input("Walker's height (m, 0 = unknown)", 0.0, 2.5, 0.0, 0.01,
                                 help="gives gait lengths in metres")
        options = [NO_MODEL, *models]
        chosen = st.session_state.get(feedback.CHOSEN_MODEL_KEY, NO_MODEL)
        st.session_state[MODEL_KEY] = chosen if chosen in options else NO_MODEL
        model = c5.selectbox("Your action model", options, key=MODEL_KEY, on_change=_remember_model,
                             help="the clip's label, its segments and labels over time from a model of the Train "
                                  "page")
        record = c6.checkbox("Record fall and gait alerts in the alert log", value=True)
    request = AnalyzeRequest(backend=backend, tasks=tuple(tasks), exercise=exercise, standard=standard,
                             height_m=height or None, model=None if model == NO_MODEL else model)
    return request, record


def _store(uploaded) -> object:
    """The upload in the workspace (hashed once per upload)."""
    key = f"stored:{uploaded.file_id}"
    if key not in st.session_state:
        limit = feedback.settings().max_upload_bytes
        st.session_state[key] = feedback.workspace().store(uploaded, uploaded.name, limit_bytes=limit)
    return st.session_state[key]


def _store_example() -> object:
    """The packaged example clip in the workspace (stored once per session)."""
    from actionpose.sample_data import EXAMPLE_CLIP

    key = "stored:example"
    if key not in st.session_state:
        with open(EXAMPLE_CLIP, "rb") as fh:
            st.session_state[key] = feedback.workspace().store(fh, EXAMPLE_CLIP.name)
    return st.session_state[key]


def _summary(result: ClipResult) -> None:
    a = result.analysis
    how = "from the cache" if result.from_cache else f"in {result.seconds.get('total', 0):.1f} s"
    st.caption(f"{result.stored.name}: {a.frames} frames at {a.fps:g} fps, {a.people} tracked person(s), "
               f"{a.layout} skeleton; analysed {how}")
    falls = a.applied("falls")
    if falls is not None:
        confirmed = [e for e in falls.events if e.confirmed]
        for e in confirmed:
            after = "got up again" if e.got_up else "was still down at the end of the clip"
            st.error(f"Fall detected: person {e.person} fell at {e.impact_s:.1f} s and {after} "
                     f"(confidence {e.confidence:.2f}).", icon=":material/warning:")
        if not confirmed:
            st.success("No fall detected.", icon=":material/check_circle:")


def _not_applicable(result: ClipResult, task: str) -> bool:
    """Show why ``task`` does not apply to the clip (True), or nothing (False)."""
    note = result.analysis.note(task)
    if note is not None:
        st.info(f"{task.capitalize()}: {note}")
    return note is not None


def _table(df, empty: str) -> None:
    if df.empty:
        st.write(empty)
    else:
        st.dataframe(df, hide_index=True)


def _falls_tab(result: ClipResult) -> None:
    if _not_applicable(result, "falls"):
        return
    _table(tables.fall_events(result.analysis), "No fall events.")


def _gait_tab(result: ClipResult) -> None:
    if _not_applicable(result, "gait"):
        return
    gait = result.analysis.results["gait"]
    for report in gait.reports:
        v = report.view
        st.markdown(f"**Person {report.person}**: {v.view} view ({v.direction.replace('_', ' ')}), "
                    f"{report.duration_s:.1f} s from {report.start_s:.1f} s, {len(report.events)} gait events")
        st.dataframe(tables.gait_parameters(report), hide_index=True)
        for flag in report.quality:
            st.caption(f"Note: {flag.message}")
        plots = result.gait_plots.get(report.person, [])
        if plots:
            cols = st.columns(len(plots))
            for col, path in zip(cols, plots):
                col.image(str(path))
    for a in result.alerts:
        if a.kind == "gait":
            (st.warning if a.severity != "info" else st.info)(f"Gait alert: {a.message}")


def _reps_tab(result: ClipResult) -> None:
    if _not_applicable(result, "reps"):
        return
    report = result.analysis.results["reps"]
    st.markdown(f"**{report.title}**: " + "; ".join(f"person {p.person}: {p.count} rep(s)"
                                                    + (f", {p.partial} partial" if p.partial else "")
                                                    for p in report.people))
    for p in report.people:
        if p.summary:
            st.caption(f"Person {p.person}: {p.summary}")
    _table(tables.rep_table(report), "No reps found.")


def _signs_tab(result: ClipResult) -> None:
    if _not_applicable(result, "signs"):
        return
    transcript = result.analysis.results["signs"].summary().get("transcript", "")
    st.markdown(f"**Transcript:** {transcript or '(no sign recognised)'}")
    signs = tables.sign_table(result.analysis)
    if not signs.empty:
        st.dataframe(signs, hide_index=True)


def _model_tab(result: ClipResult) -> None:
    if result.model_error:
        st.error(f"Model {result.model}: {result.model_error}")
        return
    verdict = result.verdict
    if verdict is None or not verdict.windows:
        st.write("The clip is shorter than the model's window.")
        return
    if verdict.label == "unknown":
        odds = ", ".join(f"{c} {p:.2f}" for c, p in verdict.proba.items())
        st.warning(f"Clip verdict: unknown. The model cannot tell ({odds}).")
    else:
        st.success(f"Clip verdict: **{verdict.label}** (confidence {verdict.confidence:.2f}, "
                   f"{verdict.windows} windows)")
    st.markdown("**Segments**")
    st.dataframe([{"start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2), "label": s.label,
                   "confidence": round(s.confidence, 3), "windows": s.windows} for s in verdict.segments],
                 hide_index=True)
    with st.expander("Labels per window"):
        st.dataframe([{"start_s": round(w.start_s, 2), "end_s": round(w.end_s, 2), "label": w.label,
                       "confidence": round(float(w.proba.max()), 3)} for w in result.windows], hide_index=True)


def _openpose_zip(result: ClipResult) -> bytes:
    from actionpose.skeleton.io import save_poses

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "openpose"
        save_poses(result.seq, folder, format="openpose")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                zf.write(path, f"openpose/{path.name}")
    return buffer.getvalue()


def _pose_bytes(result: ClipResult, suffix: str) -> bytes:
    from actionpose.skeleton.io import save_poses

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"poses{suffix}"
        save_poses(result.seq, path)
        return path.read_bytes()


def _results_json(result: ClipResult) -> str:
    doc = result.analysis.to_dict()
    if result.model:
        doc["model"] = {"name": result.model, "verdict": result.verdict.to_dict() if result.verdict else None,
                        "windows": [
            {"start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3), "label": w.label,
             "proba": [round(float(p), 4) for p in w.proba]} for w in result.windows]}
    return json.dumps(doc, indent=1, default=str)


def _downloads(result: ClipResult, timeline) -> None:
    stem = Path(result.stored.name).stem or "clip"
    st.markdown("**Poses**")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Parquet", lambda: _pose_bytes(result, ".parquet"), f"{stem}_poses.parquet",
                       "application/octet-stream", on_click="ignore")
    c2.download_button("CSV", lambda: _pose_bytes(result, ".csv"), f"{stem}_poses.csv", "text/csv",
                       on_click="ignore")
    c3.download_button("OpenPose JSON (ZIP)", lambda: _openpose_zip(result), f"{stem}_openpose.zip",
                       "application/zip", on_click="ignore")
    st.markdown("**Results**")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Results (JSON)", lambda: _results_json(result), f"{stem}_results.json",
                       "application/json", on_click="ignore")
    c2.download_button("Timeline (CSV)", timeline.to_csv(index=False), f"{stem}_timeline.csv", "text/csv",
                       on_click="ignore")
    falls = result.analysis.applied("falls")
    if falls is not None:
        c3.download_button("Fall states per frame (CSV)", lambda: falls.state_table().to_csv(index=False),
                           f"{stem}_fall_states.csv", "text/csv", on_click="ignore")
    if result.overlay is not None:
        st.markdown("**Video**")
        st.download_button("Overlay video (MP4)", result.overlay.read_bytes(), f"{stem}_overlay.mp4",
                           "video/mp4", on_click="ignore")


def _results(result: ClipResult) -> None:
    _summary(result)
    timeline = tables.timeline(result.analysis, result.verdict.segments if result.verdict else (), result.model)
    left, right = st.columns([3, 2])
    with left:
        if result.overlay is not None:
            st.video(str(result.overlay))
        else:
            st.info("No overlay video could be drawn for this clip.")
    with right:
        st.subheader("Timeline")
        if timeline.empty:
            st.info("Nothing to show on the timeline (no task produced a result).")
        else:
            st.altair_chart(charts.timeline_chart(timeline), width="stretch")
    names = result.analysis.tasks + (["model"] if result.model else []) + ["downloads"]
    labels = {**TASK_NAMES, "model": f"Model: {result.model}", "downloads": "Downloads"}
    views = {"falls": _falls_tab, "gait": _gait_tab, "reps": _reps_tab, "signs": _signs_tab, "model": _model_tab,
             "downloads": lambda r: _downloads(r, timeline)}
    for name, tab in zip(names, st.tabs([labels[n] for n in names])):
        with tab:
            with feedback.shown_errors(labels[name]):
                views[name](result)


def page() -> None:
    st.title("Analyze a clip")
    settings = feedback.settings()
    request, record = _request()
    uploaded = st.file_uploader(
        f"Video or pose file (up to {settings.max_upload_mb:g} MB)",
        type=sorted(s.lstrip(".") for s in UPLOAD_SUFFIXES),
        max_upload_size=max(1, math.ceil(settings.max_upload_mb)),
        help="Videos: mp4, mov, avi, mkv, webm ... Pose files: npz, parquet, csv, COCO/AlphaPose JSON, NTU "
             ".skeleton, or a ZIP of OpenPose JSON frames.")
    if st.button("Try the example clip", icon=":material/play_circle:",
                 help="a real fall shipped with ActionPose: GMDCSA24 Subject 2, fall 13 (MIT, (c) 2024 Ekram Alam), "
                      "320x240, 9 s"):
        st.session_state[EXAMPLE_KEY] = True
    if uploaded is not None:
        st.session_state[EXAMPLE_KEY] = False  # a new upload replaces the example
    example = uploaded is None and st.session_state.get(EXAMPLE_KEY, False)
    if uploaded is None and not example:
        st.info("Upload a clip, or try the example clip, to see the skeleton, the timeline, falls, gait, reps "
                "and signs.")
        return
    if uploaded is not None and uploaded.size > settings.max_upload_bytes:
        st.error(f"{uploaded.name} is {uploaded.size / 2 ** 20:.1f} MB; the upload limit is "
                 f"{settings.max_upload_mb:g} MB (start the dashboard with --max-upload-mb to change it).")
        return
    if not request.tasks and not request.model:
        st.warning("Choose at least one task (or your own model) in the settings.")
        return
    result = None
    label = "the example clip" if example else uploaded.name
    names: dict[str, str] = {}  # private paths -> the uploaded name, for error messages
    with feedback.shown_errors(f"Cannot analyse {label}", names):
        stored = _store_example() if example else _store(uploaded)
        names[str(stored.path)] = stored.name
        with st.status(f"Analysing {label}", expanded=True) as status:
            extract_bar, render_bar = feedback.ProgressBar("Extracting poses"), None

            def on_render(done: int, total: int | None) -> None:
                nonlocal render_bar
                if render_bar is None:
                    extract_bar.bar.progress(1.0, text="Poses extracted; running the tasks")
                    render_bar = feedback.ProgressBar("Drawing the skeleton video")
                render_bar(done, total)

            try:
                result = run_clip(feedback.workspace(), feedback.library(), feedback.config(), stored, request,
                                  settings.max_upload_bytes, on_extract=extract_bar, on_render=on_render)
            except Exception:
                status.update(label=f"{label}: failed", state="error", expanded=False)
                raise
            status.update(label=f"{label}: done", state="complete", expanded=False)
    if result is None:
        return
    if record:
        with feedback.shown_errors("Recording the alerts"):
            new = record_alerts(result, feedback.workspace(), feedback.config())
            if new:
                st.toast(f"{new} alert(s) recorded in the alert log", icon=":material/notifications:")
    _results(result)


page()

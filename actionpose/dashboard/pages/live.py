"""Live: add, start and stop monitors (cameras, streams, looped files), their status and snapshots, and their
alerts as they happen (the page refreshes itself every couple of seconds; critical alerts are emphasised and
sound a tone; one click acknowledges)."""

from __future__ import annotations

import io
import time
import wave

import numpy as np
import streamlit as st

from actionpose.alerts.sinks import read_alerts
from actionpose.dashboard import feedback
from actionpose.dashboard import monitors as mon
from actionpose.monitor.status import read_status, snapshot_path

#: seconds between refreshes of the live part of the page
REFRESH_S = 1.0
#: alerts shown
RECENT = 20
_BADGE = {"running": ":green[running]", "reconnecting": ":orange[reconnecting]", "restarting": ":orange[restarting]",
          "starting": ":blue[starting]", "stopped": ":gray[stopped]", "failed": ":red[failed]"}


@st.cache_data
def _tone() -> bytes:
    """A short two-tone alarm (WAV)."""
    rate = 16000
    t = np.arange(int(rate * 0.6)) / rate
    wave_ = 0.4 * np.sin(2 * np.pi * np.where(t < 0.3, 880.0, 660.0) * t)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((wave_ * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def _add_form(ws) -> None:
    with st.form("add_monitor", clear_on_submit=True):
        c1, c2 = st.columns([1, 2])
        name = c1.text_input("Name", placeholder="bedroom")
        source = c2.text_input("Source", placeholder="0 (camera), rtsp://..., http://..., or /path/to/video.mp4")
        c3, c4, c5, c6 = st.columns(4)
        tasks = c3.multiselect("Tasks", ["falls", "gait"], default=["falls"])
        loop = c4.checkbox("Loop a video file (testing)")
        cooldown = c5.number_input("Cooldown per person (s)", 0.0, 3600.0, 60.0, 5.0)
        max_fps = c6.number_input("Analyse at most (frames/s, 0 = all)", 0.0, 240.0, 0.0, 1.0,
                                  help="e.g. 15 on a slow machine: frames in between are skipped, not queued")
        zones = st.text_area("Ignore zones, one per line: name:x,y x,y x,y ... (image pixels)", height=68)
        webhook = st.text_input("Also POST its alerts to (http/https URL, optional)")
        added = st.form_submit_button("Add and start", type="primary")
    if added:
        with feedback.shown_errors("Cannot add the monitor"):
            from actionpose.alerts.zones import parse_zone

            parsed = [parse_zone(z.strip(), f"zone{i}").to_dict()
                      for i, z in enumerate(zones.splitlines(), 1) if z.strip()]
            config = mon.add(ws, {"name": name.strip(), "source": source.strip(), "tasks": tasks, "loop": loop,
                                  "cooldown_s": float(cooldown), "ignore_zones": parsed,
                                  "max_fps": float(max_fps) if max_fps else None,
                                  "alert_webhook": webhook.strip() or None})
            st.success(f"Monitor {config.name!r} added; it starts within a few seconds.")


def _monitor_card(ws, config, status) -> None:
    with st.container(border=True):
        head, buttons = st.columns([3, 2])
        state = status.state if status is not None else ("starting" if config.enabled else "stopped")
        if not config.enabled:
            state = "stopped"
        head.markdown(f"**{config.name}** &nbsp; {_BADGE.get(state, state)}")
        at_most = f"  ·  at most {config.max_fps:g} frames/s" if config.max_fps else ""
        head.caption(f"{config.kind}: {config.source}  ·  tasks: {', '.join(config.tasks)}{at_most}")
        b1, b2 = buttons.columns(2)
        if config.enabled:
            b1.button("Stop", key=f"stop_{config.slug}", on_click=mon.set_enabled, args=(ws, config.name, False))
        else:
            b1.button("Start", key=f"start_{config.slug}", on_click=mon.set_enabled, args=(ws, config.name, True))
        b2.button("Remove", key=f"remove_{config.slug}", on_click=mon.remove, args=(ws, config.name))
        if status is not None:
            seen = f"{time.time() - status.last_frame_at:.1f} s ago" if status.last_frame_at else "never"
            st.markdown(f"fps **{status.fps:.1f}** (source {status.source_fps:.0f})  ·  last frame {seen}  ·  "
                        f"restarts **{status.restarts}**  ·  reconnects {status.reconnects}  ·  "
                        f"alerts {status.alerts}  ·  worker {status.pid or '-'}")
            if status.error:
                st.caption(f"last problem: {status.error}")
        snap = snapshot_path(mon.state_dir(ws), config.slug)
        if snap.is_file():
            st.image(snap.read_bytes(), width=480)


def _alerts(ws, names: list[str]) -> None:
    db = ws.alert_db()
    if not db.is_file() or not names:
        st.caption("No live alerts yet.")
        return
    alerts = read_alerts(db)
    alerts = alerts[alerts["source"].isin(names)]
    acks = ws.acknowledged()
    open_ = alerts[~alerts["id"].isin(acks)].sort_values("created", ascending=False).head(RECENT)
    critical = open_[open_["severity"] == "critical"]
    st.subheader(f"Live alerts: {len(open_)} unacknowledged, {len(critical)} critical")
    if len(critical):
        st.audio(_tone(), format="audio/wav", autoplay=True)
    if open_.empty:
        st.caption("Nothing to acknowledge.")
        return
    st.button(f"Acknowledge all {len(open_)}", key="ack_all", on_click=ws.set_acknowledged,
              args=(open_["id"].tolist(), True))
    for row in open_.itertuples():
        text = (f"**{row.kind}** ({row.severity}) · {row.source} · person {row.person} · {row.message} · "
                f"{row.created[11:19]} UTC")
        c1, c2 = st.columns([6, 1])
        if row.severity == "critical":
            c1.error(text, icon=":material/emergency:")
        elif row.severity == "warning":
            c1.warning(text)
        else:
            c1.info(text)
        c2.button("Acknowledge", key=f"ack_{row.id}", on_click=ws.set_acknowledged, args=([row.id], True))


@st.fragment(run_every=REFRESH_S)
def _live() -> None:
    ws = feedback.workspace()
    with feedback.shown_errors("Live monitors"):
        running = mon.ensure_supervisor(ws)
        file = mon.load(ws)
        if running is None and any(m.enabled for m in file.monitors):
            st.caption("Starting the monitor supervisor...")
        statuses = read_status(mon.state_dir(ws))
        _alerts(ws, [m.name for m in file.monitors])
        if not file.monitors:
            st.info("No monitors yet: add a camera, a stream or a looped video file above.")
        for config in file.monitors:
            _monitor_card(ws, config, statuses.get(config.name))


def page() -> None:
    st.title("Live")
    ws = feedback.workspace()
    with st.expander("Add a monitor", expanded=not mon.monitors_path(ws).exists()
                     or not mon.load(ws).monitors):
        _add_form(ws)
    _live()


page()

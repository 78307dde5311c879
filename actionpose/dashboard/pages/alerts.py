"""Alerts: the persisted alert log (fall and gait alerts from analysed clips, ``actionpose watch`` or any
SQLite sink), filters, acknowledgement, webhook settings and a test alert."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from actionpose.alerts.sinks import read_alerts
from actionpose.dashboard import feedback
from actionpose.dashboard.config import check_webhook_url, save_config
from actionpose.dashboard.notify import send_test_alert
from actionpose.dashboard.tables import changed_acks

COLUMNS = ["acknowledged", "created", "kind", "severity", "person", "time_s", "message", "source", "confidence"]


def _filters(alerts: pd.DataFrame) -> pd.DataFrame:
    c1, c2, c3, c4 = st.columns(4)
    kinds = c1.multiselect("Kind", sorted(alerts["kind"].unique()), placeholder="all kinds")
    severities = c2.multiselect("Severity", ["critical", "warning", "info"], placeholder="all severities")
    show = c3.selectbox("Show", ["unacknowledged", "all", "acknowledged"])
    text = c4.text_input("Search message or source")
    keep = pd.Series(True, index=alerts.index)
    if kinds:
        keep &= alerts["kind"].isin(kinds)
    if severities:
        keep &= alerts["severity"].isin(severities)
    if show != "all":
        keep &= alerts["acknowledged"] == (show == "acknowledged")
    if text:
        needle = text.lower()
        keep &= (alerts["message"].str.lower().str.contains(needle, regex=False)
                 | alerts["source"].str.lower().str.contains(needle, regex=False))
    return alerts[keep]


def _log() -> None:
    ws, config = feedback.workspace(), feedback.config()
    dbs = list(dict.fromkeys([ws.alert_db(), ws.alert_db(config.alert_db)]))  # the own log, always, + another
    st.caption("Alert log: " + " + ".join(str(d) for d in dbs))
    dbs = [d for d in dbs if d.is_file()]
    if not dbs:
        st.info("No alerts yet. Fall and gait alerts of analysed clips and of the Live page's monitors land "
                "here, and so do those of `actionpose watch --alert-db` when that database is added (settings "
                "below).")
        return
    alerts = pd.concat([read_alerts(d) for d in dbs], ignore_index=True).drop_duplicates("id")
    acks = ws.acknowledged()
    alerts["acknowledged"] = alerts["id"].isin(acks)
    open_count = int((~alerts["acknowledged"]).sum())
    critical = int(((~alerts["acknowledged"]) & (alerts["severity"] == "critical")).sum())
    c1, c2, c3 = st.columns(3)
    c1.metric("Alerts", len(alerts))
    c2.metric("Unacknowledged", open_count)
    c3.metric("Critical, unacknowledged", critical)
    view = _filters(alerts).sort_values("created", ascending=False).set_index("id")[COLUMNS]
    if view.empty:
        st.write("No alert matches the filters.")
        return
    state = hashlib.sha256(("|".join(view.index) + "|" + "".join("1" if a else "0" for a in view["acknowledged"]))
                           .encode()).hexdigest()[:12]
    edited = st.data_editor(view, hide_index=True, key=f"alerts_{state}", disabled=COLUMNS[1:],
                            column_config={"acknowledged": st.column_config.CheckboxColumn("ack", width="small"),
                                           "time_s": st.column_config.NumberColumn("time (s)", format="%.2f"),
                                           "confidence": st.column_config.NumberColumn(format="%.2f")})
    ticked, unticked = changed_acks(view, edited)
    if ticked or unticked:
        ws.set_acknowledged(ticked, True)
        ws.set_acknowledged(unticked, False)
        st.rerun()
    b1, b2 = st.columns(2)
    if b1.button(f"Acknowledge the {len(view)} shown"):
        ws.set_acknowledged(view.index.tolist(), True)
        st.rerun()
    if b2.button("Un-acknowledge the shown"):
        ws.set_acknowledged(view.index.tolist(), False)
        st.rerun()


def _settings() -> None:
    ws, config = feedback.workspace(), feedback.config()
    with st.form("alert_settings"):
        url = st.text_input("Webhook URL (http or https; empty: none)", value=config.webhook_url or "")
        timeout = st.number_input("Timeout per request (s)", 0.5, 60.0, float(config.webhook_timeout_s), 0.5)
        on_analyze = st.checkbox("Also send the alerts of analysed clips to the webhook",
                                 value=config.webhook_on_analyze)
        db = st.text_input("Also show this alert database (the dashboard's own is always shown)",
                           value=config.alert_db or "",
                           help="e.g. the file given to `actionpose watch --alert-db`")
        saved = st.form_submit_button("Save settings")
    if saved:
        with feedback.shown_errors("Cannot save the settings"):
            config.webhook_url = check_webhook_url(url) if url.strip() else None
            config.webhook_timeout_s = float(timeout)
            config.webhook_on_analyze = bool(on_analyze)
            config.alert_db = db.strip() or None
            save_config(ws.root, config)
            st.success("Settings saved.")
    if st.button("Send a test alert"):
        with feedback.shown_errors("Test alert"):
            with st.spinner("Sending a test alert"):
                alert, pending = send_test_alert(ws, feedback.config())
            if pending is None:
                st.success(f"Test alert {alert.id[:8]} written to the alert log (no webhook configured).")
            elif pending == 0:
                st.success(f"Test alert {alert.id[:8]} written to the alert log and delivered to the webhook.")
            else:
                st.warning(f"Test alert {alert.id[:8]} written to the alert log, but the webhook did not "
                           f"accept it; {pending} alert(s) wait in the outbox and are re-sent on the next try.")


def page() -> None:
    st.title("Alerts")
    with st.expander("Webhook, log settings and a test alert"):
        _settings()
    with feedback.shown_errors("Cannot read the alert log"):
        _log()


page()

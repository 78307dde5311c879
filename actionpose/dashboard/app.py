"""The dashboard's entry script (``streamlit run``; started by ``actionpose dashboard``): sign-in when a
password is set or the server is reachable beyond this machine, then the Analyze, Train, Live and Alerts pages."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
# ``streamlit run`` puts this folder first on sys.path; the package is always imported by its full name,
# so drop it: its module names (config, auth, ...) must not shadow top-level modules of other packages
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != _HERE]

from actionpose.dashboard import auth, feedback  # noqa: E402

log = logging.getLogger("actionpose.dashboard")
PAGES = _HERE / "pages"


def _logging() -> None:
    root = logging.getLogger("actionpose")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def _signed_in() -> bool:
    """Whether this browser session may see the pages (asks for the password when one is needed)."""
    settings, config = feedback.settings(), feedback.config()
    if config.password is None and auth.is_loopback(settings.host):
        return True
    if st.session_state.get("signed_in"):
        return True
    st.title("ActionPose")
    if config.password is None:
        st.error("This dashboard is reachable beyond this machine but has no password. Stop it, run "
                 "`actionpose dashboard --set-password`, and start it again.")
        return False
    with st.form("sign_in"):
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if auth.verify_password(password, config.password):
            st.session_state["signed_in"] = True
            st.session_state.pop("sign_in_failures", None)
            st.rerun()
        failures = st.session_state.get("sign_in_failures", 0) + 1
        st.session_state["sign_in_failures"] = failures
        log.warning("failed sign-in attempt (%d in this session)", failures)
        time.sleep(min(failures, 5))  # slows guessing down
        st.error("Wrong password.")
    return False


def main() -> None:
    _logging()
    st.set_page_config(page_title="ActionPose", page_icon=":material/accessibility_new:", layout="wide")
    try:
        st.set_option("client.showErrorDetails", "none")
    except Exception:  # set on the command line already, or not settable here
        pass
    signed_in = False
    with feedback.shown_errors("Signing in"):
        signed_in = _signed_in()
    if not signed_in:
        return
    with feedback.shown_errors("This page"):
        page = st.navigation([
            st.Page(PAGES / "analyze.py", title="Analyze", icon=":material/movie:", default=True),
            st.Page(PAGES / "train.py", title="Train", icon=":material/model_training:"),
            st.Page(PAGES / "live.py", title="Live", icon=":material/videocam:"),
            st.Page(PAGES / "alerts.py", title="Alerts", icon=":material/notifications:"),
        ])
        page.run()


main()

"""The dashboard's pages (Streamlit scripts run by :mod:`actionpose.dashboard.app`)."""

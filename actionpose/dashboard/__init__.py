"""The Streamlit dashboard: Analyze, Train and Alerts pages over the library's own pipeline.

Start it with ``actionpose dashboard``. The pages are views: poses come from
:func:`actionpose.pipeline.extract_poses`, results from :func:`actionpose.analysis.analyze_sequence`, models
from :class:`actionpose.models.classifier.ActionClassifier` and alerts from :mod:`actionpose.alerts`.
The helper modules here hold the dashboard's state (settings, private workspace, password, model library)
and have no Streamlit dependency except :mod:`actionpose.dashboard.feedback` and the pages.
"""

"""Live monitors: cameras and streams watched by background worker processes under a small supervisor.

A monitors file (:mod:`actionpose.monitor.config`) names each live source with its tasks, ignore zones and
alert sinks; :class:`~actionpose.monitor.supervisor.Supervisor` runs one worker process per monitor
(:func:`~actionpose.monitor.worker.run_monitor`), restarts it when it dies or stalls, and each worker
reconnects to a dropped stream with back-off. Workers write their status and a snapshot with skeletons to a
state folder (:mod:`actionpose.monitor.status`), which the dashboard's Live page reads. ``actionpose monitor
CONFIG`` runs the supervisor headless; the dashboard starts the same command for its own monitors.
"""

from actionpose.monitor.config import MonitorConfig, MonitorsFile, load_monitors, save_monitors
from actionpose.monitor.status import MonitorStatus, read_status

__all__ = ["MonitorConfig", "MonitorStatus", "MonitorsFile", "load_monitors", "read_status", "save_monitors"]

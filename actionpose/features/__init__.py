"""Layout-independent features of pose windows for classical models (angles, coordinates, velocities).

For a :class:`~actionpose.train.data.WindowSet` ``ws``::

    F = window_features(ws.X, ws.layout, ws.fps)          # (N, F) float32, NaN where undefined
    names = feature_names(ws.layout, people=ws.X.shape[2])
"""

from actionpose.features.normalize import named_points, normalize_windows
from actionpose.features.window import feature_names, window_features

__all__ = ["feature_names", "named_points", "normalize_windows", "window_features"]

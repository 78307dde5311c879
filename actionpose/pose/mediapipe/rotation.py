"""Find people lying down: when the upright pass finds nobody, look again in the frame turned 90 degrees.

BlazePose's person detector is trained mostly on upright people. A person lying on the floor, the
case a fall detector cares about most, is often missed: on GMDCSA24 ``Subject_1/Fall/14.mp4`` the
upright pass loses the fallen person in 31 % of the frames, and a second look at the frame turned by
90 degrees either way finds them in about three quarters of those. Rotation does not mirror, so
left and right stay the person's own; coordinates are mapped back to the frame as given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

#: cv2 rotation code -> maps rotated-image pixel coordinates (x', y') back to the original frame
_UNROTATE: dict[int, Callable[[np.ndarray, np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]] = {
    cv2.ROTATE_90_COUNTERCLOCKWISE: lambda xr, yr, w, h: (w - yr, xr),
    cv2.ROTATE_90_CLOCKWISE: lambda xr, yr, w, h: (yr, h - xr),
}


def unrotate(poses: np.ndarray, code: int, width: int, height: int) -> np.ndarray:
    """Map ``(N, K, C)`` pixel coordinates found in ``cv2.rotate(frame, code)`` back to ``frame``."""
    out = poses.copy()
    out[..., 0], out[..., 1] = _UNROTATE[code](poses[..., 0], poses[..., 1], width, height)
    return out


class RotatedRetry:
    """A second, static-image runner that searches the frame turned 90 degrees either way.

    It is called only for frames where the upright pass found nobody. Each such call costs two more
    inferences, so an empty scene (a room nobody is in) would triple the work; therefore the retry
    runs on every such frame while someone was found in the last ``window`` frames, and beyond that
    only on every ``every``-th frame, which re-acquires a person lying still within a third of a
    second at 30 fps and costs an empty scene about ``2 / every`` of the upright work.

    Parameters
    ----------
    make_runner
        Builds the runner used on rotated frames (started on first use only); its
        ``process(rgb, None)`` returns ``(N, K, C)`` pixel detections.
    window, every
        See above; in frames.
    """

    def __init__(self, make_runner: Callable[[], Any], window: int = 60, every: int = 10) -> None:
        self._make_runner = make_runner
        self._runner: Any = None
        self._order = [cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_90_CLOCKWISE]
        self.window, self.every = int(window), max(1, int(every))
        self._misses = 0  # consecutive frames in which nobody was found, upright or turned

    def found_upright(self) -> None:
        """Tell the retry that the upright pass found someone in this frame."""
        self._misses = 0

    def __call__(self, rgb: np.ndarray) -> np.ndarray | None:
        """Detections in the original frame's coordinates, or None when neither rotation finds anyone
        (or when this frame is skipped, see the class notes)."""
        self._misses += 1
        if self._misses > self.window and self._misses % self.every:
            return None
        if self._runner is None:
            self._runner = self._make_runner()
        height, width = rgb.shape[:2]
        for code in list(self._order):
            found = self._runner.process(np.ascontiguousarray(cv2.rotate(rgb, code)), None)
            if len(found):
                if code != self._order[0]:  # people stay lying the same way: try that side first next time
                    self._order.reverse()
                self._misses = 0
                return unrotate(found, code, width, height)
        return None

    def close(self) -> None:
        """Release the rotated-frame runner (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.close()

"""The library's own error types.

Everything the library raises on bad input derives from :class:`ActionPoseError`, so the CLI and the
dashboard can turn it into one readable line without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class ActionPoseError(Exception):
    """Base class for every error ActionPose raises on purpose."""


class InputError(ActionPoseError):
    """A file, stream or argument given by the user cannot be used.

    Parameters
    ----------
    source
        The file, URL or camera the problem is about (``None`` when there is none).
    problem
        What is wrong, in a few words a user understands.
    """

    def __init__(self, source: str | Path | int | None, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}" if source is not None else problem)


class PoseFormatError(InputError):
    """A pose file is unreadable or does not follow its format's schema."""


class VideoError(InputError):
    """A video file, camera or stream cannot be opened or decoded."""


class LayoutError(ActionPoseError):
    """An unknown keypoint layout or an impossible layout operation."""


class BackendError(ActionPoseError):
    """A pose backend is unknown, misconfigured or failed to start."""

"""Skeleton data: layouts, `PoseSequence`, pose file I/O, tracking and filters.

>>> from actionpose.skeleton import PoseSequence, load_poses, get_layout  # doctest: +SKIP
"""

from actionpose.skeleton.io import load_poses, save_poses
from actionpose.skeleton.layouts import KeypointLayout, get_layout, list_layouts
from actionpose.skeleton.sequence import PoseSequence

__all__ = ["KeypointLayout", "PoseSequence", "get_layout", "list_layouts", "load_poses", "save_poses"]

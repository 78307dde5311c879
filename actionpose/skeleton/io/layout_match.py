"""Finding the keypoint layout a pose file describes: from a stored description, joint names or a count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from actionpose.errors import LayoutError, PoseFormatError
from actionpose.skeleton.layouts import KeypointLayout, get_layout, list_layouts


def layout_from_dict(d: Any, source: str | Path | None = None) -> KeypointLayout:
    """The registered layout when ``d`` (from `KeypointLayout.to_dict`) describes it exactly, else a new one."""
    if not isinstance(d, dict):
        raise PoseFormatError(source, "the layout description is not a JSON object")
    try:
        layout = KeypointLayout.from_dict(d)
    except LayoutError as exc:
        raise PoseFormatError(source, str(exc)) from None
    try:
        registered = get_layout(layout.name)
    except LayoutError:
        return layout
    return registered if registered == layout else layout


def layout_from_names(names: Iterable[str], source: str | Path | None = None) -> KeypointLayout:
    """The registered layout whose joints are exactly ``names`` (in any order), else a ``custom`` layout
    with the names in the order given."""
    names = list(dict.fromkeys(str(n) for n in names))
    if not names:
        raise PoseFormatError(source, "no joints to infer the layout from; pass layout=")
    wanted = set(names)
    for candidate in list_layouts():
        layout = get_layout(candidate)
        if set(layout.joints) == wanted:
            return layout
    return KeypointLayout("custom", tuple(names), description="inferred from the joint names of a table")


def layout_for_count(num_joints: int, layouts: Mapping[int, str], fmt: str,
                     source: str | Path | None = None) -> KeypointLayout:
    """The layout a format uses for ``num_joints`` keypoints (``layouts``: count -> layout name)."""
    if num_joints not in layouts:
        known = ", ".join(f"{k} ({v})" for k, v in sorted(layouts.items()))
        raise PoseFormatError(source, f"{fmt} keypoints with {num_joints} joints are not supported; "
                                      f"known counts: {known}")
    return get_layout(layouts[num_joints])

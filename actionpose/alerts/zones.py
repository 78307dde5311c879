"""Ignore zones: image polygons (a bed, a sofa) where a person lying down is not an alert."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from actionpose.errors import InputError
from actionpose.settings_file import read_settings_file

#: largest coordinate accepted, in pixels (keeps the polygon exact in float32)
MAX_COORD = 1e6

_SEPARATORS = re.compile(r"[\s;]+")


@dataclass(eq=False)
class Zone:
    """A named polygon in image pixels.

    Parameters
    ----------
    name
        Shown in logs and in a suppressed alert's ``details["zone"]``.
    polygon
        ``(N, 2)`` vertices ``(x, y)`` in image pixels, N >= 3, in drawing order.
    """

    name: str
    polygon: np.ndarray
    _contour: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        poly = np.asarray(self.polygon, dtype=np.float64)
        problem = _polygon_problem(poly)
        if problem:
            raise ValueError(f"zone {self.name!r}: {problem}")
        self.polygon = poly
        self._contour = np.ascontiguousarray(poly, dtype=np.float32).reshape(-1, 1, 2)

    def contains(self, x: float, y: float) -> bool:
        """Whether the point ``(x, y)`` is inside the polygon or on its edge (NaN: never)."""
        x, y = float(x), float(y)
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        return cv2.pointPolygonTest(self._contour, (x, y), False) >= 0

    def to_dict(self) -> dict[str, Any]:
        """``{"name": ..., "polygon": [[x, y], ...]}``, the :func:`load_zones` file entry."""
        return {"name": self.name, "polygon": self.polygon.tolist()}


def find_zone(zones: Iterable[Zone], point: tuple[float, float] | None) -> Zone | None:
    """The first zone containing ``point``, or None (also when ``point`` is None)."""
    if point is None:
        return None
    for zone in zones:
        if zone.contains(point[0], point[1]):
            return zone
    return None


def _polygon_problem(poly: np.ndarray) -> str:
    """What is wrong with a polygon array, or ``""``."""
    if poly.ndim != 2 or poly.shape[1] != 2:
        return f"polygon must be a list of [x, y] points, got shape {poly.shape}"
    if len(poly) < 3:
        return f"a zone needs at least 3 points, got {len(poly)}"
    if not np.isfinite(poly).all():
        return "coordinates must be finite numbers"
    if np.abs(poly).max() > MAX_COORD:
        return f"coordinates must be image pixels (at most {MAX_COORD:g} in size)"
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    if area <= 0.0:
        return "the points enclose no area (all on one line, or the outline crosses itself)"
    return ""


def parse_zone(text: str, default_name: str = "zone") -> Zone:
    """A zone from the command line: ``"name:x1,y1 x2,y2 x3,y3 ..."``.

    Parameters
    ----------
    text
        Optional name and ``:``, then at least 3 points ``x,y`` separated by spaces or ``;``.
    default_name
        The name when ``text`` has none.

    Raises
    ------
    InputError
        The text is not a zone; the message says why.
    """
    name, sep, points = text.partition(":")
    if not sep:
        name, points = "", text
    name = name.strip() or default_name
    tokens = [t for t in _SEPARATORS.split(points.strip()) if t]
    if not tokens:
        raise InputError(text, 'no points: expected "name:x1,y1 x2,y2 x3,y3"')
    coords = []
    for token in tokens:
        parts = token.split(",")
        if len(parts) != 2:
            raise InputError(text, f'point {token!r} is not "x,y"')
        try:
            coords.append((float(parts[0]), float(parts[1])))
        except ValueError:
            raise InputError(text, f"point {token!r} is not two numbers") from None
    poly = np.array(coords, dtype=np.float64)
    problem = _polygon_problem(poly)
    if problem:
        raise InputError(text, problem)
    return Zone(name, poly)


def load_zones(path: str | Path) -> list[Zone]:
    """Zones from a JSON file ``[{"name": "bed", "polygon": [[x, y], ...]}, ...]``.

    Raises
    ------
    InputError
        The file is missing or unreadable, is not JSON, or an entry is not a zone.
    """
    path = Path(path)
    data = read_settings_file(path, "zone file", yaml_ok=False)
    if not isinstance(data, list):
        raise InputError(path, 'expected a JSON list of {"name": ..., "polygon": [[x, y], ...]}')
    zones = []
    for i, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or "polygon" not in entry:
            raise InputError(path, f'zone {i} is not an object with a "polygon"')
        name = entry.get("name", f"zone{i}")
        if not isinstance(name, str):
            raise InputError(path, f"zone {i}: the name must be text")
        try:
            poly = np.array(entry["polygon"], dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise InputError(path, f"zone {i} ({name}): polygon must be a list of [x, y] numbers") from None
        problem = _polygon_problem(poly)
        if problem:
            raise InputError(path, f"zone {i} ({name}): {problem}")
        zones.append(Zone(name, poly))
    return zones

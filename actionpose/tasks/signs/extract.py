"""Hands and holistic landmarks from still images through the MediaPipe backend.

Videos go through :func:`actionpose.pipeline.extract_poses` with ``mode="hands"`` or
``mode="holistic"``; photos (one frame each, no tracking) come here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.layouts import HANDS, HOLISTIC
from actionpose.skeleton.sequence import PoseSequence

#: tiles per side of the retry grid, and the share of the image each tile covers
TILE_GRID, TILE_SHARE = 3, 0.5


def _tiles(backend, image: np.ndarray) -> np.ndarray:
    """Detections in overlapping half-size tiles (small, distant hands), mapped back to the full image.

    The palm detector sees a downscaled frame, so a hand a few percent of a photo wide is missed;
    in a tile it is four times larger. The tile whose detections hold the most found points wins.
    """
    height, width = image.shape[:2]
    h, w = int(height * TILE_SHARE), int(width * TILE_SHARE)
    best, best_found = None, 0
    for y0 in np.linspace(0, height - h, TILE_GRID).astype(int):
        for x0 in np.linspace(0, width - w, TILE_GRID).astype(int):
            found = backend(np.ascontiguousarray(image[y0:y0 + h, x0:x0 + w]), 0.0)
            count = int((found[..., -1] > 0).sum()) if len(found) else 0
            if count > best_found:
                best, best_found = found.copy(), count
                best[..., 0] += x0
                best[..., 1] += y0
    return best if best is not None else np.empty((0,) + found.shape[1:], np.float32)


def poses_from_images(paths: Sequence[str | Path], mode: str = "hands", max_people: int = 1,
                      mirrored: bool = False, tile_retry: bool = True) -> PoseSequence:
    """One frame per image in the ``hands`` (or ``holistic``) layout, pixel coordinates, fps 1.

    ``mirrored``: the images are selfie-mirrored (MediaPipe's handedness is then taken as is).
    ``tile_retry``: where nothing is found, look again in overlapping half-size tiles (see
    :func:`_tiles`; hands mode only). Images of different sizes are fine; ``frame_size`` is the
    first one's.

    Raises
    ------
    InputError
        When an image cannot be read.
    """
    import cv2

    from actionpose.pose.base import create_backend

    layout = {"hands": HANDS, "holistic": HOLISTIC}[mode]
    frames, size = [], None
    with create_backend("mediapipe", mode=mode, static_image_mode=True, max_people=max_people,
                        mirrored=mirrored) as backend:
        for path in paths:
            image = cv2.imread(str(path))
            if image is None:
                raise InputError(path, "not a readable image")
            size = size or (image.shape[1], image.shape[0])
            found = backend(image, 0.0)
            if tile_retry and mode == "hands" and not (len(found) and (found[..., -1] > 0).any()):
                found = _tiles(backend, image)
            slots = np.full((max_people, layout.num_joints, found.shape[-1] if found.ndim == 3 else 4), np.nan,
                            dtype=np.float32)
            slots[..., -1] = 0.0
            slots[:len(found)] = found[:max_people]
            frames.append(slots)
    data = np.stack(frames) if frames else np.empty((0, max_people, layout.num_joints, 4), np.float32)
    return PoseSequence(data, layout, 1.0, frame_size=size, meta={"source": [str(p) for p in paths],
                                                                 "backend": "mediapipe", "mode": mode})

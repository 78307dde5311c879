"""See people in the dark: dark frames get a brightness and contrast normalisation before detection.

BlazePose sees little in a dim room: the person detector misses people, and the landmarks it finds
jitter, which is what makes a fall detector believe someone lay down before the real fall. A frame
whose mean brightness is under ``dark_level`` (0-255) is normalised before the pose passes (the upright
one and the rotated retry): a linear gain that brings its mean brightness to ``target``. Measured on
three GMDCSA24 fall clips darkened to a mean brightness of about 15 and 30 (six runs; the real-data
test darkens one the same way): with the gain 5 of 6 falls were found and the person was seen in
88-100 % of frames; without it 2 of 6 (seen in 9-100 %, median 47 %); a gamma curve followed by CLAHE
(contrast-limited adaptive histogram equalisation) found 3 of 6: it changes how people look more than
the pose models tolerate. Normal frames are passed through untouched, and a
small hysteresis (``dark_level`` to enter, ``dark_level + 10`` to leave) keeps a flickering scene on
one side. Cost: a brightness check on a 32 x 24 thumbnail per frame, and a few milliseconds per dark
frame; no extra inference.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def brightness(rgb: np.ndarray) -> float:
    """Mean brightness (0-255) of an RGB frame, from a 32 x 24 thumbnail."""
    small = cv2.resize(rgb, (32, 24), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).mean())


def normalise_dark(rgb: np.ndarray, mean: float, target: float = 110.0, max_gain: float = 8.0) -> np.ndarray:
    """Scale an RGB uint8 frame of mean brightness ``mean`` so that its mean becomes ``target`` (at most
    ``max_gain`` times brighter); a linear gain keeps the look the pose models were trained on.

    Parameters
    ----------
    rgb
        ``(H, W, 3)`` uint8 RGB frame.
    mean
        Its mean brightness (:func:`brightness`).
    target
        Mean brightness after the gain.
    max_gain
        The largest gain (the noise of a very dark frame grows with it).
    """
    gain = min(target / max(mean, 1.0), max_gain)
    lut = np.clip(np.arange(256) * gain + 0.5, 0, 255).astype(np.uint8)
    return cv2.LUT(np.ascontiguousarray(rgb), lut)


class LowLight:
    """Normalise dark frames of a video before detection (see the module notes).

    Parameters
    ----------
    dark_level
        Mean brightness (0-255) under which a frame is dark; it stays dark until over ``dark_level + 10``.
    target, max_gain
        See :func:`normalise_dark`.
    """

    def __init__(self, dark_level: float = 60.0, target: float = 110.0, max_gain: float = 8.0) -> None:
        self.dark_level, self.target, self.max_gain = float(dark_level), float(target), float(max_gain)
        self.dark = False
        #: frames normalised so far
        self.frames = 0

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """The frame to detect in: ``rgb`` itself, or its normalised copy when the scene is dark."""
        mean = brightness(rgb)
        self.dark = mean < (self.dark_level + 10.0 if self.dark else self.dark_level)
        if not self.dark:
            return rgb
        self.frames += 1
        out = normalise_dark(rgb, mean, self.target, self.max_gain)
        out.flags.writeable = False
        return out


def darken_video(src: str | Path, dst: str | Path, scale: float = 0.25, noise: float = 3.0, seed: int = 0) -> float:
    """Write ``src`` as a dim room would film it (pixels x ``scale`` plus Gaussian sensor noise) to ``dst``
    (mp4v), for checks of detection in the dark; returns the darkened clip's mean :func:`brightness`."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    rng = np.random.default_rng(seed)
    writer, levels = None, []
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if writer is None:
                Path(dst).parent.mkdir(parents=True, exist_ok=True)
                writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, frame.shape[1::-1])
            dark = np.clip(frame * scale + rng.normal(0, noise, frame.shape), 0, 255).astype(np.uint8)
            levels.append(brightness(cv2.cvtColor(dark, cv2.COLOR_BGR2RGB)))
            writer.write(dark)
    finally:
        cap.release()
        if writer is not None:
            writer.release()
    return float(np.mean(levels)) if levels else float("nan")

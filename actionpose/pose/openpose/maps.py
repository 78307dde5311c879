"""Sub-pixel work on the network's maps for the OpenPose decoder: heatmap peaks and map sampling.

The published decoder upsamples every map to the full image size, smooths the heatmaps with a Gaussian and
keeps the local maxima above a threshold, then reads the PAFs at the rounded sample positions. Here the
heatmaps are upsampled only ``upsample`` times (4 by default, half the network-input resolution) and
smoothed with the Gaussian expressed in map cells; each peak is refined to a sub-pixel position with a
parabola through it and its neighbours. The PAFs are never upsampled: :func:`sample_pairs` interpolates
them at map resolution (bicubic, the kernel ``cv2.INTER_CUBIC`` upsamples with) wherever they are read.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import cv2
import numpy as np

from actionpose.pose.openpose.limbs import NUM_PARTS


class Peaks(NamedTuple):
    """Part candidates, ordered by part, then row-major within a part.

    Attributes
    ----------
    xy : np.ndarray
        ``(M, 2)`` float64 positions in map cells (cell ``i`` is centred on ``i``).
    score : np.ndarray
        ``(M,)`` float64 heatmap value at each peak (upsampled, not smoothed).
    part : np.ndarray
        ``(M,)`` int64 part index of each candidate.
    """

    xy: np.ndarray
    score: np.ndarray
    part: np.ndarray


def find_peaks(heatmaps: np.ndarray, *, upsample: int = 4, sigma: float = 0.25, threshold: float = 0.1,
               refine: bool = True) -> Peaks:
    """Find part candidates as 4-neighbour local maxima of the upsampled, smoothed heatmaps.

    Parameters
    ----------
    heatmaps : np.ndarray
        ``(18, h, w)`` float32 part heatmaps (no background channel).
    upsample : int
        Bicubic upsampling factor applied before smoothing (1 = work at map resolution).
    sigma : float
        Standard deviation of the Gaussian smoothing, in map cells (0 = no smoothing).
    threshold : float
        A peak's smoothed value must exceed this.
    refine : bool
        Refine each peak to a sub-pixel position (parabola fit on the smoothed map along x and y).

    Returns
    -------
    Peaks
        The candidates of all parts, positions in map cells.
    """
    parts, h, w = heatmaps.shape
    if parts != NUM_PARTS:
        raise ValueError(f"expected {NUM_PARTS} part heatmaps, got {parts}")
    up = max(int(upsample), 1)
    hu, wu = h * up, w * up
    maps = scratch("heatmaps_hwc", (h, w, parts))
    np.copyto(maps, heatmaps.transpose(1, 2, 0))
    if up > 1:
        maps = cv2.resize(maps, (wu, hu), dst=scratch("upsampled", (hu, wu, parts)),
                          interpolation=cv2.INTER_CUBIC)
    smooth = maps
    if sigma > 0:
        smooth = cv2.GaussianBlur(maps, (0, 0), sigma * up, dst=scratch("smoothed", (hu, wu, parts)),
                                  borderType=cv2.BORDER_REFLECT)

    # Local maxima (>= each 4-neighbour inside the map) above the threshold, tested only where the
    # threshold is exceeded: a few percent of the pixels. Layout (y, x, part), flattened.
    flat = smooth.reshape(-1)
    idx = np.flatnonzero(np.greater(flat, threshold, out=scratch("above", flat.shape, bool)))
    pos, part = np.divmod(idx, parts)
    ys, xs = np.divmod(pos, wu)
    centre = flat[idx]
    sides = {"left": (xs > 0, -parts), "right": (xs < wu - 1, parts),
             "up": (ys > 0, -wu * parts), "down": (ys < hu - 1, wu * parts)}
    neighbour = {}
    is_peak = np.ones(len(idx), dtype=bool)
    for side, (inside, step) in sides.items():
        neighbour[side] = np.where(inside, flat[np.where(inside, idx + step, idx)], -np.inf)
        is_peak &= centre >= neighbour[side]
    keep = np.flatnonzero(is_peak)
    keep = keep[np.lexsort((pos[keep], part[keep]))]  # by part, then row-major
    part, ys, xs, centre = part[keep], ys[keep], xs[keep], centre[keep]
    score = maps.reshape(-1)[idx[keep]].astype(np.float64)

    fx, fy = xs.astype(np.float64), ys.astype(np.float64)
    if refine and len(keep):
        fx += _parabola_offset(neighbour["left"][keep], centre, neighbour["right"][keep])
        fy += _parabola_offset(neighbour["up"][keep], centre, neighbour["down"][keep])
    xy = (np.stack([fx, fy], axis=1) + 0.5) / up - 0.5
    return Peaks(xy, score, part.astype(np.int64))


def scratch(name: str, shape: tuple[int, ...], dtype: type = np.float32) -> np.ndarray:
    """An uninitialised array, a view of a buffer that the calling thread keeps under ``name`` and hands
    out again on later calls, so valid only until the next call with that name.

    The decoder's temporaries are a few megabytes; allocating them afresh on every call costs more than
    the work done in them (page faults each time the allocator hands the memory back to the system).
    """
    buffers = _local.__dict__.setdefault("buffers", {})
    size = int(np.prod(shape))
    buffer = buffers.get(name)
    if buffer is None or buffer.size < size or buffer.dtype != dtype:
        buffer = buffers[name] = np.empty(max(size, 1), dtype)
    return buffer[:size].reshape(shape)


_local = threading.local()

_INTERPOLATION = {"bicubic": cv2.INTER_CUBIC, "bilinear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST}


def sample_pairs(maps: np.ndarray, pairs: np.ndarray, which: np.ndarray, x: np.ndarray, y: np.ndarray,
                 interpolation: str = "bicubic") -> np.ndarray:
    """Read pairs of map channels (a PAF's x and y) at sub-pixel positions, all samples in one call.

    The channel pairs are laid side by side in one two-channel image, each padded with copies of its edge
    columns, and read with ``cv2.remap`` (whose bicubic kernel is that of ``cv2.INTER_CUBIC``; it resolves
    positions to 1/32 of a cell).

    Parameters
    ----------
    maps : np.ndarray
        ``(C, h, w)`` float32 maps.
    pairs : np.ndarray
        ``(K, 2)`` channel indices of each pair.
    which : np.ndarray
        ``(P,)`` pair read by each row of samples.
    x, y : np.ndarray
        ``(P, S)`` positions in map cells; clamped to the map, edge cells repeated beyond it.
    interpolation : {"bicubic", "bilinear", "nearest"}

    Returns
    -------
    np.ndarray
        ``(P, S, 2)`` float32 values of the pair's two channels.
    """
    flag = _INTERPOLATION.get(interpolation)
    if flag is None:
        raise ValueError(f"unknown interpolation {interpolation!r}")
    if x.size == 0:
        return np.zeros((*x.shape, 2), np.float32)
    _, h, w = maps.shape
    pad = 2  # the bicubic kernel reaches 2 cells right of a position
    tiles = scratch("pair_tiles", (h, len(pairs), w + 2 * pad, 2))
    for k, pair in enumerate(pairs):
        for c in (0, 1):
            tiles[:, k, pad:pad + w, c] = maps[pair[c]]
    tiles[:, :, :pad] = tiles[:, :, pad:pad + 1]
    tiles[:, :, pad + w:] = tiles[:, :, pad + w - 1:pad + w]
    image = tiles.reshape(h, -1, 2)
    map_x = (np.clip(x, 0, w - 1) + (pad + (w + 2 * pad) * which[:, None])).astype(np.float32)
    map_y = np.clip(y, 0, h - 1).astype(np.float32)
    out = np.empty((*x.shape, 2), np.float32)
    rows = 32_000  # cv2.remap takes fewer than 2**15 rows at a time
    for start in range(0, len(x), rows):
        part = slice(start, start + rows)
        out[part] = cv2.remap(image, map_x[part], map_y[part], flag,
                              borderMode=cv2.BORDER_REPLICATE).reshape(out[part].shape)
    return out


def _parabola_offset(before: np.ndarray, centre: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Offset in [-0.5, 0.5] of the vertex of the parabola through three samples; 0 where a neighbour is
    outside the map (-inf) or the samples are not strictly concave."""
    before, centre, after = (v.astype(np.float64) for v in (before, centre, after))
    curvature = before - 2.0 * centre + after
    ok = np.isfinite(curvature) & (curvature < 0)
    offset = np.zeros_like(centre)
    offset[ok] = 0.5 * (before[ok] - after[ok]) / curvature[ok]
    return np.clip(offset, -0.5, 0.5)

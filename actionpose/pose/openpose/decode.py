"""Bottom-up decoding of OpenPose heatmaps and part affinity fields (PAFs) into people.

The algorithm is the published one (Cao et al., "Realtime Multi-Person 2D Pose Estimation using Part
Affinity Fields", CVPR 2017): part candidates are heatmap peaks; every candidate pair of a limb is scored by
the line integral of the limb's PAF (10 samples, a pair counts when more than 80 % of the samples exceed
0.05, minus a penalty for limbs longer than half the image height); pairs are matched greedily by score,
each candidate used once per limb; people are assembled from limbs that share parts, disjoint people
joined by a limb are merged, and people with fewer than 4 parts or a mean score below 0.4 are dropped.

It is vectorised and works at low resolution: peaks are found at a modest upsampling of the heatmaps and
refined to sub-pixel positions, and the PAFs are read with bicubic interpolation at map resolution
(:mod:`actionpose.pose.openpose.maps`), for all candidate pairs of all limbs at once. The published decoder
instead upsamples every map to the full image size, which costs most of its time and gains no accuracy
(``benchmarks/openpose_decode.py`` measures both).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from actionpose.pose.openpose.limbs import LIMBS, NUM_PAF_CHANNELS, NUM_PARTS, NUM_SEED_LIMBS
from actionpose.pose.openpose.maps import Peaks, find_peaks, sample_pairs, scratch

log = logging.getLogger(__name__)

__all__ = ["decode"]


def decode(heatmaps: Any, pafs: Any, *, stride: int = 8, upsample: int = 4, sigma: float = 2.0,
           refine: bool = True, peak_threshold: float = 0.1, paf_threshold: float = 0.05,
           num_samples: int = 10, min_above_fraction: float = 0.8, paf_interpolation: str = "bicubic",
           limb_prior_height: float | None = None, min_parts: int = 4, min_mean_score: float = 0.4,
           score_divisor: float = 37.0, scale_xy: Sequence[float] | float | None = None,
           pad: Sequence[float] | Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Decode one image's OpenPose maps into people.

    Parameters
    ----------
    heatmaps : array-like
        ``(19, h, w)`` heatmaps (18 COCO-18 parts, then background; the background is ignored), float16 or
        float32, a NumPy array or a torch tensor; a leading batch axis of size 1 is accepted.
    pafs : array-like
        ``(38, h, w)`` part affinity fields, channels as in :data:`~actionpose.pose.openpose.limbs.LIMBS`.
    stride : int
        Network stride: one map cell is ``stride`` network-input pixels.
    upsample : int
        Peaks are searched on the heatmaps upsampled this many times (bicubic); 8 = network input size.
    sigma : float
        Gaussian smoothing of the heatmaps before the peak search, in network-input pixels (0 = none).
        (The published sigma, 3 image pixels, is 1.0 to 3.3 network-input pixels on the test maps.)
    refine : bool
        Refine peaks to sub-pixel positions.
    peak_threshold, paf_threshold : float
        A peak's smoothed heatmap value must exceed ``peak_threshold``; a pair counts when more than
        ``min_above_fraction`` of its ``num_samples`` PAF samples exceed ``paf_threshold``.
    num_samples : int
        PAF samples along each candidate limb.
    min_above_fraction : float
        See ``paf_threshold``.
    paf_interpolation : {"bicubic", "bilinear", "nearest"}
        How the PAFs are read at map resolution (bicubic matches the published upsampling).
    limb_prior_height : float, optional
        Limbs longer than half this (network-input pixels) are penalised; default ``h * stride``.
    min_parts, min_mean_score : float
        People with fewer parts, or a lower total score per part, are dropped.
    score_divisor : float
        A person's score is its total score (peak scores plus limb scores) divided by this.
    scale_xy : float or (float, float), optional
        Resize factor from image to network input (``net_w / W``, ``net_h / H``); when given, positions are
        returned in image pixels: ``orig_px = (net_px - pad + 0.5) / scale - 0.5``.
    pad : (left, top) or mapping with "left" and "top", optional
        Padding added on the left/top of the network input (network-input pixels).

    Returns
    -------
    keypoints : np.ndarray
        ``(N, 18, 3)`` float32: x, y and confidence (peak heatmap value) per COCO-18 part; x and y NaN and
        confidence 0 for a missing part. Network-input pixels unless ``scale_xy`` is given.
    scores : np.ndarray
        ``(N,)`` float32 person scores.

    Notes
    -----
    Positions follow the half-pixel convention of ``cv2.resize``: ``net_px = (map_cell + 0.5) * stride -
    0.5``. Each calling thread keeps its work buffers (a few MB) for its next call.
    """
    heat, paf = _as_maps(heatmaps, "heatmaps", NUM_PARTS), _as_maps(pafs, "pafs", NUM_PAF_CHANNELS)
    if heat.shape[1:] != paf.shape[1:]:
        raise ValueError(f"heatmaps {heat.shape} and pafs {paf.shape} differ in size")
    h = heat.shape[1]
    peaks = find_peaks(heat[:NUM_PARTS], upsample=upsample, sigma=sigma / stride, threshold=peak_threshold,
                       refine=refine)
    net_xy = (peaks.xy + 0.5) * stride - 0.5
    prior_height = float(limb_prior_height) if limb_prior_height is not None else float(h * stride)

    connections = []
    for ids_a, ids_b, pair_score, valid in score_limbs(
            peaks, paf, stride=stride, prior_height=prior_height, num_samples=num_samples,
            threshold=paf_threshold, min_above_fraction=min_above_fraction, interpolation=paf_interpolation):
        i, j, s = match_greedy(pair_score, valid)
        connections.append((ids_a[i], ids_b[j], s))

    members, total, count = assemble(connections, peaks.score)
    keep = (count >= min_parts) & (total >= min_mean_score * count)
    members, total = members[keep], total[keep]

    keypoints = np.full((len(members), NUM_PARTS, 3), np.nan, dtype=np.float32)
    keypoints[..., 2] = 0.0
    person, part = np.nonzero(members >= 0)
    ids = members[person, part]
    keypoints[person, part, :2] = _to_image(net_xy[ids], scale_xy, pad)
    keypoints[person, part, 2] = peaks.score[ids]
    log.debug("decoded %d people from %d peaks", len(members), len(peaks.part))
    return keypoints, (total / score_divisor).astype(np.float32)


def score_limbs(peaks: Peaks, pafs: np.ndarray, *, stride: int, prior_height: float, num_samples: int = 10,
                threshold: float = 0.05, min_above_fraction: float = 0.8, interpolation: str = "bicubic",
                ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Score every candidate pair of every limb by its PAF line integral, all pairs at once.

    Parameters
    ----------
    peaks : Peaks
        Part candidates (ordered by part), positions in map cells.
    pafs : np.ndarray
        ``(38, h, w)`` part affinity fields.
    stride, prior_height : float
        Map-cell size, and the height whose half a limb may span unpenalised, in network-input pixels.
    num_samples, threshold, min_above_fraction, interpolation
        As in :func:`decode`.

    Returns
    -------
    list
        Per limb of :data:`LIMBS`: ``(ids_a, ids_b, score, valid)``: the candidate ids of its two parts,
        the ``(nA, nB)`` mean PAF projection on the limb direction plus the length prior
        ``min(0.5 * prior_height / length - 1, 0)``, and whether each pair counts (enough samples above
        ``threshold`` and a positive score).
    """
    first = np.searchsorted(peaks.part, np.arange(NUM_PARTS + 1))
    n = np.diff(first)
    part_a = np.array([limb.part_a for limb in LIMBS])
    part_b = np.array([limb.part_b for limb in LIMBS])
    sizes = n[part_a] * n[part_b]
    # One row per (limb, candidate a, candidate b), limb-major then a-major.
    limb_of = np.repeat(np.arange(len(LIMBS)), sizes)
    local = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ia, jb = np.divmod(local, n[part_b][limb_of])
    id_a, id_b = first[part_a][limb_of] + ia, first[part_b][limb_of] + jb

    delta = peaks.xy[id_b] - peaks.xy[id_a]                                      # (P, 2) map cells
    length = np.maximum(np.hypot(delta[:, 0], delta[:, 1]) * stride, 1e-3)       # network-input pixels
    unit = delta * (stride / length)[:, None]
    t = np.linspace(0.0, 1.0, num_samples)
    points = peaks.xy[id_a][:, None, :] + t[None, :, None] * delta[:, None, :]   # (P, S, 2)
    channels = np.array([[limb.paf_x, limb.paf_y] for limb in LIMBS])
    v = sample_pairs(pafs, channels, limb_of, points[..., 0], points[..., 1], interpolation)  # (P, S, 2)
    vx, vy = v[..., 0], v[..., 1]
    projection = vx * unit[:, 0, None] + vy * unit[:, 1, None]
    score = projection.mean(axis=1) + np.minimum(0.5 * prior_height / length - 1.0, 0.0)
    valid = (np.count_nonzero(projection > threshold, axis=1) > min_above_fraction * num_samples) & (score > 0)

    out = []
    bounds = np.cumsum(sizes) - sizes
    for k in range(len(LIMBS)):
        a, b = part_a[k], part_b[k]
        rows = slice(bounds[k], bounds[k] + sizes[k])
        shape = (n[a], n[b])
        out.append((np.arange(first[a], first[a + 1]), np.arange(first[b], first[b + 1]),
                    score[rows].reshape(shape), valid[rows].reshape(shape)))
    return out


def match_greedy(score: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy matching by descending score, each row and column used at most once.

    A valid pair that is the best of both its row and its column among the remaining pairs is exactly the
    pair that the sequential greedy pass would take (ties resolved towards lower indices, as a stable sort
    would), so whole rounds of such pairs are taken at once.

    Returns
    -------
    rows, cols, scores : np.ndarray
        The matched pairs, by descending score.
    """
    s = np.where(valid, score, -np.inf)
    rows, cols = [], []
    while s.size:
        best_col = s.argmax(axis=1)
        best_row = s.argmax(axis=0)
        r = np.arange(s.shape[0])
        take = np.isfinite(s[r, best_col]) & (best_row[best_col] == r)
        if not take.any():
            break
        rows.append(r[take])
        cols.append(best_col[take])
        s[r[take], :] = -np.inf
        s[:, best_col[take]] = -np.inf
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    i, j = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((j, i, -score[i, j]))
    return i[order], j[order], score[i[order], j[order]]


def assemble(connections: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
             peak_score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assemble people from the matched limbs, limb by limb in :data:`LIMBS` order.

    Parameters
    ----------
    connections : sequence
        Per limb of :data:`LIMBS`, ``(ids_a, ids_b, scores)`` of its matched pairs (candidate ids), by
        descending score.
    peak_score : np.ndarray
        ``(M,)`` score of each candidate.

    Returns
    -------
    members : np.ndarray
        ``(P, 18)`` int candidate id per part, -1 where missing.
    total : np.ndarray
        ``(P,)`` sum of the people's peak scores and limb scores.
    count : np.ndarray
        ``(P,)`` number of parts.
    """
    members = np.empty((0, NUM_PARTS), dtype=np.int64)
    total, count = np.empty(0), np.empty(0, dtype=np.int64)
    for k, (limb, conn) in enumerate(zip(LIMBS, connections)):
        pa, pb = limb.part_a, limb.part_b
        for a, b, s in zip(*(c.tolist() for c in conn)):
            found = np.flatnonzero((members[:, pa] == a) | (members[:, pb] == b))
            if len(found) == 1 or (len(found) >= 2 and np.any((members[found[0]] >= 0)
                                                             & (members[found[1]] >= 0))):
                n = found[0]
                if len(found) == 1 and members[n, pb] == b:
                    continue
                members[n, pb] = b
                count[n] += 1
                total[n] += peak_score[b] + s
            elif len(found) >= 2:  # the limb joins two disjoint people: merge them
                n, m = found[0], found[1]
                members[n] = np.maximum(members[n], members[m])
                total[n] += total[m] + s
                count[n] += count[m]
                members, total, count = (np.delete(v, m, axis=0) for v in (members, total, count))
            elif k < NUM_SEED_LIMBS:
                row = np.full((1, NUM_PARTS), -1, dtype=np.int64)
                row[0, pa], row[0, pb] = a, b
                members = np.vstack([members, row])
                total = np.append(total, peak_score[a] + peak_score[b] + s)
                count = np.append(count, 2)
    return members, total, count


def _to_image(net_xy: np.ndarray, scale_xy: Sequence[float] | float | None,
              pad: Sequence[float] | Mapping[str, float] | None) -> np.ndarray:
    """Network-input pixels -> image pixels (identity when ``scale_xy`` and ``pad`` are None)."""
    if isinstance(pad, Mapping):
        pad = (pad.get("left", 0.0), pad.get("top", 0.0))
    xy = net_xy - np.asarray(pad if pad is not None else (0.0, 0.0), dtype=np.float64)
    if scale_xy is not None:
        xy = (xy + 0.5) / np.broadcast_to(np.asarray(scale_xy, dtype=np.float64), (2,)) - 0.5
    return xy


def _as_maps(maps: Any, name: str, channels: int) -> np.ndarray:
    """A float32 ``(C, h, w)`` NumPy array from a NumPy array or torch tensor with >= ``channels``."""
    if hasattr(maps, "detach"):  # torch.Tensor
        maps = maps.detach().cpu().float().numpy()
    maps = np.asarray(maps)
    while maps.ndim > 3 and maps.shape[0] == 1:
        maps = maps[0]
    if maps.ndim != 3 or maps.shape[0] < channels:
        raise ValueError(f"{name} must be ({channels}+, h, w), got shape {maps.shape}")
    if maps.dtype == np.float16 and maps.size:  # OpenCV's conversion is ~20x faster than NumPy's
        out = scratch(name, maps.shape)
        cv2.convertFp16(np.ascontiguousarray(maps).reshape(len(maps), -1), out.reshape(len(maps), -1))
        return out
    return np.asarray(maps, dtype=np.float32)

"""Top-down geometry and heatmap decoding for RSN (Residual Steps Network), official test settings.

A top-down estimator finds people first, then estimates one pose per person crop::

    crops = crop_boxes(frame, boxes)                      # (M, 256, 192, 3) uint8 + centres, sizes
    x = normalize(crops.images)                           # (M, 3, 256, 192) float32
    heatmaps = net(x)                                     # (M, 17, 64, 48)
    heatmaps = flip_test(heatmaps, net(x[..., ::-1]), COCO17.flip_permutation)
    kps = decode_to_frame(heatmaps, crops.centers, crops.sizes)      # (M, 17, 3) frame pixels + maxval
    kps[..., 2] = np.clip(kps[..., 2] / 255, 0, 1)        # official weights: heatmaps peak at 255
    keep = oks_nms(kps, person_scores(crops.scores, kps[..., 2]))

The settings follow the official RSN test code (``caiyuanhao1998/RSN``, ``exps/*/test.py``,
``dataset/attribute.py``, ``lib/utils/transforms.py``), read and re-implemented here:

* crops: the detection box grown by 9 % in width and 13.5 % in height, then its short side grown to
  the 192:256 aspect ratio, warped with a bilinear affine (constant black border);
* input: ``(img / 255 - mean) / std`` in BGR channel order, mean ``(0.406, 0.456, 0.485)`` and std
  ``(0.225, 0.224, 0.229)`` (ImageNet's statistics written in BGR order);
* flip test: heatmaps of the mirrored crop are mirrored back, left/right channels swapped, and
  averaged with the plain ones, *without* the one-pixel shift of HRNet's ``SHIFT_HEATMAP`` (see
  :func:`flip_test`);
* decoding: Gaussian blur (kernel 5), arg-max, a quarter-pixel step towards the higher side, then
  ``x * 4 + 2`` to crop pixels and the inverse affine to frame pixels (see :func:`decode_heatmaps`).

Where the official code and this module differ, the function says so: the sub-pixel step (per
axis here, towards the second maximum there), the person score, and OKS-NMS (which the official test
does not run; it is SimpleBaseline/HRNet's step for overlapping detections).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from actionpose.skeleton.layouts import COCO17
from actionpose.skeleton.tracking import DEFAULT_SIGMA, keypoint_sigmas, pose_similarity

log = logging.getLogger(__name__)

#: network input size ``(width, height)`` of the COCO RSN models
INPUT_SIZE: tuple[int, int] = (192, 256)
#: heatmap size ``(width, height)``: the input at stride 4
HEATMAP_SIZE: tuple[int, int] = (48, 64)
#: test-time box enlargement ``(width, height)``: official ``TEST.X_EXTENTION = 0.09``, ``Y_EXTENTION = 0.135``
TEST_ENLARGE: tuple[float, float] = (1.09, 1.135)
#: official RSN normalisation, in BGR channel order (``INPUT.MEANS``, ``INPUT.STDS``, ``COLOR_RGB = False``)
RSN_MEAN_BGR: tuple[float, float, float] = (0.406, 0.456, 0.485)
RSN_STD_BGR: tuple[float, float, float] = (0.225, 0.224, 0.229)
#: ImageNet statistics in RGB order (MMPose's RSN preset feeds RGB)
IMAGENET_MEAN_RGB: tuple[float, float, float] = (0.485, 0.456, 0.406)
IMAGENET_STD_RGB: tuple[float, float, float] = (0.229, 0.224, 0.225)
#: official ``TEST.GAUSSIAN_KERNEL`` and ``TEST.SHIFT_RATIOS`` for COCO
BLUR_KERNEL = 5
PEAK_SHIFT = 0.25
#: OKS above which the lower-scored of two poses is dropped (SimpleBaseline/HRNet ``oks_thre``)
OKS_NMS_THRESHOLD = 0.9
#: joints scoring at least this count as confident in person scores and OKS (HRNet ``in_vis_thre``)
MIN_JOINT_SCORE = 0.2

_MAX_BLUR_CHANNELS = 512  # cv2 filters take at most CV_CN_MAX channels at once


class CenterSize(NamedTuple):
    """A crop region: ``center`` ``(..., 2)`` and ``size`` ``(..., 2)`` (width, height), frame pixels."""

    center: np.ndarray
    size: np.ndarray


class Peaks(NamedTuple):
    """Decoded heatmap peaks: ``coords`` ``(N, K, 2)`` x, y and ``maxvals`` ``(N, K)`` heatmap values."""

    coords: np.ndarray
    maxvals: np.ndarray


@dataclass(frozen=True)
class Crops:
    """Person crops ready for the network.

    Attributes
    ----------
    images
        ``(M, H, W, 3)`` uint8 BGR crops.
    centers, sizes
        ``(M, 2)`` crop centre and ``(width, height)`` in frame pixels (see :func:`box_to_center_scale`).
    scores
        ``(M,)`` detection scores of the boxes (1 where the boxes had none).
    """

    images: np.ndarray
    centers: np.ndarray
    sizes: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


# --------------------------------------------------------------------------------------- geometry
def box_to_center_scale(box: np.ndarray | Sequence[float], aspect: float = INPUT_SIZE[0] / INPUT_SIZE[1],
                        enlarge: tuple[float, float] = TEST_ENLARGE) -> CenterSize:
    """Crop region of a detection box: enlarged, then fitted to the network's aspect ratio.

    Parameters
    ----------
    box
        ``(..., 4)`` or ``(..., 5)`` boxes ``x0, y0, x1, y1[, score]`` in frame pixels.
    aspect
        Width / height of the crop (192 / 256).
    enlarge
        Factors on the box width and height (the official test's +9 % and +13.5 %).

    Returns
    -------
    CenterSize
        The box centre, and the enlarged size with its short side (relative to ``aspect``) grown so
        that ``width / height == aspect``; the person is never cut.
    """
    b = np.asarray(box, dtype=np.float64)
    if b.shape[-1] not in (4, 5):
        raise ValueError(f"boxes must be (..., 4) or (..., 5), got shape {b.shape}")
    center = np.stack([(b[..., 0] + b[..., 2]) / 2.0, (b[..., 1] + b[..., 3]) / 2.0], axis=-1)
    w = (b[..., 2] - b[..., 0]) * enlarge[0]
    h = (b[..., 3] - b[..., 1]) * enlarge[1]
    wide = w > aspect * h
    size = np.stack([np.where(wide, w, h * aspect), np.where(wide, w / aspect, h)], axis=-1)
    return CenterSize(center, size)


def crop_transform(center: np.ndarray | Sequence[float], size: np.ndarray | Sequence[float],
                   out_size: tuple[int, int] = INPUT_SIZE, inverse: bool = False) -> np.ndarray:
    """Affine matrix ``(..., 2, 3)`` from frame to crop pixels (or back with ``inverse=True``).

    The region ``center +- size / 2`` maps onto ``[0, W] x [0, H]`` of the crop, the centre to
    ``(W / 2, H / 2)``, as in the official ``get_affine_transform`` without rotation. Each axis is
    scaled on its own; for a region fitted by :func:`box_to_center_scale` both scales are equal.

    Parameters
    ----------
    center, size
        ``(..., 2)`` region centre and ``(width, height)`` in frame pixels.
    out_size
        Crop ``(width, height)``.
    inverse
        Return the crop-to-frame matrix instead.
    """
    c = np.asarray(center, dtype=np.float64)
    s = np.asarray(size, dtype=np.float64)
    out = np.asarray(out_size, dtype=np.float64)
    if inverse:
        scale = s / out
        shift = c - s / 2.0
    else:
        scale = out / s
        shift = out / 2.0 - scale * c
    m = np.zeros(np.broadcast_shapes(c.shape, s.shape)[:-1] + (2, 3))
    m[..., 0, 0], m[..., 1, 1] = scale[..., 0], scale[..., 1]
    m[..., :, 2] = shift
    return m


def apply_affine(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points ``(..., K, 2)`` through affine matrices ``(..., 2, 3)`` (broadcast over the leading axes)."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    return np.einsum("...ij,...kj->...ki", m[..., :2], p) + m[..., None, :, 2]


def crop(frame: np.ndarray, center: np.ndarray | Sequence[float], size: np.ndarray | Sequence[float],
         out_size: tuple[int, int] = INPUT_SIZE) -> np.ndarray:
    """The region ``center +- size / 2`` of ``frame`` warped to ``out_size`` (width, height).

    Bilinear interpolation; outside the frame is black (``cv2.BORDER_CONSTANT``), as in the official code.
    """
    m = crop_transform(center, size, out_size)
    return cv2.warpAffine(frame, m, (int(out_size[0]), int(out_size[1])), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def crop_boxes(frame: np.ndarray, boxes: np.ndarray, out_size: tuple[int, int] = INPUT_SIZE,
               enlarge: tuple[float, float] = TEST_ENLARGE) -> Crops:
    """Crops of every box ``(M, 4 or 5)`` of one frame, with their regions (see :class:`Crops`)."""
    b = np.asarray(boxes, dtype=np.float64)
    b = b.reshape(-1, b.shape[-1]) if b.size else np.zeros((0, 5))
    region = box_to_center_scale(b, out_size[0] / out_size[1], enlarge)
    if len(b):
        images = np.stack([crop(frame, c, s, out_size) for c, s in zip(region.center, region.size, strict=True)])
    else:
        images = np.zeros((0, out_size[1], out_size[0]) + frame.shape[2:], dtype=frame.dtype)
    scores = b[:, 4] if b.shape[1] == 5 else np.ones(len(b))
    return Crops(images, region.center, region.size, scores.astype(np.float32))


def normalize(crops_bgr: np.ndarray, mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
              rgb: bool = False) -> np.ndarray:
    """Network input ``(N, 3, H, W)`` float32: ``(img / 255 - mean) / std``.

    Parameters
    ----------
    crops_bgr
        ``(N, H, W, 3)`` or ``(H, W, 3)`` uint8 BGR crops.
    mean, std
        Per channel, in the order of the *output* channels. None: the official RSN values in BGR
        order (:data:`RSN_MEAN_BGR`, :data:`RSN_STD_BGR`), or with ``rgb=True`` ImageNet's in RGB
        order (:data:`IMAGENET_MEAN_RGB`, :data:`IMAGENET_STD_RGB`). The two defaults are the same
        statistics, so they differ only in channel order.
    rgb
        Convert to RGB first (MMPose's preset); the official RSN checkpoints take BGR.
    """
    x = np.asarray(crops_bgr)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"crops must be (N, H, W, 3) or (H, W, 3), got shape {x.shape}")
    if rgb:
        x = x[..., ::-1]
    mean = np.asarray(mean if mean is not None else (IMAGENET_MEAN_RGB if rgb else RSN_MEAN_BGR), dtype=np.float32)
    std = np.asarray(std if std is not None else (IMAGENET_STD_RGB if rgb else RSN_STD_BGR), dtype=np.float32)
    out = (x.astype(np.float32) / np.float32(255.0) - mean) / std
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def batch_slices(count: int, size: int) -> Iterator[slice]:
    """Slices ``[0:size], [size:2 size], ...`` covering ``count`` items (crops per network call)."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


# ---------------------------------------------------------------------------------------- flip test
def _translate_x(maps: np.ndarray, shift: int) -> np.ndarray:
    """``out[..., x] = maps[..., x - shift]``, zero where that is outside."""
    out = np.zeros_like(maps)
    w = maps.shape[-1]
    if abs(shift) >= w:
        return out
    if shift >= 0:
        out[..., shift:] = maps[..., : w - shift]
    else:
        out[..., : w + shift] = maps[..., -shift:]
    return out


def flip_heatmaps(heatmaps: np.ndarray, flip_permutation: np.ndarray | Sequence[int],
                  shift: float = 0.0) -> np.ndarray:
    """Mirror heatmaps ``(N, K, h, w)`` left-right and swap left/right joints; move them ``shift`` px right.

    A fractional ``shift`` interpolates linearly between columns; columns moved in are zero.
    """
    hm = np.asarray(heatmaps)
    if hm.ndim != 4:
        raise ValueError(f"heatmaps must be (N, K, h, w), got shape {hm.shape}")
    out = hm[:, np.asarray(flip_permutation), :, ::-1]
    if shift:
        whole = int(np.floor(shift))
        frac = float(shift) - whole
        out = (1.0 - frac) * _translate_x(out, whole) + (frac * _translate_x(out, whole + 1) if frac else 0.0)
    return np.ascontiguousarray(out, dtype=hm.dtype)


def flip_test(heatmaps: np.ndarray, flipped_heatmaps: np.ndarray,
              flip_permutation: np.ndarray | Sequence[int] = COCO17.flip_permutation, shift: float = 0.0) -> np.ndarray:
    """Average the heatmaps of the crops with the un-flipped heatmaps of the mirrored crops.

    Parameters
    ----------
    heatmaps, flipped_heatmaps
        ``(N, K, h, w)`` network outputs for the crops and for the crops mirrored left-right.
    flip_permutation
        Joint index swapping left and right (``COCO17.flip_permutation``).
    shift
        Move the un-flipped maps this many heatmap pixels to the right before averaging.

    Notes
    -----
    The official RSN code (``flip_back``) does **not** shift; HRNet's ``SHIFT_HEATMAP`` moves them by
    one pixel, which suits HRNet's decoding (heatmap ``x -> x * 4``) but not RSN's. With RSN's
    ``x * 4 + 2`` and a crop of width ``W`` mirrored as ``u -> W - 1 - u``, a joint at crop pixel
    ``u`` peaks at heatmap ``(u - 2) / 4`` in the plain maps and at ``(u - 1) / 4`` in the un-flipped
    ones: a quarter heatmap pixel (``1 / stride``) to the right. A one-pixel shift would widen that
    gap to 1.25 pixels; no shift leaves half an input pixel of bias on the average; ``shift=-0.25``
    (``-1 / stride``) removes it. The default 0 reproduces the official results.
    """
    hm = np.asarray(heatmaps)
    flipped = np.asarray(flipped_heatmaps)
    if hm.shape != flipped.shape:
        raise ValueError(f"heatmaps {hm.shape} and flipped heatmaps {flipped.shape} differ in shape")
    return (hm + flip_heatmaps(flipped, flip_permutation, shift)) * 0.5


# ----------------------------------------------------------------------------------------- decoding
def _blur(maps: np.ndarray, kernel: int) -> np.ndarray:
    """Gaussian blur of every ``(h, w)`` map of ``(..., h, w)``, zero outside (the official 10-px zero border)."""
    h, w = maps.shape[-2:]
    flat = np.ascontiguousarray(maps.reshape(-1, h, w).transpose(1, 2, 0), dtype=np.float32)
    out = np.empty_like(flat)
    for start in range(0, flat.shape[2], _MAX_BLUR_CHANNELS):
        part = np.ascontiguousarray(flat[:, :, start:start + _MAX_BLUR_CHANNELS])
        blurred = cv2.GaussianBlur(part, (kernel, kernel), 0, borderType=cv2.BORDER_CONSTANT)
        out[:, :, start:start + _MAX_BLUR_CHANNELS] = blurred.reshape(part.shape)
    return out.transpose(2, 0, 1).reshape(maps.shape)


def decode_heatmaps(heatmaps: np.ndarray, blur_kernel: int = BLUR_KERNEL, shift: float = PEAK_SHIFT,
                    refine: str = "axis") -> Peaks:
    """Peak of every heatmap, with the official RSN quarter-pixel refinement.

    Parameters
    ----------
    heatmaps
        ``(N, K, h, w)`` heatmaps (after the flip test, if any).
    blur_kernel
        Gaussian kernel size (sigma from the size, as ``cv2.GaussianBlur(..., 0)``); 0 or 1: no blur.
    shift
        Step from the arg-max of the blurred map towards the higher side, in heatmap pixels.
    refine
        ``"axis"`` (default): ``shift`` along x towards the higher of the left/right neighbours and
        along y towards the higher of the upper/lower ones (SimpleBaseline/HRNet style; within a
        quarter pixel per axis for a single blob). ``"second_max"``: the official RSN rule, ``shift``
        along the unit vector towards the highest of the 8 neighbours (the official code takes the
        second maximum of the blurred map, which is that neighbour unless the map has another,
        stronger peak); for a round blob that refines only one axis.

    Returns
    -------
    Peaks
        ``coords`` ``(N, K, 2)`` float64 x, y in heatmap pixels, clipped to the map, and ``maxvals``
        ``(N, K)`` float32: the *unblurred* heatmap at the arg-max of the blurred one (the official
        score sampling point). The official checkpoints were trained on targets peaking at 255 and
        score joints with ``maxval / 255 + 0.5``; map the values to [0, 1] as the weights require.
    """
    hm = np.asarray(heatmaps, dtype=np.float32)
    if hm.ndim != 4:
        raise ValueError(f"heatmaps must be (N, K, h, w), got shape {hm.shape}")
    if refine not in ("axis", "second_max"):
        raise ValueError(f"refine must be 'axis' or 'second_max', got {refine!r}")
    n, k, h, w = hm.shape
    if hm.size == 0:
        return Peaks(np.zeros((n, k, 2)), np.zeros((n, k), dtype=np.float32))
    blurred = _blur(hm, int(blur_kernel)) if blur_kernel and blur_kernel > 1 else hm
    flat = blurred.reshape(n, k, h * w)
    idx = flat.argmax(axis=-1)
    y, x = np.divmod(idx, w)
    maxvals = np.take_along_axis(hm.reshape(n, k, h * w), idx[..., None], axis=-1)[..., 0]

    # the 3x3 neighbourhood of every peak, zero outside the map
    padded = np.pad(blurred, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ni, ki = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    offsets = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    hood = padded[ni[..., None], ki[..., None], y[..., None] + 1 + offsets[:, 0], x[..., None] + 1 + offsets[:, 1]]
    if refine == "axis":
        # neighbours equal to rounding error (a peak exactly on a pixel) give no step
        tie = 1e-6 * np.abs(hood[..., 4])
        dx = np.sign(np.where(np.abs(hood[..., 5] - hood[..., 3]) > tie, hood[..., 5] - hood[..., 3], 0.0))
        dy = np.sign(np.where(np.abs(hood[..., 7] - hood[..., 1]) > tie, hood[..., 7] - hood[..., 1], 0.0))
        step = np.stack([dx, dy], axis=-1) * shift
    else:
        hood[..., 4] = -np.inf                      # the peak itself
        best = hood.argmax(axis=-1)
        direction = offsets[best][..., ::-1].astype(np.float64)       # (dx, dy)
        step = direction / np.linalg.norm(direction, axis=-1, keepdims=True) * shift
    coords = np.stack([x, y], axis=-1).astype(np.float64) + step
    coords[..., 0] = np.clip(coords[..., 0], 0, w - 1)
    coords[..., 1] = np.clip(coords[..., 1], 0, h - 1)
    return Peaks(coords, maxvals.astype(np.float32))


def heatmap_to_input(coords: np.ndarray, stride: float = 4.0, offset: float | None = None) -> np.ndarray:
    """Heatmap pixels to network-input (crop) pixels: ``coords * stride + offset``.

    ``offset`` defaults to ``stride / 2`` (the official ``x * 4 + 2``): heatmap pixel ``i`` stands for
    the input pixels ``[stride * i, stride * (i + 1))``, whose middle is ``stride * i + stride / 2``.
    """
    return np.asarray(coords, dtype=np.float64) * stride + (stride / 2.0 if offset is None else offset)


def decode_to_frame(heatmaps: np.ndarray, centers: np.ndarray, sizes: np.ndarray,
                    input_size: tuple[int, int] = INPUT_SIZE, blur_kernel: int = BLUR_KERNEL,
                    shift: float = PEAK_SHIFT, refine: str = "axis") -> np.ndarray:
    """Keypoints ``(N, K, 3)`` float32 in frame pixels (x, y, maxval) from the heatmaps of N crops.

    :func:`decode_heatmaps`, then :func:`heatmap_to_input` with the stride ``input width / heatmap
    width``, then the inverse of :func:`crop_transform` of each crop's ``centers`` / ``sizes``.
    """
    peaks = decode_heatmaps(heatmaps, blur_kernel, shift, refine)
    stride = input_size[0] / np.shape(heatmaps)[-1]
    in_crop = heatmap_to_input(peaks.coords, stride)
    inverse = crop_transform(np.asarray(centers).reshape(-1, 2), np.asarray(sizes).reshape(-1, 2), input_size,
                             inverse=True)
    xy = apply_affine(in_crop, inverse)
    return np.concatenate([xy, peaks.maxvals[..., None]], axis=-1).astype(np.float32)


# ------------------------------------------------------------------------------------------ scoring
def person_scores(box_scores: np.ndarray, joint_scores: np.ndarray,
                  min_joint_score: float | None = MIN_JOINT_SCORE) -> np.ndarray:
    """``(M,)`` person scores: box score times the mean score of the confident joints.

    Parameters
    ----------
    box_scores
        ``(M,)`` detector scores.
    joint_scores
        ``(M, K)`` keypoint scores.
    min_joint_score
        Joints below it are left out of the mean (SimpleBaseline/HRNet rescoring, ``in_vis_thre``
        0.2); a person without any confident joint scores 0. None: the mean over all joints, as the
        official RSN test does (``score = box score * mean(maxvals)``).
    """
    js = np.asarray(joint_scores, dtype=np.float64)
    bs = np.asarray(box_scores, dtype=np.float64).reshape(-1)
    if min_joint_score is None:
        mean = js.mean(axis=-1) if js.shape[-1] else np.zeros(len(js))
    else:
        conf = js >= min_joint_score
        mean = np.where(conf, js, 0.0).sum(axis=-1) / np.maximum(conf.sum(axis=-1), 1)
    return (bs * mean).astype(np.float32)


def oks_nms(keypoints: np.ndarray, scores: np.ndarray, threshold: float = OKS_NMS_THRESHOLD,
            min_joint_score: float = MIN_JOINT_SCORE, sigmas: np.ndarray | None = None) -> np.ndarray:
    """Greedy non-maximum suppression of poses by object keypoint similarity (OKS).

    Two detection boxes on one person give two nearly equal poses; the lower-scored one is dropped.

    Parameters
    ----------
    keypoints
        ``(M, K, 3)`` poses (x, y, score) in frame pixels.
    scores
        ``(M,)`` person scores (see :func:`person_scores`).
    threshold
        A pose whose similarity to a kept, higher-scored pose exceeds this is dropped; 0.9 is
        SimpleBaseline/HRNet's ``oks_thre`` (the official RSN test runs no NMS).
    min_joint_score
        Joints scoring at least this enter the OKS.
    sigmas
        ``(K,)`` OKS sigmas; None: COCO's for 17 joints, else ``DEFAULT_SIGMA`` for every joint.

    Returns
    -------
    numpy.ndarray
        int64 indices of the kept poses, highest score first.

    Notes
    -----
    The similarity is :func:`actionpose.skeleton.tracking.pose_similarity`: COCO OKS over the joints
    confident in both poses, at the scale of the larger keypoint box, blended into the IoU of the
    keypoint boxes when they share fewer than 4 confident joints.
    """
    kps = np.asarray(keypoints, dtype=np.float64)
    sc = np.asarray(scores, dtype=np.float64).reshape(-1)
    if kps.ndim != 3 or kps.shape[-1] < 3 or len(kps) != len(sc):
        raise ValueError(f"keypoints must be (M, K, 3) with M = len(scores), got {kps.shape} and {sc.shape}")
    if len(kps) == 0:
        return np.zeros(0, dtype=np.int64)
    if sigmas is None:
        sigmas = keypoint_sigmas(COCO17) if kps.shape[1] == COCO17.num_joints else np.full(kps.shape[1], DEFAULT_SIGMA)
    xy, js = kps[..., :2], kps[..., -1]
    valid = np.isfinite(xy).all(axis=-1)
    conf = valid & (js >= min_joint_score)
    sim = pose_similarity(xy, conf, valid, xy, conf, valid, np.asarray(sigmas, dtype=np.float64))
    order = np.argsort(-sc, kind="stable")
    keep: list[int] = []
    for i in order:
        if all(sim[i, j] <= threshold for j in keep):
            keep.append(int(i))
    if len(keep) < len(kps):
        log.debug("OKS-NMS kept %d of %d poses", len(keep), len(kps))
    return np.asarray(keep, dtype=np.int64)


__all__ = [
    "BLUR_KERNEL", "HEATMAP_SIZE", "IMAGENET_MEAN_RGB", "IMAGENET_STD_RGB", "INPUT_SIZE", "MIN_JOINT_SCORE",
    "OKS_NMS_THRESHOLD", "PEAK_SHIFT", "RSN_MEAN_BGR", "RSN_STD_BGR", "TEST_ENLARGE", "CenterSize", "Crops", "Peaks",
    "apply_affine", "batch_slices", "box_to_center_scale", "crop", "crop_boxes", "crop_transform", "decode_heatmaps",
    "decode_to_frame", "flip_heatmaps", "flip_test", "heatmap_to_input", "normalize", "oks_nms", "person_scores",
]

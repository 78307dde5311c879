"""Joints by name from window arrays, and the one normalisation every model input goes through.

Windows are ``(N, T, P, K, C)`` arrays (windows x frames x people x joints x channels, the last
channel the score; see :class:`actionpose.train.data.WindowSet`). A joint is missing when its score is
not positive or a coordinate is not finite.

:func:`normalize_windows` (re-exported by :mod:`actionpose.train.windows`) makes windows from any
camera comparable:

* **Origin**: the body centre (:func:`centre_frames`: the pelvis, derived through the layout's
  derivation rules, e.g. the mean of both hips for COCO-17; else the neck; for hand layouts the
  wrist or the mean of both wrists; else the mean of the present joints) of the window's *first
  frame where it is valid* (``anchor="first"``, the default). One origin per window keeps global
  motion in the model input (a fall is the pelvis dropping), which per-frame centring
  (``anchor="frame"``) erases; it is also the usual skeleton-model convention (ST-GCN subtracts the
  first frame's centre joint). ``anchor="mean"`` uses the mean centre over the window instead.
  Measured on real data: see :func:`normalize_windows`.
* **Scale**: the median torso length (neck to pelvis, x-y) over the window's frames, so one unit is
  one torso; without a torso (hands, occluded shoulders or hips) the median size of the keypoint
  box (its larger side). z, when present, is centred and scaled alike.
* **Missing joints** become 0 with score 0. Nothing is ever NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from actionpose.skeleton.layouts import KeypointLayout, get_layout, resolve_joint

#: anchors of :func:`normalize_windows`
ANCHORS = ("first", "mean", "frame")
#: origins tried in turn for each window and person: the first one the layout can derive and that is
#: valid in some frame of the window is used (a tuple: the mean of those joints)
CENTRE_JOINTS: tuple[tuple[str, ...], ...] = (("pelvis",), ("neck",), ("wrist",), ("left_wrist", "right_wrist"),
                                              ("left_wrist",), ("right_wrist",))


def missing_mask(X: np.ndarray) -> np.ndarray:
    """``X.shape[:-1]`` bool: joints without a positive score or with a non-finite coordinate."""
    X = np.asarray(X)
    return ~(X[..., -1] > 0) | ~np.isfinite(X[..., :-1]).all(axis=-1)


def _weights(layout: KeypointLayout, names: Sequence[str | tuple[str, ...]]) -> np.ndarray:
    """``(J, K)`` weights: row j averages the joints that ``names[j]`` resolves to (all zero: underivable).

    An entry that is a tuple of names is the mean of those points (each must be derivable).
    """
    W = np.zeros((len(names), layout.num_joints), dtype=np.float64)
    for j, name in enumerate(names):
        parts = [resolve_joint(layout, n) for n in ((name,) if isinstance(name, str) else name)]
        if not parts or not all(parts):
            continue
        for src in parts:
            np.add.at(W[j], list(src), 1.0 / (len(src) * len(parts)))
    return W


def named_points(X: np.ndarray, layout: str | KeypointLayout, names: Sequence[str | tuple[str, ...]],
                 dims: int = 2) -> np.ndarray:
    """Positions of joints by name, derived when the layout lacks them.

    Parameters
    ----------
    X
        ``(..., K, C)`` poses whose last channel is the score.
    layout
        The layout of the ``K`` joints.
    names
        Joint names of the shared vocabulary (``"left_elbow"``, ``"pelvis"``, ...); a tuple of names
        is the mean of those points.
    dims
        Coordinates returned: 2 (x, y) or ``C - 1`` (with z).

    Returns
    -------
    ``(..., J, dims)`` float64; NaN where a source joint is missing or the name cannot be derived.
    """
    layout = get_layout(layout)
    W = _weights(layout, names)
    used = np.flatnonzero((W > 0).any(axis=0))
    X = np.asarray(X)[..., used, :]
    W = W[:, used]
    miss = missing_mask(X)
    coords = np.where(miss[..., None], 0.0, X[..., :dims].astype(np.float64))
    pts = np.einsum("...kc,jk->...jc", coords, W)
    bad = (np.einsum("...k,jk->...j", miss.astype(np.float64), (W > 0).astype(np.float64)) > 0) | ~(W > 0).any(axis=1)
    pts[bad] = np.nan
    return pts


def _mean_present(X: np.ndarray, dims: int) -> np.ndarray:
    """``(N, T, P, dims)`` mean of the present joints of each frame (NaN when none)."""
    present = ~missing_mask(X)
    coords = np.where(present[..., None], X[..., :dims], np.float32(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return coords.sum(axis=-2) / present.sum(axis=-1)[..., None]


def _reduce_time(values: np.ndarray, anchor: str) -> np.ndarray:
    """Collapse axis 1 of ``(N, T, P, D)``: the first frame with finite values ("first"), the mean of
    the finite frames ("mean"), or keep every frame ("frame"). Frames without a value take the result
    of the window (so a person missing in some frames is still centred)."""
    valid = np.isfinite(values).all(axis=-1)
    if anchor == "first":
        first = valid.argmax(axis=1)
        out = np.take_along_axis(values, first[:, None, :, None], axis=1)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.nanmean(np.where(valid[..., None], values, np.nan), axis=1, keepdims=True)
        if anchor == "frame":
            out = np.where(valid[..., None], values, out)
    return np.broadcast_to(out, values.shape)


def centre_frames(X: np.ndarray, layout: str | KeypointLayout) -> np.ndarray:
    """``(N, T, P, C - 1)`` body centre of each frame, NaN where it is not valid.

    Per window and person, the first of :data:`CENTRE_JOINTS` that the layout can derive and that is
    valid in some frame of the window, else the mean of the present joints.
    """
    layout = get_layout(layout)
    X = np.asarray(X)
    dims = X.shape[-1] - 1
    frames = np.full(X.shape[:3] + (dims,), np.nan)
    chosen = np.zeros((X.shape[0], 1, X.shape[2], 1), dtype=bool)
    for names in CENTRE_JOINTS:
        if chosen.all():
            break
        if not _weights(layout, [names]).any():
            continue
        centre = named_points(X, layout, [names], dims)[..., 0, :]
        valid = np.isfinite(centre).all(axis=-1, keepdims=True).any(axis=1, keepdims=True)
        frames = np.where(valid & ~chosen, centre, frames)
        chosen |= valid
    if not chosen.all():
        frames = np.where(chosen, frames, _mean_present(X, dims))
    return frames


def window_origin(X: np.ndarray, layout: str | KeypointLayout, anchor: str = "first") -> np.ndarray:
    """``(N, T, P, C - 1)`` origin of each window and person (per frame for ``anchor="frame"``): the
    :func:`centre_frames` reduced over time by ``anchor`` (see :func:`normalize_windows`); 0 for a
    person missing from the whole window."""
    return np.nan_to_num(_reduce_time(centre_frames(X, layout), anchor))


def _box_size(X: np.ndarray) -> np.ndarray:
    """``(N, T, P)`` larger side of the box around the present joints (NaN without two joints)."""
    present = ~missing_mask(X)
    xy = X[..., :2]
    lo = np.where(present[..., None], xy, np.inf).min(axis=-2)
    hi = np.where(present[..., None], xy, -np.inf).max(axis=-2)
    size = (hi - lo).max(axis=-1)
    return np.where(np.isfinite(size) & (size > 0), size, np.nan)


def window_scale(X: np.ndarray, layout: str | KeypointLayout) -> np.ndarray:
    """``(N, P)`` unit length of each window and person: the median torso length over the window's
    frames, else the median keypoint box size, else 1."""
    layout = get_layout(layout)
    ends = named_points(X, layout, ["neck", "pelvis"])
    torso = np.linalg.norm(ends[..., 0, :] - ends[..., 1, :], axis=-1)
    torso = np.where(torso > 0, torso, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = np.nanmedian(torso, axis=1)
        scale = np.where(np.isfinite(scale), scale, np.nanmedian(_box_size(X), axis=1))
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


def normalize_windows(X: np.ndarray, layout: str | KeypointLayout, anchor: str = "first") -> np.ndarray:
    """Centre, scale and clean pose windows (see the module docstring).

    Parameters
    ----------
    X
        ``(N, T, P, K, C)`` windows in any units; missing joints NaN or score 0.
    layout
        The layout of the ``K`` joints.
    anchor
        Origin of each window and person: the body centre of the first frame where it is valid
        (``"first"``, default), its mean over the window (``"mean"``), or per frame (``"frame"``,
        which loses global motion).

        Measured on the 23 ThingX fall sequences (``data/falls/thingx_skeleton``, 30 fps, 1 s windows
        every 5 frames labelled by their last frame, leave-one-sequence-out, random forest on
        :func:`actionpose.features.window_features`): fall-or-lying vs upright, balanced accuracy
        "first" 0.939, "mean" 0.940, "frame" 0.933; upright / falling (first second of a fall) /
        lying, F1 of "falling" 0.836, 0.826, 0.849 (mean of 3 seeds, spread about 0.01). The window
        features separate posture (joints relative to each frame's centre) from the centre's path,
        so classical models barely depend on the anchor; "first" is kept so that sequence models
        see global motion.

    Returns
    -------
    ``(N, T, P, K, C)`` float32: coordinates in torso units around the origin, missing joints 0 with
    score 0, no NaN.
    """
    if anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {ANCHORS}, got {anchor!r}")
    layout = get_layout(layout)
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 5 or X.shape[-1] < 3:
        raise ValueError(f"windows must be (N, T, P, K, C>=3), got shape {X.shape}")
    if X.shape[-2] != layout.num_joints:
        raise ValueError(f"windows have {X.shape[-2]} joints, layout {layout.name!r} has {layout.num_joints}")
    origin = window_origin(X, layout, anchor)
    scale = window_scale(X, layout)[:, None, :, None, None]
    miss = missing_mask(X)
    out = np.empty_like(X)
    with np.errstate(invalid="ignore"):
        out[..., :-1] = (X[..., :-1] - origin[..., None, :]) / scale
    out[..., -1] = X[..., -1]
    out[miss] = 0.0
    return out


__all__ = ["ANCHORS", "CENTRE_JOINTS", "centre_frames", "missing_mask", "named_points", "normalize_windows",
           "window_origin", "window_scale"]

"""Running an OpenPose network on BGR frames: preprocessing, batching, multi-scale averaging.

Two preprocessings, chosen by the network's ``preprocessing`` attribute:

* ``"openpose"`` (CMU, Lightweight): the BGR frame is resized (``cv2.INTER_CUBIC``) so its height is
  ``input_height * scale`` keeping the aspect ratio, padded right and bottom to a multiple of the
  stride 8 with value 128, and normalised ``img / 256 - 0.5`` (so padding is 0).
* ``"tfpose"`` (the built-in ``mobilenet_v2_small``, as tf-pose-estimation runs it): resized
  (``cv2.INTER_CUBIC``) to height ``round(input_height * scale / 8) * 8`` and width
  ``round(W * net_h / H / 8) * 8`` (aspect kept to the nearest 8 pixels, no padding), raw BGR 0..255.

Coordinate contract with the decoder (pixel centres, OpenCV convention)::

    net_px = (orig_px + 0.5) * scale - 0.5,   scale_xy = (net_w / W, net_h / H)

where ``net_w x net_h`` is the unpadded network input of scale 1. The maps are at stride 8 of the
padded network input: map cell ``(i, j)`` covers network pixels ``[8j, 8j + 8) x [8i, 8i + 8)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from actionpose.errors import BackendError, InputError
from actionpose.pose.device import resolve_device
from actionpose.pose.openpose.mobilenet import WEIGHTS_FILE, load_builtin
from actionpose.pose.openpose.net import NUM_HEATMAPS, NUM_PAFS, STRIDE
from actionpose.pose.openpose.weights import load_model, require_weights

log = logging.getLogger(__name__)

PAD_VALUE = 128
PREPROCESSINGS = ("openpose", "tfpose")


@dataclass(frozen=True)
class PreprocessMeta:
    """How one frame became the network input (at scale 1) and what the maps cover.

    Sizes are ``(width, height)``.

    Attributes
    ----------
    image_size
        The frame, ``(W, H)``.
    net_size
        The resized frame before padding, ``(net_w, net_h)``.
    padded_size
        The network input, multiples of ``stride``.
    pad
        ``(right, bottom)`` padding in network pixels.
    scale_xy
        ``(net_w / W, net_h / H)``.
    stride
        Network input pixels per map cell (8).
    map_size
        The returned maps, ``ceil(padded / stride)``.
    valid_map_size
        The map cells that overlap the frame, ``ceil(net / stride)``; crop ``[:h, :w]`` to drop the
        padding.
    """

    image_size: tuple[int, int]
    net_size: tuple[int, int]
    padded_size: tuple[int, int]
    pad: tuple[int, int]
    scale_xy: tuple[float, float]
    stride: int
    map_size: tuple[int, int]
    valid_map_size: tuple[int, int]

    def net_to_image(self, xy: np.ndarray) -> np.ndarray:
        """Network-input pixel coordinates ``(..., 2)`` to frame pixel coordinates."""
        return (np.asarray(xy, dtype=np.float64) + 0.5) / np.asarray(self.scale_xy) - 0.5

    def image_to_net(self, xy: np.ndarray) -> np.ndarray:
        """Frame pixel coordinates ``(..., 2)`` to network-input pixel coordinates."""
        return (np.asarray(xy, dtype=np.float64) + 0.5) * np.asarray(self.scale_xy) - 0.5

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-friendly) for provenance."""
        return asdict(self)


def _ceil_to(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


def frame_geometry(image_size: tuple[int, int], input_height: int = 368, scale: float = 1.0,
                   stride: int = STRIDE, preprocessing: str = "openpose") -> PreprocessMeta:
    """Network input and map geometry for a ``(W, H)`` frame at one scale (no pixels touched);
    ``preprocessing="tfpose"`` resizes to multiples of ``stride`` instead of padding."""
    w, h = image_size
    if preprocessing == "tfpose":
        net_h = max(stride, round(input_height * scale / stride) * stride)
        net_w = max(stride, round(w * net_h / h / stride) * stride)
    else:
        net_h = max(1, round(input_height * scale))
        net_w = max(1, round(w * net_h / h))
    pad_h, pad_w = _ceil_to(net_h, stride), _ceil_to(net_w, stride)
    return PreprocessMeta(
        image_size=(w, h), net_size=(net_w, net_h), padded_size=(pad_w, pad_h),
        pad=(pad_w - net_w, pad_h - net_h), scale_xy=(net_w / w, net_h / h), stride=stride,
        map_size=(pad_w // stride, pad_h // stride),
        valid_map_size=(math.ceil(net_w / stride), math.ceil(net_h / stride)))


def preprocess(frame_bgr: np.ndarray, input_height: int = 368, scale: float = 1.0,
               stride: int = STRIDE, preprocessing: str = "openpose") -> tuple[np.ndarray, PreprocessMeta]:
    """OpenPose (or tf-pose-estimation) preprocessing of one BGR frame.

    Parameters
    ----------
    frame_bgr
        ``(H, W, 3)`` BGR, uint8 (or float in 0..255).
    input_height
        Network input height at scale 1.
    scale
        Multi-scale factor: the network height is ``round(input_height * scale)``.
    preprocessing
        ``"openpose"`` (pad, ``img / 256 - 0.5``) or ``"tfpose"`` (resize to multiples of 8, raw 0..255).

    Returns
    -------
    tuple
        ``((3, padded_h, padded_w) float32 network input, meta)``.
    """
    if preprocessing not in PREPROCESSINGS:
        raise BackendError(f"unknown preprocessing {preprocessing!r}; expected one of {PREPROCESSINGS}")
    h, w = frame_bgr.shape[:2]
    meta = frame_geometry((w, h), input_height, scale, stride, preprocessing)
    (net_w, net_h), (pad_w, pad_h) = meta.net_size, meta.padded_size
    resized = cv2.resize(frame_bgr, (net_w, net_h), interpolation=cv2.INTER_CUBIC)
    if preprocessing == "tfpose":
        return np.ascontiguousarray(resized.transpose(2, 0, 1), dtype=np.float32), meta
    padded = np.full((pad_h, pad_w, 3), PAD_VALUE, dtype=np.float32)
    padded[:net_h, :net_w] = resized
    tensor = np.ascontiguousarray((padded / 256.0 - 0.5).transpose(2, 0, 1), dtype=np.float32)
    return tensor, meta


def _as_frames(frames_bgr: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    if isinstance(frames_bgr, np.ndarray):
        frames = [frames_bgr] if frames_bgr.ndim == 3 else list(frames_bgr)
    else:
        frames = list(frames_bgr)
    for i, frame in enumerate(frames):
        if not (isinstance(frame, np.ndarray) and frame.ndim == 3 and frame.shape[2] == 3
                and frame.shape[0] > 0 and frame.shape[1] > 0):
            shape = getattr(frame, "shape", type(frame).__name__)
            raise InputError(None, f"frame {i}: expected a (H, W, 3) BGR image, got {shape}")
    return frames


class OpenPoseNet:
    """An OpenPose network (built-in mobilenet_v2_small, CMU or Lightweight) with its pre- and
    postprocessing.

    ``net(frames)`` returns, per frame, ``(heatmaps (19, h, w), pafs (38, h, w), meta)`` as float32
    NumPy arrays at stride 8 of the scale-1 network input (``(h, w)`` = ``meta.map_size``).

    Parameters
    ----------
    weights
        A CMU or Lightweight weights file (the architecture is detected from its tensor names);
        None: the built-in tf-pose-estimation ``mobilenet_v2_small`` shipped with the package
        (:mod:`actionpose.pose.openpose.mobilenet`, Apache-2.0).
    model
        Instead of ``weights``: a network whose ``forward`` returns ``(pafs, heatmaps)`` at stride 8
        (e.g. a randomly initialised one in tests); its ``preprocessing`` attribute (default
        ``"openpose"``) picks the preprocessing.
    device
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda:0"``, ...
    input_height
        Network input height at scale 1 (OpenPose: 368).
    scales
        Multi-scale search factors; maps of every scale are resampled onto the scale-1 map grid and
        averaged.
    batch_size
        Most frames per forward pass; ``None``: 8 on CUDA, 1 on the CPU (where batching was slower
        per frame in ``benchmarks/openpose_forward.py``: Lightweight 12 frames/s at batch 1 against
        5 at batch 8 on two cores).
    """

    def __init__(self, weights: str | Path | None = None, *, model: nn.Module | None = None,
                 device: str | torch.device = "auto", input_height: int = 368,
                 scales: Sequence[float] = (1.0,), batch_size: int | None = None) -> None:
        self.device = resolve_device(device)
        if batch_size is None:
            batch_size = 8 if self.device.type == "cuda" else 1
        if input_height < STRIDE or not scales or any(s <= 0 for s in scales) or batch_size < 1:
            raise BackendError(f"bad OpenPose options: input_height={input_height} (>= {STRIDE}), "
                               f"scales={tuple(scales)} (> 0), batch_size={batch_size} (>= 1)")
        self.weights: Path | None = None
        self.sha256: str | None = None
        if model is None and weights is None:
            model, self.sha256 = load_builtin()
            self.weights = WEIGHTS_FILE
            self.architecture = model.architecture
        elif model is None:
            self.weights = require_weights(weights)
            model, self.architecture, self.sha256 = load_model(self.weights)
        else:
            self.architecture = getattr(model, "architecture", type(model).__name__)
        self.preprocessing = getattr(model, "preprocessing", "openpose")
        if self.preprocessing not in PREPROCESSINGS:
            raise BackendError(f"unknown preprocessing {self.preprocessing!r} of the {self.architecture} network")
        self.model = model.eval().to(self.device)
        self.input_height = int(input_height)
        self.scales = tuple(float(s) for s in scales)
        self.batch_size = int(batch_size)
        log.info("OpenPose %s network on %s, input height %d, scales %s, batch %d",
                 self.architecture, self.device, self.input_height, self.scales, self.batch_size)

    @property
    def meta(self) -> dict[str, Any]:
        """Provenance: architecture, weights file and hash, input height, scales."""
        return {"architecture": self.architecture,
                "weights": str(self.weights) if self.weights else None, "sha256": self.sha256,
                "input_height": self.input_height, "scales": list(self.scales),
                "preprocessing": self.preprocessing}

    def _forward(self, inputs: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """``(heatmaps, pafs)`` on the device for (3, h, w) inputs, padded to a common size.

        With ``"tfpose"`` preprocessing (per-image normalisation statistics) inputs of different
        sizes run one by one, since padding would change their statistics; their maps are padded.
        """
        pad_h = max(x.shape[1] for x in inputs)
        pad_w = max(x.shape[2] for x in inputs)
        if self.preprocessing == "tfpose" and any(x.shape != inputs[0].shape for x in inputs):
            outs = [self._forward([x]) for x in inputs]
            mh, mw = -(-pad_h // STRIDE), -(-pad_w // STRIDE)
            padded = [[F.pad(m, (0, mw - m.shape[3], 0, mh - m.shape[2])) for m in pair] for pair in outs]
            return torch.cat([h for h, _ in padded]), torch.cat([p for _, p in padded])
        batch = np.zeros((len(inputs), 3, pad_h, pad_w), np.float32)  # 0 == normalised 128
        for i, x in enumerate(inputs):
            batch[i, :, :x.shape[1], :x.shape[2]] = x
        pafs, heatmaps = self.model(torch.from_numpy(batch).to(self.device))
        if pafs.shape[1] != NUM_PAFS or heatmaps.shape[1] != NUM_HEATMAPS:
            raise BackendError(f"the network returned {pafs.shape[1]} PAF and {heatmaps.shape[1]} "
                               f"heatmap channels; expected {NUM_PAFS} and {NUM_HEATMAPS}")
        return heatmaps, pafs

    def _run_scale(self, frames: list[np.ndarray], scale: float
                   ) -> list[tuple[torch.Tensor, torch.Tensor, PreprocessMeta]]:
        """Per frame ``(heatmaps, pafs, meta)`` at one scale, maps cropped to ``meta.map_size``."""
        prepared = [preprocess(f, self.input_height, scale, preprocessing=self.preprocessing) for f in frames]
        out = []
        for start in range(0, len(prepared), self.batch_size):
            chunk = prepared[start:start + self.batch_size]
            heatmaps, pafs = self._forward([x for x, _ in chunk])
            for i, (_, meta) in enumerate(chunk):
                mw, mh = meta.map_size
                out.append((heatmaps[i:i + 1, :, :mh, :mw], pafs[i:i + 1, :, :mh, :mw], meta))
        return out

    @staticmethod
    def _to_grid(maps: torch.Tensor, meta: PreprocessMeta, ref: PreprocessMeta) -> torch.Tensor:
        """Resample maps of one scale onto the map grid of the scale-1 input ``ref``.

        Under the coordinate contract, a point at map coordinate ``u`` (cell edges) of ``ref`` is at
        ``u * s / s_ref`` in the other scale's map (per axis), so the maps are scaled by
        ``s_ref / s`` from the origin, then cropped or edge-padded to ``ref.map_size``.
        """
        factors = (ref.scale_xy[1] / meta.scale_xy[1], ref.scale_xy[0] / meta.scale_xy[0])
        maps = F.interpolate(maps, scale_factor=factors, mode="bilinear", align_corners=False,
                             recompute_scale_factor=False)
        mw, mh = ref.map_size
        maps = maps[:, :, :mh, :mw]
        short_h, short_w = mh - maps.shape[2], mw - maps.shape[3]
        if short_h or short_w:
            maps = F.pad(maps, (0, short_w, 0, short_h), mode="replicate")
        return maps

    @torch.inference_mode()
    def __call__(self, frames_bgr: Sequence[np.ndarray] | np.ndarray
                 ) -> list[tuple[np.ndarray, np.ndarray, PreprocessMeta]]:
        """Heatmaps and PAFs of each frame.

        Parameters
        ----------
        frames_bgr
            A list of ``(H, W, 3)`` BGR frames, an ``(N, H, W, 3)`` array or one ``(H, W, 3)`` frame.

        Returns
        -------
        list
            Per frame ``(heatmaps (19, h, w), pafs (38, h, w), meta)``, float32, ``(w, h)`` =
            ``meta.map_size`` (of the scale-1 input); crop to ``meta.valid_map_size`` to drop the
            padding. Frames of different sizes in one call are padded to a common size for the
            forward pass, which may change values near their right and bottom edges slightly.

        Raises
        ------
        InputError
            If a frame is not an ``(H, W, 3)`` image.
        """
        frames = _as_frames(frames_bgr)
        refs = [frame_geometry((f.shape[1], f.shape[0]), self.input_height, preprocessing=self.preprocessing)
                for f in frames]
        sums: list[list[torch.Tensor]] = []
        for scale in self.scales:
            for i, (heat, paf, meta) in enumerate(self._run_scale(frames, scale)):
                if meta != refs[i]:
                    heat, paf = self._to_grid(heat, meta, refs[i]), self._to_grid(paf, meta, refs[i])
                if i == len(sums):
                    sums.append([heat, paf])
                else:
                    sums[i] = [sums[i][0] + heat, sums[i][1] + paf]
        n = len(self.scales)
        return [((heat[0] / n).float().cpu().numpy(), (paf[0] / n).float().cpu().numpy(), ref)
                for (heat, paf), ref in zip(sums, refs)]

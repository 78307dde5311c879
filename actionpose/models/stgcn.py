"""ST-GCN: spatial temporal graph convolutional network (Yan, Xiong and Lin, AAAI 2018).

Structure as in the paper: batch normalisation of the input over (people, joints, channels), ten
ST-GCN blocks (spatial graph convolution with the spatial partitioning strategy and a learnable edge
importance mask, batch norm, ReLU, a 9-frame temporal convolution, batch norm, residual connection,
ReLU) with 64, 64, 64, 64, 128, 128, 128, 256, 256, 256 channels and temporal stride 2 at blocks 5 and 8,
global average pooling over time, joints and people, and a linear classifier: about 3.1 M parameters
with the defaults. ``width`` and ``depth`` shrink it for small data sets. Convolutions followed by a
batch norm have no bias (the batch norm's shift replaces it).

Implementation (fast on CPU; see ``benchmarks/stgcn_speed.py`` for measurements):

* Activations are ``(N * P, C, K, T)`` tensors in channels-last memory format, i.e. ``(N * P, K, T, C)``
  contiguous: joints-major, channels innermost. Every reshape between the steps is a view.
* The spatial graph convolution ``sum_s W_s x A_s`` runs aggregate-first: ONE batched matmul of the
  stacked, importance-weighted adjacency ``(S * K, K)`` with each window's ``(K, T * C)`` features
  (a real GEMM per window: ``T * C`` columns) gives the ``S`` partition aggregates of every joint; then
  ONE convolution with an ``S x 1`` kernel dilated by ``K`` mixes the ``S * C_in`` values of each joint
  into ``C_out`` channels. That is the same linear map as "1 x 1 convolution to ``S * C_out`` channels,
  then an einsum with the adjacency" (the two contractions commute), with no permute and an
  intermediate of ``S * C_in`` instead of ``S * C_out`` channels. The temporal convolution is a
  ``1 x 9`` kernel over the ``T`` axis.
* In evaluation mode without autograd (``torch.inference_mode()`` or ``torch.no_grad()``), every batch
  norm is folded into the convolution before it (weights cached, rebuilt when any parameter or buffer
  changes); the folded weights are reordered once into oneDNN's blocked format and bias, residual
  addition and ReLU run as oneDNN post-ops (``torch.ops.mkldnn._convolution_pointwise``, the op
  ``torch.compile`` emits on CPU; used only after a self-check, else ``F.conv2d`` with in-place
  ``add_``/``relu_``; :attr:`STGCN.pack_weights` switches it off); and batches are run in chunks of
  windows (:meth:`STGCN.chunk_size`: about 6 MiB of first-stage activations, e.g. 2 windows of 2 people
  x 100 frames x 18 joints) so that the working set stays in cache and large temporaries are not fresh
  pages from the OS each time. Results equal the training-path forward in eval mode up
  to float rounding. ``torch.compile`` is neither used nor needed.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from actionpose.models.graph import Graph
from actionpose.models.registry import ActionModel, InputNorm
from actionpose.skeleton.layouts import KeypointLayout

log = logging.getLogger(__name__)

#: channels of the three stages of the original network
STAGE_CHANNELS = (64, 128, 256)


def stage_plan(depth: int, width: float) -> list[tuple[int, int]]:
    """``(channels, stride)`` of each block.

    Blocks are split over three stages of 64, 128 and 256 channels (times ``width``) in the proportion
    4 : 3 : 3 of the original; the first block of stages two and three has temporal stride 2.

    >>> [c for c, s in stage_plan(10, 1.0)]
    [64, 64, 64, 64, 128, 128, 128, 256, 256, 256]
    >>> stage_plan(4, 0.25)
    [(16, 1), (16, 1), (32, 2), (64, 2)]
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    first = math.ceil(depth * 0.4)
    second = min(round(depth * 0.3), depth - first)
    plan = []
    for stage, count in enumerate((first, second, depth - first - second)):
        channels = max(4, round(STAGE_CHANNELS[stage] * width))
        plan += [(channels, 2 if (i == 0 and stage > 0) else 1) for i in range(count)]
    return plan


def stack_adjacency(A: torch.Tensor) -> torch.Tensor:
    """``(S, K, K)`` adjacency ``A[s, v, w]`` -> the ``(S * K, K)`` matrix with row ``s * K + w`` = ``A[s, :, w]``."""
    s, k, _ = A.shape
    return A.transpose(1, 2).reshape(s * k, k)


def aggregate(x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
    """Partition aggregates of every joint: ``y[b, c, s * K + w, t] = sum_v A[s, v, w] x[b, c, v, t]``.

    Parameters
    ----------
    x
        ``(B, C, K, T)`` in channels-last memory format.
    adjacency
        ``(S * K, K)`` from :func:`stack_adjacency`.

    Returns
    -------
    torch.Tensor
        ``(B, C, S * K, T)`` in channels-last memory format.
    """
    b, c, k, t = x.shape
    # bmm with the adjacency broadcast (stride 0): unlike matmul's 2-D @ 3-D folding, no transposed copies
    # of the activations in the forward or backward pass
    y = torch.bmm(adjacency.expand(b, -1, -1), x.permute(0, 2, 3, 1).reshape(b, k, t * c))
    return y.view(b, -1, t, c).permute(0, 3, 1, 2)


# ---------------------------------------------------------------------------------------------- inference


_ONEDNN_OK: bool | None = None


def _onednn_ready() -> bool:
    """Whether oneDNN convolutions with pre-packed weights and fused post-ops work here (checked once).

    They are the ops ``torch.compile`` emits on CPU (``torch.ops.mkldnn._convolution_pointwise``); a
    small self-check against ``F.conv2d`` guards against a build or version without them.
    """
    global _ONEDNN_OK
    if _ONEDNN_OK is None:
        _ONEDNN_OK = False
        try:
            gen = torch.Generator().manual_seed(0)
            x = torch.randn(2, 8, 5, 12, generator=gen).contiguous(memory_format=torch.channels_last)
            w = torch.randn(16, 8, 2, 3, generator=gen).contiguous(memory_format=torch.channels_last)
            b = torch.randn(16, generator=gen)
            add = torch.randn(2, 16, 2, 6, generator=gen).contiguous(memory_format=torch.channels_last)
            conv = _InferenceConv(w, b, stride=(1, 2), padding=(0, 1), dilation=(3, 1), pack=True)
            with torch.inference_mode():
                want = F.conv2d(x, w, b, (1, 2), (0, 1), (3, 1))
                pairs = ((conv(x), want), (conv(x, relu=True), want.relu()),
                         (conv(x, relu=True, add=add), (want + add).relu()))
            _ONEDNN_OK = all(torch.allclose(got, ref, atol=1e-4) for got, ref in pairs)
        except (AttributeError, NotImplementedError, RuntimeError, TypeError, ValueError) as exc:
            log.debug("oneDNN packed convolutions unavailable (%s); using F.conv2d", exc)
        log.debug("ST-GCN inference convolutions: %s", "oneDNN, packed weights" if _ONEDNN_OK else "F.conv2d")
    return _ONEDNN_OK


class _InferenceConv:
    """One inference convolution (no autograd) with bias, optional ``+ add`` and ReLU.

    With ``pack``, the weight is reordered once into oneDNN's blocked format on the first call (instead
    of on every call, as ``F.conv2d`` does) and bias, addition and ReLU run as oneDNN post-ops;
    otherwise ``F.conv2d`` then in-place ``add_`` / ``relu_``.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, stride: tuple[int, ...] = (1, 1),
                 padding: tuple[int, ...] = (0, 0), dilation: tuple[int, ...] = (1, 1), pack: bool = False) -> None:
        self.weight = weight.contiguous(memory_format=torch.channels_last)
        self.bias = bias.contiguous()
        self.stride, self.padding, self.dilation = list(stride), list(padding), list(dilation)
        self.pack = pack
        self.packed: torch.Tensor | None = None

    @classmethod
    def folded(cls, conv: nn.Conv2d, bn: nn.BatchNorm2d, pack: bool) -> _InferenceConv:
        """``conv`` (bias-free) followed by ``bn`` in eval mode, as one convolution."""
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        return cls(conv.weight * scale.view(-1, 1, 1, 1), bn.bias - bn.running_mean * scale, conv.stride,
                   conv.padding, conv.dilation, pack)

    def __call__(self, x: torch.Tensor, relu: bool = False, add: torch.Tensor | None = None) -> torch.Tensor:
        if not self.pack:
            y = F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
            if add is not None:
                y.add_(add)
            return y.relu_() if relu else y
        if self.packed is None:
            self.packed = torch._C._nn.mkldnn_reorder_conv2d_weight(
                self.weight.to_mkldnn(), self.padding, self.stride, self.dilation, 1, list(x.shape))
        op = torch.ops.mkldnn._convolution_pointwise
        if add is None:
            return op(x, self.packed, self.bias, self.padding, self.stride, self.dilation, 1,
                      "relu" if relu else "none", [], "")
        return op.binary(x, add, self.packed, self.bias, self.padding, self.stride, self.dilation, 1, "add", None,
                         "relu" if relu else None, [], "")


@dataclass
class _Folded:
    """One block's inference weights: batch norms folded in, adjacency stacked."""

    adjacency: torch.Tensor
    gcn: _InferenceConv
    tcn: _InferenceConv
    residual: _InferenceConv | None


# ---------------------------------------------------------------------------------------------- modules


class STGCNBlock(nn.Module):
    """Spatial graph convolution, BN, ReLU, temporal convolution, BN, residual, ReLU.

    Parameters
    ----------
    in_channels, out_channels
        Feature channels in and out.
    A
        ``(S, K, K)`` partitioned adjacency (stored as a buffer).
    stride
        Temporal stride.
    temporal_kernel
        Odd temporal kernel size.
    residual
        Whether the block has a residual connection (identity, or a strided 1 x 1 convolution with BN
        when the shape changes).
    edge_importance
        Learn a mask multiplied with ``A``.
    dropout
        Dropout after the temporal convolution (training only).
    """

    def __init__(self, in_channels: int, out_channels: int, A: torch.Tensor, stride: int = 1,
                 temporal_kernel: int = 9, residual: bool = True, edge_importance: bool = True,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if temporal_kernel < 1 or temporal_kernel % 2 != 1:
            raise ValueError(f"temporal_kernel must be odd, got {temporal_kernel}")
        subsets, joints = A.shape[0], A.shape[1]
        self.register_buffer("A", A.clone())
        self.importance = nn.Parameter(torch.ones_like(A)) if edge_importance else None
        # S x 1 kernel dilated by K over the S * K aggregated rows: mixes the S partitions of each joint
        self.gcn = nn.Conv2d(in_channels, out_channels, (subsets, 1), dilation=(joints, 1), bias=False)
        self.bn_gcn = nn.BatchNorm2d(out_channels)
        self.stride = int(stride)
        self.padding = (temporal_kernel - 1) // 2
        self.tcn = nn.Conv2d(out_channels, out_channels, (1, temporal_kernel), (1, self.stride), (0, self.padding),
                             bias=False)
        self.bn_tcn = nn.BatchNorm2d(out_channels)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.identity = residual and in_channels == out_channels and self.stride == 1
        if residual and not self.identity:
            self.res: nn.Conv2d | None = nn.Conv2d(in_channels, out_channels, 1, (1, self.stride), bias=False)
            self.bn_res: nn.BatchNorm2d | None = nn.BatchNorm2d(out_channels)
        else:
            self.res = self.bn_res = None

    def adjacency(self) -> torch.Tensor:
        """The importance-weighted adjacency, stacked for :func:`aggregate`."""
        A = self.A if self.importance is None else self.A * self.importance
        return stack_adjacency(A)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C_in, K, T)`` -> ``(B, C_out, K, T / stride)``, channels-last."""
        h = F.relu(self.bn_gcn(self.gcn(aggregate(x, self.adjacency()))))
        h = self.dropout(self.bn_tcn(self.tcn(h)))
        if self.identity:
            h = h + x
        elif self.res is not None:
            h = h + self.bn_res(self.res(x))
        return F.relu(h)

    def fold(self, pack: bool = False) -> _Folded:
        """Inference weights (eval mode): the batch norms folded into the convolutions."""
        residual = _InferenceConv.folded(self.res, self.bn_res, pack) if self.res is not None else None
        return _Folded(self.adjacency().contiguous(), _InferenceConv.folded(self.gcn, self.bn_gcn, pack),
                       _InferenceConv.folded(self.tcn, self.bn_tcn, pack), residual)

    def forward_folded(self, x: torch.Tensor, f: _Folded) -> torch.Tensor:
        """Inference forward with :meth:`fold`'s weights (no autograd); equals :meth:`forward` in eval mode."""
        h = f.gcn(aggregate(x, f.adjacency), relu=True)
        res = x if self.identity else (f.residual(x) if f.residual is not None else None)
        return f.tcn(h, relu=True, add=res)


class STGCN(ActionModel):
    """ST-GCN classifier over ``(N, T, P, K, C)`` pose windows.

    Parameters
    ----------
    layout
        Joint layout (or its name); the graph is built from its bones.
    in_channels
        Channels per joint.
    num_classes
        Number of classes.
    num_people
        People per window (the input batch norm has ``P * K * C`` features).
    width
        Channel multiplier of the 64 / 128 / 256 stages (0.25: 16 / 32 / 64).
    depth
        Number of ST-GCN blocks (10 in the paper; see :func:`stage_plan`).
    temporal_kernel
        Temporal convolution size (9).
    strategy, max_hop
        Graph partitioning (see :class:`~actionpose.models.graph.Graph`).
    edge_importance
        Learn an importance mask per block.
    dropout
        Dropout in the blocks.
    """

    name = "stgcn"
    #: windows per chunk in the inference fast path; 0: automatic (:meth:`chunk_size`). Never changes results.
    inference_chunk: int = 0
    #: the automatic chunk's budget for one partition-aggregated first-stage activation
    chunk_bytes: int = 6 << 20
    #: let the inference fast path use oneDNN with weights packed once (when available; see the module notes)
    pack_weights: bool = True

    def __init__(self, layout: KeypointLayout | str, in_channels: int, num_classes: int, num_people: int = 1, *,
                 width: float = 1.0, depth: int = 10, temporal_kernel: int = 9, strategy: str = "spatial",
                 max_hop: int = 1, edge_importance: bool = True, dropout: float = 0.0) -> None:
        hyper: dict[str, Any] = {"width": float(width), "depth": int(depth), "temporal_kernel": int(temporal_kernel),
                                 "strategy": strategy, "max_hop": int(max_hop),
                                 "edge_importance": bool(edge_importance), "dropout": float(dropout)}
        super().__init__(layout, in_channels, num_classes, num_people, hyper)
        self.graph = Graph(self.layout, strategy, max_hop)
        A = torch.from_numpy(self.graph.A)
        self.input_norm = InputNorm(self.num_people * self.num_joints * self.in_channels)
        blocks = []
        channels = self.in_channels
        for i, (out_channels, stride) in enumerate(stage_plan(depth, width)):
            blocks.append(STGCNBlock(channels, out_channels, A, stride, temporal_kernel, residual=i > 0,
                                     edge_importance=edge_importance, dropout=dropout))
            channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.classifier = nn.Linear(channels, self.num_classes)
        self._cache: tuple[tuple, list[_Folded]] | None = None

    def train(self, mode: bool = True) -> STGCN:
        """Set training mode; also drops the inference cache (batch-norm statistic updates in training
        mode do not bump the version counters the cache checks)."""
        self._cache = None
        return super().train(mode)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = None  # derived tensors (some in oneDNN's opaque layout): rebuilt on demand
        return state

    def _to_blocks(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised ``(N, T, P, K, C)`` -> ``(N * P, C, K, T)`` channels-last (one copy)."""
        n, t, p, k, c = x.shape
        return x.permute(0, 2, 3, 1, 4).reshape(n * p, k, t, c).permute(0, 3, 1, 2)

    def _head(self, h: torch.Tensor, n: int) -> torch.Tensor:
        """Pool ``(N * P, C, K, T)`` over joints, time and people, then classify."""
        return self.classifier(h.mean(dim=(2, 3)).view(n, self.num_people, -1).mean(dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, T, P, K, C)`` float32 -> logits ``(N, num_classes)``."""
        self.check_input(x)
        if not self.training and not torch.is_grad_enabled() and not _tracing():
            return self._forward_inference(x)
        h = self._to_blocks(self.input_norm(x))
        for block in self.blocks:
            h = block(h)
        return self._head(h, x.shape[0])

    def _folded(self) -> list[_Folded]:
        """The blocks' folded weights, recomputed after :meth:`train` / :meth:`eval` and whenever a parameter
        or buffer was replaced or modified in place (``load_state_dict``, optimiser steps; not through
        ``.data``)."""
        key = (self.pack_weights, *((id(t), t._version) for t in (*self.parameters(), *self.buffers())))
        if self._cache is None or self._cache[0] != key:
            with torch.no_grad():
                weight = self.classifier.weight
                cpu_fp32 = weight.device.type == "cpu" and weight.dtype == torch.float32
                pack = self.pack_weights and cpu_fp32 and _onednn_ready()
                self._cache = (key, [block.fold(pack) for block in self.blocks])
        return self._cache[1]

    def chunk_size(self, frames: int) -> int:
        """Windows per chunk in the inference fast path for windows of ``frames`` frames.

        :attr:`inference_chunk` when set, else as many windows as keep the largest first-stage
        temporary (``P * S * C * K * T`` floats per window) within :attr:`chunk_bytes`.
        """
        if self.inference_chunk > 0:
            return int(self.inference_chunk)
        first = self.blocks[0]
        per_window = 4 * self.num_people * first.A.shape[0] * first.tcn.out_channels * self.num_joints * frames
        return max(1, self.chunk_bytes // max(1, per_window))

    def _forward_inference(self, x: torch.Tensor) -> torch.Tensor:
        folded = self._folded()
        scale, shift = self.input_norm.affine()
        scale, shift = scale.view(x.shape[2:]), shift.view(x.shape[2:])
        step = self.chunk_size(x.shape[1])
        logits = []
        for start in range(0, x.shape[0], step):
            chunk = x[start:start + step]
            h = self._to_blocks(torch.addcmul(shift, chunk, scale))
            for block, f in zip(self.blocks, folded):
                h = block.forward_folded(h, f)
            logits.append(self._head(h, chunk.shape[0]))
        return logits[0] if len(logits) == 1 else torch.cat(logits)


def _tracing() -> bool:
    """Whether an exporter or compiler is tracing (the plain path is the one to trace)."""
    return torch.jit.is_tracing() or torch.compiler.is_compiling() or torch.compiler.is_exporting()

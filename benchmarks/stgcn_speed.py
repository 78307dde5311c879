"""ST-GCN inference speed on the CPU: ActionPose's ST-GCN beside an original-style ST-GCN.

Run from the project root::

    .venv/bin/python benchmarks/stgcn_speed.py [--repeats 15] [--threads N]

Input: COCO-18 (OpenPose) layout, 2 people, 100 frames, 3 channels; 16 clips (clips/s) and 1 clip
(ms per clip). Both networks have random weights, the same size (about 3.1 M parameters with 400
classes, as for Kinetics) and run in eval mode under ``torch.inference_mode()``. Each cell is the median
of ``--repeats`` timed runs after warm-up; the two networks alternate run by run, so load from other
processes on a shared machine hits both alike. ``torch.set_num_threads`` is left at its default unless
``--threads`` is given. ``torch.compile`` is not used.

The baseline, :class:`OriginalSTGCN`, follows the structure of the original implementation (Yan et al.,
AAAI 2018), written here from the paper's description: input ``(N, C, T, V, M)`` permuted and batch
normalised over ``(M, V, C)``, spatial partitioning with edge importance, each graph convolution a
1 x 1 convolution to ``S * C`` channels reshaped to ``(N, S, C, T, V)`` and contracted with
``einsum('nkctv,kvw->nctw')``, then BN, ReLU, a 9 x 1 temporal convolution, BN, dropout, residual,
ReLU (biases on every convolution, no folding, ``(N * M, C, T, V)`` contiguous activations), average
pooling and a 1 x 1 convolution classifier.

``--ablation`` also times ActionPose's ST-GCN with parts of its inference path switched off, each row
adding one part: (a) the training-path forward in eval mode (joints-major channels-last layout,
aggregate-first graph convolution), (b) batch norms folded into the convolutions, in-place ReLU and
residual addition, (c) weights packed once for oneDNN with bias/residual/ReLU as post-ops, then (c)
with the batch run in chunks of 1, 2, 4, 8 clips (the default chunk is automatic).

The printed CPU share (this process's CPU time over wall time x threads) flags runs disturbed by other
processes; the goal of the issue is >= 35 clips/s at batch 16 and <= 22 ms per clip at batch 1.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from actionpose.models.graph import Graph
from actionpose.models.stgcn import STGCN
from actionpose.skeleton.layouts import get_layout


class _OriginalGraphConv(nn.Module):
    """1 x 1 convolution to ``S * C_out`` channels, then the einsum with the adjacency."""

    def __init__(self, in_channels: int, out_channels: int, subsets: int) -> None:
        super().__init__()
        self.subsets = subsets
        self.conv = nn.Conv2d(in_channels, out_channels * subsets, 1)

    def forward(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        n, sc, t, v = x.shape
        x = x.view(n, self.subsets, sc // self.subsets, t, v)
        return torch.einsum("nkctv,kvw->nctw", x, A).contiguous()


class _OriginalBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, subsets: int, stride: int = 1,
                 residual: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.gcn = _OriginalGraphConv(in_channels, out_channels, subsets)
        self.tcn = nn.Sequential(nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True),
                                 nn.Conv2d(out_channels, out_channels, (9, 1), (stride, 1), (4, 0)),
                                 nn.BatchNorm2d(out_channels), nn.Dropout(dropout, inplace=True))
        if not residual:
            self.residual: Callable[[torch.Tensor], torch.Tensor | int] = lambda x: 0
        elif in_channels == out_channels and stride == 1:
            self.residual = lambda x: x
        else:
            self.residual = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, (stride, 1)),
                                          nn.BatchNorm2d(out_channels))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        res = self.residual(x)
        x = self.tcn(self.gcn(x, A)) + res
        return self.relu(x)


class OriginalSTGCN(nn.Module):
    """Baseline: the original ST-GCN's structure; input ``(N, C, T, V, M)``."""

    def __init__(self, in_channels: int, num_classes: int, A: torch.Tensor, num_people: int) -> None:
        super().__init__()
        self.register_buffer("A", A)
        subsets, joints = A.shape[0], A.shape[1]
        self.data_bn = nn.BatchNorm1d(in_channels * joints * num_people)
        plan = [(in_channels, 64, 1, False), (64, 64, 1, True), (64, 64, 1, True), (64, 64, 1, True),
                (64, 128, 2, True), (128, 128, 1, True), (128, 128, 1, True), (128, 256, 2, True),
                (256, 256, 1, True), (256, 256, 1, True)]
        self.st_gcn_networks = nn.ModuleList(_OriginalBlock(i, o, subsets, s, r) for i, o, s, r in plan)
        self.edge_importance = nn.ParameterList(nn.Parameter(torch.ones(A.shape)) for _ in plan)
        self.fcn = nn.Conv2d(256, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, t, v, m = x.shape
        x = x.permute(0, 4, 3, 1, 2).contiguous().view(n, m * v * c, t)
        x = self.data_bn(x)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).contiguous().view(n * m, c, t, v)
        for block, importance in zip(self.st_gcn_networks, self.edge_importance):
            x = block(x, self.A * importance)
        x = F.avg_pool2d(x, x.shape[2:])
        x = x.view(n, m, -1, 1, 1).mean(dim=1)
        return self.fcn(x).view(n, -1)


def _randomise_norms(model: nn.Module) -> None:
    """Non-trivial batch-norm statistics, so that folding them is really exercised."""
    gen = torch.Generator().manual_seed(1)
    for mod in model.modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=gen) * 0.1)
                mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=gen) + 0.5)
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.1)


def time_cells(cells: dict[str, Callable[[], object]], repeats: int, warmup: int = 3,
               statistic: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """Seconds per call of each callable (``statistic`` of ``repeats`` runs in alternation after ``warmup`` rounds)."""
    times: dict[str, list[float]] = {name: [] for name in cells}
    with torch.inference_mode():
        for i in range(warmup + repeats):
            for name, fn in cells.items():
                start = time.perf_counter()
                fn()
                if i >= warmup:
                    times[name].append(time.perf_counter() - start)
    return {name: statistic(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per cell")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave the default)")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--classes", type=int, default=400)
    parser.add_argument("--statistic", choices=["median", "min"], default="median",
                        help="summary of the timed runs (min: the least disturbed run on a busy machine)")
    parser.add_argument("--ablation", action="store_true", help="also time variants of the fast path")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    layout = get_layout("coco18")
    people, channels = 2, 3
    torch.manual_seed(0)
    ours = STGCN(layout, channels, args.classes, num_people=people).eval()
    base = OriginalSTGCN(channels, args.classes, torch.from_numpy(Graph(layout).A), people).eval()
    for model in (ours, base):
        _randomise_norms(model)
    n_ours = sum(p.numel() for p in ours.parameters())
    n_base = sum(p.numel() for p in base.parameters())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          f"{' (default)' if not args.threads else ''}; COCO-18, {people} people, {args.frames} frames, "
          f"{args.classes} classes; {args.statistic} of {args.repeats} runs")
    print(f"parameters: ActionPose ST-GCN {n_ours / 1e6:.3f} M, original-style {n_base / 1e6:.3f} M")

    for batch in (args.batch, 1):
        x = torch.randn(batch, args.frames, people, layout.num_joints, channels)
        x_base = x.permute(0, 4, 1, 3, 2).contiguous()  # (N, C, T, V, M), the original's input
        cells: dict[str, Callable[[], object]] = {
            "original-style": lambda x_base=x_base: base(x_base),
            f"ActionPose (chunks of {ours.chunk_size(args.frames)})": lambda x=x: ours(x),
        }
        if args.ablation:
            cells.update(_ablation_cells(ours, x))
        wall, cpu = time.perf_counter(), time.process_time()
        result = time_cells(cells, args.repeats, statistic=min if args.statistic == "min" else statistics.median)
        share = (time.process_time() - cpu) / ((time.perf_counter() - wall) * torch.get_num_threads())
        ref = result["original-style"]
        print(f"\nbatch {batch} (this process got {share:.0%} of {torch.get_num_threads()} threads' CPU time"
              f"{'; the machine looks busy, figures are pessimistic' if share < 0.85 else ''}):")
        print(f"  {'network':<44} {'ms/batch':>9} {'ms/clip':>8} {'clips/s':>8} {'speed-up':>8}")
        for name, sec in result.items():
            print(f"  {name:<44} {sec * 1e3:9.1f} {sec * 1e3 / batch:8.2f} {batch / sec:8.1f} {ref / sec:7.2f}x")
        ours_sec = next(sec for name, sec in result.items() if name.startswith("ActionPose"))
        goal = (f"{batch / ours_sec:.1f} clips/s (goal >= 35)" if batch > 1 else
                f"{ours_sec * 1e3:.1f} ms per clip (goal <= 22)")
        print(f"  ActionPose at batch {batch}: {goal}")


def _ablation_cells(model: STGCN, x: torch.Tensor) -> dict[str, Callable[[], object]]:
    """Variants of ActionPose's inference path (same weights), each adding one optimisation."""
    def plain() -> torch.Tensor:  # the training-path forward in eval mode: layout + aggregate-first only
        h = model._to_blocks(model.input_norm(x))
        for block in model.blocks:
            h = block(h)
        return model._head(h, x.shape[0])

    def variant(chunk: int, pack: bool) -> Callable[[], torch.Tensor]:
        twin = copy.deepcopy(model)  # own copy: its cache of folded weights stays valid between runs
        twin.inference_chunk, twin.pack_weights = chunk, pack
        return lambda: twin(x)

    whole = len(x)
    cells: dict[str, Callable[[], object]] = {
        "  a. layout + aggregate-first graph conv": plain,
        "  b. a + BN folded, in-place ReLU/add": variant(whole, False),
        "  c. b + oneDNN packed weights, post-ops": variant(whole, True),
    }
    for size in (1, 2, 4, 8):
        if size < len(x) and size != model.chunk_size(x.shape[1]):
            cells[f"  c + chunks of {size} clip(s)"] = variant(size, True)
    return cells


if __name__ == "__main__":
    main()

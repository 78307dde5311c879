"""RSN forward speed with random weights, beside a plain ResNet-18 at the same input size.

Run from the project root::

    .venv/bin/python benchmarks/rsn_forward.py [--repeats 7] [--warmup 2] [--batches 1 8]

CPU: RSN-18 (eval, ``torch.inference_mode()``) on ``(N, 3, 256, 192)`` crops, median milliseconds
per batch over ``--repeats`` timed runs after ``--warmup`` untimed ones, next to the baseline: the
standard 18-layer basic-block ResNet (7x7 stem, max-pool, four stages of two blocks, no head) as an
``nn.Sequential`` written here, and the ratio RSN-18 / ResNet-18. With CUDA: crops/s at batch
``--gpu-batch`` (32) for RSN-18 and RSN-50. ``torch.set_num_threads`` is left at its default and
printed. Only the network is timed; the machine may be shared: read medians only.
"""

from __future__ import annotations

import argparse

import torch
from torch import nn
from torch_timing import median_seconds

from actionpose.pose.rsn.net import build_rsn

CROP = (256, 192)


class BasicBlock(nn.Module):
    """ResNet basic block: two 3x3 conv-BN, ReLU between and after the identity sum."""

    def __init__(self, in_ch: int, out_ch: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False), nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False), nn.BatchNorm2d(out_ch))
        self.shortcut = (nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride, bias=False),
                                       nn.BatchNorm2d(out_ch))
                         if stride != 1 or in_ch != out_ch else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet18() -> nn.Sequential:
    """The standard ResNet-18 feature extractor (stride 32, 512 channels), no classifier."""
    layers: list[nn.Module] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                               nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)]
    in_ch = 64
    for k, width in enumerate((64, 128, 256, 512)):
        layers.append(nn.Sequential(BasicBlock(in_ch, width, 1 if k == 0 else 2),
                                    BasicBlock(width, width, 1)))
        in_ch = width
    return nn.Sequential(*layers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per cell (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs before timing")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--gpu-batch", type=int, default=32)
    args = parser.parse_args()

    torch.manual_seed(0)
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads (default), "
          f"CUDA: {torch.cuda.get_device_name(0) if cuda else 'not available'}")
    print(f"input (N, 3, {CROP[0]}, {CROP[1]}), random weights, eval, inference_mode; "
          f"median of {args.repeats} runs after {args.warmup} warm-up runs")
    rsn, base = build_rsn("rsn18"), resnet18().eval()
    print(f"{'device':<6} {'batch':>5} {'RSN-18 ms':>10} {'ResNet-18 ms':>13} {'ratio':>6} "
          f"{'RSN-18 crops/s':>15}")
    for batch in args.batches:
        x = torch.randn(batch, 3, *CROP)
        t_rsn = median_seconds(rsn, x, args.repeats, args.warmup)
        t_base = median_seconds(base, x, args.repeats, args.warmup)
        print(f"{'cpu':<6} {batch:>5} {t_rsn * 1e3:>10.1f} {t_base * 1e3:>13.1f} "
              f"{t_rsn / t_base:>6.2f} {batch / t_rsn:>15.1f}", flush=True)
    if not cuda:
        return
    print(f"\nGPU, batch {args.gpu_batch}, float32")
    print(f"{'network':<10} {'ms/batch':>9} {'crops/s':>9}")
    x = torch.randn(args.gpu_batch, 3, *CROP, device="cuda")
    for name, model in (("rsn18", rsn), ("resnet18", base), ("rsn50", build_rsn("rsn50"))):
        model = model.to("cuda")
        seconds = median_seconds(model, x, args.repeats, args.warmup)
        print(f"{name:<10} {seconds * 1e3:>9.2f} {args.gpu_batch / seconds:>9.0f}", flush=True)
        model.to("cpu")


if __name__ == "__main__":
    main()

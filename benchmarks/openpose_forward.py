"""OpenPose network forward speed with random weights: CMU (VGG-19, 6 stages) and Lightweight.

Run from the project root::

    .venv/bin/python benchmarks/openpose_forward.py [--repeats 3] [--batches 1 8] [--height 368]

A 640x480 frame at 368 px height is a 368x496 network input (491 px wide, padded to a multiple of
8). For each architecture, device (the CPU; CUDA too when available) and batch size, the forward
pass is timed ``--repeats`` times after one warm-up under ``torch.inference_mode()`` and the median
is reported as frames/s. ``torch.set_num_threads`` is left at its default and printed. Only the
network is timed: no preprocessing, no decoding. The machine may be shared: read medians only.
"""

from __future__ import annotations

import argparse

import torch
from torch_timing import median_seconds

from actionpose.pose.openpose.inference import frame_geometry
from actionpose.pose.openpose.weights import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per cell (median)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--height", type=int, default=368, help="network input height")
    parser.add_argument("--frame", type=int, nargs=2, default=[640, 480], metavar=("W", "H"))
    parser.add_argument("--arch", nargs="+", default=["cmu", "lightweight"])
    args = parser.parse_args()

    meta = frame_geometry(tuple(args.frame), args.height)
    pad_w, pad_h = meta.padded_size
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads (default), "
          f"CUDA: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'not available'}")
    print(f"frame {args.frame[0]}x{args.frame[1]} -> input {pad_h}x{pad_w} (HxW), "
          f"maps {meta.map_size[1]}x{meta.map_size[0]}; median of {args.repeats} runs after a warm-up")
    print(f"{'architecture':<12} {'device':<6} {'batch':>5} {'ms/batch':>10} {'frames/s':>9}")
    torch.manual_seed(0)
    for arch in args.arch:
        model = build_model(arch)
        for device in devices:
            model = model.to(device)
            for batch in args.batches:
                x = torch.randn(batch, 3, pad_h, pad_w, device=device)
                seconds = median_seconds(model, x, args.repeats)
                print(f"{arch:<12} {device.type:<6} {batch:>5} {seconds * 1e3:>10.1f} "
                      f"{batch / seconds:>9.2f}", flush=True)


if __name__ == "__main__":
    main()

"""Median wall time of a torch forward pass, for the network benchmarks (CUDA synchronised when used)."""

from __future__ import annotations

import statistics
import time

import torch


def median_seconds(model: torch.nn.Module, x: torch.Tensor, repeats: int, warmup: int = 1) -> float:
    """Median seconds of ``model(x)`` over ``repeats`` timed runs after ``warmup`` untimed ones."""
    sync = torch.cuda.synchronize if x.device.type == "cuda" else (lambda: None)
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        sync()
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            sync()
            times.append(time.perf_counter() - start)
    return statistics.median(times)

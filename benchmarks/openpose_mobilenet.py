"""The built-in OpenPose network (tf-pose-estimation mobilenet_v2_small): keypoint AP and frames/s.

Run from the project root (real-data folder at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/openpose_mobilenet.py [--frames 30] [--device cpu|cuda] [--threads 2]

1. AP: every image with ground truth in ``pose_gt/openpose_maps`` run through the torch port
   (``OpenPoseNet()``, no weights: the shipped network) and ActionPose's decoder, scored with the
   pycocotools code of ``actionpose.pose.openpose.coco_eval`` (as the decoder benchmark); the same figures on the
   stored maps beside it.
2. Speed on ``clips/two_people_demo_skeleton.mp4`` (1920x1080) at 368 px: the network alone, network +
   decoder (the ``openpose`` backend end to end on decoded frames), and MediaPipe Tasks PoseLandmarker
   (full, ``num_poses=2``) on the same frames; medians in ms per frame, frames/s and ratios.
The machine is shared and noisy: read medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from itertools import islice
from pathlib import Path

import cv2
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from openpose_decode import evaluate, find_maps, format_ap, load_entries, ours_in_image  # noqa: E402

from actionpose.pose.base import create_backend  # noqa: E402
from actionpose.pose.openpose.decode import decode  # noqa: E402
from actionpose.pose.openpose.inference import OpenPoseNet  # noqa: E402
from actionpose.sample_data import require_data_dir  # noqa: E402
from actionpose.video.reader import VideoReader  # noqa: E402


def ap_of_port(net: OpenPoseNet, folder: Path, data: Path) -> dict[str, float]:
    entries = [e for e in load_entries(folder) if e.get("gt_file")]
    for e in entries:
        img = cv2.imread(str(data / e["sidecar"]["image_source"]))
        (heat, paf, meta), = net([img])
        e["heatmaps"], e["pafs"] = heat, paf
        e["sidecar"] = {**e["sidecar"], "scale_xy": list(meta.scale_xy)}
    return evaluate(folder, entries, ours_in_image)


def clip_frames(path: Path, n: int) -> list:
    """The first ``n`` BGR frames of ``path``."""
    with VideoReader(path, threaded=False) as reader:
        return [f.image for f in islice(reader, n)]


def per_frame_ms(run, frames: list) -> float:
    run(frames[0])
    times = []
    for f in frames:
        t = time.perf_counter()
        run(f)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-ap", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = require_data_dir()
    folder = find_maps()
    net = OpenPoseNet(device=args.device)
    if not args.skip_ap:
        print("AP on stored maps :", format_ap(evaluate(folder, [e for e in load_entries(folder)
                                                                 if e.get("gt_file")], ours_in_image)))
        print("AP of torch port  :", format_ap(ap_of_port(net, folder, data)))
    frames = clip_frames(data / "clips/two_people_demo_skeleton.mp4", args.frames)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)

    def network(f):
        out = net([f])
        sync()
        return out

    def end_to_end(f):
        (heat, paf, _), = net([f])
        return decode(heat, paf)

    net_ms = per_frame_ms(network, frames)
    e2e_ms = per_frame_ms(end_to_end, frames)
    print(f"{len(frames)} frames 1920x1080 -> 368x656, device {args.device}, torch threads {args.threads}")
    print(f"  network alone        {net_ms:7.1f} ms  {1000 / net_ms:6.1f} frames/s")
    print(f"  network + decoder    {e2e_ms:7.1f} ms  {1000 / e2e_ms:6.1f} frames/s")
    task = data / "models/mediapipe/pose_landmarker_full_from_legacy_md.task"
    try:
        with create_backend("mediapipe", max_people=2, model_path=task) as mp:
            t0 = [0.0]

            def mediapipe(f):
                t0[0] += 1 / 28.0
                return mp(f, t0[0])

            mp_ms = per_frame_ms(mediapipe, frames)
        print(f"  MediaPipe Tasks full {mp_ms:7.1f} ms  {1000 / mp_ms:6.1f} frames/s "
              f"(openpose end to end / mediapipe = {e2e_ms / mp_ms:.2f}x the time)")
    except Exception as exc:  # MediaPipe Tasks unavailable here
        print(f"  MediaPipe Tasks: not run ({type(exc).__name__}: {exc})")


if __name__ == "__main__":
    main()

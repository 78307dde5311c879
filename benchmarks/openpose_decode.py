"""OpenPose bottom-up decoding: ActionPose's vectorised decoder against a plain loop-based one.

Run from the project root (the real-data folder must be at ``$ACTIONPOSE_DATA`` or ``../shared/data``)::

    .venv/bin/python benchmarks/openpose_decode.py [--repeats 3] [--ablation]

Every map set of ``pose_gt/openpose_maps/index.json`` (14 dev images, 2 CrowdPose images, 18 video frames)
is decoded by

* :func:`baseline_decode`, kept here: a straightforward implementation of the published algorithm
  (Cao et al., "Realtime Multi-Person 2D Pose Estimation using Part Affinity Fields", CVPR 2017) as the
  maps' README describes the reference: heatmaps and PAFs upsampled to the image size with
  ``cv2.resize`` (bicubic, x8 then to (W, H)), ``scipy.ndimage.gaussian_filter`` sigma 3 per part, peaks
  as 4-neighbour local maxima above 0.1, Python loops over candidate pairs and over the 10 PAF samples,
  greedy matching, assembly, pruning;
* :func:`actionpose.pose.openpose.decode.decode` with default options.

It prints the median milliseconds per image of each (``--repeats`` passes over all maps, alternating), for
all maps and by image size (the baseline's cost grows with the image, the decoder's does not), their
ratio, and the keypoint AP (pycocotools) of both on the dev set (with AP50 and the mean best OKS per
person), on its COCO images and on the CrowdPose extra set. The baseline reproduces the stored reference
predictions (``ref_decoder_predictions.json``) exactly. ``--ablation`` also prints the AP and speed of the
decoder's shortcuts, one option changed at a time.
The machine is shared and noisy: read the medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actionpose.pose.openpose.coco_eval import coco_results, keypoint_ap  # noqa: E402
from actionpose.pose.openpose.decode import decode  # noqa: E402
from actionpose.pose.openpose.limbs import LIMBS, NUM_PARTS, NUM_SEED_LIMBS  # noqa: E402

MAPS = Path("pose_gt/openpose_maps")


# ----------------------------------------------------------------------------------------------------
# Baseline: the published algorithm, written plainly with Python loops.
# ----------------------------------------------------------------------------------------------------

def baseline_decode(heatmaps: np.ndarray, pafs: np.ndarray, image_hw: tuple[int, int],
                    stride: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Decode at full image resolution; returns keypoints (N, 18, 3) in image pixels and scores (N,)."""
    height, width = image_hw

    def to_image(maps: np.ndarray) -> np.ndarray:
        maps = np.transpose(maps.astype(np.float32), (1, 2, 0))
        maps = cv2.resize(maps, (0, 0), fx=stride, fy=stride, interpolation=cv2.INTER_CUBIC)
        return cv2.resize(maps, (width, height), interpolation=cv2.INTER_CUBIC)

    heat, paf = to_image(heatmaps), to_image(pafs)

    # Peaks: (x, y, score, id) per part, ids numbered across all parts.
    peaks: list[list[tuple[int, int, float, int]]] = []
    next_id = 0
    for part in range(NUM_PARTS):
        original = heat[:, :, part]
        smooth = gaussian_filter(original, sigma=3)
        up, down, left, right = (np.zeros_like(smooth) for _ in range(4))
        up[1:, :] = smooth[:-1, :]
        down[:-1, :] = smooth[1:, :]
        left[:, 1:] = smooth[:, :-1]
        right[:, :-1] = smooth[:, 1:]
        is_peak = ((smooth >= up) & (smooth >= down) & (smooth >= left) & (smooth >= right)
                   & (smooth > 0.1))
        ys, xs = np.nonzero(is_peak)
        part_peaks = []
        for x, y in zip(xs, ys):
            part_peaks.append((int(x), int(y), float(original[y, x]), next_id))
            next_id += 1
        peaks.append(part_peaks)
    candidates = [p for part_peaks in peaks for p in part_peaks]

    # Limbs: score every candidate pair by the PAF line integral, then match greedily.
    connections: list[list[tuple[int, int, float]] | None] = []
    num_samples = 10
    for limb in LIMBS:
        cand_a, cand_b = peaks[limb.part_a], peaks[limb.part_b]
        if not cand_a or not cand_b:
            connections.append(None)
            continue
        scored = []
        for i, a in enumerate(cand_a):
            for j, b in enumerate(cand_b):
                dx, dy = b[0] - a[0], b[1] - a[1]
                norm = max(math.sqrt(dx * dx + dy * dy), 0.001)
                ux, uy = dx / norm, dy / norm
                samples = []
                for t in range(num_samples):
                    x = a[0] + dx * t / (num_samples - 1)
                    y = a[1] + dy * t / (num_samples - 1)
                    px, py = int(round(x)), int(round(y))
                    samples.append(paf[py, px, limb.paf_x] * ux + paf[py, px, limb.paf_y] * uy)
                score = sum(samples) / num_samples + min(0.5 * height / norm - 1.0, 0.0)
                above = sum(1 for s in samples if s > 0.05)
                if above > 0.8 * num_samples and score > 0:
                    scored.append((score, i, j))
        scored.sort(key=lambda c: c[0], reverse=True)
        used_a, used_b, chosen = set(), set(), []
        for score, i, j in scored:
            if i not in used_a and j not in used_b:
                chosen.append((cand_a[i][3], cand_b[j][3], score))
                used_a.add(i)
                used_b.add(j)
                if len(chosen) >= min(len(cand_a), len(cand_b)):
                    break
        connections.append(chosen)

    # Assembly: rows of 18 candidate ids (-1 = none), then total score and part count.
    people: list[list[float]] = []
    for k, limb in enumerate(LIMBS):
        if connections[k] is None:
            continue
        pa, pb = limb.part_a, limb.part_b
        for id_a, id_b, score in connections[k]:
            found = [n for n, row in enumerate(people) if row[pa] == id_a or row[pb] == id_b]
            if len(found) == 1:
                row = people[found[0]]
                if row[pb] != id_b:
                    row[pb] = id_b
                    row[-1] += 1
                    row[-2] += candidates[id_b][2] + score
            elif len(found) >= 2:
                first, second = people[found[0]], people[found[1]]
                if all(first[p] < 0 or second[p] < 0 for p in range(NUM_PARTS)):
                    # two disjoint people joined by this limb: merge them
                    for p in range(NUM_PARTS):
                        first[p] += second[p] + 1
                    first[-2] += second[-2] + score
                    first[-1] += second[-1]
                    del people[found[1]]
                else:
                    first[pb] = id_b
                    first[-1] += 1
                    first[-2] += candidates[id_b][2] + score
            elif k < NUM_SEED_LIMBS:
                row = [-1.0] * NUM_PARTS + [candidates[id_a][2] + candidates[id_b][2] + score, 2.0]
                row[pa], row[pb] = id_a, id_b
                people.append(row)
    people = [row for row in people if row[-1] >= 4 and row[-2] / row[-1] >= 0.4]

    keypoints = np.full((len(people), NUM_PARTS, 3), np.nan, dtype=np.float32)
    keypoints[:, :, 2] = 0.0
    for n, row in enumerate(people):
        for p in range(NUM_PARTS):
            if row[p] >= 0:
                x, y, s, _ = candidates[int(row[p])]
                keypoints[n, p] = (x, y, s)
    scores = np.array([row[-2] / 37.0 for row in people], dtype=np.float32)
    return keypoints, scores


# ----------------------------------------------------------------------------------------------------
# Data, evaluation, timing.
# ----------------------------------------------------------------------------------------------------

def find_maps() -> Path:
    """The openpose_maps folder of the real-data folder."""
    env = os.environ.get("ACTIONPOSE_DATA")
    root = Path(env) if env else ROOT.parent / "shared" / "data"
    folder = root / MAPS
    if not (folder / "index.json").is_file():
        sys.exit(f"real data not found at {folder}: set ACTIONPOSE_DATA")
    return folder


def load_entries(folder: Path) -> list[dict]:
    """Index entries with their maps (float16 as stored) and sidecar loaded."""
    entries = json.loads((folder / "index.json").read_text())["entries"]
    for entry in entries:
        with np.load(folder / entry["npz"]) as npz:
            entry["heatmaps"], entry["pafs"] = npz["heatmaps"], npz["pafs"]
        entry["sidecar"] = json.loads((folder / entry["npz"]).with_suffix(".json").read_text())
    return entries


def ours_in_image(entry: dict, **options) -> tuple[np.ndarray, np.ndarray]:
    """ActionPose's decoder, mapped back to image pixels with the sidecar's scale."""
    return decode(entry["heatmaps"], entry["pafs"], scale_xy=entry["sidecar"]["scale_xy"], **options)


def baseline_in_image(entry: dict) -> tuple[np.ndarray, np.ndarray]:
    return baseline_decode(entry["heatmaps"], entry["pafs"], tuple(entry["orig_hw"]))


def evaluate(folder: Path, entries: list[dict],
             run: Callable[[dict], tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """AP, AP50, mean OKS, COCO-images AP and CrowdPose AP of a decoder."""
    dev, crowd, coco_ids = [], [], []
    for entry in entries:
        if entry["gt_file"] is None:
            continue
        results = coco_results(entry["gt_image_id"], *run(entry))
        if entry["dataset"] == "crowdpose":
            crowd += results
        else:
            dev += results
            if entry["dataset"] == "coco":
                coco_ids.append(entry["gt_image_id"])
    whole = keypoint_ap(folder / "gt_coco17.json", dev)
    coco_ap = keypoint_ap(folder / "gt_coco17.json", dev, coco_ids).ap
    crowd_ap = keypoint_ap(folder / "gt_coco17_extra_crowdpose.json", crowd).ap
    return {"AP": whole.ap, "AP50": whole.ap50, "mOKS": whole.mean_oks, "COCO AP": coco_ap, "CrowdPose AP": crowd_ap}


def matches_reference(folder: Path, entries: list[dict]) -> tuple[int, int]:
    """(images where the baseline's output equals ``ref_decoder_predictions.json``, images compared)."""
    ref = json.loads((folder / "ref_decoder_predictions.json").read_text())["images"]
    same = 0
    compared = [e for e in entries if e["npz"] in ref]
    for entry in compared:
        keypoints, scores = baseline_in_image(entry)
        people = ref[entry["npz"]]
        theirs = np.array([p["parts18_xy_score"] for p in people], dtype=np.float64).reshape(-1, NUM_PARTS, 3)
        their_scores = np.array([p["total_score"] for p in people]) / 37.0
        same += (len(keypoints) == len(theirs)
                 and np.allclose(np.nan_to_num(keypoints, nan=0.0), theirs, atol=1e-3)
                 and np.allclose(scores, their_scores, atol=1e-4))
    return same, len(compared)


def time_per_image(entries: list[dict], run: Callable[[dict], object]) -> list[float]:
    """Milliseconds per image, one pass over all entries."""
    times = []
    for entry in entries:
        start = time.perf_counter()
        run(entry)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def format_ap(m: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:.3f}" for k, v in m.items())


def ablation(folder: Path, entries: list[dict], repeats: int) -> None:
    """AP and speed of each shortcut of the decoder, one option changed at a time."""
    variants: list[tuple[str, dict]] = [
        ("default (x4, sigma 2, refine, bicubic PAF)", {}),
        ("peaks at x2 upsampling", {"upsample": 2}),
        ("peaks at x8 (network-input size)", {"upsample": 8}),
        ("no sub-pixel refinement", {"refine": False}),
        ("x2 and no sub-pixel refinement", {"upsample": 2, "refine": False}),
        ("smoothing sigma 1.5 net px", {"sigma": 1.5}),
        ("smoothing sigma 3 net px", {"sigma": 3.0}),
        ("smoothing sigma 4 net px", {"sigma": 4.0}),
        ("no smoothing", {"sigma": 0.0}),
        ("PAF read bilinear at map resolution", {"paf_interpolation": "bilinear"}),
        ("PAF read nearest at map resolution", {"paf_interpolation": "nearest"}),
    ]
    print("\nablation (one option changed at a time; ms = median per image over all maps):")
    for name, options in variants:
        run = lambda e, o=options: ours_in_image(e, **o)  # noqa: E731
        ms = statistics.median(t for _ in range(repeats) for t in time_per_image(entries, run))
        print(f"  {name:44s} {ms:6.2f} ms  {format_ap(evaluate(folder, entries, run))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over all maps (default 3)")
    parser.add_argument("--ablation", action="store_true", help="also measure each shortcut")
    args = parser.parse_args()

    folder = find_maps()
    entries = load_entries(folder)
    # Warm-up (imports, caches), then alternate the two decoders pass by pass.
    time_per_image(entries[:2], baseline_in_image)
    time_per_image(entries[:2], ours_in_image)
    base_ms, ours_ms = [], []
    for _ in range(args.repeats):
        base_ms.append(time_per_image(entries, baseline_in_image))
        ours_ms.append(time_per_image(entries, ours_in_image))
    side = [max(e["orig_hw"]) for e in entries]
    groups = {
        "all maps": [True] * len(entries),
        "640-class images (COCO, CrowdPose)": [s <= 640 for s in side],
        "~1000 px images (H36M, OCHuman)": [640 < s <= 1002 for s in side],
        "1920x1080 (PoseTrack18, video)": [s > 1002 for s in side],
    }
    print(f"{len(entries)} map sets x {args.repeats} passes, median ms per image "
          "(baseline / actionpose decode = speed-up; goal >= 10x):")
    for name, mask in groups.items():
        base = statistics.median(t for run in base_ms for t, m in zip(run, mask) if m)
        ours = statistics.median(t for run in ours_ms for t, m in zip(run, mask) if m)
        print(f"  {name:38s} {sum(mask):3d}  baseline {base:8.2f} ms  ours {ours:6.2f} ms  {base / ours:6.1f}x")
    print("accuracy (pycocotools keypoints; README reference: AP 0.186, AP50 0.345, COCO 0.321):")
    print(f"  baseline          {format_ap(evaluate(folder, entries, baseline_in_image))}"
          "  (same output as ref_decoder_predictions.json on {}/{} images)".format(*matches_reference(folder, entries)))
    print(f"  actionpose decode {format_ap(evaluate(folder, entries, ours_in_image))}")
    if args.ablation:
        ablation(folder, entries, args.repeats)


if __name__ == "__main__":
    main()

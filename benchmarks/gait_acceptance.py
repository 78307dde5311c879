"""Every acceptance figure of the gait module (issue 7), printed.

1. ``gait/digigait_side_view/demo.mp4`` (real side-view walk, 600 frames at 30 fps): heel strikes
   per foot against another system's estimates in ``demo_data.npz`` (a peer, not ground truth):
   median frame difference (ours - peer) and events within 3 frames; cadence and knee range of
   motion, ours and the peer's.
2. Synthetic walkers with exactly known parameters, side and frontal views, two noise levels:
   cadence and step-time errors (and step length and speed in the side view).
3. Kinect gait cycles: classification accuracy with folds split by person.

Usage::

    python benchmarks/gait_acceptance.py [--data ../shared/data] [--poses demo.npz] [--seeds 12]

``--poses`` reuses a pose file extracted from demo.mp4 (``actionpose extract demo.mp4 -o demo.npz``);
without it the clip is extracted with MediaPipe (model complexity 1) first.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from actionpose.tasks.gait import GaitConfig, analyze_gait
from actionpose.tasks.gait.synthetic import WalkerSpec, synthetic_walk

ROOT = Path(__file__).resolve().parents[1]


def peer_cadence(frames: np.ndarray, fps: float) -> float:
    strides = np.diff(np.sort(frames)) / fps
    keep = (strides > 0.75 * np.median(strides)) & (strides < 1.25 * np.median(strides))
    return float(120.0 / strides[keep].mean())


def compare_strikes(ours: np.ndarray, peer: np.ndarray) -> tuple[float, int, int, np.ndarray]:
    """Median of (ours - peer) over the peer's strikes (nearest of ours), how many within 3 frames, and the diffs."""
    diffs = np.array([ours[np.argmin(np.abs(ours - p))] - p for p in peer]) if len(ours) else np.full(len(peer), np.inf)
    return float(np.median(diffs)), int(np.sum(np.abs(diffs) <= 3)), len(peer), diffs


def demo(data: Path, poses: Path | None) -> None:
    folder = data / "gait" / "digigait_side_view"
    video = folder / "demo.mp4"
    if poses is not None:
        from actionpose.skeleton.io import load_poses

        seq = load_poses(poses)
        how = f"poses from {poses}"
    else:
        from actionpose.pipeline import ExtractOptions, extract_poses

        t0 = time.perf_counter()
        seq = extract_poses(video, ExtractOptions(backend="mediapipe"))
        how = f"MediaPipe Pose (complexity 1), extracted in {time.perf_counter() - t0:.1f} s"
    peer = np.load(folder / "demo_data.npz")
    report = analyze_gait(seq, GaitConfig())[0]
    fps = seq.fps
    print(f"== demo.mp4: {seq.num_frames} frames at {fps:g} fps; {how}")
    print(f"   view {report.view.view} ({report.view.direction}, {report.view.turns} turn), "
          f"{len(report.events)} events")
    for foot, key in (("left", "lcycles"), ("right", "rcycles")):
        ours = report.event_times(foot, "heel_strike") * fps
        med, within, n, diffs = compare_strikes(ours, peer[key])
        shifted = int(np.sum(np.abs(diffs - med) <= 3))
        print(f"   {foot:>5} heel strikes: median difference ours - peer {med:+.1f} frames; within 3 frames "
              f"{within}/{n}; after removing the median offset {shifted}/{n}")
        print(f"         per peer strike (frames): {' '.join(f'{d:+.0f}' for d in diffs)}")
    both_ours = np.concatenate([report.event_times(f, "heel_strike") * fps for f in ("left", "right")])
    both_peer = np.concatenate([peer["lcycles"], peer["rcycles"]])
    med, within, n, _ = compare_strikes(both_ours, both_peer)
    print(f"   either foot (labels ignored): median {med:+.1f} frames, within 3 frames {within}/{n}")
    pre = [compare_strikes(report.event_times(f, "heel_strike") * fps, peer[k][peer[k] < 390])
           for f, k in (("left", "lcycles"), ("right", "rcycles"))]
    pre_diffs = np.concatenate([d for *_, d in pre])
    pre_med = float(np.median(pre_diffs))
    print(f"   before the turn (peer strikes < frame 390, both feet): median {pre_med:+.1f} frames, within 3 frames "
          f"{int(np.sum(np.abs(pre_diffs) <= 3))}/{len(pre_diffs)}, after removing the median offset "
          f"{int(np.sum(np.abs(pre_diffs - pre_med) <= 3))}/{len(pre_diffs)}")
    p = report.parameters
    print(f"   cadence: ours {p.cadence_spm:.1f} steps/min; peer {peer_cadence(peer['lcycles'], fps):.1f} (from its "
          f"left strides) / {peer_cadence(peer['rcycles'], fps):.1f} (right strides)")
    for foot, key, angle in (("left", "lcycles", "lknee_angle"), ("right", "rcycles", "rknee_angle")):
        cyc = np.sort(peer[key])
        roms = [np.ptp(peer[angle][a:b]) for a, b in zip(cyc[:-1], cyc[1:]) if b - a < 1.25 * np.median(np.diff(cyc))]
        ours_rom = getattr(p, f"knee_rom_{foot}_deg")
        print(f"   knee flexion range of motion {foot}: ours {ours_rom:.1f} deg, peer {np.median(roms):.1f} deg "
              f"(median over cycles)")
    print(f"   knee vs normative band: RMS difference {p.knee_norm_rmsd_deg:.1f} deg, within mean +- 2 SD "
          f"{p.knee_within_norm_pct:.0f}% of the cycle")
    print(f"   other: step time {p.step_time_s:.3f} s, stance L/R {p.stance_left_pct:.0f}/{p.stance_right_pct:.0f}%, "
          f"step length L/R {p.step_length_left:.2f}/{p.step_length_right:.2f} leg lengths, "
          f"flags {[q.code for q in report.quality]}")


#: view, direction, treadmill, camera following the walker (side view)
CASES = [("side", "left_to_right", False, True), ("side", "right_to_left", False, False),
         ("side", "left_to_right", True, False), ("frontal", "approaching", False, False),
         ("frontal", "leaving", False, False)]


def synthetic(seeds: int) -> None:
    print(f"== synthetic walkers: {seeds} walkers per case, cadence 85-125 steps/min, step length 0.5-0.8 m, "
          "10 s at 30 fps, random gait phase")
    for noise, drop in ((0.005, 0.05), (0.01, 0.10)):
        print(f"   noise {100 * noise:g}% of apparent height per coordinate, {100 * drop:g}% of joints dropped "
              "(half of them in runs of 3-7 frames)")
        for view, direction, treadmill, follow in CASES:
            cad, step, length, speed, wrong_view = [], [], [], [], 0
            for seed in range(seeds):
                rng = np.random.default_rng(1000 + seed)
                spec = WalkerSpec(cadence_spm=float(rng.uniform(85, 125)), step_length_m=float(rng.uniform(0.5, 0.8)),
                                  duration_s=10, treadmill=treadmill)
                seq, truth = synthetic_walk(spec, view=view, direction=direction, noise=noise, drop=drop, seed=seed,
                                            follow=follow)
                r = analyze_gait(seq, GaitConfig(height_m=spec.height_m))[0]
                q = r.parameters
                wrong_view += r.view.view != view
                cad.append(100 * abs(q.cadence_spm / truth.cadence_spm - 1))
                step.append(abs(q.step_time_s - truth.stride_time_s / 2))
                if view == "side":
                    length.append(100 * abs(q.step_length_m / np.mean(list(truth.step_length_m.values())) - 1))
                    speed.append(100 * abs(q.gait_speed_mps / truth.speed_mps - 1))
            extra = (f"; step length |err| mean {np.mean(length):.1f}% max {np.max(length):.1f}%, speed |err| mean "
                     f"{np.mean(speed):.1f}% max {np.max(speed):.1f}%") if length else ""
            camera = " panning" if follow else " treadmill" if treadmill else " fixed camera" if view == "side" else ""
            name = f"{view} {direction}{camera}"
            print(f"     {name:<32} cadence |err| mean {np.mean(cad):.2f}% max {np.max(cad):.2f}%; step time |err| "
                  f"mean {1000 * np.mean(step):.1f} ms max {1000 * np.max(step):.1f} ms; view wrong {wrong_view}"
                  f"{extra}")


def kinect(data: Path) -> None:
    from sklearn.metrics import balanced_accuracy_score

    from actionpose.datasets.kinect_gait import load_kinect_gait
    from actionpose.tasks.gait.classify import evaluate_by_person

    cycles = load_kinect_gait(data / "gait" / "kinect_gait_cycles")
    print(f"== Kinect gait cycles: {len(cycles)} cycles of {len(set(cycles.persons.tolist()))} people; random forest "
          "(actionpose.models.sklearn 'rf') on the 660 features; folds split by person")
    for n_splits in (5, None):
        t0 = time.perf_counter()
        three = evaluate_by_person(cycles.X, cycles.labels, cycles.persons, model="rf", n_splits=n_splits)
        truth, pred = three.y_true == "normal", three.y_pred == "normal"
        collapsed = float(np.mean(truth == pred))
        balanced = float(balanced_accuracy_score(truth, pred))
        two = evaluate_by_person(cycles.X, cycles.binary(), cycles.persons, model="rf", n_splits=n_splits)
        print(f"   {three.splitter:<17} 3 classes: accuracy {three.accuracy:.3f} "
              f"(balanced {three.balanced_accuracy:.3f}); "
              f"normal vs impaired from the 3-class model: accuracy {collapsed:.3f} (balanced {balanced:.3f}); "
              f"trained on 2 classes: accuracy {two.accuracy:.3f} (balanced {two.balanced_accuracy:.3f}); "
              f"{time.perf_counter() - t0:.0f} s")
    print("   (code 2 taken as normal walking: see actionpose.datasets.kinect_gait)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--poses", type=Path, help="pose file already extracted from demo.mp4")
    parser.add_argument("--seeds", type=int, default=12)
    args = parser.parse_args()
    demo(args.data, args.poses)
    synthetic(args.seeds)
    kinect(args.data)


if __name__ == "__main__":
    main()

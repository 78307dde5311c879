"""OpenPose bottom-up decoder: synthetic maps built here, and real network outputs from the data folder.

Synthetic: two people drawn as Gaussian heatmap peaks plus unit PAF fields along their limbs; the decoder
must find them (parts within a pixel, NaN for absent parts), drop people with fewer than 4 parts or a low
mean score, penalise long limbs, accept float16 and torch input, and return empty arrays for empty maps.
Greedy matching is checked against a plain sequential greedy pass, assembly on hand-made limbs.

Real (skipped without the data folder): every map set of ``pose_gt/openpose_maps`` decoded, mapped back
to image pixels and scored with pycocotools against the README's ground truth: AP >= 0.186 (the reference
decoder's) on the dev set, COCO images >= 0.321; two people in each video frame; agreement with the
reference decoder's stored predictions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from actionpose.pose.openpose.coco_eval import coco_results, keypoint_ap
from actionpose.pose.openpose.decode import assemble, decode, match_greedy, score_limbs
from actionpose.pose.openpose.limbs import LIMBS, NUM_PARTS, PARTS18
from actionpose.pose.openpose.maps import find_peaks

STRIDE = 8
MAP_H, MAP_W = 46, 60  # network input 368 x 480

# A standing person, network-input pixels relative to the mid-hip, COCO-18 order.
BODY = np.array([
    (0, -160), (0, -120), (-32, -120), (-45, -64), (-51, -8), (32, -120), (45, -64), (51, -8),
    (-19, 0), (-22, 72), (-24, 144), (19, 0), (22, 72), (24, 144), (-8, -170), (8, -170),
    (-19, -165), (19, -165),
], dtype=np.float64)


def draw(people: list[dict[int, tuple[float, float]]], *, h: int = MAP_H, w: int = MAP_W,
         paf_scale: dict[int, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Heatmaps (19, h, w) and PAFs (38, h, w) of people given as {part: (x, y) network-input px}.

    Parts are Gaussians (sigma 7 network-input pixels); each limb whose two parts are present gets its unit
    vector (times ``paf_scale[limb]``) on the cells within 8 px of the segment.
    """
    heat = np.zeros((19, h, w), np.float32)
    paf = np.zeros((38, h, w), np.float32)
    gy, gx = np.mgrid[0:h, 0:w]
    cx, cy = (gx + 0.5) * STRIDE - 0.5, (gy + 0.5) * STRIDE - 0.5  # cell centres, network-input px
    for person in people:
        for part, (x, y) in person.items():
            g = np.exp(-((cx - x) ** 2 + (cy - y) ** 2) / (2 * 7.0 ** 2))
            heat[part] = np.maximum(heat[part], g)
        for k, limb in enumerate(LIMBS):
            if limb.part_a not in person or limb.part_b not in person:
                continue
            a, b = np.array(person[limb.part_a]), np.array(person[limb.part_b])
            length = np.linalg.norm(b - a)
            u = (b - a) / length
            t = (cx - a[0]) * u[0] + (cy - a[1]) * u[1]
            across = np.abs((cx - a[0]) * u[1] - (cy - a[1]) * u[0])
            on = (t >= -4) & (t <= length + 4) & (across <= 8)
            scale = (paf_scale or {}).get(k, 1.0)
            paf[limb.paf_x][on] = u[0] * scale
            paf[limb.paf_y][on] = u[1] * scale
    heat[18] = 1.0 - heat[:18].max(axis=0)
    return heat, paf


def person_at(x: float, y: float, scale: float = 1.0, drop: tuple[int, ...] = ()) -> dict[int, tuple]:
    return {p: (x + scale * dx, y + scale * dy) for p, (dx, dy) in enumerate(BODY) if p not in drop}


def by_x(keypoints: np.ndarray) -> np.ndarray:
    """People sorted by the mean x of their parts."""
    return keypoints[np.argsort(np.nanmean(keypoints[:, :, 0], axis=1))]


@pytest.fixture(scope="module")
def two_people() -> tuple[list[dict], np.ndarray, np.ndarray]:
    people = [person_at(130.3, 190.6), person_at(340.8, 188.2, scale=0.95, drop=(16, 15))]
    heat, paf = draw(people)
    return people, heat, paf


# ------------------------------------------------------------------ synthetic maps


def test_two_people_found_within_a_pixel(two_people) -> None:
    people, heat, paf = two_people
    keypoints, scores = decode(heat, paf)
    assert keypoints.shape == (2, NUM_PARTS, 3) and keypoints.dtype == np.float32
    assert scores.shape == (2,) and scores.dtype == np.float32
    for found, truth in zip(by_x(keypoints), people):
        for part in range(NUM_PARTS):
            if part in truth:
                err = np.hypot(*(found[part, :2] - truth[part]))
                assert err < 1.0, f"{PARTS18[part]} off by {err:.2f} px"
                assert found[part, 2] > 0.5
    # score = (18 peaks of ~1 + 19 limbs of ~1) / 37 for the complete person
    assert by_x(keypoints)[0, :, 2].all() and 0.9 < scores.max() <= 1.05


def test_absent_parts_are_nan_with_zero_confidence(two_people) -> None:
    keypoints, _ = decode(*two_people[1:])
    second = by_x(keypoints)[1]
    for part in (16, 15):  # REar, LEye were not drawn
        assert np.isnan(second[part, :2]).all() and second[part, 2] == 0.0
    assert np.isfinite(np.delete(second, [15, 16], axis=0)).all()


def test_people_with_fewer_than_four_parts_dropped() -> None:
    arm3 = {1: (400.0, 60.0), 2: (370.0, 60.0), 3: (360.0, 110.0)}       # neck, RShoulder, RElbow
    arm4 = {**{p: (x - 260.0, y) for p, (x, y) in arm3.items()}, 4: (95.0, 160.0)}  # + RWrist
    keypoints, scores = decode(*draw([arm3, arm4]))
    assert len(keypoints) == 1 and len(scores) == 1
    assert (keypoints[0, :, 2] > 0).sum() == 4 and np.isclose(keypoints[0, 4, 0], 95.0, atol=1.0)
    assert len(decode(*draw([arm3, arm4]), min_parts=3)[0]) == 2


def test_people_with_low_mean_score_dropped() -> None:
    heat, paf = draw([person_at(240.0, 200.0)])
    heat[:18] *= 0.15  # peaks ~0.15, limbs ~0.15: (18 * 0.15 + 19 * 0.15) / 18 parts ~ 0.31 < 0.4
    paf *= 0.15
    assert len(decode(heat, paf)[0]) == 0
    keypoints, scores = decode(heat, paf, min_mean_score=0.0)
    assert len(keypoints) == 1 and (keypoints[0, :, 2] > 0).all()
    assert scores[0] == pytest.approx(0.15, abs=0.03)  # total / 37


def test_limbs_longer_than_half_the_image_penalised() -> None:
    h_px = MAP_H * STRIDE                                     # 368: limbs up to 184 px are free
    short = {1: (100.0, 100.0), 8: (100.0, 160.0)}            # 60 px
    long = {1: (300.0, 40.0), 8: (300.0, 340.0)}              # 300 px
    heat, paf = draw([short, long])
    peaks = find_peaks(heat[:18], sigma=2.0 / STRIDE)
    limb = next(k for k, limb_ in enumerate(LIMBS) if (limb_.part_a, limb_.part_b) == (1, 8))
    ids_a, ids_b, score, valid = score_limbs(peaks, paf, stride=STRIDE, prior_height=h_px)[limb]
    unpenalised = score_limbs(peaks, paf, stride=STRIDE, prior_height=1e9)[limb][2]
    xa, xb = peaks.xy[ids_a, 0], peaks.xy[ids_b, 0]
    short_ij, long_ij = (np.argmin(xa), np.argmin(xb)), (np.argmax(xa), np.argmax(xb))
    assert valid[short_ij] and valid[long_ij]
    assert score[short_ij] == pytest.approx(1.0, abs=0.1)  # mean PAF projection (bicubic overshoots a bit)
    assert score[short_ij] == unpenalised[short_ij]
    assert score[long_ij] - unpenalised[long_ij] == pytest.approx(0.5 * h_px / 300.0 - 1.0, abs=0.01)

    # A long torso (210 px) with a weak field (0.1 on it) is rejected; without the prior it is kept.
    tall = {1: (240, 90), 0: (240, 50), 14: (232, 44), 15: (248, 44), 16: (226, 48), 17: (254, 48),
            2: (210, 90), 5: (270, 90), 3: (200, 140), 6: (280, 140), 4: (196, 185), 7: (284, 185),
            8: (225, 300), 11: (255, 300), 9: (223, 335), 12: (257, 335)}
    torso = {k: 0.1 for k, limb_ in enumerate(LIMBS) if (limb_.part_a, limb_.part_b) in ((1, 8), (1, 11))}
    heat, paf = draw([{p: (float(x), float(y)) for p, (x, y) in tall.items()}], paf_scale=torso)
    free, _ = decode(heat, paf, limb_prior_height=10_000)
    assert len(free) == 1 and (free[0, :, 2] > 0).sum() == 16
    penalised, _ = decode(heat, paf)
    assert len(penalised) == 1 and (penalised[0, :, 2] > 0).sum() == 12  # hip-knee fragments dropped
    assert penalised[0, 8, 2] == 0 and penalised[0, 11, 2] == 0


def test_empty_maps() -> None:
    for heat, paf in [(np.zeros((19, 46, 60), np.float32), np.zeros((38, 46, 60), np.float32)),
                      (np.full((19, 10, 12), 0.05, np.float16), np.zeros((38, 10, 12), np.float16))]:
        keypoints, scores = decode(heat, paf)
        assert keypoints.shape == (0, 18, 3) and scores.shape == (0,)
        assert keypoints.dtype == np.float32 and scores.dtype == np.float32


def test_float16_and_torch_input(two_people) -> None:
    torch = pytest.importorskip("torch")
    _, heat, paf = two_people
    ref_kp, ref_s = decode(heat, paf)
    half_kp, half_s = decode(heat.astype(np.float16), paf.astype(np.float16))
    assert half_kp.shape == ref_kp.shape
    np.testing.assert_allclose(half_kp, ref_kp, atol=0.1)
    np.testing.assert_allclose(half_s, ref_s, atol=0.01)
    for h, p in [(torch.from_numpy(heat), torch.from_numpy(paf)),
                 (torch.from_numpy(heat)[None].half(), torch.from_numpy(paf)[None].half())]:
        kp, s = decode(h, p)
        np.testing.assert_allclose(kp, ref_kp if h.dtype == torch.float32 else half_kp, atol=1e-5)


def test_image_coordinates(two_people) -> None:
    _, heat, paf = two_people
    net, _ = decode(heat, paf)
    img, _ = decode(heat, paf, scale_xy=(0.5, 0.25), pad={"left": 8, "top": 4})
    expected = net.copy()
    expected[..., 0] = (net[..., 0] - 8 + 0.5) / 0.5 - 0.5
    expected[..., 1] = (net[..., 1] - 4 + 0.5) / 0.25 - 0.5
    np.testing.assert_allclose(img, expected, rtol=1e-6, atol=1e-3)
    same, _ = decode(heat, paf, scale_xy=1.0, pad=(0, 0))
    np.testing.assert_allclose(same, net, atol=1e-4)


def test_work_buffers_never_leak_into_results(two_people) -> None:
    _, heat, paf = two_people
    first, first_scores = decode(heat, paf)
    kept, kept_scores = first.copy(), first_scores.copy()
    decode(heat[:, :20, :30], paf[:, :20, :30])                       # smaller maps, same buffers
    decode(np.tile(heat, (1, 2, 2)), np.tile(paf, (1, 2, 2)), upsample=8)  # buffers grow
    np.testing.assert_array_equal(first, kept)
    np.testing.assert_array_equal(first_scores, kept_scores)
    np.testing.assert_array_equal(decode(heat, paf)[0], kept)


def test_bad_shapes_rejected() -> None:
    with pytest.raises(ValueError):
        decode(np.zeros((10, 46, 60)), np.zeros((38, 46, 60)))
    with pytest.raises(ValueError):
        decode(np.zeros((19, 46, 60)), np.zeros((38, 40, 60)))


def sequential_greedy(score: np.ndarray, valid: np.ndarray) -> list[tuple[int, int]]:
    """The published matching pass, one pair at a time (stable sort, so ties go to lower indices)."""
    pairs = sorted(((score[i, j], i, j) for i, j in zip(*np.nonzero(valid))), key=lambda c: -c[0])
    used_i, used_j, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_i and j not in used_j:
            out.append((i, j))
            used_i.add(i)
            used_j.add(j)
    return out


@pytest.mark.parametrize("seed", range(40))
def test_match_greedy_equals_sequential_pass(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(0, 7, size=2))
    score = rng.integers(0, 5, size=shape).astype(np.float64) if seed % 2 else rng.random(shape)
    valid = rng.random(shape) < 0.7
    i, j, s = match_greedy(score, valid)
    assert list(zip(i.tolist(), j.tolist())) == sequential_greedy(score, valid)
    np.testing.assert_array_equal(s, score[i, j])


def test_assemble_merges_disjoint_people() -> None:
    # Candidates: 0 Neck, 1 RShoulder, 2 Nose, 3 REye, 4 REar, each of score 1.
    score = np.ones(5)
    empty = (np.zeros(0, int), np.zeros(0, int), np.zeros(0))

    def limb(a: int, b: int) -> int:
        return next(k for k, limb_ in enumerate(LIMBS) if (limb_.part_a, limb_.part_b) == (a, b))

    conn = [empty] * len(LIMBS)
    conn[limb(1, 2)] = (np.array([0]), np.array([1]), np.array([0.9]))    # Neck-RSho: person 1
    conn[limb(0, 14)] = (np.array([2]), np.array([3]), np.array([0.8]))   # Nose-REye: person 2
    conn[limb(14, 16)] = (np.array([3]), np.array([4]), np.array([0.7]))  # REye-REar: extends person 2
    members, _, count = assemble(conn, score)
    assert len(members) == 2 and sorted(count.tolist()) == [2, 3]
    conn[limb(2, 16)] = (np.array([1]), np.array([4]), np.array([0.6]))   # RSho-REar joins them
    members, total, count = assemble(conn, score)
    assert len(members) == 1 and count[0] == 5
    assert total[0] == pytest.approx(5 + 0.9 + 0.8 + 0.7 + 0.6)
    assert members[0, [1, 2, 0, 14, 16]].tolist() == [0, 1, 2, 3, 4]
    # The shoulder-ear limbs never start a person on their own.
    only_ear = [empty] * len(LIMBS)
    only_ear[limb(2, 16)] = conn[limb(2, 16)]
    assert len(assemble(only_ear, score)[0]) == 0


# ------------------------------------------------------------------ real maps

MAPS = "pose_gt/openpose_maps"


@pytest.fixture(scope="module")
def real(data_dir: Path) -> dict:
    folder = data_dir / MAPS
    if not (folder / "index.json").is_file():
        pytest.skip(f"{MAPS} not in the real-data folder {data_dir}")
    out = {"folder": folder, "entries": []}
    for entry in json.loads((folder / "index.json").read_text())["entries"]:
        npz_path = folder / entry["npz"]
        sidecar = json.loads(npz_path.with_suffix(".json").read_text())
        with np.load(npz_path) as npz:
            assert npz["heatmaps"].dtype == np.float16
            entry["keypoints"], entry["scores"] = decode(npz["heatmaps"], npz["pafs"],
                                                         scale_xy=sidecar["scale_xy"])
        out["entries"].append(entry)
    return out


def test_dev_set_ap_at_least_the_reference(real: dict) -> None:
    folder = real["folder"]
    dev, crowd, coco_ids = [], [], []
    for e in real["entries"]:
        if e["gt_file"] is None:
            continue
        results = coco_results(e["gt_image_id"], e["keypoints"], e["scores"])
        gt_file = ((folder / e["npz"]).parent / e["gt_file"]).resolve()  # relative to the npz's folder
        if e["dataset"] == "crowdpose":
            assert gt_file == (folder / "gt_coco17_extra_crowdpose.json").resolve()
            crowd += results
        else:
            assert gt_file == (folder / "gt_coco17.json").resolve()
            dev += results
            coco_ids += [e["gt_image_id"]] if e["dataset"] == "coco" else []
    pytest.importorskip("pycocotools")
    whole = keypoint_ap(folder / "gt_coco17.json", dev)
    ap, ap50 = whole.ap, whole.ap50
    coco_ap = keypoint_ap(folder / "gt_coco17.json", dev, coco_ids).ap
    crowd_ap = keypoint_ap(folder / "gt_coco17_extra_crowdpose.json", crowd).ap
    figures = f"AP {ap:.3f}, AP50 {ap50:.3f}, COCO AP {coco_ap:.3f}, CrowdPose AP {crowd_ap:.3f}"
    # measured: AP 0.191, AP50 0.334, COCO 0.348, CrowdPose 0.429 (reference: 0.186, 0.345, 0.321, 0.429)
    assert ap >= 0.186, f"dev AP below the reference decoder's 0.186: {figures}"
    assert coco_ap >= 0.321, f"COCO-images AP below the reference decoder's 0.321: {figures}"
    assert crowd_ap >= 0.40, figures


def test_video_frames_have_two_people(real: dict) -> None:
    frames = [e for e in real["entries"] if e["dataset"] == "video_demo_skeleton"]
    assert len(frames) == 18
    counts = {e["npz"]: len(e["keypoints"]) for e in frames}
    assert all(n == 2 for n in counts.values()), counts
    for e in frames:
        h, w = e["orig_hw"]
        xy = e["keypoints"][..., :2][e["keypoints"][..., 2] > 0]
        assert ((xy >= -1) & (xy <= [w, h])).all()


def test_agrees_with_reference_decoder(real: dict) -> None:
    """Same people as the stored reference output on most images, keypoints within a few pixels."""
    from scipy.optimize import linear_sum_assignment
    ref = json.loads((real["folder"] / "ref_decoder_predictions.json").read_text())["images"]
    same_count, distances = 0, []
    compared = [e for e in real["entries"] if e["npz"] in ref]
    assert len(compared) == 16
    for e in compared:
        ours = e["keypoints"]
        theirs = np.array([p["parts18_xy_score"] for p in ref[e["npz"]]], dtype=np.float64).reshape(-1, 18, 3)
        theirs[theirs[..., 2] == 0, :2] = np.nan
        same_count += len(ours) == len(theirs)
        if len(ours) == 0 or len(theirs) == 0:
            continue
        d = np.linalg.norm(ours[:, None, :, :2] - theirs[None, :, :, :2], axis=-1)  # (n, m, 18)
        shared = np.isfinite(d)
        cost = np.where(shared, d, 0.0).sum(-1) / np.maximum(shared.sum(-1), 1)
        cost[shared.sum(-1) == 0] = 1e6
        i, j = linear_sum_assignment(cost)
        matched = d[i, j]
        distances += matched[np.isfinite(matched)].tolist()
    distances = np.array(distances)
    # measured: 15 of 16 images, 98 % of shared parts within 3 image pixels, median 0.4 px
    assert same_count >= 14, f"person count equal on {same_count} of 16 images"
    assert np.median(distances) < 1.0
    assert (distances < 3.0).mean() >= 0.95, f"{(distances < 3.0).mean():.1%} of parts within 3 px"

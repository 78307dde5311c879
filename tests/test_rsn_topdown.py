"""Top-down geometry and heatmap decoding for RSN (actionpose.pose.rsn.topdown), on synthetic data."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from actionpose.pose.rsn import topdown as td
from actionpose.skeleton.layouts import COCO17

W, H = td.INPUT_SIZE          # 192, 256
HW, HH = td.HEATMAP_SIZE      # 48, 64


def gaussian_maps(centers: np.ndarray, size: tuple[int, int] = (HW, HH), sigma: float = 1.4,
                  peak: float = 255.0) -> np.ndarray:
    """Heatmaps ``(..., h, w)`` with one Gaussian blob at each ``centers[..., (x, y)]`` (sub-pixel)."""
    yy, xx = np.mgrid[0:size[1], 0:size[0]].astype(np.float64)
    cx, cy = centers[..., 0, None, None], centers[..., 1, None, None]
    return (peak * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma ** 2))).astype(np.float32)


# ------------------------------------------------------------------------------------ decoding
@pytest.mark.parametrize("sigma", [1.4, 2.0])  # 1.4: RSN's 7x7 training target; 2.0: a broader output
def test_decode_recovers_subpixel_peaks(sigma: float) -> None:
    rng = np.random.default_rng(1)
    true = np.stack([rng.uniform(3, HW - 4, (6, 17)), rng.uniform(3, HH - 4, (6, 17))], axis=-1)
    coords, maxvals = td.decode_heatmaps(gaussian_maps(true, sigma=sigma))
    assert coords.shape == (6, 17, 2) and maxvals.shape == (6, 17)
    err = np.abs(coords - true)
    assert err.max() <= 0.3, err.max()
    # the unblurred value at the arg-max pixel: at most half a pixel from the peak in x and y
    assert np.all(maxvals <= 255.0) and np.all(maxvals >= 255.0 * np.exp(-0.5 / (2 * sigma ** 2)) - 1e-3)
    # the quarter-pixel step does something: without it the error is the rounding error, up to 0.5
    unrefined = np.abs(td.decode_heatmaps(gaussian_maps(true, sigma=sigma), shift=0.0).coords - true)
    assert err.mean() < 0.75 * unrefined.mean()


def test_decode_refinement_directions() -> None:
    true = np.array([[[10.4, 20.0], [30.0, 40.0], [20.7, 33.6]]])   # right of a pixel; exact; left and up
    coords = td.decode_heatmaps(gaussian_maps(true)).coords[0]
    np.testing.assert_allclose(coords[0], [10.25, 20.0], atol=1e-9)
    np.testing.assert_allclose(coords[1], [30.0, 40.0], atol=1e-9)  # equal neighbours: no step
    np.testing.assert_allclose(coords[2], [20.75, 33.75], atol=1e-9)
    # the official rule steps only towards the single highest neighbour (here along x for the first)
    official = td.decode_heatmaps(gaussian_maps(true), refine="second_max").coords[0]
    np.testing.assert_allclose(official[0], [10.25, 20.0], atol=1e-9)
    assert np.abs(official[2] - true[0, 2]).max() <= 0.5
    with pytest.raises(ValueError):
        td.decode_heatmaps(gaussian_maps(true), refine="dark")


def test_decode_clips_to_map_and_handles_empty_input() -> None:
    coords, _ = td.decode_heatmaps(gaussian_maps(np.array([[[-3.0, 70.0]]])))
    assert 0 <= coords[0, 0, 0] <= HW - 1 and 0 <= coords[0, 0, 1] <= HH - 1
    # zero outside the map (the official 10-px zero border): the step points inwards
    np.testing.assert_allclose(coords[0, 0], [0.25, HH - 1.25])
    empty = td.decode_heatmaps(np.zeros((0, 17, HH, HW), dtype=np.float32))
    assert empty.coords.shape == (0, 17, 2) and empty.maxvals.shape == (0, 17)


def test_decode_matches_the_official_blur_and_argmax() -> None:
    """Per map, as the official code does: a 10-px zero border, cv2.GaussianBlur(5), arg-max."""
    rng = np.random.default_rng(5)
    heatmaps = rng.uniform(0, 1, (40, 17, HH, HW)).astype(np.float32)   # 680 maps: more than one cv2 call
    heatmaps[:, :, :, 0] += 0.5                                          # strong values on the border
    coords, maxvals = td.decode_heatmaps(heatmaps)
    for n, k in [(0, 0), (7, 3), (39, 16), (21, 9)]:
        padded = np.zeros((HH + 20, HW + 20), dtype=np.float32)
        padded[10:-10, 10:-10] = heatmaps[n, k]
        blurred = cv2.GaussianBlur(padded, (5, 5), 0)[10:-10, 10:-10]
        y, x = np.unravel_index(blurred.argmax(), blurred.shape)
        assert (round(coords[n, k, 0]), round(coords[n, k, 1])) == (x, y)
        assert maxvals[n, k] == heatmaps[n, k, y, x]
    # an edge peak is damped by the zero border: [10, 9.5, 5, 0, ...] peaks at x = 1, not 0
    edge = np.zeros((1, 1, HH, HW), dtype=np.float32)
    edge[..., 20:40, :3] = [10.0, 9.5, 5.0]
    assert round(td.decode_heatmaps(edge).coords[0, 0, 0]) == 1


def test_heatmap_to_input_official_mapping() -> None:
    np.testing.assert_allclose(td.heatmap_to_input(np.array([[0.0, 0.0], [47.0, 63.0], [10.25, 5.5]])),
                               [[2.0, 2.0], [190.0, 254.0], [43.0, 24.0]])


# ------------------------------------------------------------------------------------ geometry
def test_box_to_center_scale_exact_numbers() -> None:
    tall = td.box_to_center_scale([100, 50, 200, 350])          # 100 x 300 -> 109 x 340.5 -> width grows
    np.testing.assert_allclose(tall.center, [150.0, 200.0])
    np.testing.assert_allclose(tall.size, [340.5 * 0.75, 340.5])
    wide = td.box_to_center_scale([0, 0, 300, 100])             # 300 x 100 -> 327 x 113.5 -> height grows
    np.testing.assert_allclose(wide.center, [150.0, 50.0])
    np.testing.assert_allclose(wide.size, [327.0, 436.0])
    both = td.box_to_center_scale(np.array([[100, 50, 200, 350, 0.9], [0, 0, 300, 100, 0.4]]))
    np.testing.assert_allclose(both.size, [tall.size, wide.size])
    plain = td.box_to_center_scale([0, 0, 300, 100], enlarge=(1.0, 1.0))
    np.testing.assert_allclose(plain.size, [300.0, 400.0])
    with pytest.raises(ValueError):
        td.box_to_center_scale([0, 0, 1])


def test_crop_transform_and_inverse() -> None:
    center, size = np.array([150.0, 200.0]), np.array([255.375, 340.5])
    m = td.crop_transform(center, size)
    inv = td.crop_transform(center, size, inverse=True)
    corners = np.array([center - size / 2, center + size / 2, center])
    np.testing.assert_allclose(td.apply_affine(corners, m), [[0, 0], [W, H], [W / 2, H / 2]], atol=1e-9)
    pts = np.array([[10.0, 20.0], [333.3, -7.5]])
    np.testing.assert_allclose(td.apply_affine(td.apply_affine(pts, m), inv), pts, atol=1e-9)
    # batched matrices with a batch of point sets
    ms = td.crop_transform(np.stack([center, center + 10]), np.stack([size, size * 2]))
    assert ms.shape == (2, 2, 3)
    out = td.apply_affine(np.stack([pts, pts]), ms)
    np.testing.assert_allclose(out[0], td.apply_affine(pts, m))


def test_crop_places_content_where_the_transform_says() -> None:
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    point = np.array([312.3, 241.7])
    yy, xx = np.mgrid[0:480, 0:640]
    frame[..., 1] = np.round(255 * np.exp(-((xx - point[0]) ** 2 + (yy - point[1]) ** 2) / (2 * 4.0 ** 2)))
    center, size = td.box_to_center_scale([250, 150, 400, 400])
    patch = td.crop(frame, center, size).astype(np.float64)[..., 1]
    assert patch.shape == (H, W)
    cy, cx = np.mgrid[0:H, 0:W]
    found = np.array([(patch * cx).sum(), (patch * cy).sum()]) / patch.sum()
    expected = td.apply_affine(point[None], td.crop_transform(center, size))[0]
    assert np.abs(found - expected).max() < 0.2, (found, expected)


def test_crop_outside_the_frame_is_black() -> None:
    frame = np.full((100, 100, 3), 200, dtype=np.uint8)
    patch = td.crop(frame, [0.0, 0.0], [75.0, 100.0])          # the frame's corner is the crop's centre
    assert patch[10, 10].max() == 0 and patch[-10, -10].min() == 200


@pytest.mark.parametrize("box, tolerance", [
    ([300, 200, 370, 300], 0.5),     # a small person: < 0.5 frame px per crop px
    ([100, 40, 420, 470], None),     # a large one: the bound scales with the crop
])
def test_crop_decode_inverse_roundtrip(box: list[float], tolerance: float | None) -> None:
    """Frame point -> crop pixel -> heatmap pixel -> synthetic peak -> decode -> frame point."""
    rng = np.random.default_rng(7)
    center, size = td.box_to_center_scale(box)
    points = np.stack([rng.uniform(box[0], box[2], 17), rng.uniform(box[1], box[3], 17)], axis=-1)
    in_crop = td.apply_affine(points, td.crop_transform(center, size))
    in_heatmap = (in_crop - 2.0) / 4.0                          # inverse of the official x * 4 + 2
    heatmaps = gaussian_maps(in_heatmap[None])
    kps = td.decode_to_frame(heatmaps, center[None], size[None])
    assert kps.shape == (1, 17, 3) and kps.dtype == np.float32
    bound = tolerance if tolerance is not None else 0.3 * 4 * size[0] / W
    assert np.abs(kps[0, :, :2] - points).max() <= bound
    assert np.all(kps[0, :, 2] > 200)


def test_crop_boxes_batches_every_box() -> None:
    frame = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    crops = td.crop_boxes(frame, np.array([[10, 10, 100, 200, 0.8], [150, 20, 300, 230, 0.6]]))
    assert crops.images.shape == (2, H, W, 3) and crops.images.dtype == np.uint8 and len(crops) == 2
    np.testing.assert_allclose(crops.scores, [0.8, 0.6])
    np.testing.assert_array_equal(crops.images[1], td.crop(frame, crops.centers[1], crops.sizes[1]))
    assert td.crop_boxes(frame, np.array([[10, 10, 100, 200]])).scores.tolist() == [1.0]
    assert td.crop_boxes(frame, np.zeros((0, 5))).images.shape == (0, H, W, 3)


def test_batch_slices() -> None:
    assert [(s.start, s.stop) for s in td.batch_slices(70, 32)] == [(0, 32), (32, 64), (64, 70)]
    assert list(td.batch_slices(0, 8)) == []
    with pytest.raises(ValueError):
        list(td.batch_slices(3, 0))


# ------------------------------------------------------------------------------- normalisation
def test_normalize_bgr_official_and_rgb_preset() -> None:
    img = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    img[..., 0] = 0      # blue
    img[..., 1] = 255    # green
    img[..., 2] = 255    # red
    img[0, 1, 1] = (255, 0, 0)
    x = td.normalize(img)
    assert x.shape == (1, 3, 2, 2) and x.dtype == np.float32 and x.flags.c_contiguous
    np.testing.assert_allclose(x[0, :, 0, 0], [(0 - 0.406) / 0.225, (1 - 0.456) / 0.224, (1 - 0.485) / 0.229],
                               rtol=1e-6)
    np.testing.assert_allclose(x[0, :, 1, 1], [(1 - 0.406) / 0.225, (0 - 0.456) / 0.224, (0 - 0.485) / 0.229],
                               rtol=1e-6)
    rgb = td.normalize(img[0], rgb=True)                      # one crop without the batch axis
    np.testing.assert_allclose(rgb[0, :, 0, 0], [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (0 - 0.406) / 0.225],
                               rtol=1e-6)
    np.testing.assert_allclose(rgb, x[:, ::-1], rtol=1e-6)   # same statistics, channels reversed
    custom = td.normalize(img, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))
    np.testing.assert_allclose(custom[0, :, 0, 0], [-1.0, 1.0, 1.0])
    with pytest.raises(ValueError):
        td.normalize(np.zeros((4, 4), dtype=np.uint8))


# ----------------------------------------------------------------------------------- flip test
def _mirror_output(heatmaps: np.ndarray) -> np.ndarray:
    """What a perfect network gives for the mirrored crop: each map mirrored, under the other side's name."""
    names = COCO17.joints
    out = np.empty_like(heatmaps)
    for j, name in enumerate(names):
        other = name.replace("left", "#").replace("right", "left").replace("#", "right")
        out[:, j] = heatmaps[:, names.index(other), :, ::-1]
    return out


def test_flip_test_restores_an_asymmetric_pattern() -> None:
    rng = np.random.default_rng(3)
    true = np.stack([rng.uniform(2, 20, (2, 17)), rng.uniform(2, 60, (2, 17))], axis=-1)  # all in the left half
    heatmaps = gaussian_maps(true) + rng.uniform(0, 1, (2, 17, HH, HW)).astype(np.float32)
    mirrored = _mirror_output(heatmaps)
    np.testing.assert_allclose(td.flip_test(heatmaps, mirrored, COCO17.flip_permutation), heatmaps, rtol=1e-6)
    # without swapping the sides (or without mirroring) the pattern is not restored
    assert not np.allclose(td.flip_test(heatmaps, mirrored, np.arange(17)), heatmaps)
    assert not np.allclose((heatmaps + mirrored) / 2, heatmaps)
    with pytest.raises(ValueError):
        td.flip_test(heatmaps, mirrored[:1])


def test_flip_heatmaps_subpixel_shift() -> None:
    hm = np.zeros((1, 1, 1, 6), dtype=np.float32)
    hm[..., 2] = 1.0                                            # mirrored: column 3
    np.testing.assert_allclose(td.flip_heatmaps(hm, [0], shift=1)[0, 0, 0], [0, 0, 0, 0, 1, 0])
    np.testing.assert_allclose(td.flip_heatmaps(hm, [0], shift=-0.25)[0, 0, 0], [0, 0, 0.25, 0.75, 0, 0])


def test_flip_shift_geometry_of_rsn_decoding() -> None:
    """An ideal RSN (peak at (u - 2) / 4 for a joint at crop pixel u): un-flipped maps sit 1/4 px right."""
    u = np.linspace(40.3, 150.9, 17)
    xy = np.stack([u, np.full(17, 128.0)], axis=-1)
    plain = gaussian_maps(((xy - 2) / 4)[None], sigma=2.0)
    mirror_xy = np.stack([W - 1 - u, xy[:, 1]], axis=-1)         # np.flip of the crop: u -> 191 - u
    mirrored = gaussian_maps(((mirror_xy - 2) / 4)[None], sigma=2.0)  # no left/right here: identity permutation

    def bias(shift: float) -> float:
        avg = td.flip_test(plain, mirrored, np.arange(17), shift=shift)[0]
        xs = np.arange(HW)
        centroid = (avg.sum(axis=1) * xs).sum(axis=-1) / avg.sum(axis=(1, 2))
        return float(np.mean(centroid - (u - 2) / 4))

    assert abs(bias(0.0) - 0.125) < 0.02        # official: half an input pixel to the right
    assert abs(bias(-0.25)) < 0.02              # -1/stride removes it
    assert bias(1.0) > 0.6                      # HRNet's one-pixel shift would make it worse


# ------------------------------------------------------------------------------ scoring and NMS
def test_person_scores() -> None:
    joints = np.array([[0.1, 0.9, 0.7, 0.05], [0.1, 0.1, 0.0, 0.15]])
    np.testing.assert_allclose(td.person_scores([0.5, 1.0], joints), [0.5 * 0.8, 0.0])
    np.testing.assert_allclose(td.person_scores([0.5, 1.0], joints, min_joint_score=None),
                               [0.5 * 1.75 / 4, 0.35 / 4])


def _person(x: float, y: float, height: float = 300.0) -> np.ndarray:
    """A standing COCO-17 skeleton with its head at (x, y), scores 0.9."""
    rel = np.array([[0, 0], [-0.03, -0.02], [0.03, -0.02], [-0.06, 0], [0.06, 0], [-0.12, 0.15], [0.12, 0.15],
                    [-0.16, 0.32], [0.16, 0.32], [-0.18, 0.48], [0.18, 0.48], [-0.08, 0.52], [0.08, 0.52],
                    [-0.09, 0.75], [0.09, 0.75], [-0.1, 0.97], [0.1, 0.97]])
    return np.concatenate([np.array([x, y]) + rel * height, np.full((17, 1), 0.9)], axis=1)


def test_oks_nms_removes_near_duplicate_keeps_distinct_people() -> None:
    a = _person(200, 100)
    a_again = a.copy()
    a_again[:, :2] += np.random.default_rng(0).normal(0, 1.5, (17, 2))   # same person, second box
    b = _person(420, 110)
    kps = np.stack([a, a_again, b])
    keep = td.oks_nms(kps, np.array([0.8, 0.9, 0.7]))
    assert keep.tolist() == [1, 2]
    assert td.oks_nms(kps, np.array([0.8, 0.9, 0.7]), threshold=1.0).tolist() == [1, 0, 2]
    # low-confidence joints do not enter: a pose whose confident joints agree is still a duplicate
    noisy = a.copy()
    noisy[:5, :2] += 80.0
    noisy[:5, 2] = 0.05
    assert td.oks_nms(np.stack([a, noisy]), np.array([0.9, 0.8])).tolist() == [0]
    assert td.oks_nms(np.zeros((0, 17, 3)), np.zeros(0)).tolist() == []
    with pytest.raises(ValueError):
        td.oks_nms(kps, np.ones(2))

"""Keypoint layouts: definitions, flip pairs and conversion between any two of them."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from actionpose.errors import LayoutError
from actionpose.skeleton.layouts import (
    COCO17,
    H36M17,
    HOLISTIC,
    KeypointLayout,
    conversion_plan,
    get_layout,
    list_layouts,
    resolve_joint,
)

REQUIRED = {"coco17": 17, "coco18": 18, "body25": 25, "blazepose33": 33, "hand21": 21, "holistic": 75,
            "ntu25": 25, "h36m17": 17, "mpii16": 16, "lsp14": 14, "thingx14": 14}


@pytest.mark.parametrize("name,count", sorted(REQUIRED.items()))
def test_required_layouts_are_registered(name: str, count: int) -> None:
    layout = get_layout(name)
    assert layout.num_joints == count
    assert len(set(layout.joints)) == count


@pytest.mark.parametrize("name", list_layouts())
def test_bones_form_one_connected_skeleton(name: str) -> None:
    layout = get_layout(name)
    edges = layout.bone_indices
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(layout.num_joints,) * 2)
    n_parts, _ = connected_components(graph, directed=False)
    # two separate hands are the one layout that is meant to be in two pieces
    assert n_parts == (2 if name == "hands" else 1)


@pytest.mark.parametrize("name", list_layouts())
def test_flip_permutation_swaps_left_and_right(name: str) -> None:
    layout = get_layout(name)
    perm = layout.flip_permutation
    assert np.array_equal(perm[perm], np.arange(layout.num_joints))
    for i, j in layout.flip_pairs:
        assert layout.joints[i].replace("left", "right") == layout.joints[j]


def test_coco17_flip_pairs_are_the_standard_ones() -> None:
    assert COCO17.flip_pairs == ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))


def _random_pose(layout: KeypointLayout, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pose = np.concatenate([rng.uniform(0, 500, (layout.num_joints, 2)), rng.uniform(0.2, 1, (layout.num_joints, 1))],
                          axis=1)
    return pose.astype(np.float32)


def test_derived_joints_are_midpoints_with_the_weaker_score() -> None:
    pose = _random_pose(COCO17)
    body25 = conversion_plan(COCO17, get_layout("body25")).apply(pose)
    B = get_layout("body25")
    ls, rs = pose[COCO17.index("left_shoulder")], pose[COCO17.index("right_shoulder")]
    neck = body25[B.index("neck")]
    np.testing.assert_allclose(neck[:2], (ls[:2] + rs[:2]) / 2, rtol=1e-6)
    assert neck[2] == pytest.approx(min(ls[2], rs[2]))
    lh, rh = pose[COCO17.index("left_hip")], pose[COCO17.index("right_hip")]
    np.testing.assert_allclose(body25[B.index("mid_hip")][:2], (lh[:2] + rh[:2]) / 2, rtol=1e-6)


def test_underivable_joints_are_nan_with_zero_score() -> None:
    out = conversion_plan(COCO17, get_layout("body25")).apply(_random_pose(COCO17))
    heel = get_layout("body25").index("left_heel")
    assert np.isnan(out[heel, :2]).all() and out[heel, 2] == 0
    assert "head_top" in conversion_plan(COCO17, H36M17).missing


def test_recursive_derivation_weighs_each_part_equally() -> None:
    pose = _random_pose(COCO17)
    out = conversion_plan(COCO17, H36M17).apply(pose)
    pelvis = (pose[11, :2] + pose[12, :2]) / 2
    thorax = (pose[5, :2] + pose[6, :2]) / 2
    np.testing.assert_allclose(out[H36M17.index("spine"), :2], (pelvis + thorax) / 2, rtol=1e-5)
    np.testing.assert_allclose(out[H36M17.index("thorax"), :2], thorax, rtol=1e-6)


def test_missing_source_joint_propagates() -> None:
    pose = _random_pose(COCO17)
    pose[COCO17.index("left_shoulder")] = [np.nan, np.nan, 0]
    out = conversion_plan(COCO17, get_layout("coco18")).apply(pose)
    neck = out[get_layout("coco18").index("neck")]
    assert np.isnan(neck[:2]).all() and neck[2] == 0


def test_round_trip_through_a_richer_layout_is_exact() -> None:
    pose = _random_pose(COCO17)
    there = conversion_plan(COCO17, get_layout("body25")).apply(pose)
    back = conversion_plan(get_layout("body25"), COCO17).apply(there)
    np.testing.assert_array_equal(back, pose)


def test_holistic_hands_convert_by_name() -> None:
    pose = _random_pose(HOLISTIC)
    hands = conversion_plan(HOLISTIC, get_layout("hands")).apply(pose)
    np.testing.assert_array_equal(hands, pose[33:])
    body25 = conversion_plan(HOLISTIC, get_layout("body25_hands")).apply(pose)
    assert not np.isnan(body25[25:, :2]).any()


@pytest.mark.parametrize("src,dst", list(itertools.permutations(sorted(REQUIRED), 2)))
def test_every_pair_converts(src: str, dst: str) -> None:
    source, target = get_layout(src), get_layout(dst)
    data = np.stack([_random_pose(source, 1), _random_pose(source, 2)])  # (2, K, 3)
    out = conversion_plan(source, target).apply(data)
    assert out.shape == (2, target.num_joints, 3)
    missing = np.isnan(out[..., :2]).any(axis=-1)
    assert np.all(out[..., 2][missing] == 0)
    assert np.all(out[..., 2][~missing] > 0)
    for joint in target.joints:
        if joint in source:  # exact copies
            np.testing.assert_array_equal(out[:, target.index(joint)], data[:, source.index(joint)])


def test_derivations_used_by_tasks() -> None:
    assert resolve_joint(COCO17, "pelvis") == (11, 12)
    assert resolve_joint(get_layout("body25"), "pelvis") == (8,)
    assert resolve_joint(get_layout("hand21"), "pelvis") == ()


def test_layout_errors_and_serialisation() -> None:
    with pytest.raises(LayoutError):
        get_layout("no-such-layout")
    with pytest.raises(LayoutError):
        KeypointLayout("bad", ("a", "a"))
    with pytest.raises(LayoutError):
        KeypointLayout("bad", ("a", "b"), (("a", "c"),))
    assert KeypointLayout.from_dict(HOLISTIC.to_dict()) == HOLISTIC
    assert get_layout("COCO") is COCO17

"""Window features (angles, coordinates, velocities, statistics) and the scikit-learn models on them."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from actionpose.features import feature_names, window_features
from actionpose.features.angles import angle_between, angle_features, inclination
from actionpose.features.kinematics import STATS, time_stats, velocities
from actionpose.models.sklearn import SKLEARN_MODELS, make_sklearn_model
from actionpose.skeleton.layouts import BLAZEPOSE33, COCO17, HAND21, HOLISTIC, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.train.windows import normalize_windows

#: a COCO-17 person with a right angle at the left elbow, straight legs and an upright trunk (y down)
POSE = {
    "nose": (0, -1.4), "left_eye": (0.1, -1.5), "right_eye": (-0.1, -1.5), "left_ear": (0.2, -1.4),
    "right_ear": (-0.2, -1.4), "left_shoulder": (0.4, -1), "right_shoulder": (-0.4, -1),
    "left_elbow": (0.4, -0.5), "left_wrist": (0.9, -0.5), "right_elbow": (-0.4, -0.5), "right_wrist": (-0.4, 0),
    "left_hip": (0.2, 0), "right_hip": (-0.2, 0), "left_knee": (0.2, 0.5), "right_knee": (-0.2, 0.5),
    "left_ankle": (0.2, 1), "right_ankle": (-0.2, 1),
}


def windows(frames: int = 1, n: int = 1, velocity: tuple[float, float] = (0, 0), layout: str = "coco17") -> np.ndarray:
    """``(n, frames, 1, K, 3)`` normalised windows of :data:`POSE` moving at ``velocity`` per frame."""
    pose = np.array([POSE[j] for j in COCO17.joints], np.float32)
    data = np.ones((frames, 1, 17, 3), np.float32)
    data[..., :2] = pose + np.asarray(velocity, np.float32) * np.arange(frames)[:, None, None, None]
    seq = PoseSequence(data, COCO17, 10).convert(layout)
    return normalize_windows(np.repeat(seq.data[None], n, axis=0), seq.layout)


def column(F: np.ndarray, layout, name: str) -> np.ndarray:
    return F[:, feature_names(layout).index(name)]


def test_angles_exact_on_a_hand_made_pose() -> None:
    F = window_features(windows(), COCO17, fps=10)
    assert column(F, COCO17, "angle.left_elbow.mean")[0] == pytest.approx(90)
    assert column(F, COCO17, "angle.right_elbow.mean")[0] == pytest.approx(180)
    assert column(F, COCO17, "angle.left_knee.mean")[0] == pytest.approx(180)
    assert column(F, COCO17, "incl.trunk.mean")[0] == pytest.approx(0, abs=1e-4)
    # upper arm straight down, shoulder to hip 0.2 inwards over 1 down
    assert column(F, COCO17, "angle.left_shoulder.min")[0] == pytest.approx(np.degrees(np.arctan2(0.2, 1.0)), abs=1e-3)
    assert angle_between(np.array([1.0, 0]), np.zeros(2), np.array([0, 1.0])) == pytest.approx(90)
    assert np.isnan(angle_between(np.zeros(2), np.zeros(2), np.ones(2)))
    assert inclination(np.zeros(2), np.array([1.0, 0])) == pytest.approx(90)      # lying
    assert inclination(np.zeros(2), np.array([0, 1.0])) == pytest.approx(180)     # upside down


@pytest.mark.parametrize("layout", ["coco17", "blazepose33", "body25", "hand21", "hands", "holistic", "ntu25"])
def test_names_match_columns(layout: str) -> None:
    lay = get_layout(layout)
    X = np.zeros((3, 4, 2, lay.num_joints, 3), np.float32)
    F = window_features(X, lay, fps=30)
    assert F.shape == (3, len(feature_names(lay, people=2))) and F.dtype == np.float32
    names = feature_names(lay)
    assert len(set(names)) == len(names) and all(n.rsplit(".", 1)[1] in STATS for n in names)
    assert feature_names(lay, people=2)[len(names)].startswith("p1.")


def test_features_finite_where_joints_exist() -> None:
    F = window_features(windows(frames=5, velocity=(0.1, 0)), COCO17, fps=10)
    finite = dict(zip(feature_names(COCO17), np.isfinite(F[0])))
    # COCO-17 has no foot tips, so only the ankle angles are undefined
    assert sorted({n.rsplit(".", 1)[0] for n, ok in finite.items() if not ok}) == ["angle.left_ankle",
                                                                                   "angle.right_ankle"]


def test_same_pose_same_features_across_layouts() -> None:
    coco = window_features(windows(frames=6, velocity=(0.05, 0.02)), COCO17, fps=10)
    blaze = window_features(windows(frames=6, velocity=(0.05, 0.02), layout="blazepose33"), BLAZEPOSE33, fps=10)
    assert feature_names(COCO17) == feature_names(BLAZEPOSE33)
    np.testing.assert_allclose(coco, blaze, rtol=1e-5, atol=1e-5, equal_nan=True)


def test_velocities_in_torso_units_per_second_and_static_windows() -> None:
    F = window_features(windows(frames=4, velocity=(0.1, 0)), COCO17, fps=25)
    # the pose is 1 torso long (neck to pelvis), so 0.1 per frame at 25 fps is 2.5 torso/s
    assert column(F, COCO17, "vx.left_wrist.mean")[0] == pytest.approx(2.5, rel=1e-4)
    assert column(F, COCO17, "speed.centre.max")[0] == pytest.approx(2.5, rel=1e-4)
    # the centre's path keeps the global motion; joints relative to it keep only the posture
    assert column(F, COCO17, "x.centre.delta")[0] == pytest.approx(0.3, rel=1e-4)
    assert column(F, COCO17, "x.left_wrist.std")[0] == pytest.approx(0, abs=1e-5)
    assert column(F, COCO17, "x.left_wrist.mean")[0] == pytest.approx(0.9, rel=1e-4)
    static = window_features(windows(frames=1, n=2), COCO17, fps=25)
    assert static.shape == (2, len(feature_names(COCO17)))
    assert column(static, COCO17, "speed.left_wrist.mean").tolist() == [0, 0]
    assert velocities(np.full((1, 1, 2), np.nan), 10).shape == (1, 1, 3)


def test_time_stats_skip_missing_values() -> None:
    values = np.array([[np.nan], [1.0], [3.0], [np.nan]])[None]
    np.testing.assert_allclose(time_stats(values)[0, 0], [2.0, 1.0, 1.0, 3.0, 2.0])
    assert np.isnan(time_stats(np.full((1, 3, 1), np.nan))).all()


def test_missing_joints_give_nan_angles_and_hand_angles() -> None:
    X = windows()
    X[..., 9, :] = 0   # left wrist missing
    angles, names = angle_features(X, COCO17)
    assert np.isnan(angles[..., names.index("angle.left_elbow")]).all()
    hand = np.zeros((1, 1, 1, 21, 3), np.float32)
    hand[..., -1] = 1
    for finger in ("index_finger", "middle_finger"):
        for i, part in enumerate(("mcp", "pip", "dip", "tip")):
            hand[..., HAND21.index(f"{finger}_{part}"), 1] = -(i + 1)     # straight up from the wrist at 0
    angles, names = angle_features(hand, HAND21)
    assert angles[..., names.index("angle.index_finger_pip")] == pytest.approx(180)
    assert "angle.left_hand_thumb_ip" in angle_features(np.zeros((1, 1, 1, 75, 3)), HOLISTIC)[1]


@pytest.mark.parametrize("name", SKLEARN_MODELS)
def test_each_sklearn_model_fits_two_classes(name: str) -> None:
    rng = np.random.default_rng(0)
    still = windows(frames=8, n=20)
    moving = windows(frames=8, n=20, velocity=(0.08, 0))
    X = np.concatenate([still, moving]) + rng.normal(0, 0.02, (40,) + still.shape[1:]).astype(np.float32)
    X[..., -1] = 1
    F = window_features(X, COCO17, fps=10)
    y = np.array(["still"] * 20 + ["walk"] * 20)
    # one OpenMP thread: on a loaded 2-core machine gradient boosting's threads thrash (12 s instead of 0.2 s);
    # COCO-17 has no foot tips, so the ankle-angle columns are all NaN (gb must cope)
    with threadpool_limits(1):
        model = make_sklearn_model(name, seed=1).fit(F[::2], y[::2])
    assert model.score(F[1::2], y[1::2]) >= 0.9
    assert model.predict_proba(F[:2]).shape == (2, 2)


def test_unknown_model() -> None:
    with pytest.raises(ValueError, match="rf"):
        make_sklearn_model("svm")

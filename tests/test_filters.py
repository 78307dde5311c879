"""Gap filling and One-Euro smoothing on synthetic trajectories with a known truth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from actionpose.skeleton.filters import OneEuroFilter, fill_gaps, smooth, track_scale
from actionpose.skeleton.layouts import COCO17, HAND21, KeypointLayout
from actionpose.skeleton.sequence import PoseSequence

FPS = 30.0
# a frontal COCO-17 stick figure in torso units: pelvis at the origin, neck at (0, -1)
FIGURE = np.array([(0, -1.5), (0.07, -1.57), (-0.07, -1.57), (0.15, -1.52), (-0.15, -1.52), (0.35, -1.0),
                   (-0.35, -1.0), (0.45, -0.55), (-0.45, -0.55), (0.5, -0.1), (-0.5, -0.1), (0.2, 0.0),
                   (-0.2, 0.0), (0.22, 0.85), (-0.22, 0.85), (0.22, 1.7), (-0.22, 1.7)])


def person(pelvis: np.ndarray, torso: float = 50.0) -> np.ndarray:
    """``(T, 17, 2)`` clean joint positions of a rigid figure whose pelvis follows ``pelvis`` ``(T, 2)``."""
    return pelvis[:, None, :] + torso * FIGURE[None]


def sequence(xy: np.ndarray, times: np.ndarray | None = None, score: float = 0.9, layout=COCO17) -> PoseSequence:
    """A one-person sequence from ``(T, K, 2 or 3)`` coordinates (several people: ``(T, P, K, ...)``)."""
    xy = xy if xy.ndim == 4 else xy[:, None]
    data = np.concatenate([xy, np.full(xy.shape[:-1] + (1,), score)], axis=-1)
    return PoseSequence(data, layout, FPS, timestamps=times)


def rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean(np.square(a))))


# ------------------------------------------------------------------ fill_gaps
def test_fill_gaps_fills_a_short_gap_exactly_on_a_linear_trajectory() -> None:
    T = 30
    t = np.arange(T) / FPS
    truth = person(np.stack([100 + 90 * t, 300 - 30 * t], -1))
    z = np.broadcast_to((2.0 - t)[:, None, None], (T, 17, 1))
    seq = sequence(np.concatenate([truth, z], -1))                   # C = 4: z is filled as well
    seq.data[:, 0, :, -1] = np.linspace(0.9, 0.6, T)[:, None]         # scores fall over time
    holed = seq.copy()
    holed.data[10:13, 0, :, :] = np.nan                              # 3 frames missing
    holed.data[10:13, 0, :, -1] = 0
    holed.data[20:22, 0, 5, :] = np.nan                              # one joint missing 2 frames
    holed.data[20:22, 0, 5, -1] = 0
    filled = fill_gaps(holed)
    np.testing.assert_allclose(filled.data[..., :-1], seq.data[..., :-1], atol=1e-3)
    # a filled joint scores the lower of its two neighbours
    np.testing.assert_allclose(filled.scores[10:13, 0], np.broadcast_to(seq.scores[13, 0], (3, 17)))
    np.testing.assert_allclose(filled.scores[20:22, 0, 5], seq.scores[22, 0, 5])
    assert filled.meta["filters"][-1]["step"] == "fill_gaps" and filled.meta["filters"][-1]["filled"] == 3 * 17 + 2
    assert np.isnan(holed.data[10, 0, 0, 0])                         # the input is left alone


def test_fill_gaps_leaves_long_gaps_and_the_ends_alone() -> None:
    T = 60
    t = np.arange(T) / FPS
    seq = sequence(person(np.stack([100 + 60 * t, 300 + 0 * t], -1)))
    missing = np.zeros(T, bool)
    missing[:4] = missing[20:40] = missing[-3:] = True                # start, 0.67 s in the middle, end
    seq.data[missing, 0, :, :2] = np.nan
    seq.data[missing, 0, :, -1] = 0
    filled = fill_gaps(seq, max_gap_s=0.25)
    assert np.isnan(filled.data[missing, 0, :, :2]).all() and (filled.scores[missing] == 0).all()
    assert filled.meta["filters"][-1]["filled"] == 0


def test_fill_gaps_uses_time_not_frame_counts() -> None:
    # 6 missing frames at 30 fps span 7/30 s <= 0.25 s and are filled; 7 missing (8/30 s) are not
    T = 40
    t = np.arange(T) / FPS
    seq = sequence(person(np.stack([100 + 60 * t, 300 + 0 * t], -1)))
    seq.data[5:11, 0, :, :2] = np.nan                                   # 6 frames
    seq.data[20:27, 0, :, :2] = np.nan                                  # 7 frames
    filled = fill_gaps(seq)
    assert np.isfinite(filled.data[5:11, 0, :, :2]).all()
    assert np.isnan(filled.data[20:27, 0, :, :2]).all()
    # irregular timestamps: values follow time, so a dropped frame does not bend the line
    times = np.array([0.0, 0.05, 0.10, 0.30, 0.32, 0.34])
    xy = person(np.stack([10 * times, 5 * times], -1) * 100)
    seq = sequence(xy, times=times)
    seq.data[1:3, 0, :, :2] = np.nan
    seq.data[4, 0, :, :2] = np.nan
    np.testing.assert_allclose(fill_gaps(seq, max_gap_s=0.5).data[..., :2], xy[:, None], atol=1e-3)


def reference_fill(t: np.ndarray, x: np.ndarray, ok: np.ndarray, max_gap_s: float) -> np.ndarray:
    """A plain loop over one series, the oracle for the vectorised fill_gaps."""
    out = np.where(ok, x, np.nan)
    valid = np.flatnonzero(ok)
    for lo, hi in zip(valid[:-1], valid[1:]):
        if hi - lo > 1 and t[hi] - t[lo] <= max_gap_s + 1e-9:
            span = t[hi] - t[lo]
            w = (t[lo + 1:hi] - t[lo]) / span if span > 0 else 0.0   # repeated timestamps: the earlier value
            out[lo + 1:hi] = (1 - w) * x[lo] + w * x[hi]
    return out


@settings(max_examples=60, deadline=None)
@given(values=hnp.arrays(np.float64, (24, 2, 3), elements=st.floats(-1e3, 1e3)),
       missing=hnp.arrays(np.bool_, (24, 2, 3)), max_gap_s=st.floats(0.0, 0.5),
       steps=hnp.arrays(np.float64, 24, elements=st.sampled_from([0.0, 1 / 60, 1 / 30, 0.1])))
def test_fill_gaps_matches_a_reference_and_never_changes_valid_values(values, missing, max_gap_s, steps) -> None:
    times = np.cumsum(steps)
    data = np.zeros((24, 2, 3, 3), np.float32)
    data[..., 0] = values
    data[..., 1] = -values
    data[..., 2] = np.where(missing, 0.0, 0.5)
    data[missing, :2] = np.nan
    seq = PoseSequence(data, KeypointLayout("tri", ("a", "b", "c")), FPS, timestamps=times)
    out = fill_gaps(seq, max_gap_s=max_gap_s)
    np.testing.assert_array_equal(out.data[~missing], seq.data[~missing])
    x = seq.data[..., 0].astype(np.float64)
    for p in range(2):
        for k in range(3):
            expected = reference_fill(times, x[:, p, k], ~missing[:, p, k], max_gap_s)
            np.testing.assert_allclose(out.data[:, p, k, 0], expected, rtol=1e-5, atol=1e-3)
    filled = missing & np.isfinite(out.data[..., 0])
    assert (out.scores[filled] == 0.5).all() and (out.scores[missing & ~filled] == 0).all()
    np.testing.assert_array_equal(out.data[..., 1], -out.data[..., 0])


# -------------------------------------------------------------- OneEuroFilter
def test_one_euro_nan_resets_only_that_element() -> None:
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    assert np.array_equal(f(np.array([0.0, 0.0]), 0.0), [0.0, 0.0])   # first call passes through
    out = f(np.array([1.0, 1.0]), 1 / FPS)
    assert 0 < out[0] < 0.5 and out[0] == out[1]                      # smoothed
    out = f(np.array([np.nan, 2.0]), 2 / FPS)
    assert np.isnan(out[0]) and 0 < out[1] < 2.0
    out = f(np.array([5.0, 3.0]), 3 / FPS)
    assert out[0] == 5.0 and out[1] < 3.0                             # restarted vs still smoothing
    assert f(np.array([7.0, 7.0]), 3 / FPS).tolist() == out.tolist()  # same instant: previous output
    with pytest.raises(ValueError):
        f(np.array([1.0, 1.0]), 0.0)                                   # time going back
    with pytest.raises(ValueError):
        f(np.zeros(3), 1.0)                                            # shape change
    f.reset()
    assert f(np.zeros(3), 0.0).shape == (3,)
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)


def test_one_euro_is_exact_on_constants_and_keeps_float32() -> None:
    f = OneEuroFilter(min_cutoff=1.0, beta=4.0)
    x = np.full((4, 17, 2), 123.25, np.float32)
    outs = [f(x, i / FPS) for i in range(10)]
    assert all(o.dtype == np.float32 and np.array_equal(o, x) for o in outs)


def test_one_euro_follows_the_paper_recursion() -> None:
    """One step by hand: alpha = r / (r + 1), r = 2 pi f dt; cutoff = min_cutoff + beta |dx_hat|."""
    f = OneEuroFilter(min_cutoff=1.0, beta=0.5, d_cutoff=2.0)
    f(np.array([0.0]), 0.0)
    dt = 0.1
    alpha = lambda fc: 2 * np.pi * fc * dt / (2 * np.pi * fc * dt + 1)
    dx = alpha(2.0) * (1.0 / dt)
    expected = alpha(1.0 + 0.5 * dx) * 1.0
    assert f(np.array([1.0]), dt)[0] == pytest.approx(expected)


# --------------------------------------------------------------------- smooth
def jittery_standing(noise: float, seed: int = 0, torso: float = 50.0, T: int = 150, sway: float = 0.2):
    """A person swaying slowly (0.25 Hz, ``sway`` torso) with white jitter of ``noise`` torso lengths."""
    t = np.arange(T) / FPS
    truth = person(np.stack([320 + sway * torso * np.sin(2 * np.pi * 0.25 * t), 240 + 0 * t], -1), torso)
    rng = np.random.default_rng(seed)
    return truth, truth + rng.normal(0, noise * torso, truth.shape)


# Measured with the defaults (min_cutoff 1, beta 4) at 3 % jitter, seeds 0-7, ratio smoothed / raw:
#   standing still:  RMS position error 0.455-0.477, RMS frame-to-frame jitter 0.219-0.225
#   swaying slowly:  RMS position error 0.519-0.544, RMS frame-to-frame jitter 0.263-0.271
@pytest.mark.parametrize("sway, position_floor, jitter_floor", [(0.0, 0.5, 0.25), (0.2, 0.58, 0.3)])
def test_smooth_reduces_jitter_by_a_clear_factor(sway: float, position_floor: float, jitter_floor: float) -> None:
    for seed in range(3):
        truth, noisy = jittery_standing(noise=0.03, seed=seed, sway=sway)
        out = smooth(sequence(noisy))
        smoothed = out.xy[:, 0]
        assert rms(smoothed[10:] - truth[10:]) < position_floor * rms(noisy[10:] - truth[10:])
        jitter = lambda y, truth=truth: rms(np.diff(y - truth, axis=0)[10:])
        assert jitter(smoothed) < jitter_floor * jitter(noisy)
    assert out.meta["filters"][-1] == {"step": "smooth", "min_cutoff": 1.0, "beta": 4.0, "d_cutoff": 1.0}
    np.testing.assert_array_equal(out.scores, sequence(noisy).scores)


def test_smooth_lag_on_fast_linear_motion_is_small() -> None:
    torso, v = 50.0, 5.0                                            # 5 torsos/s: 250 px/s, a fall's speed
    t = np.arange(60) / FPS
    truth = person(np.stack([100 + v * torso * t, 300 + 0 * t], -1), torso)
    noisy = truth + np.random.default_rng(1).normal(0, 0.01 * torso, truth.shape)
    out = smooth(sequence(noisy)).xy[:, 0]
    lag = np.mean((truth - out)[20:, :, 0]) / torso                  # torso lengths behind, steady state
    # continuous-time theory v / (2 pi (min_cutoff + beta v)) = 0.038 torso; measured 0.032 (6.4 ms)
    assert 0 < lag < 0.05
    assert lag / v < 0.012                                           # seconds: well under a frame
    # a plain low-pass at the same rest cutoff (beta = 0) trails 0.16 s (0.79 torso) behind
    slow = smooth(sequence(noisy), beta=0.0).xy[:, 0]
    assert np.mean((truth - slow)[20:, :, 0]) / torso > 10 * lag


def test_smooth_is_independent_of_resolution_and_person_size() -> None:
    truth, noisy = jittery_standing(noise=0.03, seed=4)
    small = smooth(sequence(noisy))
    big = smooth(sequence(3.0 * noisy))                              # the same clip at 3x the resolution
    np.testing.assert_allclose(big.xy, 3.0 * small.xy, rtol=1e-5, atol=1e-3)
    assert track_scale(sequence(3.0 * noisy))[0] == pytest.approx(3 * track_scale(sequence(noisy))[0])
    rel_small = rms(small.xy[10:, 0] - truth[10:]) / rms(noisy[10:] - truth[10:])
    rel_big = rms(big.xy[10:, 0] - 3 * truth[10:]) / rms(3 * noisy[10:] - 3 * truth[10:])
    assert rel_big == pytest.approx(rel_small, rel=1e-4)
    # without the per-track scale, the filter would smooth the two very differently
    raw = [OneEuroFilter(1.0, 4.0) for _ in range(2)]
    px = np.stack([raw[0](x, i / FPS) for i, x in enumerate(noisy)])
    px3 = np.stack([raw[1](3 * x, i / FPS) for i, x in enumerate(noisy)])
    assert not np.allclose(px3, 3 * px, rtol=1e-2)


def test_smooth_handles_several_tracks_absent_frames_z_and_hands() -> None:
    truth, noisy = jittery_standing(noise=0.03, T=60)
    two = np.stack([noisy, noisy * 0.5], axis=1)                      # two people, different sizes
    seq = sequence(np.concatenate([two, np.full((60, 2, 17, 1), 5.0)], -1))
    seq.data[30:35, 1] = np.nan                                      # person 2 absent for 5 frames
    seq.data[30:35, 1, :, -1] = 0
    out = smooth(seq)
    assert np.isnan(out.data[30:35, 1, :, :3]).all() and np.isfinite(out.data[35, 1, :, :3]).all()
    np.testing.assert_allclose(out.data[35, 1, :, :2], seq.data[35, 1, :, :2])   # restarts from the raw value
    present = np.isfinite(out.z)
    assert present.sum() == 60 * 2 * 17 - 5 * 17
    np.testing.assert_allclose(out.z[present], 5.0, rtol=1e-6)      # a constant z stays put
    np.testing.assert_allclose(track_scale(seq), [50.0, 25.0], rtol=0.05)
    # a hand has no torso: the scale is the larger side of the keypoint box
    hand = np.random.default_rng(0).normal(0, 1, (20, 21, 2)) + np.linspace(0, 80, 21)[None, :, None] * [1, 0.5]
    hseq = sequence(hand, layout=HAND21)
    assert track_scale(hseq)[0] == pytest.approx(np.median(np.ptp(hand[..., 0], axis=1)), rel=1e-5)
    assert np.isfinite(smooth(hseq).xy).all()

"""Falls in the dark: dark frames are brightened before detection (actionpose.pose.mediapipe.lowlight), and a
real fall clip darkened here is still caught."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from actionpose.pose.mediapipe.lowlight import LowLight, brightness, darken_video, normalise_dark


def _frame(level: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(level, 0.3 * level + 1, (120, 160, 3)), 0, 255).astype(np.uint8)


def test_dark_frames_are_brightened_normal_ones_untouched():
    ll = LowLight()
    normal = _frame(120)
    assert ll(normal) is normal and not ll.dark
    dark = _frame(20)
    out = ll(dark)
    assert ll.dark and ll.frames == 1 and out.shape == dark.shape and out.dtype == np.uint8
    assert 90 < brightness(out) < 130 < brightness(normal) + 20
    # a linear gain keeps the order of the pixels (the look the pose models know)
    flat_in, flat_out = dark.reshape(-1).astype(int), out.reshape(-1).astype(int)
    assert (np.diff(flat_out[np.argsort(flat_in, kind="stable")]) >= 0).all()


def test_hysteresis_keeps_a_flickering_scene_on_one_side():
    ll = LowLight(dark_level=60)
    ll(_frame(40))
    assert ll.dark
    ll(_frame(65))                                          # over 60 but under 70: still dark
    assert ll.dark
    ll(_frame(90))
    assert not ll.dark


def test_gain_is_bounded():
    black = np.full((24, 32, 3), 2, np.uint8)
    assert normalise_dark(black, brightness(black)).max() <= 2 * 8 + 1


@pytest.mark.slow
def test_a_real_fall_in_a_darkened_room_is_caught(data_file, tmp_path):
    """GMDCSA24 Subject_2/Fall/13 (fall labelled 2.5-8 s) darkened to a mean brightness of about 30."""
    from actionpose.pipeline import ExtractOptions, extract_poses
    from actionpose.tasks.falls import detect_falls

    video = tmp_path / "dark.mp4"
    assert 20 < darken_video(data_file("falls/gmdcsa24/Subject_2/Fall/13.mp4"), video, 0.25, 3.0) < 45
    seq = extract_poses(video)
    plain = extract_poses(video, ExtractOptions(backend_options={"low_light": False}))
    seen, seen_plain = seq.present.any(axis=1).mean(), plain.present.any(axis=1).mean()
    assert seen > 0.85 and seen > seen_plain + 0.3        # measured 0.95 against 0.48
    (ev,) = detect_falls(seq).events   # without the gain: alert 5.02 s, since the tracker holds the lost person
    assert 2.5 <= ev.impact_s <= 8.0 and ev.confirmed_s - 2.5 < 2.5   # measured impact 3.28 s, alert 4.48 s


def test_the_backend_brightens_dark_frames_by_default():
    from actionpose.pose import create_backend

    with create_backend("mediapipe") as backend:
        assert backend.meta["low_light"] is True
        backend(cv2.cvtColor(_frame(20), cv2.COLOR_RGB2BGR), 0.0)
        assert backend._low_light.frames == 1
    with create_backend("mediapipe", low_light=False) as backend:
        assert backend.meta["low_light"] is False

"""Signs on the shared real data (skipped when absent); floors a little under the measured figures.

Measured with ``python benchmarks/signs_acceptance.py``: ASL 75/25 96.5 %, hand gestures 75/25
92.8 %, photos with a hand found 38/40, leave-one-signer-out on hello/thanks 0.983 / 0.967 / 1.000;
non-sign photo hands rejected 72.1 % by the 75 % model, 93.0 % by the shipped one; the kit's letter
shapes of another person read as their letter 80.4 % / 57.2 %.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from actionpose.datasets import load_asl_alphabet, load_hand_gestures, load_holistic_signs
from actionpose.datasets.asl_alphabet import split_in_time
from actionpose.tasks.signs import DynamicSignClassifier, StaticSignClassifier, load_builtin, transcribe


@pytest.fixture(scope="module")
def asl(data_file):
    return load_asl_alphabet(data_file("signs/asl_alphabet/asl_alphabet_landmarks.npz"))


@pytest.mark.slow  # about 12-14 s here (trains the 26-letter model)
def test_asl_alphabet_temporal_split_and_look_alikes(asl) -> None:
    assert len(asl) == 26 and sum(c.seq.num_frames for c in asl) == 8399
    Xtr, ytr, Xte, yte = split_in_time(asl)
    pred = StaticSignClassifier().fit(Xtr, ytr).predict(Xte)
    assert (pred == yte).mean() >= 0.94  # measured 0.9647
    letters = sorted(set(ytr))
    cm = confusion_matrix(yte, pred, labels=letters)
    for a, b in [("M", "N"), ("U", "V"), ("A", "S"), ("E", "S"), ("K", "V")]:
        i, j = letters.index(a), letters.index(b)
        assert cm[i, j] + cm[j, i] <= 4, (a, b, cm[i, j], cm[j, i])  # measured 0 for each pair


def test_builtin_model_reads_the_alphabet_as_a_transcript(asl) -> None:
    from actionpose.skeleton.sequence import PoseSequence

    clf = load_builtin()
    # the last 40 frames of C, then of L, then of Y as one stream
    data = np.concatenate([c.seq.data[-40:] for c in asl if c.label in ("C", "L", "Y")])
    events = transcribe(clf, PoseSequence(data, "hand21", 30.0))
    assert [e.label for e in events] == ["C", "L", "Y"]
    assert events[1].start_s == pytest.approx(40 / 30, abs=0.1)


def test_hand_gestures_held_out(data_file) -> None:
    clips = load_hand_gestures(data_file("signs/hand_gestures"))
    assert [c.label for c in clips] == ["Open", "Close", "Pointer"]
    Xtr, ytr, Xte, yte = split_in_time(clips)
    assert (StaticSignClassifier().fit(Xtr, ytr).predict(Xte) == yte).mean() >= 0.90  # measured 0.9218


def test_holistic_signs_leave_one_signer_out(data_file) -> None:
    clips = load_holistic_signs(data_file("signs/holistic_sequences"))
    groups = np.array([c.group for c in clips])
    labels = np.array([c.label for c in clips])
    keep = np.isin(labels, ["hello", "thanks"])
    hits = {}
    for signer in sorted(set(groups)):
        train, test = keep & (groups != signer), keep & (groups == signer)
        clf = DynamicSignClassifier().fit([c.seq for c, k in zip(clips, train) if k], labels[train],
                                          groups=groups[train])
        hits[signer] = (clf.predict([c.seq for c, k in zip(clips, test) if k]) == labels[test]).mean()
    # measured 0.983, 0.967, 1.000 (benchmarks/signs_acceptance.py; cross-signer augmentation)
    assert hits["signer_AbtgCoder"] >= 0.93 and hits["signer_IlkerDEMIR-s"] >= 0.93
    assert hits["signer_Lolkink1_6signs"] >= 0.8  # its hands are missing in about half the frames


@pytest.mark.slow  # about 12-14 s here (trains the 26-letter model)
def test_asl_model_rejects_non_sign_hands_and_keeps_letters(asl, data_file) -> None:
    clips = load_hand_gestures(data_file("signs/hand_gestures"))
    Xtr, ytr, Xte, yte = split_in_time(asl)
    clf = StaticSignClassifier().fit(Xtr, ytr)
    assert (clf.predict_open(Xte) == yte).mean() >= 0.95  # measured 0.9638
    rejected = {c.label: (clf.predict_open(c.seq.data[:, 0]) == "unknown").mean() for c in clips}
    assert rejected["Open"] >= 0.9 and rejected["Close"] >= 0.75 and rejected["Pointer"] >= 0.78  # 0.95, 0.80, 0.83


def test_asl_alphabet_is_mirrored_to_right_hands_of_an_unmirrored_camera(data_file) -> None:
    """The file's frames are seen mirrored: an L's thumb points to the image's left. The loader gives
    the right hand an unmirrored camera sees (thumb to the right), the frame of every other source."""
    path = data_file("signs/asl_alphabet/asl_alphabet_landmarks.npz")
    for mirrored, sign in ((True, 1), (False, -1)):
        clip = next(c for c in load_asl_alphabet(path, mirrored=mirrored) if c.label == "L")
        hand = clip.seq.data[:, 0]
        thumb = np.median(hand[:, 4, 0] - hand[:, 0, 0])
        assert sign * thumb > 0.05  # about 0.15 of the image width
        assert np.median(hand[:, 8, 1] - hand[:, 0, 1]) < -0.2  # the index points up either way


def test_shipped_asl_model_reads_letter_shapes_of_another_person(data_file) -> None:
    """pose-classification-kit: another person, OpenPose hands with the person's side. Its gestures that
    are letter shapes (0 = O, 2 = V, 6 = W, 9 and Ok = F, Stop = B, Loser = L, Shaka = Y) are read as
    those letters; its clearly non-letter gestures are unknown. Before the alphabet was mirrored to the
    frame every other source uses, 0.1 % of the letter shapes were read (99.9 % rejected)."""
    from actionpose.datasets import load_kit_hands

    hands, names, left = load_kit_hands(data_file("exercise/body25_static_poses/hands_poses.npz"))
    assert hands.shape == (11204, 21, 3) and 0.45 < left.mean() < 0.55
    stop = hands[names == "Stop"]
    assert np.median(stop[:, 12, 1] - stop[:, 0, 1]) < 0  # fingertips above the wrist: y points down
    letters = {"0": "O", "2": "V", "6": "W", "9": "F", "Ok": "F", "Stop": "B", "Loser": "L", "Shaka": "Y"}
    shaped = np.isin(names, list(letters))
    labels = load_builtin().predict_open(hands[shaped], left=left[shaped])
    assert (labels == np.array([letters[g] for g in names[shaped]])).mean() >= 0.5  # measured 0.572
    others = np.isin(names, ["3", "5", "8", "Dislike", "Help", "Horns", "Middle_Finger", "Phone", "VIP",
                             "Vulcan_Salute"])
    assert (load_builtin().predict_open(hands[others], left=left[others]) == "unknown").mean() >= 0.97  # 0.992


def test_gesture_photos_hands_found(data_file) -> None:
    pytest.importorskip("mediapipe")
    from actionpose.tasks.signs.extract import poses_from_images
    from actionpose.tasks.signs.normalize import hands_of

    files = sorted(data_file("signs/gesture_images").glob("*/*.jpg"))
    assert len(files) == 40
    hands = hands_of(poses_from_images(files))
    found = hands.present.any(axis=(1, 2))
    assert found.mean() >= 0.9  # measured 38 / 40 (36 / 40 without the tile retry)
    # none of these is an ASL letter (call, four, none, rock): the shipped model says unknown for most
    ok = hands.present[:, 0]
    pts = hands.points[:, 0][ok]
    left = np.broadcast_to([True, False], ok.shape)[ok]
    labels = load_builtin().predict_open(pts, left=left)
    assert (labels == "unknown").mean() >= 0.85  # measured 0.930 of 43 hands (0.721 with the 75 % model)

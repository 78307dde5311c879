"""NTU RGB+D 60 / 120 skeletons (``.skeleton`` files) with the official benchmark splits."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import NamedTuple

from actionpose.skeleton.io import ntu as ntu_io
from actionpose.train.data import LabelledClip

log = logging.getLogger(__name__)

_NAME = re.compile(r"^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$")

#: cross-subject training performers (NTU-60 uses those up to 40; NTU-120 the whole list)
XSUB_TRAIN = frozenset((1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38, 45, 46, 47, 49, 50,
                        52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94,
                        95, 97, 98, 100, 103))
#: cross-view training cameras (NTU-60)
XVIEW_TRAIN = frozenset((2, 3))
#: cross-setup training setups (NTU-120): the even ones
XSET_TRAIN = frozenset(range(2, 33, 2))
BENCHMARKS = ("xsub", "xview", "xset")

#: official action names, A001 .. A120 (A001-A060 are NTU RGB+D 60; A050-A060 and A106-A120 involve two people)
ACTIONS = (
    "drink water", "eat meal/snack", "brushing teeth", "brushing hair", "drop", "pickup", "throw", "sitting down",
    "standing up (from sitting position)", "clapping", "reading", "writing", "tear up paper", "wear jacket",
    "take off jacket", "wear a shoe", "take off a shoe", "wear on glasses", "take off glasses", "put on a hat/cap",
    "take off a hat/cap", "cheer up", "hand waving", "kicking something", "reach into pocket",
    "hopping (one foot jumping)", "jump up", "make a phone call/answer phone", "playing with phone/tablet",
    "typing on a keyboard", "pointing to something with finger", "taking a selfie", "check time (from watch)",
    "rub two hands together", "nod head/bow", "shake head", "wipe face", "salute", "put the palms together",
    "cross hands in front (say stop)", "sneeze/cough", "staggering", "falling", "touch head (headache)",
    "touch chest (stomachache/heart pain)", "touch back (backache)", "touch neck (neckache)",
    "nausea or vomiting condition", "use a fan (with hand or paper)/feeling warm", "punching/slapping other person",
    "kicking other person", "pushing other person", "pat on back of other person", "point finger at the other person",
    "hugging other person", "giving something to other person", "touch other person's pocket", "handshaking",
    "walking towards each other", "walking apart from each other",
    "put on headphone", "take off headphone", "shoot at the basket", "bounce ball", "tennis bat swing",
    "juggling table tennis balls", "hush (quite)", "flick hair", "thumb up", "thumb down", "make ok sign",
    "make victory sign", "staple book", "counting money", "cutting nails", "cutting paper (using scissors)",
    "snapping fingers", "open bottle", "sniff (smell)", "squat down", "toss a coin", "fold paper", "ball up paper",
    "play magic cube", "apply cream on face", "apply cream on hand back", "put on bag", "take off bag",
    "put something into a bag", "take something out of a bag", "open a box", "move heavy objects", "shake fist",
    "throw up cap/hat", "hands up (both hands)", "cross arms", "arm circles", "arm swings", "running on the spot",
    "butt kicks (kick backward)", "cross toe touch", "side kick", "yawn", "stretch oneself", "blow nose",
    "hit other person with something", "wield knife towards other person", "knock over other person (hit with body)",
    "grab other person's stuff", "shoot at other person with a gun", "step on foot", "high-five", "cheers and drink",
    "carry something with other person", "take a photo of other person", "follow other person",
    "whisper in other person's ear", "exchange things with other person", "support somebody with hand",
    "finger-guessing game (playing rock-paper-scissors)",
)


class NtuName(NamedTuple):
    """The ids in an NTU file name ``SsssCcccPpppRrrrAaaa``."""

    setup: int
    camera: int
    performer: int
    replication: int
    action: int


def parse_ntu_name(stem: str) -> NtuName | None:
    """``"S001C002P003R002A013"`` -> its ids, or None when the name does not follow the pattern.

    >>> parse_ntu_name("S001C002P003R002A013")
    NtuName(setup=1, camera=2, performer=3, replication=2, action=13)
    """
    match = _NAME.match(stem)
    return NtuName(*(int(g) for g in match.groups())) if match else None


def ntu_split(name: NtuName, benchmark: str = "xsub") -> str:
    """``"train"`` or ``"test"`` for a sample under an official benchmark (``xsub``, ``xview``, ``xset``)."""
    if benchmark == "xsub":
        train = name.performer in XSUB_TRAIN
    elif benchmark == "xview":
        train = name.camera in XVIEW_TRAIN
    elif benchmark == "xset":
        train = name.setup in XSET_TRAIN
    else:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {', '.join(BENCHMARKS)}")
    return "train" if train else "test"


def action_name(action: int) -> str:
    """Official name of action ``A<action>`` (1-120), or ``"A<nnn>"`` beyond the list."""
    return ACTIONS[action - 1] if 1 <= action <= len(ACTIONS) else f"A{action:03d}"


def load_ntu(folder: str | Path, benchmark: str = "xsub", subset: str | None = None,
             label: str = "name") -> list[LabelledClip]:
    """Load NTU RGB+D 60 or 120 ``.skeleton`` files (searched recursively) with an official split.

    Dataset: NTU RGB+D / NTU RGB+D 120 (ROSE Lab, Nanyang Technological University), obtained by
    request at https://rose1.ntu.edu.sg/dataset/actionRecognition/; licence: the ROSE Lab release
    agreement (non-commercial research only; not redistributable). File names
    ``SsssCcccPpppRrrrAaaa.skeleton`` give setup, camera, performer, replication and action.

    Parameters
    ----------
    benchmark
        ``"xsub"`` (training performers :data:`XSUB_TRAIN`), ``"xview"`` (training cameras 2 and 3;
        NTU-60) or ``"xset"`` (even setups train; NTU-120).
    subset
        ``"train"``, ``"test"`` or None for both; the split of each clip is in ``meta["split"]``.
    label
        ``"name"`` for the official action name (:data:`ACTIONS`), ``"code"`` for ``"A013"``.

    Returns one clip per readable file: layout ``ntu25`` (C = 4: colour-image x, y in pixels of 1920 x
    1080, depth z in metres, tracking score), 30 fps, one track per Kinect body (two for mutual
    actions). Group: the performer (``"P003"``). Files without any body (the published lists of
    samples with missing skeletons) are skipped with a warning.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected one of {', '.join(BENCHMARKS)}")
    if subset not in (None, "train", "test"):
        raise ValueError(f"subset must be 'train', 'test' or None, got {subset!r}")
    if label not in ("name", "code"):
        raise ValueError(f"label must be 'name' or 'code', got {label!r}")
    clips: list[LabelledClip] = []
    for path in sorted(Path(folder).rglob("*.skeleton")):
        name = parse_ntu_name(path.stem)
        if name is None:
            log.warning("%s: not an NTU sample name (SsssCcccPpppRrrrAaaa), skipped", path.name)
            continue
        split = ntu_split(name, benchmark)
        if subset is not None and split != subset:
            continue
        seq = ntu_io.read(path)
        if seq.num_people == 0:
            log.warning("%s: no skeleton in any frame, skipped", path.name)
            continue
        text = action_name(name.action) if label == "name" else f"A{name.action:03d}"
        clips.append(LabelledClip(seq, label=text, group=f"P{name.performer:03d}",
                                  meta={"dataset": "ntu", "file": path.name, **name._asdict(),
                                        "benchmark": benchmark, "split": split}))
    log.info("NTU %s %s: %d clips", benchmark, subset or "all", len(clips))
    return clips

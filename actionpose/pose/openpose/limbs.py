"""COCO-18 parts and limbs of the OpenPose body model, in the standard CMU order.

The network outputs 19 heatmaps (the 18 parts of :data:`PARTS18`, then background) and 38 part
affinity fields (PAFs): one x and one y channel per limb of :data:`LIMBS`, each a unit vector that points
from the limb's first part to its second.
"""

from __future__ import annotations

from typing import NamedTuple

#: The 18 body parts, in heatmap channel order (channel 18 is the background).
PARTS18: tuple[str, ...] = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "RHip", "RKnee",
    "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar",
)

#: Number of body parts (heatmap channels without the background).
NUM_PARTS: int = len(PARTS18)

#: Index of the background heatmap channel.
BACKGROUND_CHANNEL: int = NUM_PARTS


class Limb(NamedTuple):
    """One limb: its two parts (indices into :data:`PARTS18`) and its PAF x and y channels."""

    part_a: int
    part_b: int
    paf_x: int
    paf_y: int


#: The 19 limbs in the CMU COCO-18 order (the order that people are assembled in).
LIMBS: tuple[Limb, ...] = (
    Limb(1, 2, 12, 13),    # Neck-RShoulder
    Limb(1, 5, 20, 21),    # Neck-LShoulder
    Limb(2, 3, 14, 15),    # RShoulder-RElbow
    Limb(3, 4, 16, 17),    # RElbow-RWrist
    Limb(5, 6, 22, 23),    # LShoulder-LElbow
    Limb(6, 7, 24, 25),    # LElbow-LWrist
    Limb(1, 8, 0, 1),      # Neck-RHip
    Limb(8, 9, 2, 3),      # RHip-RKnee
    Limb(9, 10, 4, 5),     # RKnee-RAnkle
    Limb(1, 11, 6, 7),     # Neck-LHip
    Limb(11, 12, 8, 9),    # LHip-LKnee
    Limb(12, 13, 10, 11),  # LKnee-LAnkle
    Limb(1, 0, 28, 29),    # Neck-Nose
    Limb(0, 14, 30, 31),   # Nose-REye
    Limb(14, 16, 34, 35),  # REye-REar
    Limb(0, 15, 32, 33),   # Nose-LEye
    Limb(15, 17, 36, 37),  # LEye-LEar
    Limb(2, 16, 18, 19),   # RShoulder-REar (redundant head limb)
    Limb(5, 17, 26, 27),   # LShoulder-LEar (redundant head limb)
)

#: Number of PAF channels (two per limb).
NUM_PAF_CHANNELS: int = 2 * len(LIMBS)

#: Limbs that may start a new person; the last two (shoulder-ear) only extend existing people.
NUM_SEED_LIMBS: int = 17

#: COCO-17 keypoint index -> COCO-18 part index (COCO-17 has no neck).
COCO17_FROM_PARTS18: tuple[int, ...] = (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10)

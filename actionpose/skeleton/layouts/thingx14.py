"""The 14-joint layout of ``data/falls/thingx_skeleton``: OpenPose COCO-18 without eyes and ears."""

from actionpose.skeleton.layouts.base import KeypointLayout
from actionpose.skeleton.layouts.coco18 import COCO18

THINGX14 = KeypointLayout(
    name="thingx14",
    joints=COCO18.joints[:14],
    bones=tuple(b for b in COCO18.bones if b[0] in COCO18.joints[:14] and b[1] in COCO18.joints[:14]),
    description="ThingX RGB_Fall_TS skeleton CSVs: COCO-18 order without eyes and ears",
)

"""Loaders that turn public skeleton datasets into :class:`~actionpose.train.data.LabelledClip` lists.

One module per dataset; every loader returns ``list[LabelledClip]`` whose ``group`` is the unit an
honest split must keep on one side (signer, performer, recording). ``datasets/README.md`` at the
repository root lists each set's licence, where to get it and how to split it.
"""

from actionpose.datasets.asl_alphabet import load_asl_alphabet, load_hand_gestures
from actionpose.datasets.body25_static import load_body25_static, load_kit_hands
from actionpose.datasets.form_correction import load_form_correction
from actionpose.datasets.gmdcsa24 import gmdcsa24_csv_segments, gmdcsa24_segments, load_gmdcsa24
from actionpose.datasets.holistic_signs import load_holistic_signs
from actionpose.datasets.kinect_gait import load_kinect_gait
from actionpose.datasets.kinetics_skeleton import load_kinetics_skeleton
from actionpose.datasets.mlkit_fitness import load_mlkit_fitness
from actionpose.datasets.ntu import load_ntu
from actionpose.datasets.thingx import load_thingx
from actionpose.datasets.urfall import load_urfall, urfall_segments

__all__ = ["gmdcsa24_csv_segments", "gmdcsa24_segments", "load_asl_alphabet", "load_body25_static",
           "load_form_correction", "load_gmdcsa24", "load_hand_gestures", "load_holistic_signs", "load_kinect_gait",
           "load_kinetics_skeleton", "load_kit_hands", "load_mlkit_fitness", "load_ntu", "load_thingx", "load_urfall",
           "urfall_segments"]

"""Sign gestures: hand normalisation, static hand shapes (ASL alphabet built in), dynamic signs, open-set
decisions (``unknown`` with the nearest sign and why), fingerspelling and transcripts."""

from actionpose.tasks.signs.dynamic import (
    DynamicSignClassifier,
    Segment,
    augment_clip,
    clip_features,
    segment_stream,
    transcribe_stream,
)
from actionpose.tasks.signs.fingerspell import fingerspell, spell
from actionpose.tasks.signs.normalize import SequenceHands, hand_size, hands_of, normalize_hand
from actionpose.tasks.signs.openset import NONE_LABELS, UNKNOWN, OpenSetGate, Verdict, decide
from actionpose.tasks.signs.static import (
    BUILTIN_MODELS,
    FEATURE_SETS,
    FrameSigns,
    SignEvent,
    StaticSignClassifier,
    augment_hands,
    builtin_model_path,
    frame_signs,
    hand_features,
    load_builtin,
    transcribe,
)

__all__ = ["BUILTIN_MODELS", "FEATURE_SETS", "NONE_LABELS", "UNKNOWN", "DynamicSignClassifier", "FrameSigns",
           "OpenSetGate", "Segment", "SequenceHands", "SignEvent", "StaticSignClassifier", "Verdict", "augment_clip",
           "augment_hands", "builtin_model_path", "clip_features", "decide", "fingerspell", "frame_signs",
           "hand_features", "hand_size", "hands_of", "load_builtin", "normalize_hand", "segment_stream", "spell",
           "transcribe", "transcribe_stream"]

"""Sign gestures: hand normalisation, static hand shapes (ASL alphabet built in), dynamic signs, transcripts."""

from actionpose.tasks.signs.dynamic import (DynamicSignClassifier, Segment, clip_features, segment_stream,
                                            transcribe_stream)
from actionpose.tasks.signs.normalize import SequenceHands, hand_size, hands_of, normalize_hand
from actionpose.tasks.signs.static import (BUILTIN_MODELS, FEATURE_SETS, UNKNOWN, FrameSigns, SignEvent,
                                           StaticSignClassifier, builtin_model_path, frame_signs, hand_features,
                                           load_builtin, transcribe)

__all__ = ["BUILTIN_MODELS", "FEATURE_SETS", "UNKNOWN", "DynamicSignClassifier", "FrameSigns", "Segment",
           "SequenceHands", "SignEvent", "StaticSignClassifier", "builtin_model_path", "clip_features",
           "frame_signs", "hand_features", "hand_size", "hands_of", "load_builtin", "normalize_hand",
           "segment_stream", "transcribe", "transcribe_stream"]

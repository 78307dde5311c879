"""NTU RGB+D ``.skeleton`` text files (Kinect v2, 25 joints; read only).

Layout of the file: the frame count; per frame the body count; per body a line of 10 values
(bodyID, clippedEdges, handLeftConfidence, handLeftState, handRightConfidence, handRightState,
isRestricted, leanX, leanY, trackingState), the joint count (25) and one line of 12 values per
joint (x y z depthX depthY colorX colorY orientationW orientationX orientationY orientationZ
trackingState).

The sequence is ``ntu25`` with C = 4: x, y are the colour-image pixels (1920 x 1080), z the camera
depth in metres; a joint's score is 1 when tracked, 0.5 when inferred and 0 (with NaN coordinates)
when not tracked. Track ids are the Kinect body ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actionpose.errors import PoseFormatError
from actionpose.skeleton.io.frames import assemble
from actionpose.skeleton.sequence import PoseSequence

FPS = 30.0
FRAME_SIZE = (1920, 1080)
NUM_JOINTS = 25
BODY_VALUES = 10
JOINT_VALUES = 12
#: joint trackingState -> score (0 not tracked, 1 inferred, 2 tracked)
STATE_SCORE = {0: 0.0, 1: 0.5, 2: 1.0}
_INT64_MAX = np.iinfo(np.int64).max


class _Tokens:
    """Whitespace-separated values of the file, consumed in order."""

    def __init__(self, text: str, source: Path) -> None:
        self.values = text.split()
        self.pos = 0
        self.source = source

    def take(self, n: int, what: str) -> list[str]:
        if self.pos + n > len(self.values):
            raise PoseFormatError(self.source, f"file ends inside the {what}")
        out = self.values[self.pos:self.pos + n]
        self.pos += n
        return out

    def count(self, what: str) -> int:
        (token,) = self.take(1, what)
        if not token.isdigit():
            raise PoseFormatError(self.source, f"the {what} must be a non-negative integer, got {token[:20]!r}")
        return int(token)


def read(path: str | Path, fps: float = FPS) -> PoseSequence:
    """Read an NTU RGB+D ``.skeleton`` file.

    Raises
    ------
    PoseFormatError
        On a count that is not a non-negative integer, a joint count other than 25, an unknown
        tracking state, or a file that ends early or has data after the last frame.
    """
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise PoseFormatError(path, f"not a text file (non-ASCII byte at offset {exc.start})") from None
    tokens = _Tokens(text, path)
    num_frames = tokens.count("frame count")
    frame_of, body_ids, blocks = [], [], []
    for t in range(num_frames):
        for _ in range(tokens.count(f"body count of frame {t}")):
            body = tokens.take(BODY_VALUES, f"body line of frame {t}")
            if not body[0].isdigit() or int(body[0]) > _INT64_MAX:
                raise PoseFormatError(path, f"bodyID {body[0][:20]!r} in frame {t} is not a 64-bit id")
            joints = tokens.count(f"joint count of frame {t}")
            if joints != NUM_JOINTS:
                raise PoseFormatError(path, f"frame {t} has a body with {joints} joints, expected {NUM_JOINTS}")
            frame_of.append(t)
            body_ids.append(int(body[0]))
            blocks.append(tokens.take(NUM_JOINTS * JOINT_VALUES, f"joints of frame {t}"))
    if tokens.pos != len(tokens.values):
        raise PoseFormatError(path, f"unexpected data after the {num_frames} frames the header announces")
    try:
        values = np.array(blocks, dtype=np.float64).reshape(len(blocks), NUM_JOINTS, JOINT_VALUES)
    except ValueError:
        raise PoseFormatError(path, "a joint line holds values that are not numbers") from None
    state = values[..., 11]
    if not np.isin(state, list(STATE_SCORE)).all():
        raise PoseFormatError(path, "a joint trackingState is not 0, 1 or 2")
    points = np.stack([values[..., 5], values[..., 6], values[..., 2], np.zeros_like(state)], axis=-1)
    for s, score in STATE_SCORE.items():
        points[state == s, 3] = score
    points[state == 0, :3] = np.nan
    data, track_ids = assemble(np.asarray(frame_of, dtype=np.int64), points.astype(np.float32), num_frames,
                               body_ids, path)
    return PoseSequence(data, "ntu25", fps, track_ids=track_ids, frame_size=FRAME_SIZE,
                        meta={"format": "ntu", "source": str(path)})

"""Legacy ``mp.solutions.hands`` runner: hands only, in the two-hand ``hands`` layout.

Handedness: legacy Hands labels a hand as if the image were mirrored (selfie camera). In an
unmirrored video its "Left" is the person's right hand. Checked against the body's wrists from
legacy Pose on real clips: of the hands lying near a body wrist, 53 of 56 (side-view walking,
1280x720) and 20 of 27 (ta_chi, small hands at 340x256) carried the opposite side's label. The
runner therefore swaps the labels unless ``mirrored=True``.

Grouping into people: with ``max_people=1`` the best-scored hand of each side fills the single
person. With more people, left and right hands are paired greedily by wrist distance (at most
``PAIR_MAX_PALMS`` palm lengths apart); a hand without a partner gets a person slot of its own
with the other hand missing. People are ordered by handedness score and at most ``max_people`` are
returned.
"""

from __future__ import annotations

import numpy as np

from actionpose.pose.mediapipe.solutions import LegacyRunner, landmarks_array, missing
from actionpose.skeleton.layouts import HAND21, HANDS

#: the farthest two wrists of one person may be, in palm lengths (wrist to middle-finger MCP)
PAIR_MAX_PALMS = 12.0
_MIDDLE_MCP = HAND21.index("middle_finger_mcp")

Hand = tuple[int, np.ndarray, float]  # side (0 left, 1 right), (21, 4) points, handedness score


def group_hands(hands: list[Hand], max_people: int) -> np.ndarray:
    """Place detected hands into people, ``(N, 42, 4)`` in the ``hands`` layout, N <= ``max_people``."""
    people: list[tuple[float, np.ndarray | None, np.ndarray | None]] = []
    if max_people == 1:
        best: dict[int, Hand] = {}
        for hand in hands:
            if hand[0] not in best or hand[2] > best[hand[0]][2]:
                best[hand[0]] = hand
        if best:
            people.append((0.0, best[0][1] if 0 in best else None, best[1][1] if 1 in best else None))
    else:
        lefts = [h for h in hands if h[0] == 0]
        rights = [h for h in hands if h[0] == 1]
        pairs = []
        for i, (_, left, _) in enumerate(lefts):
            for j, (_, right, _) in enumerate(rights):
                palm = (np.linalg.norm(left[0, :2] - left[_MIDDLE_MCP, :2])
                        + np.linalg.norm(right[0, :2] - right[_MIDDLE_MCP, :2])) / 2
                pairs.append((np.linalg.norm(left[0, :2] - right[0, :2]) / max(palm, 1e-6), i, j))
        used_l: set[int] = set()
        used_r: set[int] = set()
        for cost, i, j in sorted(pairs):
            if cost <= PAIR_MAX_PALMS and i not in used_l and j not in used_r:
                used_l.add(i)
                used_r.add(j)
                people.append((lefts[i][2] + rights[j][2], lefts[i][1], rights[j][1]))
        people += [(h[2], h[1], None) for i, h in enumerate(lefts) if i not in used_l]
        people += [(h[2], None, h[1]) for j, h in enumerate(rights) if j not in used_r]
        people.sort(key=lambda p: -p[0])
    if not people:
        return np.empty((0, HANDS.num_joints, 4), dtype=np.float32)
    k = HAND21.num_joints
    return np.stack([np.concatenate([missing(k) if left is None else left, missing(k) if right is None else right])
                     for _, left, right in people[:max_people]])


class HandsRunner(LegacyRunner):
    """``mp.solutions.hands.Hands`` with ``max_num_hands = 2 * max_people``."""

    layout = HANDS

    def __init__(self, model_complexity: int, static_image_mode: bool, min_detection_confidence: float,
                 min_tracking_confidence: float, max_people: int, mirrored: bool) -> None:
        from mediapipe.python.solutions import hands

        self.max_people = max_people
        #: MediaPipe label -> side index; its labels are right for mirrored input, swapped otherwise
        self._side = {"Left": 0, "Right": 1} if mirrored else {"Left": 1, "Right": 0}
        super().__init__(hands.Hands(static_image_mode=static_image_mode, max_num_hands=2 * max_people,
                                     model_complexity=model_complexity,
                                     min_detection_confidence=min_detection_confidence,
                                     min_tracking_confidence=min_tracking_confidence), static_image_mode)

    def process(self, rgb: np.ndarray, timestamp_us: int | None) -> np.ndarray:
        """``(N, 42, 4)``: each person's left hand then right hand; score 1.0 on found hands."""
        result = self.run(rgb, timestamp_us)
        if not result.multi_hand_landmarks:
            return np.empty((0, HANDS.num_joints, 4), dtype=np.float32)
        height, width = rgb.shape[:2]
        found = []
        for landmarks, handedness in zip(result.multi_hand_landmarks, result.multi_handedness):
            label = handedness.classification[0]
            found.append((self._side[label.label], landmarks_array(landmarks.landmark, width, height, visibility=False),
                          float(label.score)))
        return group_hands(found, self.max_people)

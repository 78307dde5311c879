"""Fall detection on tracked poses: a per-person state machine, causal frame by frame.

Every person (track) is followed through four states::

    upright --(fast descent)--> falling --(low posture)--> down --(up again)--> recovered --> upright
                                   |                         |
                                   +--(no low posture) ------+--(stays low: still down, escalated by alerts)

plus ``lying`` (low without a fall being seen: lay down slowly, or already lying when first seen) and
``unknown`` (no usable joints). The measurements, all in **body heights** (H) so they do not depend on the
camera distance, are:

* ``height``: how far the shoulders (head, then hips, when those are missing) are above the person's
  floor line — the lowest visible foot, or, when the feet are out of frame, the floor line remembered
  from the last upright frames. About 0.8 H standing, 0.5-0.65 H seated, below 0.3 H lying.
* ``descent``: downward velocity of the upper body (the faster of shoulder centre and head; hips when
  neither is seen), in H/s over ``velocity_window_s``. Falls reach 1-2 H/s; sitting down or bending
  stays under about 0.6 H/s.
* ``torso_angle``: degrees of the hip-to-shoulder line from vertical (shown on timelines, used to
  call a person upright again).
* ``aspect``: width / height of the keypoint box, and ``motion``: mean joint speed in H/s, for
  the stillness after the impact.

The body height H is the median torso length (shoulder centre to hip centre) over the recent upright
frames divided by :data:`TORSO_FRACTION`; a torso seen end-on (falling towards or away from the
camera) shortens in the image, which is why the scale is frozen while a fall is in progress.

A fall is: a descent faster than ``impact_velocity`` (or averaging ``collapse_velocity``) that reaches
a low posture (``height`` below ``low_height``) within ``max_fall_s`` of its onset, after which the
person stays down (not back above ``recover_height``) for ``confirm_s`` (the event is then *confirmed*:
the moment an alert can be raised). The person has got up when ``height`` stays above
``recover_height`` for ``recover_s``.

**Falls that do not start upright.** A person first seen lying (asleep on a bed or a sofa) has no
upright -> falling step. While lying, the track learns its *resting level*: where the hips rest (they
rest on the support, lying or sitting), as a slow average in pixels. A fall from a raised level is a
fast drop of that level (hip speed over ``impact_velocity``, or averaging ``collapse_velocity``) by at
least ``support_drop`` H, then staying at the new level until confirmed. When the floor line is known
(the person stood earlier) the resting level must be raised above it by ``support_drop``: someone lying
on the floor cannot fall further, so a noisy pose there raises nothing. Lying on a bed or a sofa,
turning over, getting into bed (the hips go *up* onto it) and sliding to the floor slowly are not falls.

**Evidence over several frames.** Dark or noisy footage gives stray poses; a state change needs
consistent evidence, not one frame: entering ``lying`` needs low frames for about ``evidence_s``
(an exponential average of the frame-wise condition, time constant ``evidence_s / 2``, over 0.7),
leaving it needs the person up for about ``recover_s`` (the same average, time constant ``recover_s / 2``,
over 0.85, so a stray frame delays but does not reset it), and an unconfirmed fall is only called off
when the person is consistently up again.

Thresholds are physical, documented in :class:`FallConfig`, and were set from biomechanics and the
ThingX tuning split (``falldown1``-``falldown11``), never from the clips reported as test.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

from actionpose.alerts.types import Observation
from actionpose.skeleton.layouts import KeypointLayout, get_layout
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.base import TaskEvent, TaskResult
from actionpose.tasks.falls.learned import WINDOW_S, FallScore, load_fall_score, trail_features

log = logging.getLogger(__name__)

#: shoulder-centre-to-hip-centre length as a fraction of standing height (anthropometric tables: shoulder
#: height about 0.82 H, hip height about 0.53 H)
TORSO_FRACTION = 0.29
#: hip height as a fraction of standing height (the floor line below the hips of an upright person)
HIP_FRACTION = 0.53
#: shoulders at least this high over the floor line: standing (seated is 0.5-0.65)
STANDING_HEIGHT = 0.7
#: the averaged frame-wise evidence (0-1) a state change needs: entering lying, calling off a fall
EVIDENCE = 0.7
#: the averaged evidence of being up that ends ``lying``
UP_EVIDENCE = 0.85

_HEAD = ("nose", "head", "head_top", "left_eye", "right_eye", "left_ear", "right_ear")
_SHOULDERS = ("left_shoulder", "right_shoulder")
_SHOULDERS_FALLBACK = ("neck", "thorax", "upper_neck", "spine_shoulder")
_HIPS = ("left_hip", "right_hip")
_HIPS_FALLBACK = ("pelvis", "mid_hip", "spine_base")
_FEET = ("left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
         "left_big_toe", "right_big_toe", "left_foot", "right_foot")


class FallState(IntEnum):
    """Per-frame state of one person (stored as small ints in :attr:`FallResult.states`)."""

    UNKNOWN = 0
    UPRIGHT = 1
    FALLING = 2
    DOWN = 3
    RECOVERED = 4
    LYING = 5

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass
class FallConfig:
    """Thresholds of the fall state machine (lengths in body heights H, times in seconds).

    Parameters
    ----------
    min_score
        Joints below this confidence are ignored.
    velocity_window_s
        Descent velocity is the displacement over this long, divided by it (damps jitter).
    onset_velocity
        Descent speed (H/s) that opens a candidate fall from a non-low posture.
    impact_velocity
        Peak descent speed (H/s) a candidate must reach to be a fall: walking, sitting down and bending
        stay below about 0.6 H/s; falls reach 1-2 H/s (the head of a falling person travels about 0.8 H
        in under a second).
    collapse_velocity
        A slower descent is still a fall when its average speed from the onset to the low posture is at
        least this (H/s): a collapse goes from standing to the floor in about a second (0.5 H/s), a
        deliberate lowering to the floor takes two to four seconds (0.15-0.25 H/s).
    low_height
        Upper body (shoulders) below this height over the floor line means down: lying or slumped on
        the floor (standing about 0.8, seated on a chair 0.5-0.65, on the floor 0.35-0.45, lying under 0.3).
    max_fall_s
        A candidate that does not reach a low posture this long after its onset is dropped (a fall is
        over in 1-2 s; lying down on purpose takes longer and is slow).
    confirm_s
        Time the person must stay low after the impact before the fall is confirmed.
    still_motion
        Mean joint speed (H/s) under which a person on the floor counts as still.
    recover_height
        Height above which a person counts as up again (seated on a chair or standing).
    recover_s
        Time above ``recover_height`` before the person has got up.
    lost_s
        A person unseen this long while down ends the event (``got_up`` False).
    scale_window_s
        The body height is the median over this much recent upright time.
    evidence_s
        About how long a condition must hold, frame after frame, before it changes the state (see the
        module notes): one noisy pose never does.
    support_drop
        Smallest fast drop (H) of the resting level (the hips) that is a fall from furniture: a sofa seat
        is about 0.25 H high, a bed 0.3 H, a care bed up to 0.4 H.
    support_rest_s
        Time constant of the resting level learned while lying.
    second_opinion
        Ask the shipped learned fall score (:mod:`.learned`, see its ``MODEL_CARD.md``) about every fall the
        rules confirm: the event carries its score as ``learned_score``, and a fall it is confidently not
        (score under the model's ``veto_below``) is dropped; falls from a raised level (bed, sofa), outside
        its training data, are only scored. It never adds a fall. Ignored when a user
        ``classifier`` is given; ``False`` turns it off.
    """

    min_score: float = 0.3
    velocity_window_s: float = 0.1
    onset_velocity: float = 0.4
    impact_velocity: float = 0.8
    collapse_velocity: float = 0.4
    low_height: float = 0.3
    upright_angle: float = 30.0
    max_fall_s: float = 2.0
    confirm_s: float = 1.0
    still_motion: float = 0.15
    recover_height: float = 0.5
    recover_s: float = 1.0
    lost_s: float = 5.0
    scale_window_s: float = 5.0
    evidence_s: float = 0.4
    support_drop: float = 0.15
    support_rest_s: float = 1.0
    second_opinion: bool = True

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class FallEvent:
    """One detected fall of one person.

    Attributes
    ----------
    person
        Track id.
    start_s, impact_s, confirmed_s, end_s
        Onset of the descent, first moment down, when the fall was confirmed (an alert can be raised),
        and when the event ended (got up, lost, or the end of the input).
    confidence
        0-1: the rule score (how fast, how low, how still), blended with the learned score when a
        user classifier is given (the shipped second opinion only vetoes; it does not change it).
    got_up
        Whether the person got up again before the end.
    peak_velocity
        Fastest descent, H/s.
    min_height
        Lowest upper-body height reached, H.
    down_s, still_s
        Time spent down, and of it, time spent still.
    point
        Image position (hip centre) at the impact, for ignore zones.
    rule_score, learned_score
        The rule score and the learned one: a user classifier's, else the shipped second opinion's
        (:mod:`.learned`; None when ``FallConfig.second_opinion`` is off).
    start_level
        ``"upright"`` (standing or seated) or ``"raised"``: the person was lying or resting on something
        raised (a bed, a sofa) and dropped from it.
    """

    person: int
    start_s: float
    impact_s: float
    confirmed_s: float | None = None
    end_s: float | None = None
    confidence: float = 0.0
    got_up: bool = False
    peak_velocity: float = 0.0
    min_height: float = 1.0
    down_s: float = 0.0
    still_s: float = 0.0
    point: tuple[float, float] | None = None
    rule_score: float = 0.0
    learned_score: float | None = None
    start_level: str = "upright"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_s is not None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["point"] = list(self.point) if self.point is not None else None
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


@dataclass
class FallStatus:
    """One person in one frame: the state and the measurements behind it."""

    person: int
    time_s: float
    state: FallState
    height: float = float("nan")
    descent: float = float("nan")
    torso_angle: float = float("nan")
    aspect: float = float("nan")
    motion: float = float("nan")
    point: tuple[float, float] | None = None
    event: FallEvent | None = None

    @property
    def alarm(self) -> bool:
        """A confirmed fall and the person still down: what an alert watches."""
        return self.event is not None and self.event.confirmed and self.state == FallState.DOWN

    def observation(self) -> Observation:
        """This status as an :class:`actionpose.alerts.types.Observation` of kind ``"fall"``."""
        ev = self.event
        details = {} if ev is None else {"impact_s": round(ev.impact_s, 3), "start_s": round(ev.start_s, 3),
                                         "peak_velocity": round(ev.peak_velocity, 3)}
        return Observation("fall", self.person, self.time_s, self.alarm,
                           confidence=ev.confidence if ev is not None else 0.0,
                           point=(ev.point if ev is not None and ev.point is not None else self.point),
                           message=f"person {self.person} fell and is down" if self.alarm else "",
                           details=details)


class _Points:
    """Index sets of the joints the detector reads, resolved once per layout."""

    def __init__(self, layout: KeypointLayout) -> None:
        names = layout.joints

        def pick(*groups: tuple[str, ...]) -> np.ndarray:
            for group in groups:
                found = [names.index(n) for n in group if n in names]
                if found:
                    return np.array(found)
            return np.array([], dtype=int)

        self.head = pick(_HEAD)
        self.shoulders = pick(_SHOULDERS, _SHOULDERS_FALLBACK)
        self.hips = pick(_HIPS, _HIPS_FALLBACK)
        self.feet = pick(_FEET)
        if not self.hips.size or not self.shoulders.size:
            raise ValueError(f"layout {layout.name!r} has no shoulders or hips: falls cannot be detected")


def _group_mean(xy: np.ndarray, ok: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``(N, 2)`` mean of the valid joints ``idx`` of each pose (NaN where none is valid)."""
    if not idx.size:
        return np.full((xy.shape[0], 2), np.nan)
    sel_ok = ok[:, idx]
    count = sel_ok.sum(axis=1)
    total = np.where(sel_ok[..., None], xy[:, idx], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count[:, None] > 0, total / count[:, None], np.nan)


@dataclass
class _Frame:
    """The per-frame geometry of one person, in pixels (no scale applied yet)."""

    shoulder: np.ndarray
    hip: np.ndarray
    head: np.ndarray
    foot_y: float
    box_w: float
    box_h: float
    xy: np.ndarray
    ok: np.ndarray


class _Track:
    """State machine and history of one person."""

    def __init__(self, person: int, cfg: FallConfig) -> None:
        self.person = person
        self.cfg = cfg
        self.state = FallState.UNKNOWN
        self.upright_torso: deque[tuple[float, float]] = deque()  # (t, torso px) while upright
        self._torso_median: float | None = None
        self.history: deque[tuple[float, float, np.ndarray | None]] = deque()  # (t, upper y, joints)
        self.floor_y: float | None = None
        self.torso_px: float | None = None
        self.max_torso_px = 0.0
        self.event: FallEvent | None = None
        self.candidate_start: float | None = None
        self.peak_velocity = 0.0
        self.start_height = 1.0
        self.low_since: float | None = None
        self.high_since: float | None = None
        self.last_seen = -np.inf
        self.last_t: float | None = None
        self.last_height: float | None = None
        self.recovered_until = -np.inf
        self.poses: deque[np.ndarray] = deque()
        # evidence: exponential averages of the frame-wise low / high conditions (see the module notes)
        self.low_ev = 0.0
        self.high_ev = 0.0
        self.up_ev = 0.0
        # support level (hips, px) while lying, and a drop from it in progress / confirmed
        self.rest_y: float | None = None
        self.drop_start: float | None = None
        self.drop_rest = 0.0
        self.drop_frames = 0
        self.support_frames = 0
        self.support_below = 0
        # (t, height, descent, torso_angle, motion) over the learned score's window
        self.trail: deque[tuple[float, float, float, float, float]] = deque()
        self.blend = False  # confidence = mean of rule and learned score (a user classifier), else the rule's

    # ------------------------------------------------------------ scale
    def _body_height(self, torso_now: float, t: float) -> float:
        cfg = self.cfg
        if np.isfinite(torso_now):
            self.max_torso_px = max(self.max_torso_px, torso_now)
        while self.upright_torso and self.upright_torso[0][0] < t - cfg.scale_window_s:
            self.upright_torso.popleft()
            self._torso_median = None
        if self.upright_torso:
            if self._torso_median is None:  # recomputed only when the window changed
                self._torso_median = float(np.median([v for _, v in self.upright_torso]))
            torso = self._torso_median
        elif self.torso_px is not None:
            torso = self.torso_px
        else:
            torso = self.max_torso_px
        self.torso_px = torso if torso > 0 else self.torso_px
        return torso / TORSO_FRACTION if torso > 0 else float("nan")

    # ----------------------------------------------------------- update
    def update(self, t: float, f: _Frame | None, keep_pose: np.ndarray | None, keep: int) -> FallStatus:
        cfg = self.cfg
        if f is None:
            return self._missing(t)
        self.last_seen = t
        torso_now = float(np.hypot(*(f.shoulder - f.hip))) if np.isfinite(f.shoulder).all() and \
            np.isfinite(f.hip).all() else float("nan")
        H = self._body_height(torso_now, t)
        upper = f.shoulder if np.isfinite(f.shoulder).all() else f.head if np.isfinite(f.head).all() else f.hip
        if not np.isfinite(H) or not np.isfinite(upper).all():
            return self._missing(t)
        angle = float(np.degrees(np.arctan2(abs(f.shoulder[0] - f.hip[0]), f.hip[1] - f.shoulder[1]))) \
            if np.isfinite(torso_now) else float("nan")
        # floor line: the lowest visible foot, else the one remembered from upright frames, else under the
        # hips of someone upright, or just under the torso of someone lying (first seen in bed, feet unseen)
        if np.isfinite(f.foot_y):
            floor = f.foot_y
        elif self.floor_y is not None:
            floor = self.floor_y
        elif np.isfinite(angle) and angle > 90.0 - cfg.upright_angle:
            floor = max(f.hip[1], f.shoulder[1]) + 0.05 * H
        elif np.isfinite(f.hip).all():
            floor = f.hip[1] + HIP_FRACTION * H
        else:
            floor = upper[1] + 0.8 * H
        height = (floor - upper[1]) / H
        descent, motion, hip_descent = self._kinematics(t, f, H)
        aspect = f.box_w / f.box_h if f.box_h > 0 else float("nan")
        point = (float(f.hip[0]), float(f.hip[1])) if np.isfinite(f.hip).all() else \
            (float(upper[0]), float(upper[1]))
        if keep_pose is not None and keep:
            self.poses.append(keep_pose)
            while len(self.poses) > keep:
                self.poses.popleft()

        # sitting up on the floor (torso upright and seen at full length) is low but not down
        sitting_up = np.isfinite(angle) and angle < cfg.upright_angle and self.torso_px is not None \
            and torso_now > 0.75 * self.torso_px
        low = height < cfg.low_height and not sitting_up
        high = height > cfg.recover_height
        self.low_since = (self.low_since if self.low_since is not None else t) if low else None
        self.high_since = (self.high_since if self.high_since is not None else t) if high else None
        dt = t - self.last_t if self.last_t is not None else 0.0
        if dt <= 0 or self.state == FallState.UNKNOWN:
            self.low_ev, self.high_ev, self.up_ev = float(low), float(high), float(high)
        else:
            a = 1.0 - math.exp(-2.0 * dt / cfg.evidence_s) if cfg.evidence_s > 0 else 1.0
            b = 1.0 - math.exp(-2.0 * dt / cfg.recover_s) if cfg.recover_s > 0 else 1.0
            self.low_ev += a * (low - self.low_ev)
            self.high_ev += a * (high - self.high_ev)
            self.up_ev += b * (high - self.up_ev)
        support = float(f.hip[1]) if np.isfinite(f.hip[1]) else float(upper[1])
        self._step(t, low, high, descent, height, motion, point)
        if self.state == FallState.LYING or (self.state == FallState.DOWN and self.event is not None
                                             and self.event.start_level == "raised"):
            self._support(t, support, hip_descent, H, point, height, dt)
        else:
            self.rest_y = None
            self.drop_start = None
        if self.state == FallState.UPRIGHT and high and np.isfinite(torso_now) and angle < cfg.upright_angle:
            self.upright_torso.append((t, torso_now))
            self._torso_median = None
            standing = height > STANDING_HEIGHT
            foot = f.foot_y if np.isfinite(f.foot_y) else f.hip[1] + HIP_FRACTION * H \
                if standing and np.isfinite(f.hip).all() else float("nan")
            if np.isfinite(foot):
                self.floor_y = foot if self.floor_y is None else 0.8 * self.floor_y + 0.2 * foot
        self.last_t = t
        self.last_height = height
        self.trail.append((t, height, descent, angle, motion))
        while self.trail[0][0] <= t - WINDOW_S:
            self.trail.popleft()
        return FallStatus(self.person, t, self.state, height, descent, angle, aspect, motion, point, self.event)

    def _kinematics(self, t: float, f: _Frame, H: float) -> tuple[float, float, float]:
        """Descent velocity of the upper body (H/s, + down), mean joint speed (H/s) and descent velocity of
        the hips (H/s, NaN when they are not seen now and then)."""
        cfg = self.cfg
        ys = [p[1] for p in (f.shoulder, f.head) if np.isfinite(p).all()] or [f.hip[1]]
        xy = np.where(f.ok[:, None], f.xy, np.nan)
        hip_y = float(f.hip[1])
        self.history.append((t, ys, xy, hip_y))
        while len(self.history) > 2 and self.history[1][0] <= t - max(cfg.velocity_window_s, 0.25):
            self.history.popleft()
        # the sample closest to velocity_window_s ago
        past = None
        for h in self.history:
            if h[0] <= t - cfg.velocity_window_s * 0.999:
                past = h
        if past is None:
            past = self.history[0]
        dt = t - past[0]
        if dt <= 0:
            return 0.0, 0.0, 0.0
        hip_descent = (hip_y - past[3]) / dt / H  # NaN when either is missing
        n = min(len(ys), len(past[1]))
        descent = max((ys[i] - past[1][i]) / dt / H for i in range(n)) if n else float("nan")
        with np.errstate(invalid="ignore"):
            speeds = np.linalg.norm(xy - past[2], axis=1) / dt / H
        motion = float(np.nanmean(speeds)) if np.isfinite(speeds).any() else float("nan")
        return float(descent), motion, hip_descent

    def _step(self, t: float, low: bool, high: bool, descent: float, height: float, motion: float,
              point: tuple[float, float]) -> None:
        cfg = self.cfg
        state = self.state
        fast = np.isfinite(descent) and descent >= cfg.onset_velocity
        if state in (FallState.UNKNOWN, FallState.UPRIGHT, FallState.RECOVERED):
            if state == FallState.RECOVERED and t >= self.recovered_until:
                state = FallState.UPRIGHT
            if state == FallState.UNKNOWN:
                state = FallState.LYING if low else FallState.UPRIGHT
            elif state == FallState.UPRIGHT and low and self.low_ev >= EVIDENCE:
                state = FallState.LYING  # low frame after frame without a fall seen: lay down
            if fast and not low and state != FallState.LYING:
                state = self._open(t, descent, height)
        elif state == FallState.FALLING:
            self.peak_velocity = max(self.peak_velocity, descent if np.isfinite(descent) else 0.0)
            mean_velocity = (self.start_height - height) / max(t - self.candidate_start, 1e-6)
            if low and (self.peak_velocity >= cfg.impact_velocity or mean_velocity >= cfg.collapse_velocity):
                state = FallState.DOWN
                self.event = FallEvent(self.person, float(self.candidate_start), t, peak_velocity=self.peak_velocity,
                                       min_height=height, point=point)
            elif low and self.low_ev >= EVIDENCE:
                state = FallState.LYING  # went down slowly: lay down, not a fall
            elif t - self.candidate_start > cfg.max_fall_s or (not fast and height > cfg.recover_height
                                                                and t - self.candidate_start > 0.5):
                state = FallState.UPRIGHT
        elif state == FallState.DOWN:
            ev = self.event
            ev.min_height = min(ev.min_height, height)
            ev.peak_velocity = max(ev.peak_velocity, descent if np.isfinite(descent) and t - ev.impact_s < 0.3
                                   else 0.0)
            dt = t - self.last_t if self.last_t is not None else 0.0
            if not (self.high_since is not None):
                ev.down_s += dt
                if np.isfinite(motion) and motion < cfg.still_motion:
                    ev.still_s += dt
            if not ev.confirmed and self.high_since is None and t - ev.impact_s >= cfg.confirm_s:
                if ev.start_level == "raised" and self.support_below < 0.6 * self.support_frames:
                    # back on the bed (or the drop was a glitch): not a fall
                    log.info("person %d: drop at %.2f s called off, back at the resting level", self.person,
                             ev.impact_s)
                    self.event = None
                    self.state = FallState.LYING
                    self.rest_y = None
                    return
                ev.confirmed_s = t
                ev.rule_score = _rule_score(ev, cfg)
                ev.confidence = ev.rule_score
                log.info("person %d: fall confirmed at %.2f s (impact %.2f s, %.2f H/s, from %s)", self.person, t,
                         ev.impact_s, ev.peak_velocity, ev.start_level)
            if self.high_since is not None and t - self.high_since >= cfg.recover_s:
                self._end(self.high_since, got_up=True)
                state = FallState.RECOVERED
                self.recovered_until = t + cfg.recover_s
            elif not ev.confirmed and high and self.high_ev >= EVIDENCE:
                self.event = None  # stumbled and got straight up before it was confirmed
                state = FallState.UPRIGHT
        elif state == FallState.LYING:
            if high and self.up_ev >= UP_EVIDENCE:
                state = FallState.UPRIGHT
            elif fast and high and self.high_ev >= EVIDENCE:
                state = self._open(t, descent, height)  # up again (poses said lying too long) and falling
        self.state = state

    def _open(self, t: float, descent: float, height: float) -> FallState:
        """Open a candidate fall from a non-low posture."""
        self.candidate_start = self.last_t if self.last_t is not None else t
        self.start_height = self.last_height if self.last_height is not None else height
        self.peak_velocity = descent
        return FallState.FALLING

    def _support(self, t: float, support: float, hip_descent: float, H: float, point: tuple[float, float],
                 height: float, dt: float) -> None:
        """Lying (or down after a drop from a raised level): learn the resting level, catch a fast drop from it."""
        cfg = self.cfg
        if self.state == FallState.DOWN:  # a drop from a raised level, waiting for confirmation
            if not self.event.confirmed:
                self.support_frames += 1
                self.support_below += (support - self.drop_rest) / H >= 0.5 * cfg.support_drop
            return
        if self.rest_y is None or not np.isfinite(self.rest_y):
            self.rest_y = support
            return
        fast = np.isfinite(hip_descent) and hip_descent >= cfg.onset_velocity
        if self.drop_start is None:
            raised = self.floor_y is None or (self.floor_y - self.rest_y) / H >= cfg.support_drop
            if fast and raised:
                self.drop_start = self.last_t if self.last_t is not None else t
                self.drop_rest = self.rest_y
                self.peak_velocity = hip_descent
                self.drop_frames = 0
            else:
                a = 1.0 - math.exp(-dt / cfg.support_rest_s) if cfg.support_rest_s > 0 else 1.0
                self.rest_y += a * (support - self.rest_y)
                return
        if np.isfinite(hip_descent):
            self.peak_velocity = max(self.peak_velocity, hip_descent)
        drop = (support - self.drop_rest) / H
        elapsed = max(t - self.drop_start, 1e-6)
        self.drop_frames = self.drop_frames + 1 if drop >= cfg.support_drop else 0
        if self.drop_frames >= 2 and (self.peak_velocity >= cfg.impact_velocity
                                      or drop / elapsed >= cfg.collapse_velocity):
            self.state = FallState.DOWN
            self.event = FallEvent(self.person, float(self.drop_start), t, peak_velocity=self.peak_velocity,
                                   min_height=height, point=point, start_level="raised")
            self.support_frames = self.support_below = 0
            self.drop_start = None
            log.info("person %d: fast drop of %.2f H from a raised level at %.2f s", self.person, drop, t)
        elif elapsed > cfg.max_fall_s or (not fast and drop < 0.5 * cfg.support_drop and elapsed > 0.5):
            self.drop_start = None  # slow, or back where it was: keep learning the level
            self.rest_y = support

    def _end(self, t: float, got_up: bool) -> None:
        ev = self.event
        if ev is not None:
            ev.end_s = t
            ev.got_up = got_up
            if ev.confirmed:
                ev.rule_score = _rule_score(ev, self.cfg)
                blend = ev.learned_score is not None and self.blend
                ev.confidence = 0.5 * (ev.rule_score + ev.learned_score) if blend else ev.rule_score
        self.event = None

    def _missing(self, t: float) -> FallStatus:
        if self.state == FallState.DOWN and t - self.last_seen > self.cfg.lost_s:
            self._end(self.last_seen, got_up=False)
            self.state = FallState.UNKNOWN
        elif self.state not in (FallState.DOWN,) and t - self.last_seen > self.cfg.lost_s:
            self.state = FallState.UNKNOWN
        return FallStatus(self.person, t, self.state if self.state == FallState.DOWN else FallState.UNKNOWN,
                          event=self.event)


def _rule_score(ev: FallEvent, cfg: FallConfig) -> float:
    """0-1: how clearly the event is a fall (speed over the threshold, how low, how still)."""
    speed = 1.0 / (1.0 + np.exp(-(ev.peak_velocity - cfg.impact_velocity) / (0.25 * cfg.impact_velocity)))
    depth = 1.0 / (1.0 + np.exp(-(cfg.low_height - ev.min_height) / 0.1))
    still = ev.still_s / ev.down_s if ev.down_s > 0 else 0.0
    return float(np.clip(0.45 * speed + 0.35 * depth + 0.2 * still, 0.0, 1.0))


class FallDetector:
    """Causal fall detection for many tracked people, one frame at a time.

    Parameters
    ----------
    layout
        Keypoint layout of the poses (any layout with shoulders and hips, or their centres).
    config
        Thresholds (:class:`FallConfig`).
    classifier
        Optional :class:`actionpose.models.classifier.ActionClassifier` trained on fall windows; its
        probability of ``fall_label`` over the window ending at confirmation becomes
        :attr:`FallEvent.learned_score` and is averaged with the rule score.
    fall_label
        The classifier's fall class.
    min_learned
        With a classifier, a fall whose learned score is below this is dropped (0 keeps every fall and
        only adjusts the confidence).

    Examples
    --------
    >>> det = FallDetector("coco17")                               # doctest: +SKIP
    >>> for t, poses, ids in frames:                               # doctest: +SKIP
    ...     for status in det.update(t, poses, ids):
    ...         if status.alarm: print("fall", status.person)
    """

    def __init__(self, layout: str | KeypointLayout, config: FallConfig | None = None,
                 classifier: Any = None, fall_label: str = "fall", min_learned: float = 0.0) -> None:
        self.layout = get_layout(layout)
        self.config = config or FallConfig()
        self.classifier = classifier
        self.fall_label = fall_label
        self.min_learned = min_learned
        self._points = _Points(self.layout)
        self._tracks: dict[int, _Track] = {}
        self.events: list[FallEvent] = []
        self._keep = int(classifier.window) if classifier is not None else 0
        if classifier is not None and fall_label not in list(classifier.classes_):
            raise ValueError(f"classifier has no class {fall_label!r} (classes: {list(classifier.classes_)})")
        self.score_model: FallScore | None = load_fall_score() if classifier is None and \
            self.config.second_opinion else None

    def _frames(self, poses: np.ndarray) -> list[_Frame]:
        xy = poses[..., :2].astype(np.float64)
        ok = np.isfinite(xy).all(axis=-1) & (poses[..., -1] >= self.config.min_score)
        pts = self._points
        shoulder, hip, head = (_group_mean(xy, ok, idx) for idx in (pts.shoulders, pts.hips, pts.head))
        out = []
        for i in range(len(poses)):
            feet = xy[i, pts.feet, 1][ok[i, pts.feet]] if pts.feet.size else np.empty(0)
            box = xy[i][ok[i]]
            w, h = (np.ptp(box, axis=0) if len(box) > 1 else (0.0, 0.0))
            out.append(_Frame(shoulder[i], hip[i], head[i], float(feet.max()) if feet.size else float("nan"),
                              float(w), float(h), xy[i], ok[i]))
        return out

    def update(self, time_s: float, poses: np.ndarray, track_ids: np.ndarray | list[int]) -> list[FallStatus]:
        """Feed one frame; returns the status of every person known to the detector.

        Parameters
        ----------
        time_s
            Frame time in seconds (increasing).
        poses
            ``(N, K, C)`` poses of the tracked people in this frame (score last; missing joints NaN/0).
        track_ids
            ``(N,)`` their track ids (-1 entries are ignored).
        """
        poses = np.asarray(poses)
        ids = np.asarray(track_ids, dtype=np.int64).reshape(-1)
        frames = self._frames(poses) if len(poses) else []
        seen: set[int] = set()
        out = []
        for i, pid in enumerate(ids.tolist()):
            if pid < 0:
                continue
            track = self._tracks.get(pid)
            if track is None:
                track = self._tracks[pid] = _Track(pid, self.config)
                track.blend = self.classifier is not None
            seen.add(pid)
            status = track.update(time_s, frames[i], poses[i] if self._keep else None, self._keep)
            self._after(track, status)
            out.append(status)
        for pid, track in list(self._tracks.items()):
            if pid not in seen:
                status = track.update(time_s, None, None, 0)
                self._after(track, status)
                out.append(status)
                if track.event is None and time_s - track.last_seen > self.config.lost_s:
                    del self._tracks[pid]  # gone for good: a camera running for days keeps no ghosts
        return out

    def _after(self, track: _Track, status: FallStatus) -> None:
        ev = status.event
        if ev is not None and ev.confirmed and ev.confirmed_s == status.time_s and ev not in self.events:
            if self.classifier is not None:
                ev.learned_score = self._learned(track)
                ev.confidence = 0.5 * (ev.rule_score + ev.learned_score)
                if ev.learned_score < self.min_learned:
                    self._drop(track, status)
                    return
            elif self.score_model is not None:
                x = trail_features(np.array(track.trail), status.time_s, self.config.still_motion)
                ev.learned_score = self.score_model.score(x)
                # trained on falls from standing: a drop from a bed or sofa is only scored, never vetoed
                if ev.start_level == "upright" and ev.learned_score < self.score_model.veto_below:
                    self._drop(track, status)
                    return
            self.events.append(ev)

    def _drop(self, track: _Track, status: FallStatus) -> None:
        """The learned opinion says this confirmed fall is not one: the person is lying, no event."""
        ev = status.event
        log.info("person %d: fall at %.2f s dropped, learned score %.2f", ev.person, ev.impact_s, ev.learned_score)
        ev.confirmed_s = None  # not a fall: earlier statuses holding this event never read as an alarm
        track.event = None
        track.state = FallState.LYING
        status.state, status.event = FallState.LYING, None

    def _learned(self, track: _Track) -> float:
        poses = np.stack(list(track.poses))[:, None]
        seq = PoseSequence(poses, self.layout, fps=self.classifier.fps_ or 30.0)
        proba = self.classifier.predict_proba([seq])[0]
        return float(proba[list(self.classifier.classes_).index(self.fall_label)])

    def finish(self, time_s: float | None = None) -> list[FallEvent]:
        """Close the events still open at the end of the input (``got_up`` False) and return all events."""
        for track in self._tracks.values():
            if track.event is not None:
                end = time_s if time_s is not None else track.last_seen
                track._end(end, got_up=False)
        return list(self.events)


@dataclass
class FallResult(TaskResult):
    """Fall detection over a whole sequence (the ``falls`` task's result).

    Attributes
    ----------
    events
        Confirmed falls, in order of confirmation.
    states
        ``(T, P)`` int8 :class:`FallState` per frame and track slot, for timelines.
    timestamps, track_ids
        Of the sequence.
    features
        ``(T, P)`` arrays ``height``, ``descent``, ``torso_angle``, ``aspect``, ``motion``.
    config
        The thresholds used.
    """

    events: list[FallEvent]
    states: np.ndarray
    timestamps: np.ndarray
    track_ids: np.ndarray
    features: dict[str, np.ndarray] = field(default_factory=dict)
    config: FallConfig = field(default_factory=FallConfig)

    def state_table(self):
        """Long table: time_s, person, state and the features, one row per frame and person seen."""
        import pandas as pd

        T, P = self.states.shape
        table = pd.DataFrame({"time_s": np.repeat(self.timestamps, P), "person": np.tile(self.track_ids, T),
                              "state": [FallState(s).label for s in self.states.reshape(-1)],
                              **{k: v.reshape(-1) for k, v in self.features.items()}})
        return table[table["state"] != "unknown"].reset_index(drop=True)

    def frame_predictions(self) -> np.ndarray:
        """``(T,)`` 1 where any person is inside a confirmed fall event (from its start to its end), else 0."""
        out = np.zeros(len(self.timestamps), dtype=np.int64)
        for ev in self.events:
            end = ev.end_s if ev.end_s is not None else self.timestamps[-1]
            out[(self.timestamps >= ev.start_s) & (self.timestamps <= end)] = 1
        return out

    def person_ids(self) -> list[int]:
        return [int(i) for i in self.track_ids]

    def task_events(self) -> list[TaskEvent]:
        """Each confirmed fall, raising a ``fall`` alert when it is confirmed."""
        out = []
        for e in self.events:
            after = "and got up" if e.got_up else "and is still down"
            where = " from a raised level (bed, sofa)" if e.start_level == "raised" else ""
            out.append(TaskEvent("fall", e.person, e.start_s, e.end_s, "fall", e.confidence,
                                 f"person {e.person} fell{where} at {e.impact_s:.1f} s {after}",
                                 alert="fall" if e.confirmed else None, alert_s=e.confirmed_s, point=e.point,
                                 details={"start_s": round(e.start_s, 3), "impact_s": round(e.impact_s, 3),
                                          "got_up": e.got_up, "start_level": e.start_level,
                                          "learned_score": None if e.learned_score is None
                                          else round(e.learned_score, 3)}))
        return out

    def summary(self) -> dict[str, Any]:
        return {"falls": len(self.events), "first_impact_s": round(self.events[0].impact_s, 3) if self.events else None,
                "still_down": sum(not e.got_up for e in self.events)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "events": [e.to_dict() for e in self.events], "config": self.config.to_dict(),
                "people": self.person_ids()}


def detect_falls(seq: PoseSequence, config: FallConfig | None = None, classifier: Any = None,
                 fall_label: str = "fall", min_learned: float = 0.0,
                 on_status: Callable[[FallStatus], Any] | None = None) -> FallResult:
    """Run :class:`FallDetector` over a tracked sequence, frame by frame (the same causal path as
    ``actionpose watch``), and collect events, per-frame states and features.

    ``on_status`` is called with every person's :class:`FallStatus` of every frame, in order (e.g.
    ``lambda s: manager.observe(s.observation())`` replays the clip through an alert manager).

    Examples
    --------
    >>> result = detect_falls(load_poses("clip.npz"))              # doctest: +SKIP
    >>> [(e.person, e.impact_s, e.got_up) for e in result.events]  # doctest: +SKIP
    """
    det = FallDetector(seq.layout, config, classifier, fall_label, min_learned)
    T, P = seq.num_frames, seq.num_people
    states = np.zeros((T, P), dtype=np.int8)
    names = ("height", "descent", "torso_angle", "aspect", "motion")
    feats = {k: np.full((T, P), np.nan, dtype=np.float32) for k in names}
    slot = {int(tid): p for p, tid in enumerate(seq.track_ids)}
    present = seq.present
    for t in range(T):
        people = np.flatnonzero(present[t])
        for status in det.update(float(seq.timestamps[t]), seq.data[t, people], seq.track_ids[people]):
            if on_status is not None:
                on_status(status)
            p = slot[status.person]
            states[t, p] = int(status.state)
            for k in names:
                feats[k][t, p] = getattr(status, k)
    events = det.finish(float(seq.timestamps[-1]) if T else None)
    return FallResult(events, states, seq.timestamps.copy(), seq.track_ids.copy(), feats, det.config)

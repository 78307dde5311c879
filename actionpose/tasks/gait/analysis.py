"""``analyze_gait(seq)``: one :class:`GaitReport` per walking person of a pose sequence.

Steps per person: clean the leg trajectories (:mod:`.trajectories`), detect the view (:mod:`.view`),
detect heel strikes and toe offs (:mod:`.events`), compute the spatiotemporal parameters
(:mod:`.parameters`) and, in a side view, knee and hip flexion per cycle compared with a normative
band (:mod:`.angles`, :mod:`.norms`); then flag what makes the numbers less trustworthy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from actionpose.errors import InputError
from actionpose.skeleton.layouts import resolve_joint
from actionpose.skeleton.sequence import PoseSequence
from actionpose.tasks.gait.angles import angle_curves
from actionpose.tasks.gait.events import detect_events
from actionpose.tasks.gait.norms import NormativeBand, load_band
from actionpose.tasks.gait.parameters import spatiotemporal, valid_strides
from actionpose.tasks.gait.premise import walk_evidence, walk_premise
from actionpose.tasks.gait.results import HEEL_STRIKE, TOE_OFF, GaitReport, QualityFlag
from actionpose.tasks.gait.trajectories import LEG_JOINTS, LegTrajectories, leg_trajectories
from actionpose.tasks.gait.view import VIEWS, detect_view

log = logging.getLogger(__name__)

METHODS = {
    "side_events": "Zeni et al. 2008: heel strike at the heel's most anterior and toe off at the toe's most "
                   "posterior position relative to the pelvis along the walking direction",
    "frontal_events": "footprint method after Ghoussayni et al. 2004 / O'Connor et al. 2007: heel strike and toe "
                      "off where the heel arrives at / the toe leaves its stance position on the image's vertical "
                      "axis (within 10 % of the swing's excursion); assumes a still camera",
    "filter": "zero-lag 4th-order Butterworth low-pass (6 Hz by default)",
    "scale": "apparent leg length (hip-knee + knee-ankle) per frame; metres from height x 0.491 (Winter 2009)",
    "step_length": "ankle to ankle along the walking direction at heel strike (Stenum et al. 2021)",
    "gait_speed": "speed of the pelvis over the stance foot during mid-stance",
    "symmetry": "Robinson et al. 1987 symmetry index 100 |L - R| / (0.5 (L + R))",
}


@dataclass
class GaitConfig:
    """Options of :func:`analyze_gait`.

    Parameters
    ----------
    view
        ``"auto"`` (detect), ``"side"`` or ``"frontal"``.
    height_m
        The walker's height: lengths and speeds also in metres.
    min_score
        Keypoints scored below this are treated as missing.
    max_gap_s
        Gaps up to this long are interpolated.
    cutoff_hz
        Low-pass cut-off of the trajectories.
    min_cycles
        Fewer valid strides on either foot raise the ``too_few_cycles`` flag.
    min_duration_s
        Tracks seen for less than this are not analysed.
    frontal_fraction
        Frontal view: how close to its stance position a foot counts as on the ground (fraction of the swing).
    norm_condition
        ``"overground"`` or ``"treadmill"`` normative knee band.
    low_confidence
        Median leg keypoint score below which ``low_confidence`` is flagged.
    out_of_frame
        Share of frames with a leg keypoint missing or outside the frame above which ``out_of_frame`` is flagged.
    rules
        A rules file (YAML/JSON, :func:`~actionpose.tasks.gait.rules.load_rules`) for the gait alerts of the
        ``gait`` task; None: the built-in rules.
    """

    view: str = "auto"
    height_m: float | None = None
    min_score: float = 0.3
    max_gap_s: float = 0.3
    cutoff_hz: float = 6.0
    min_cycles: int = 3
    min_duration_s: float = 2.0
    frontal_fraction: float = 0.1
    norm_condition: str = "overground"
    low_confidence: float = 0.5
    out_of_frame: float = 0.1
    rules: str | None = None

    def __post_init__(self) -> None:
        if self.view not in ("auto",) + VIEWS:
            raise InputError(None, f"view must be auto, side or frontal, got {self.view!r}")
        if self.height_m is not None and not (0.5 <= float(self.height_m) <= 2.6):
            raise InputError(None, f"height must be in metres (0.5-2.6), got {self.height_m}")


def _source(seq: PoseSequence) -> str:
    return str(seq.meta.get("source", "poses"))


def _check_layout(seq: PoseSequence) -> None:
    missing = [f"{s}_{j}" for s in ("left", "right") for j in ("hip", "knee", "ankle")
               if not resolve_joint(seq.layout, f"{s}_{j}")]
    if missing:
        raise InputError(_source(seq), f"layout {seq.layout.name} has no {', '.join(missing)}: gait needs hips, "
                                       "knees and ankles")


def _quality(traj: LegTrajectories, report: GaitReport, config: GaitConfig, present: np.ndarray) -> list[QualityFlag]:
    flags = []
    p = report.parameters
    fewest = min(p.strides_left, p.strides_right)
    if fewest < config.min_cycles:
        flags.append(QualityFlag("too_few_cycles", f"only {fewest} valid stride(s) on one foot (want at least "
                                                   f"{config.min_cycles}); parameters are uncertain"))
    legs = [f"{s}_{j}" for s in ("left", "right") for j in LEG_JOINTS if f"{s}_{j}" in traj.scores]
    scores = np.stack([traj.scores[n][present] for n in legs]) if legs and present.any() else np.zeros((1, 1))
    median = float(np.median(scores))
    if median < config.low_confidence:
        flags.append(QualityFlag("low_confidence", f"median leg keypoint confidence {median:.2f} "
                                                   f"(below {config.low_confidence:.2f})"))
    raw = [traj.raw[n] for n in legs if n in traj.raw]
    if raw and present.any():
        stack = np.stack(raw)[:, present]                    # (J, T', 2)
        filled = np.stack([traj.points[n] for n in legs if n in traj.raw])[:, present]
        missing = ~np.isfinite(filled).all(axis=-1)          # gaps too long to bridge
        if traj.frame_size:
            w, h = traj.frame_size
            with np.errstate(invalid="ignore"):
                outside = (stack[..., 0] < 0) | (stack[..., 0] > w) | (stack[..., 1] < 0) | (stack[..., 1] > h)
            missing |= outside
        share = float(missing.any(axis=0).mean())
        if share > config.out_of_frame:
            flags.append(QualityFlag("out_of_frame", f"a leg keypoint is missing or outside the frame in "
                                                     f"{100 * share:.0f}% of the frames (walker partly out of "
                                                     "frame or occluded)"))
    if not report.view.forced and report.view.confidence < 0.35:
        flags.append(QualityFlag("view_uncertain", f"the view looks oblique (confidence {report.view.confidence:.2f});"
                                                   f" analysed as {report.view.view}; pass the view to be sure"))
    if report.view.view == "side" and report.view.turns:
        flags.append(QualityFlag("turns", f"the walker turned {report.view.turns} time(s); strides across a turn "
                                          "and events within 0.5 s of it were left out"))
    if report.view.view == "frontal":
        timed = "toe offs" if report.view.direction == "leaving" else "heel strikes"
        flags.append(QualityFlag("frontal_view", "frontal view: step length, gait speed, stance, double support and "
                                                 "joint angles need a side view (frontal heel strikes are early); "
                                                 f"step and stride times are timed by {timed}"))
    if not report.events:
        flags.append(QualityFlag("no_events", "no gait events found (is the person walking?)"))
    return flags


def analyze_person(seq: PoseSequence, column: int, config: GaitConfig | None = None,
                   band: NormativeBand | None = None) -> GaitReport:
    """The gait report of the person in track slot ``column`` of ``seq`` (see :func:`analyze_gait`)."""
    config = config or GaitConfig()
    _check_layout(seq)
    present = seq.present[:, column]
    if not present.any():
        raise InputError(_source(seq), f"person {int(seq.track_ids[column])} is never seen")
    first, last = np.flatnonzero(present)[[0, -1]]
    part = seq.slice_frames(int(first), int(last) + 1)
    traj = leg_trajectories(part, column, min_score=config.min_score, max_gap_s=config.max_gap_s,
                            cutoff_hz=config.cutoff_hz)
    if not np.isfinite(traj.scale).any():
        raise InputError(_source(seq), f"person {int(seq.track_ids[column])}: no legs visible (hips, knees and "
                                       "ankles are never seen together)")
    view, direction = detect_view(traj, None if config.view == "auto" else config.view)
    events = detect_events(traj, view.view, direction, fraction=config.frontal_fraction)
    # frames counted in the video, not from the person's first visible frame (the trajectories start there)
    events = [replace(e, frame=e.frame + int(first)) for e in events]
    timing = TOE_OFF if view.view == "frontal" and view.direction == "leaving" else HEEL_STRIKE
    params = spatiotemporal(events, traj, view.view, direction, config.height_m, timing=timing)
    report = GaitReport(person=int(seq.track_ids[column]), view=view, events=events, parameters=params,
                        fps=float(seq.fps), duration_s=float(part.duration), start_s=float(part.timestamps[0]),
                        height_m=config.height_m,
                        methods={k: v for k, v in METHODS.items()
                                 if not k.endswith("_events") or k.startswith(view.view)})
    if view.view == "side":
        strides = valid_strides(events, traj.t, direction)
        report.angles = angle_curves(traj, strides, direction)
        _angle_parameters(report, band or load_band("knee_flexion", config.norm_condition))
    report.quality = _quality(traj, report, config, part.present[:, column])
    report.walk = walk_evidence(report, traj.points)
    report.walk["premise"] = walk_premise(report) or "a walk"
    return report


def _angle_parameters(report: GaitReport, band: NormativeBand) -> None:
    p = report.parameters
    rmsds, inside = [], []
    for foot in ("left", "right"):
        knee, hip = report.angle("knee_flexion", foot), report.angle("hip_flexion", foot)
        if knee is not None and len(knee.cycles):
            setattr(p, f"knee_rom_{foot}_deg", knee.rom_deg)
            setattr(p, f"knee_peak_swing_{foot}_deg", float(np.median(knee.cycles[:, 50:].max(axis=1))))
            rmsd, within = band.compare(knee.mean)
            if rmsd is not None:
                rmsds.append(rmsd)
                inside.append(within)
        if hip is not None and len(hip.cycles):
            setattr(p, f"hip_rom_{foot}_deg", hip.rom_deg)
    p.knee_norm_rmsd_deg = float(np.mean(rmsds)) if rmsds else None
    p.knee_within_norm_pct = float(np.mean(inside)) if inside else None
    report.norm = band.describe()


def analyze_gait(seq: PoseSequence, config: GaitConfig | None = None, person: int | None = None,
                 band: NormativeBand | None = None) -> list[GaitReport]:
    """Gait reports of the people walking in ``seq``.

    Parameters
    ----------
    seq
        Tracked poses (any layout with hips, knees and ankles; BlazePose heels and toes are used).
    config
        :class:`GaitConfig` (view, walker height, filtering, flags).
    person
        Only this track id; default every track seen for at least ``config.min_duration_s``.
    band
        Normative knee band (default: the shipped one for ``config.norm_condition``).

    Raises
    ------
    InputError
        No person, the person is unknown or seen too briefly, or the layout has no legs.
    """
    config = config or GaitConfig()
    source = _source(seq)
    _check_layout(seq)
    if seq.num_people == 0 or not seq.present.any():
        raise InputError(source, "no person found in the poses")
    if person is not None:
        where = np.flatnonzero(seq.track_ids == int(person))
        if not where.size:
            raise InputError(source, f"no person {person}; tracks are {seq.track_ids.tolist()}")
        columns = [int(where[0])]
    else:
        columns = list(range(seq.num_people))
    reports = []
    for c in columns:
        seen = float(seq.present[:, c].sum()) / seq.fps
        if seen < config.min_duration_s:
            log.info("track %d seen for %.1f s only: skipped", seq.track_ids[c], seen)
            continue
        reports.append(analyze_person(seq, c, config, band))
    if not reports:
        longest = float(seq.present[:, columns].sum(axis=0).max()) / seq.fps
        raise InputError(source, f"too short: a person is seen for {longest:.1f} s at most; gait analysis needs "
                                 f"at least {config.min_duration_s:g} s of walking")
    return reports


__all__ = ["GaitConfig", "METHODS", "analyze_gait", "analyze_person"]

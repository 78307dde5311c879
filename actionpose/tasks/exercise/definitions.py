"""Exercise definitions as data: what signal to follow, the two terminal states, form rules and feedback.

A definition is a small YAML or JSON file (the built-in ones live in ``definitions/*.yaml`` beside
this module)::

    name: squat
    kind: reps                        # reps (count repetitions) | hold (time in good form)
    signal: {height: pelvis, above: ankle, scale: self}
    rest: {above: 0.90}               # terminal state 1 (standing): hysteresis band between the two
    peak: {below: 0.75}               # terminal state 2 (bottom)
    phases: [down, up]                # names of rest -> peak and peak -> rest
    measures:                         # named per-frame measures used by metrics and rules
      hip_above_knee: {height: hip, above: knee, sides: mean}
    depth: hip_above_knee             # metric reported as the rep's depth (value at the bottom)
    rules:
      - id: shallow_depth
        measure: hip_above_knee
        at: peak                      # value at the bottom frame (or min, max, mean, median)
        above: 0.0                    # the fault fires when the value is above 0
        message: Squat deeper, hips below the knees
        why: Parallel-squat standard ...

A measure is written ``{<type>: <joints>, ...options}``; the types are listed in :data:`MEASURE_TYPES`
and computed by :mod:`actionpose.tasks.exercise.signals`. Joint names are the shared vocabulary of
:mod:`actionpose.skeleton.layouts`; a name without a side (``knee``) means the left and right ones,
combined by ``sides``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from actionpose.errors import InputError

log = logging.getLogger(__name__)

#: measure types and what each means (units in brackets)
MEASURE_TYPES = {
    "angle": "angle at the middle of three joints, 180 = straight [deg]",
    "inclination": "angle of the segment lower -> upper from the image vertical, 0 = upright, 90 = level [deg]",
    "lean": "inclination signed by the facing direction: + forward, - backward [deg]",
    "height": "how far the joint is above the 'above' joint, in torso lengths (scale: torso) or as a fraction "
              "of its own standing value (scale: self)",
    "bend": "signed deviation of the middle joint from the straight line through the outer two: "
            "+ above the line (piked), - below (sagging) [deg]",
    "forward": "how far the joint is ahead of the 'of' joint in the facing direction [torso lengths]",
    "distance": "distance between two joints [torso lengths]",
    "learned": "probability of the peak state from a learned terminal-state model (.npz) [0-1]",
}
#: how the left and right values of a measure with sides are combined
SIDES = ("auto", "mean", "min", "max", "left", "right", "front", "back", "diff")
#: how a rule reduces a measure over a rep (``sustained``: beyond the threshold long enough, see :class:`Rule`)
AGGREGATES = ("peak", "min", "max", "mean", "median", "start", "end", "sustained")
#: the phases of a rep a sustained rule can be judged in (``rep``: each of the three)
PHASES = ("rep", "descent", "bottom", "ascent")
#: which camera views a rule can be judged from
VIEWS = ("any", "side", "front")
KINDS = ("reps", "hold")
_MEASURE_OPTIONS = {"sides", "above", "scale", "of", "shift", "peak_class", "rest_class"}
_TOP_KEYS = {"name", "title", "description", "kind", "signal", "rest", "peak", "phases", "measures", "gates",
             "rules", "depth", "rom", "asymmetry", "signature", "feedback", "timing", "sources", "standards",
             "stance"}
#: the stance an exercise needs at the bottom of a rep (used by ``--exercise auto``): ``split`` (feet apart
#: along the direction the person faces, one knee forward: a lunge) or ``level`` (feet side by side, both
#: knees alike: a squat)
STANCES = ("split", "level")
_RULE_KEYS = {"id", "measure", "at", "above", "below", "message", "why", "view", "min_s", "min_share", "phase"}
#: the standard every definition has (its base rules, unless the file says otherwise)
DEFAULT_STANDARD = "default"


@dataclass(frozen=True)
class Measure:
    """One per-frame quantity of a track (see :data:`MEASURE_TYPES`).

    Parameters
    ----------
    name
        Name used by rules and metrics.
    type
        One of :data:`MEASURE_TYPES`.
    joints
        The joints it reads (side-less names expand to both sides).
    sides
        How left and right values combine (:data:`SIDES`); ``auto`` averages the sides that are well
        seen in the track and ignores an occluded one.
    ref
        ``height``: the reference joint(s) the joint is above; ``forward``: alternatives for the joint
        it is ahead of, tried in order (the first the layout has).
    shift
        ``forward``: torso lengths added to each alternative of ``ref`` (estimates a toe from an ankle).
    scale
        ``height``: ``torso`` or ``self``.
    model
        ``learned``: the terminal-state model file; ``peak_class`` / ``rest_class`` name its classes.
    """

    name: str
    type: str
    joints: tuple[str, ...]
    sides: str = "auto"
    ref: tuple[str, ...] = ()
    shift: tuple[float, ...] = ()
    scale: str = "torso"
    model: Path | None = None
    peak_class: str | None = None
    rest_class: str | None = None

    @property
    def unit(self) -> str:
        """``deg``, ``torso``, ``ratio`` or ``prob``."""
        if self.type in ("angle", "inclination", "lean", "bend"):
            return "deg"
        if self.type == "learned":
            return "prob"
        return "ratio" if self.scale == "self" else "torso"


@dataclass(frozen=True)
class Zone:
    """A terminal state: the signal is ``above`` or ``below`` a threshold."""

    direction: str
    threshold: float

    def contains(self, value: float) -> bool:
        """Whether ``value`` is inside the zone (False for NaN)."""
        return value >= self.threshold if self.direction == "above" else value <= self.threshold

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Element-wise :meth:`contains` of an array (False for NaN)."""
        with np.errstate(invalid="ignore"):
            return (values >= self.threshold) if self.direction == "above" else (values <= self.threshold)


@dataclass(frozen=True)
class Condition:
    """``measure`` above or below a value (gates and signatures)."""

    measure: str
    zone: Zone


@dataclass(frozen=True)
class Rule:
    """A form fault: ``measure`` reduced over the rep by ``at`` crosses ``zone``.

    ``message`` is the short feedback a coach would give; ``why`` explains the threshold and where
    it comes from. ``view`` restricts the rule to reps seen from the side or the front (a rule that
    cannot be judged from the camera's view is reported as not assessed, never as a fault). For a
    hold (plank) the rule is judged frame by frame and ``at`` is not used.

    With ``at: sustained`` the fault is an *excursion*: the measure is beyond the threshold for at least
    ``min_s`` seconds in a row, or for at least ``min_share`` of the frames of one phase (``descent``: rest to
    the peak zone, ``bottom``: inside the peak zone, ``ascent``: back to rest); ``phase`` limits it to one of
    them (default ``rep``: any). A single noisy frame never makes a fault; a brief sag during the push does.
    """

    id: str
    measure: str
    at: str
    zone: Zone
    message: str
    why: str = ""
    view: str = "any"
    min_s: float = 0.2
    min_share: float = 0.5
    phase: str = "rep"


@dataclass(frozen=True)
class Standard:
    """A named set of form criteria (e.g. squat ``default`` vs ``powerlifting``).

    ``rules`` are the definition's rules as this standard judges them: the base rules with the
    standard's overrides applied (a threshold, the measure, the view, ...), plus any rules it adds.
    """

    name: str
    description: str
    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timing:
    """Counter timing, in seconds."""

    smooth_s: float = 0.2
    min_state_s: float = 0.1
    max_gap_s: float = 1.0
    min_rep_s: float = 0.3
    min_hold_s: float = 1.0
    partial: float = 0.5


@dataclass(frozen=True)
class ExerciseDefinition:
    """Everything the counter, the metrics and the form rules need to know about one exercise."""

    name: str
    title: str
    kind: str
    signal: Measure | None
    rest: Zone | None
    peak: Zone | None
    phases: tuple[str, str] = ("down", "up")
    measures: dict[str, Measure] = field(default_factory=dict)
    gates: tuple[Condition, ...] = ()
    rules: tuple[Rule, ...] = ()
    depth: str | None = None
    rom: str | None = None
    asymmetry: str | None = None
    signature: tuple[Condition, ...] = ()
    good: str = "Good rep"
    partial: str = ""
    timing: Timing = field(default_factory=Timing)
    description: str = ""
    sources: tuple[str, ...] = ()
    origin: str = "built-in"
    standards: dict[str, Standard] = field(default_factory=dict)
    standard: str = DEFAULT_STANDARD
    stance: str | None = None

    def standard_names(self) -> list[str]:
        """Names of the definition's standards (``default`` first)."""
        names = list(self.standards) or [DEFAULT_STANDARD]
        return sorted(names, key=lambda n: (n != DEFAULT_STANDARD, n))

    def with_standard(self, name: str | None) -> ExerciseDefinition:
        """This definition judged by the standard ``name`` (None: ``default``).

        Raises
        ------
        InputError
            For a standard the definition does not have (naming the ones it has).
        """
        from dataclasses import replace

        name = (name or DEFAULT_STANDARD).strip().lower()
        if name == self.standard:
            return self
        if name not in self.standards:
            raise InputError(self.name, f"unknown standard {name!r} for {self.name}; standards: "
                                        f"{', '.join(self.standard_names())}")
        return replace(self, rules=self.standards[name].rules, standard=name)

    def measure(self, name: str) -> Measure:
        """A named measure (``signal`` is the counting signal)."""
        if name == "signal" and self.signal is not None:
            return self.signal
        return self.measures[name]

    def summary(self) -> dict[str, Any]:
        """JSON-friendly description (``actionpose exercises --json``)."""
        def zone(z: Zone | None) -> dict | None:
            return None if z is None else {z.direction: z.threshold}
        return {"name": self.name, "title": self.title, "kind": self.kind, "origin": self.origin,
                "signal": None if self.signal is None else {
                    "type": self.signal.type, "joints": list(self.signal.joints), "unit": self.signal.unit},
                "rest": zone(self.rest), "peak": zone(self.peak), "phases": list(self.phases),
                "standard": self.standard,
                "standards": {n: {"description": st.description,
                                  "rules": [{"id": r.id, "measure": r.measure, "at": r.at,
                                             r.zone.direction: r.zone.threshold, "view": r.view}
                                            for r in st.rules]}
                              for n, st in self.standards.items()},
                "rules": [{"id": r.id, "measure": r.measure, "at": r.at, r.zone.direction: r.zone.threshold,
                           "view": r.view, "message": r.message, "why": r.why} for r in self.rules]}


# --------------------------------------------------------------------------- parsing
class _Parser:
    """Validates one definition document; every problem is an InputError naming the file."""

    def __init__(self, source: str | Path) -> None:
        self.source = source

    def fail(self, problem: str) -> InputError:
        return InputError(self.source, f"bad exercise definition: {problem}")

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(f"{where} must be a mapping, got {type(value).__name__}")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{where} must be a number, got {value!r}")
        return float(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where} must be a non-empty string, got {value!r}")
        return value.strip()

    def names(self, value: Any, where: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
            raise self.fail(f"{where} must be a joint name or a list of joint names, got {value!r}")
        return tuple(items)

    def zone(self, value: Any, where: str) -> Zone:
        spec = self.mapping(value, where)
        keys = set(spec) & {"above", "below"}
        if len(keys) != 1 or set(spec) - {"above", "below"}:
            raise self.fail(f"{where} needs exactly one of 'above' or 'below', got {sorted(spec)}")
        direction = keys.pop()
        return Zone(direction, self.number(spec[direction], f"{where}.{direction}"))

    def measure(self, name: str, value: Any, base: Path | None) -> Measure:
        where = f"measure {name!r}"
        spec = self.mapping(value, where)
        types = [k for k in spec if k in MEASURE_TYPES]
        if len(types) != 1:
            raise self.fail(f"{where} needs exactly one type key of {', '.join(MEASURE_TYPES)}; got {sorted(spec)}")
        kind = types[0]
        unknown = set(spec) - {kind} - _MEASURE_OPTIONS
        if unknown:
            raise self.fail(f"{where} has unknown option(s) {sorted(unknown)}")
        sides = spec.get("sides", "auto")
        if sides not in SIDES:
            raise self.fail(f"{where}: sides must be one of {', '.join(SIDES)}, got {sides!r}")
        scale = spec.get("scale", "torso")
        if scale not in ("torso", "self"):
            raise self.fail(f"{where}: scale must be 'torso' or 'self', got {scale!r}")
        if kind == "learned":
            path = Path(self.text(spec[kind], f"{where}.learned"))
            if not path.is_absolute() and base is not None:
                path = base / path
            return Measure(name, kind, (), model=path, peak_class=spec.get("peak_class"),
                           rest_class=spec.get("rest_class"))
        joints = self.names(spec[kind], f"{where}.{kind}")
        need = {"angle": 3, "bend": 3, "inclination": 2, "lean": 2, "distance": 2, "height": 1, "forward": 1}[kind]
        if len(joints) != need:
            raise self.fail(f"{where}: {kind} takes {need} joint(s), got {list(joints)}")
        ref: tuple[str, ...] = ()
        shift: tuple[float, ...] = ()
        if kind == "height":
            if "above" not in spec:
                raise self.fail(f"{where}: height needs 'above' (the reference joint)")
            ref = self.names(spec["above"], f"{where}.above")
        elif kind == "forward":
            if "of" not in spec:
                raise self.fail(f"{where}: forward needs 'of' (the joint it is ahead of)")
            ref = self.names(spec["of"], f"{where}.of")
            raw = spec.get("shift", [0.0] * len(ref))
            raw = raw if isinstance(raw, list) else [raw]
            if len(raw) != len(ref):
                raise self.fail(f"{where}: shift needs one number per 'of' joint")
            shift = tuple(self.number(v, f"{where}.shift") for v in raw)
        elif "above" in spec or "of" in spec or "shift" in spec:
            raise self.fail(f"{where}: 'above', 'of' and 'shift' only apply to height and forward")
        return Measure(name, kind, joints, sides=sides, ref=ref, shift=shift, scale=scale)

    def conditions(self, value: Any, where: str, known: set[str]) -> tuple[Condition, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(f"{where} must be a list")
        out = []
        for i, item in enumerate(value):
            spec = dict(self.mapping(item, f"{where}[{i}]"))
            name = self.text(spec.pop("measure", None), f"{where}[{i}].measure")
            if name not in known:
                raise self.fail(f"{where}[{i}] names unknown measure {name!r}")
            out.append(Condition(name, self.zone(spec, f"{where}[{i}]")))
        return tuple(out)

    def rule(self, i: int, value: Any, known: set[str]) -> Rule:
        where = f"rules[{i}]"
        spec = dict(self.mapping(value, where))
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            raise self.fail(f"{where} has unknown key(s) {sorted(unknown)}")
        rid = self.text(spec.get("id"), f"{where}.id")
        measure = self.text(spec.get("measure"), f"{where}.measure")
        if measure not in known:
            raise self.fail(f"rule {rid!r} names unknown measure {measure!r}")
        at = spec.get("at", "peak")
        if at not in AGGREGATES:
            raise self.fail(f"rule {rid!r}: at must be one of {', '.join(AGGREGATES)}, got {at!r}")
        view = spec.get("view", "any")
        if view not in VIEWS:
            raise self.fail(f"rule {rid!r}: view must be one of {', '.join(VIEWS)}, got {view!r}")
        zone = self.zone({k: spec[k] for k in ("above", "below") if k in spec}, f"rule {rid!r}")
        phase = spec.get("phase", "rep")
        if phase not in PHASES:
            raise self.fail(f"rule {rid!r}: phase must be one of {', '.join(PHASES)}, got {phase!r}")
        min_s = self.number(spec.get("min_s", 0.2), f"rule {rid!r}.min_s")
        min_share = self.number(spec.get("min_share", 0.5), f"rule {rid!r}.min_share")
        if min_s < 0 or not 0 < min_share <= 1:
            raise self.fail(f"rule {rid!r}: min_s must be >= 0 and min_share in (0, 1]")
        return Rule(rid, measure, at, zone, self.text(spec.get("message"), f"rule {rid!r}.message"),
                    str(spec.get("why", "")).strip(), view, min_s, min_share, phase)

    def standards(self, value: Any, base_rules: tuple[Rule, ...], known: set[str]) -> dict[str, Standard]:
        """Named standards: each a mapping ``{description, sources, rules: {rule id: overrides}}``; an
        override names keys of a base rule to change (a whole new rule needs ``measure`` and ``message``)."""
        if value is None:
            return {DEFAULT_STANDARD: Standard(DEFAULT_STANDARD, "the definition's rules", base_rules)}
        out = {}
        for name, spec in self.mapping(value, "standards").items():
            where = f"standard {name!r}"
            spec = self.mapping(spec or {}, where)
            bad = set(spec) - {"description", "rules", "sources"}
            if bad:
                raise self.fail(f"{where} has unknown key(s) {sorted(bad)}; allowed: description, rules, sources")
            overrides = self.mapping(spec.get("rules", {}) or {}, f"{where}.rules")
            by_id = {r.id: r for r in base_rules}
            rules = list(base_rules)
            for i, (rid, change) in enumerate(overrides.items()):
                change = dict(self.mapping(change, f"{where}.rules.{rid}"))
                if "id" in change:
                    raise self.fail(f"{where}.rules.{rid}: the id is the key, do not repeat it")
                base = by_id.get(rid)
                if base is None:
                    doc = {"id": rid, **change}
                else:
                    doc = {"id": rid, "measure": base.measure, "at": base.at, "message": base.message,
                           "why": base.why, "view": base.view, "min_s": base.min_s, "min_share": base.min_share,
                           "phase": base.phase}
                    if not ({"above", "below"} & set(change)):
                        doc[base.zone.direction] = base.zone.threshold
                    doc.update(change)
                rule = self.rule(i, doc, known)
                if base is None:
                    rules.append(rule)
                else:
                    rules[rules.index(base)] = rule
            out[str(name).lower()] = Standard(str(name).lower(), str(spec.get("description", "")).strip(),
                                              tuple(rules), tuple(str(s) for s in spec.get("sources", []) or []))
        if DEFAULT_STANDARD not in out:
            raise self.fail(f"standards must include {DEFAULT_STANDARD!r}, got {sorted(out)}")
        return out

    def definition(self, doc: Any, base: Path | None, origin: str) -> ExerciseDefinition:
        doc = self.mapping(doc, "the document")
        unknown = set(doc) - _TOP_KEYS
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(_TOP_KEYS))}")
        name = self.text(doc.get("name"), "name")
        kind = doc.get("kind", "reps")
        if kind not in KINDS:
            raise self.fail(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        measures = {str(k): self.measure(str(k), v, base)
                    for k, v in self.mapping(doc.get("measures", {}) or {}, "measures").items()}
        signal = self.measure("signal", doc["signal"], base) if doc.get("signal") is not None else None
        known = set(measures) | ({"signal"} if signal else set())
        rest = self.zone(doc["rest"], "rest") if "rest" in doc else None
        peak = self.zone(doc["peak"], "peak") if "peak" in doc else None
        if kind == "reps":
            if signal is None or rest is None or peak is None:
                raise self.fail("a reps exercise needs signal, rest and peak")
            if rest.direction == peak.direction:
                raise self.fail("rest and peak must lie on opposite sides (one 'above', the other 'below')")
            low, high = (peak, rest) if peak.direction == "below" else (rest, peak)
            if not low.threshold < high.threshold:
                raise self.fail(f"rest and peak overlap: the 'below' threshold {low.threshold:g} must be under the "
                                f"'above' threshold {high.threshold:g} (the gap between them is the hysteresis)")
        gates = self.conditions(doc.get("gates"), "gates", known)
        if kind == "hold" and not gates:
            raise self.fail("a hold exercise needs gates (what 'in position' means)")
        phases = doc.get("phases", ["down", "up"])
        if not (isinstance(phases, list) and len(phases) == 2 and all(isinstance(p, str) for p in phases)):
            raise self.fail(f"phases must be two names, got {phases!r}")
        rules = doc.get("rules", []) or []
        if not isinstance(rules, list):
            raise self.fail("rules must be a list")
        parsed_rules = tuple(self.rule(i, r, known) for i, r in enumerate(rules))
        ids = [r.id for r in parsed_rules]
        if len(set(ids)) != len(ids):
            raise self.fail(f"rule ids must be unique, got {ids}")
        refs = {}
        for key in ("depth", "rom", "asymmetry"):
            refs[key] = doc.get(key)
            if refs[key] is not None and refs[key] not in known:
                raise self.fail(f"{key} names unknown measure {refs[key]!r}")
        timing_spec = self.mapping(doc.get("timing", {}) or {}, "timing")
        bad = set(timing_spec) - set(Timing.__dataclass_fields__)
        if bad:
            raise self.fail(f"timing has unknown key(s) {sorted(bad)}")
        timing = Timing(**{k: self.number(v, f"timing.{k}") for k, v in timing_spec.items()})
        if not 0 < timing.partial <= 1:
            raise self.fail("timing.partial must be in (0, 1]")
        feedback = self.mapping(doc.get("feedback", {}) or {}, "feedback")
        if set(feedback) - {"good", "partial"}:
            raise self.fail(f"feedback has unknown key(s) {sorted(set(feedback) - {'good', 'partial'})}; "
                            "allowed: good, partial")
        sources = doc.get("sources", []) or []
        standards = self.standards(doc.get("standards"), parsed_rules, known)
        stance = doc.get("stance")
        if stance is not None and stance not in STANCES:
            raise self.fail(f"stance must be one of {', '.join(STANCES)}, got {stance!r}")
        return ExerciseDefinition(
            name=name, title=str(doc.get("title", name.replace("_", " ").capitalize())), kind=kind, signal=signal,
            rest=rest, peak=peak, phases=(phases[0], phases[1]), measures=measures, gates=gates,
            rules=standards[DEFAULT_STANDARD].rules,
            depth=refs["depth"], rom=refs["rom"], asymmetry=refs["asymmetry"],
            signature=self.conditions(doc.get("signature"), "signature", known),
            good=str(feedback.get("good", "Good rep")), partial=str(feedback.get("partial", "")), timing=timing,
            description=str(doc.get("description", "")),
            sources=tuple(str(s) for s in sources), origin=origin, standards=standards,
            standard=DEFAULT_STANDARD, stance=stance)


def parse_definition(doc: Any, source: str | Path = "<definition>", base: str | Path | None = None,
                     origin: str = "user") -> ExerciseDefinition:
    """An :class:`ExerciseDefinition` from a parsed YAML/JSON document.

    Raises
    ------
    InputError
        Naming ``source`` and the first problem found.
    """
    return _Parser(source).definition(doc, Path(base) if base is not None else None, origin)


def load_definition_file(path: str | Path, origin: str | None = None) -> ExerciseDefinition:
    """Read a definition from a ``.yaml``/``.yml``/``.json`` file (model paths resolve beside it).

    ``origin`` (default: the file's path) is reported with the definition.

    Raises
    ------
    InputError
        When the file is missing, unreadable, not YAML/JSON, or not a valid definition.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such exercise definition file")
    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the exercise definition ({exc})") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({first})") from None
    return parse_definition(doc, path, base=path.parent, origin=origin or str(path))


def _builtin_files() -> dict[str, Any]:
    folder = resources.files("actionpose.tasks.exercise") / "definitions"
    return {f.name.rsplit(".", 1)[0]: f for f in folder.iterdir() if f.name.endswith((".yaml", ".json"))}


def builtin_names() -> list[str]:
    """Names of the built-in exercises."""
    return sorted(_builtin_files())


def builtin_definition(name: str) -> ExerciseDefinition:
    """A built-in definition by name (``squat``, ``pushup``, ...).

    Raises
    ------
    InputError
        For an unknown name (listing the known ones).
    """
    files = _builtin_files()
    key = ALIASES.get(name.lower().replace("-", "_"), name.lower().replace("-", "_"))
    if key not in files:
        raise InputError(name, f"unknown exercise; built in: {', '.join(sorted(files))} (or give a .yaml/.json "
                               "definition file)")
    with resources.as_file(files[key]) as path:
        return load_definition_file(path, origin="built-in")


#: other spellings accepted for the built-in names
ALIASES = {"push_up": "pushup", "pushups": "pushup", "squats": "squat", "curl": "bicep_curl", "bicep": "bicep_curl",
           "biceps_curl": "bicep_curl", "jumping_jacks": "jumping_jack", "jj": "jumping_jack", "sit_up": "situp",
           "situps": "situp", "lunges": "lunge", "planks": "plank"}


def builtin_definitions() -> list[ExerciseDefinition]:
    """Every built-in definition."""
    return [builtin_definition(n) for n in builtin_names()]


def get_definition(spec: str | Path | ExerciseDefinition, standard: str | None = None) -> ExerciseDefinition:
    """A definition from a built-in name, a ``.yaml``/``.yml``/``.json`` file, or a learned-states
    ``.npz`` (counted with the model's peak probability and no form rules), judged by ``standard``
    (None: the definition's current one, ``default`` for a freshly read one).

    Raises
    ------
    InputError
        For an unknown exercise or standard, or a bad definition file.
    """
    if standard is not None:
        return get_definition(spec).with_standard(standard)
    if isinstance(spec, ExerciseDefinition):
        return spec
    text = str(spec)
    suffix = Path(text).suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        return load_definition_file(text)
    if suffix == ".npz":
        from actionpose.tasks.exercise.learned import definition_from_model

        return definition_from_model(text)
    return builtin_definition(text)


__all__ = ["AGGREGATES", "ALIASES", "Condition", "DEFAULT_STANDARD", "ExerciseDefinition", "KINDS", "MEASURE_TYPES",
           "Measure", "PHASES", "Rule", "SIDES", "Standard", "Timing", "VIEWS", "Zone", "builtin_definition",
           "builtin_definitions", "builtin_names", "get_definition", "load_definition_file", "parse_definition"]

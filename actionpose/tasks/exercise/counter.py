"""Repetition counting: a hysteresis state machine per tracked person, tolerant of jitter and dropouts.

A rep is *rest -> peak -> rest*: the signal leaves the rest zone, reaches the peak zone, and comes
back. The two zones are separated by a band (hysteresis), and a zone counts as reached only after
the signal stayed inside it for ``min_state`` frames, so jitter around one threshold never counts.
Short dropouts (NaN) are bridged: the state is kept; a dropout longer than ``max_gap`` frames ends
the attempt in progress (reported as partial, reason ``"lost"``) and the counter starts over.

Partial reps are reported, not counted: an excursion that went at least ``partial`` of the way from
the rest threshold towards the peak threshold and came back (``"shallow"``), a rep whose start the
stream did not see (``"started mid-rep"``), a rep still in progress at the end (``"unfinished"``),
or one faster than ``min_rep`` frames (``"too fast"``). A stream that starts in the peak zone and
never reaches rest holds no rep at all (someone standing still is not an unfinished sit-up).

:class:`RepCounter` is causal and incremental (``update`` one value at a time), so it serves a live
stream as well as a file; :class:`MultiTrackCounter` keeps one counter per track id, so two people in
view never mix their counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from actionpose.tasks.exercise.definitions import Zone


@dataclass
class RepSpan:
    """Frames of one (complete or partial) repetition.

    ``start``: last frame in the rest zone before the rep; ``bottom``: frame of the extreme value
    (deepest point); ``end``: first frame back in the rest zone (or the last frame seen).
    ``progress``: how far the rep went, 0 at the rest threshold, 1 at the peak threshold.
    """

    start: int
    bottom: int
    end: int
    complete: bool
    progress: float
    reason: str | None = None


class RepCounter:
    """Hysteresis rep counter for one person (incremental).

    Parameters
    ----------
    rest, peak
        The two terminal states (opposite directions; the gap between them is the hysteresis).
    min_state
        Frames the signal must stay in a zone for the zone to count as reached.
    max_gap
        Longest run of missing frames bridged without losing the rep in progress.
    min_rep
        Complete reps shorter than this many frames are reported as partial ("too fast").
    partial
        Fraction of the way to the peak zone an excursion must reach to be reported as a partial rep.
    """

    def __init__(self, rest: Zone, peak: Zone, min_state: int = 3, max_gap: int = 30, min_rep: int = 8,
                 partial: float = 0.5) -> None:
        if rest.direction == peak.direction:
            raise ValueError("rest and peak zones must point in opposite directions")
        self.rest, self.peak = rest, peak
        self.min_state, self.max_gap, self.min_rep, self.partial = max(1, min_state), max_gap, min_rep, partial
        self.reps: list[RepSpan] = []
        self._reset()

    def _reset(self) -> None:
        self.state = "unknown"
        self._rest_run = self._peak_run = 0
        self._gap = 0
        self._last_rest: int | None = None
        self._start: int | None = None
        self._best = -math.inf
        self._best_at = -1
        self._last_valid = -1
        self._first = -1

    @property
    def count(self) -> int:
        """Complete reps so far."""
        return sum(r.complete for r in self.reps)

    def progress(self, value: float) -> float:
        """0 at the rest threshold, 1 at the peak threshold (beyond: > 1)."""
        span = self.peak.threshold - self.rest.threshold
        return (value - self.rest.threshold) / span

    def _emit(self, end: int, complete: bool, reason: str | None) -> RepSpan:
        start = self._start if self._start is not None else self._first
        if complete and end - start < self.min_rep:
            complete, reason = False, "too fast"
        span = RepSpan(start, self._best_at, end, complete, round(float(self._best), 3), reason)
        self.reps.append(span)
        return span

    def update(self, index: int, value: float) -> RepSpan | None:
        """Feed frame ``index``'s signal value (NaN when missing); returns a rep when one ends here."""
        if value is None or not np.isfinite(value):
            self._gap += 1
            if self._gap > self.max_gap and self.state != "unknown":
                done = None
                if self.state in ("out", "peak") and self._start is not None and self._best >= self.partial:
                    done = self._emit(self._last_valid, False, "lost")
                self._reset()
                return done
            return None
        self._gap = 0
        self._last_valid = index
        if self._first < 0:
            self._first = index
        in_rest, in_peak = self.rest.contains(value), self.peak.contains(value)
        self._rest_run = self._rest_run + 1 if in_rest else 0
        self._peak_run = self._peak_run + 1 if in_peak else 0
        prog = self.progress(value)
        if self.state in ("out", "peak", "unknown") and prog > self._best:
            self._best, self._best_at = prog, index
        if self.state == "unknown":
            if self._rest_run >= self.min_state:
                self._enter_rest(index)
            elif self._peak_run >= self.min_state:
                self.state, self._start = "peak", None
            return None
        if self.state == "rest":
            if in_rest:
                self._last_rest = index
                return None
            self.state, self._start = "out", self._last_rest
            self._best, self._best_at = prog, index
        if self._rest_run >= self.min_state:
            back = index - self._rest_run + 1
            done = None
            if self.state == "peak":
                done = self._emit(back, self._start is not None, None if self._start is not None else "started mid-rep")
            elif self._best >= self.partial:
                done = self._emit(back, False, "shallow")
            self._enter_rest(index)
            return done
        if self.state == "out" and self._peak_run >= self.min_state:
            self.state = "peak"
        return None

    def _enter_rest(self, index: int) -> None:
        self.state = "rest"
        self._last_rest = index
        self._start = None
        self._best, self._best_at = -math.inf, -1

    def finish(self) -> RepSpan | None:
        """End of stream: report a rep still in progress as partial ("unfinished")."""
        done = None
        if self.state in ("out", "peak") and self._start is not None and self._best >= self.partial:
            done = self._emit(self._last_valid, False, "unfinished")
        self._reset()
        return done


class MultiTrackCounter:
    """One :class:`RepCounter` per track id (state kept per person).

    >>> c = MultiTrackCounter(Zone("above", 160), Zone("below", 100), min_state=1, min_rep=1)
    >>> for i, v in enumerate([170, 90, 170]):
    ...     _ = c.update(7, i, v)
    >>> c.counts()
    {7: 1}
    """

    def __init__(self, rest: Zone, peak: Zone, **options: float) -> None:
        self.rest, self.peak, self.options = rest, peak, options
        self.counters: dict[int, RepCounter] = {}

    def counter(self, track_id: int) -> RepCounter:
        """The counter of one track (created on first use)."""
        if track_id not in self.counters:
            self.counters[track_id] = RepCounter(self.rest, self.peak, **self.options)
        return self.counters[track_id]

    def update(self, track_id: int, index: int, value: float) -> RepSpan | None:
        """Feed one value of one track."""
        return self.counter(int(track_id)).update(index, value)

    def finish(self) -> dict[int, RepSpan | None]:
        """End every track's stream."""
        return {t: c.finish() for t, c in self.counters.items()}

    def counts(self) -> dict[int, int]:
        """Complete reps per track id."""
        return {t: c.count for t, c in self.counters.items()}


def count_signal(values: np.ndarray, rest: Zone, peak: Zone, **options: float) -> list[RepSpan]:
    """Every rep of one person's (smoothed) signal, complete and partial, in order."""
    counter = RepCounter(rest, peak, **options)
    for i, v in enumerate(np.asarray(values, dtype=np.float64)):
        counter.update(i, float(v))
    counter.finish()
    return counter.reps


def hold_segments(in_position: np.ndarray, max_gap: int, min_frames: int) -> list[tuple[int, int]]:
    """``[start, stop)`` frame ranges of a hold: runs of ``in_position`` with gaps of at most ``max_gap``
    frames bridged, kept when at least ``min_frames`` long."""
    idx = np.flatnonzero(np.asarray(in_position, dtype=bool))
    if not len(idx):
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap + 1)
    starts = np.r_[idx[0], idx[breaks + 1]]
    stops = np.r_[idx[breaks], idx[-1]] + 1
    return [(int(a), int(b)) for a, b in zip(starts, stops) if b - a >= min_frames]


__all__ = ["MultiTrackCounter", "RepCounter", "RepSpan", "count_signal", "hold_segments"]

"""Small-number suppression: the one place that decides what a published count may say.

Policy 001 §2.10: "information which contains small numbers of person identifiable information may
lead to identification". So, with ``T`` the threshold (``CONFIDE_STATS_SUPPRESS_BELOW``, 5):

* **Primary suppression.** A count from 1 to ``T - 1`` is shown as ``<T`` ("fewer than 5"). Zero is
  shown as 0: "nobody" identifies no one, and a suppressed cell is then known to hold at least one.
  Totals are counts too, and are suppressed the same way.
* **Secondary suppression.** The published figures obey equations: a row's cells add up to its
  total, a column's to its, and some tables are tied to others (a service's referrals are the row
  total of one table and a column of another). A reader who knows the rule can work back from the
  figures shown. So we work out what such a reader can learn, as they would: each ``<T`` cell is
  between 1 and ``T - 1``, each withheld cell is at least ``T`` (it would say ``<T`` otherwise),
  and every equation narrows those ranges, over and over until nothing changes. Wherever that
  leaves a ``<T`` cell with a narrower range than 1 to ``T - 1`` (its exact value, or only that it
  is at least 3, say), one more cell in an equation it is part of is withheld: the smallest
  non-zero count there, ties to the first. Then the reader's reasoning is done again, until every
  ``<T`` cell could be anything from 1 to ``T - 1``, or nothing more can be withheld around it.
  Withheld cells are shown as ``withheld``, not ``<T``, because they are not small.

A threshold of 1 suppresses nothing. The raw counts stay inside this module and the statistics
module that feeds it: :func:`suppress` returns only what may be shown.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

WITHHELD = "withheld"
# Attacker's reasoning stops after this many rounds: the tables are small, and ranges narrow by
# whole numbers, so it settles long before.
_MAX_ROUNDS = 200
# How many candidate cells are tried, smallest first, for one that protects a small cell alone.
_LOOKAHEAD = 12

Key = Hashable


@dataclass(frozen=True)
class Line:
    """An equation the true counts obey: the sum of ``coefficient * count`` over the terms is 0.
    A row with its total is ``cells (+1) ... total (-1)``."""

    terms: tuple[tuple[Key, int], ...]

    def holds(self, counts: Mapping[Key, int]) -> bool:
        return sum(coefficient * counts[key] for key, coefficient in self.terms) == 0


@dataclass(frozen=True)
class Cell:
    """What a published cell says. ``value`` is the number shown, or None when suppressed."""

    text: str
    value: int | None
    small: bool = False  # 1 to T - 1: shown as "<T"
    withheld: bool = False  # secondary suppression

    @property
    def suppressed(self) -> bool:
        return self.value is None


def small_label(threshold: int) -> str:
    return f"<{threshold}"


Bounds = dict[Key, tuple[float, float]]


def _reader_bounds(
    counts: Mapping[Key, int],
    lines: Sequence[Line],
    suppressed: set[Key],
    threshold: int,
) -> Bounds:
    """The range a reader can work out for each suppressed cell from what is shown and the
    equations, by interval reasoning repeated until it settles."""
    bounds: Bounds = {
        key: (1, threshold - 1) if counts[key] < threshold else (threshold, math.inf)
        for key in suppressed
    }
    for _ in range(_MAX_ROUNDS):
        changed = False
        for line in lines:
            unknown = [(key, c) for key, c in line.terms if key in suppressed]
            if not unknown:
                continue
            known = -sum(c * counts[key] for key, c in line.terms if key not in suppressed)
            for key, coefficient in unknown:
                low_rest = high_rest = 0.0
                for other, c in unknown:
                    if other == key:
                        continue
                    low, high = bounds[other]
                    low_rest += c * low if c > 0 else c * high
                    high_rest += c * high if c > 0 else c * low
                # coefficient * value = known - rest
                lowest, highest = known - high_rest, known - low_rest
                if coefficient < 0:
                    lowest, highest = -highest, -lowest
                low, high = bounds[key]
                narrowed = (max(low, lowest), min(high, highest))
                if narrowed != (low, high):
                    bounds[key] = narrowed
                    changed = True
        if not changed:
            break
    return bounds


def suppress(counts: Mapping[Key, int], lines: Sequence[Line], threshold: int) -> dict[Key, Cell]:
    """Every count as it may be published (see the module's docstring for the rule).

    ``counts`` are the true counts, totals included; ``lines`` the equations between them. An
    equation that the counts do not satisfy is ignored: no reader can use it either.
    """
    if threshold < 1:
        raise ValueError("The suppression threshold must be at least 1")
    order = {key: index for index, key in enumerate(counts)}
    lines = [line for line in lines if line.holds(counts)]
    small = [key for key, value in counts.items() if 0 < value < threshold]
    suppressed = set(small)
    full = (1, threshold - 1)

    def prior(key: Key) -> tuple[float, float]:
        return full if counts[key] < threshold else (threshold, math.inf)

    def exposed(bounds: Bounds) -> list[Key]:
        return [key for key in small if bounds[key] != full]

    def open_cells(keys: set[Key]) -> list[Key]:
        """The non-zero cells still shown in the equations that hold any of ``keys``."""
        found = {
            other
            for line in lines
            if any(term in keys for term, _ in line.terms)
            for other, _ in line.terms
            if other not in suppressed and counts[other] > 0
        }
        return sorted(found, key=lambda other: (counts[other], order[other]))

    bounds = _reader_bounds(counts, lines, suppressed, threshold)
    while True:
        narrowed = {other for other in suppressed if bounds[other] != prior(other)}
        near = open_cells(narrowed)
        # The first small cell a reader can narrow, with something left to withhold around it
        # (when everything around it is withheld already, its range is as wide as it can be).
        found = next(
            (
                (key, own + [other for other in near if other not in own])
                for key in exposed(bounds)
                if (own := open_cells({key})) or near
            ),
            None,
        )
        if found is None:
            break
        key, candidates = found
        # The smallest cell that protects it on its own, among the first few; else the smallest
        # in its own equations (or beside the cells that give it away), and look again.
        choice = candidates[0]
        for other in sorted(candidates, key=lambda c: (counts[c], order[c]))[:_LOOKAHEAD]:
            trial = _reader_bounds(counts, lines, suppressed | {other}, threshold)
            if trial[key] == full:
                choice = other
                break
        suppressed.add(choice)
        bounds = _reader_bounds(counts, lines, suppressed, threshold)
    label = small_label(threshold)
    cells: dict[Key, Cell] = {}
    for key, value in counts.items():
        if key not in suppressed:
            cells[key] = Cell(text=str(value), value=value)
        elif value < threshold:
            cells[key] = Cell(text=label, value=None, small=True)
        else:
            cells[key] = Cell(text=WITHHELD, value=None, withheld=True)
    return cells

"""Small-number suppression at the threshold's edges, and secondary suppression: what a reader
who knows the rule can work out from the cells shown and the totals."""

from __future__ import annotations

import random

import pytest

from reports.suppression import WITHHELD, Cell, Key, Line, _reader_bounds, suppress

Grid = list[list[int]]


def _grid(rows: Grid) -> tuple[dict[Key, int], list[Line]]:
    """A table with row totals (column "T"), column totals (row "T") and the grand total, and
    the equations between them."""
    height, width = len(rows), len(rows[0])
    counts: dict[Key, int] = {}
    for r in range(height):
        for c in range(width):
            counts[(r, c)] = rows[r][c]
        counts[(r, "T")] = sum(rows[r])
    for c in range(width):
        counts[("T", c)] = sum(row[c] for row in rows)
    counts[("T", "T")] = sum(map(sum, rows))
    lines = [Line((*(((r, c), 1) for c in range(width)), ((r, "T"), -1))) for r in range(height)]
    lines += [Line((*(((r, c), 1) for r in range(height)), (("T", c), -1))) for c in range(width)]
    lines.append(Line((*((("T", c), 1) for c in range(width)), (("T", "T"), -1))))
    lines.append(Line((*(((r, "T"), 1) for r in range(height)), (("T", "T"), -1))))
    return counts, lines


def _shown(rows: Grid, threshold: int = 5) -> list[list[str]]:
    counts, lines = _grid(rows)
    cells = suppress(counts, lines, threshold)
    keys = [*range(len(rows)), "T"]
    columns = [*range(len(rows[0])), "T"]
    return [[cells[(r, c)].text for c in columns] for r in keys]


def _worked_out(rows: Grid, threshold: int = 5) -> dict[Key, tuple[float, float]]:
    """What a reader can work out about each small suppressed cell, given what is shown."""
    counts, lines = _grid(rows)
    cells = suppress(counts, lines, threshold)
    hidden = {key for key, cell in cells.items() if cell.suppressed}
    bounds = _reader_bounds(counts, list(lines), hidden, threshold)
    return {key: bounds[key] for key in hidden if counts[key] < threshold}


def test_one_below_the_threshold_is_suppressed_and_the_threshold_is_shown() -> None:
    counts: dict[Key, int] = {"four": 4, "five": 5, "one": 1, "none": 0}
    cells = suppress(counts, [], 5)
    assert cells["four"] == Cell(text="<5", value=None, small=True)
    assert cells["five"] == Cell(text="5", value=5)
    assert cells["one"].text == "<5"
    assert cells["none"] == Cell(text="0", value=0)  # zero identifies no one: shown


def test_the_label_follows_the_threshold() -> None:
    cells = suppress({"a": 9, "b": 10}, [], 10)
    assert (cells["a"].text, cells["b"].text) == ("<10", "10")


def test_a_threshold_of_one_suppresses_nothing() -> None:
    assert _shown([[1, 2, 0], [3, 4, 40]], threshold=1) == [
        ["1", "2", "0", "3"],
        ["3", "4", "40", "47"],
        ["4", "6", "40", "50"],
    ]


def test_a_threshold_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        suppress({"a": 1}, [], 0)


def test_a_table_with_nothing_small_is_shown_whole() -> None:
    assert _shown([[5, 6], [7, 8]]) == [["5", "6", "11"], ["7", "8", "15"], ["12", "14", "26"]]


def test_a_single_small_cell_in_a_row_with_a_total_cannot_be_worked_out() -> None:
    # Alone, 12 - 10 - 20 ... would give the 3 away from the row's total, and 15 - 12 from its
    # column's: so another cell in each is withheld, and a rectangle keeps them all unknown.
    shown = _shown([[3, 10, 20], [12, 15, 30]])
    assert shown[0][0] == "<5"
    for line in (shown[0], [row[0] for row in shown]):
        assert WITHHELD in line
    assert _worked_out([[3, 10, 20], [12, 15, 30]]) == {(0, 0): (1, 4)}
    # The smallest neighbours are the ones withheld; the totals still show.
    assert shown == [
        ["<5", WITHHELD, "20", "33"],
        [WITHHELD, WITHHELD, "30", "57"],
        ["15", "25", "50", "90"],
    ]


def test_two_small_cells_that_would_pin_each_other_are_protected() -> None:
    # 4 + 4 = 28 - 20: both small cells would be known to be 4 exactly.
    shown = _shown([[4, 4, 20], [12, 15, 30]])
    assert shown[0][:2] == ["<5", "<5"]
    assert shown[0][2] == WITHHELD or shown[0][3] == WITHHELD
    assert all(bounds == (1, 4) for bounds in _worked_out([[4, 4, 20], [12, 15, 30]]).values())


def test_a_small_total_is_suppressed_and_zeros_stay() -> None:
    shown = _shown([[1, 0, 0], [12, 15, 30]])
    assert shown[0] == ["<5", "0", "0", "<5"]
    assert all(bounds == (1, 4) for bounds in _worked_out([[1, 0, 0], [12, 15, 30]]).values())


def test_secondary_suppression_never_leaves_a_small_cell_alone_in_a_line() -> None:
    generator = random.Random(20261121)
    for _ in range(40):
        rows = [[generator.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]) for _ in range(5)]]
        rows += [[generator.choice([0, 1, 3, 5, 8, 13, 21]) for _ in range(5)] for _ in range(5)]
        counts, lines = _grid(rows)
        cells = suppress(counts, lines, 5)
        for line in lines:
            hidden = [key for key, _ in line.terms if cells[key].suppressed]
            assert not (len(hidden) == 1 and cells[hidden[0]].small), (rows, line)
        # Wherever something is left to withhold, no small cell can be narrowed at all.
        for key, bounds in _worked_out(rows).items():
            if bounds != (1, 4):
                around = [
                    other
                    for line in lines
                    if any(k == key for k, _ in line.terms)
                    for other, _ in line.terms
                ]
                assert all(cells[other].suppressed or counts[other] == 0 for other in around)


def test_shared_figures_are_suppressed_alike_and_equations_across_tables_count() -> None:
    # Two tables of the same people: by source (a, b) and by status (x, y), sharing the total.
    counts: dict[Key, int] = {"a": 3, "b": 20, "x": 11, "y": 12, "total": 23}
    lines = [Line((("a", 1), ("b", 1), ("total", -1))), Line((("x", 1), ("y", 1), ("total", -1)))]
    cells = suppress(counts, lines, 5)
    assert cells["a"].text == "<5"
    assert cells["b"].text == WITHHELD  # else 23 - 20 gives the 3 away
    assert cells["total"].text == "23"
    assert not cells["x"].suppressed
    assert not cells["y"].suppressed


def test_an_equation_the_counts_do_not_satisfy_is_ignored() -> None:
    cells = suppress({"a": 3, "b": 20, "t": 99}, [Line((("a", 1), ("b", 1), ("t", -1)))], 5)
    assert [cells[k].text for k in ("a", "b", "t")] == ["<5", "20", "99"]

"""The cell-suppression engine behind :mod:`ipo_research.analysis.disclosure` (private).

A count table with its published totals is an "augmented" table: the interior cells, a total
column, a total row and the grand total. Each published total makes a *line*: a set of cells
whose interior part adds up to its last cell. A reader knows every shown cell, every shown
total, that a ``<3`` cell is between 1 and 2, and (knowing this algorithm) that a ``c`` cell
is at least the threshold.

Suppression runs in two steps, repeated until both hold:

1. every line holds none or at least two hidden cells (the classic complementary rule);
2. an audit by linear programming (``scipy.optimize.linprog``) finds, for every small cell,
   the smallest and largest value consistent with what is shown. If the shown cells and
   totals narrow a small cell below its full range 1..threshold-1 (two small cells in a
   column of known sum 4, say, must both be 2), one more cell of its row or column is hidden.

The constraint matrix of a table with margins is totally unimodular, so the LP bounds are
whole numbers that integer tables reach: the audit is exact, not an approximation.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from ipo_research.exceptions import DataError

__all__ = ["TOTALS", "augment", "lines_of", "hidden_cells", "feasible_range"]

TOTALS = ("both", "rows", "columns", "none")


def augment(values: np.ndarray) -> np.ndarray:
    """Interior cells plus a total column, a total row and the grand total."""
    rows, columns = values.shape
    augmented = np.zeros((rows + 1, columns + 1), dtype="int64")
    augmented[:rows, :columns] = values
    augmented[:rows, columns] = values.sum(axis=1)
    augmented[rows, :columns] = values.sum(axis=0)
    augmented[rows, columns] = values.sum()
    return augmented


def lines_of(rows: int, columns: int, totals: str) -> list[list[tuple[int, int]]]:
    """The lines of an augmented table: interior cells first, their total last."""
    if totals not in TOTALS:
        raise DataError(f"totals must be one of {', '.join(TOTALS)}, got {totals!r}.")
    lines = []
    if totals in ("both", "rows"):
        lines += [[(i, j) for j in range(columns + 1)] for i in range(rows)]
    if totals in ("both", "columns"):
        lines += [[(i, j) for i in range(rows + 1)] for j in range(columns)]
    if totals == "both":
        lines.append([(rows, j) for j in range(columns + 1)])
        lines.append([(i, columns) for i in range(rows + 1)])
    return lines


def _published_cells(rows: int, columns: int, totals: str) -> np.ndarray:
    published = np.zeros((rows + 1, columns + 1), dtype=bool)
    published[:rows, :columns] = True
    published[:rows, columns] = totals in ("both", "rows")
    published[rows, :columns] = totals in ("both", "columns")
    published[rows, columns] = totals == "both"
    return published


def hidden_cells(values: np.ndarray, *, threshold: int, totals: str) -> tuple[np.ndarray, np.ndarray]:
    """Primary and all hidden cells of the augmented table of ``values``.

    Returns
    -------
    tuple of ndarray of bool
        ``primary`` (small counts) and ``hidden`` (primary plus complementary), both shaped
        like the augmented table.
    """
    augmented = augment(values)
    lines = lines_of(*values.shape, totals)
    published = _published_cells(*values.shape, totals)
    primary = published & (augmented > 0) & (augmented < threshold)
    hidden = primary.copy()
    beyond_help: set[tuple[int, int]] = set()
    while True:
        _close_lines(lines, augmented, hidden)
        narrowed = [cell for cell in zip(*np.nonzero(primary)) if cell not in beyond_help
                    and feasible_range(cell, augmented, primary, hidden, lines, threshold)
                    != (1, threshold - 1)]
        if not narrowed:
            return primary, hidden
        extra = _extra_complement(narrowed[0], lines, augmented, hidden, published, threshold)
        if extra is None:
            # A line whose total is itself small (two organizations, one in each column)
            # shows its cells' values whatever else is hidden; no cell can help.
            beyond_help.add(narrowed[0])
        else:
            hidden[extra] = True


def feasible_range(cell, augmented, primary, hidden, lines, threshold) -> tuple[int, int]:
    """Smallest and largest value of a hidden cell consistent with what is shown."""
    unknown = [tuple(position) for position in np.argwhere(hidden)]
    index = {position: k for k, position in enumerate(unknown)}
    equalities, targets = [], []
    for line in lines:
        *parts, total = line
        row = np.zeros(len(unknown))
        known = 0
        for part in parts:
            if part in index:
                row[index[part]] += 1
            else:
                known += augmented[part]
        if total in index:
            row[index[total]] -= 1
            target = -known
        else:
            target = augmented[total] - known
        if row.any():
            equalities.append(row)
            targets.append(target)
    bounds = [(1, threshold - 1) if primary[position] else (threshold, None) for position in unknown]
    objective = np.zeros(len(unknown))
    objective[index[tuple(cell)]] = 1
    constraints = {"A_eq": np.array(equalities), "b_eq": targets} if equalities else {}
    low = linprog(objective, bounds=bounds, method="highs", **constraints)
    high = linprog(-objective, bounds=bounds, method="highs", **constraints)
    return int(round(low.fun)), int(round(-high.fun))


def _close_lines(lines, augmented: np.ndarray, hidden: np.ndarray) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[cell] for cell in line) == 1:
                cell = _complement(line, augmented, hidden)
                changed = changed or not hidden[cell]
                hidden[cell] = True


def _complement(line, augmented: np.ndarray, hidden: np.ndarray) -> tuple[int, int]:
    # The smallest non-zero interior cell still shown; the line's total when none is left
    # (only possible when the total is itself small, so it is hidden anyway).
    interior, total = line[:-1], line[-1]
    candidates = [cell for cell in interior if not hidden[cell] and augmented[cell] > 0]
    if not candidates:
        return total
    return min(candidates, key=lambda cell: (augmented[cell], cell))


def _extra_complement(cell, lines, augmented, hidden, published, threshold):
    # The smallest shown non-zero cell of the narrowed cell's own lines (interior first, then
    # their totals), else of the whole table; None when the cell sits in a line with a small
    # total, which no other cell can protect.
    own = [line for line in lines if tuple(cell) in line]
    if any(0 < augmented[line[-1]] < threshold for line in own):
        return None
    anywhere = [tuple(position) for position in np.argwhere(published)]
    for pool in ([other for line in own for other in line[:-1]], [line[-1] for line in own], anywhere):
        candidates = [other for other in pool if not hidden[other] and augmented[other] > 0]
        if candidates:
            return min(candidates, key=lambda other: (augmented[other], other))
    return None

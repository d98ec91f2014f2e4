"""Coordinated suppression: linked tables published together give no withheld count away.

Each table is first suppressed on its own (:mod:`ipo_research.analysis.disclosure`). That is
not enough when tables share a variable: the states table shows Indiana and Nebraska as
``<3`` and the other Midwest states exactly, the regions table shows the Midwest total, and
the difference pins both at 1. :func:`suppress_linked` therefore audits the tables together
with the attacker's integer program (:mod:`ipo_research.analysis._joint`) and, while a
withheld cell is disclosed, withholds one more count, chosen by this rule:

    take the counts still shown in the tables linked to the disclosed cell, smallest first
    (totals over every level last, then table order, then row order), leaving out those the
    ``fixed`` tables give back on their own, and withhold the first of the :data:`CANDIDATES`
    smallest whose withholding makes that cell safe; when none of them does alone, the one
    of them that widens the cell's range most (the smallest, when none widens it), and look
    again.

So each step withholds as little as it can, and the loop ends (a cell is never shown again)
once no withheld cell can be recovered or narrowed below the threshold. A count withheld this
way reads ``c``, and so do the columns computed from it (its share and interval), and every
sentence, figure and test built from the published table follows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Collection, Mapping

import pandas as pd

from ipo_research.analysis import _joint, describe
from ipo_research.analysis.cells import MISSING_LEVEL, TableCells, domain_of, grid_cells, with_implied
from ipo_research.analysis.disclosure import COMPLEMENT_MARK, publish_frequencies
from ipo_research.analysis.outputs import save_table
from ipo_research.exceptions import DataError
from ipo_research.survey.codebook import Question

__all__ = ["Disclosure", "Publication", "suppress_linked", "audit_tables", "audit_publications",
           "publish_frequency", "save_publications", "FREQUENCY_DEPENDENTS"]

Disclosure = _joint.Disclosure
# The columns of a frequency table computed from its count.
FREQUENCY_DEPENDENTS = ("share", "ci_low", "ci_high")
# How many of the smallest shown counts each step tries (bounds the cost of a step).
CANDIDATES = 12


@dataclass(frozen=True)
class Publication:
    """A table ready to publish and the declaration of its count cells.

    Attributes
    ----------
    table : DataFrame
        Counts shown as int, withheld ones as marks.
    cells : TableCells
    index : bool
        Whether the table is saved with its index (cross-tabs).
    """

    table: pd.DataFrame
    cells: TableCells
    index: bool = False


def audit_tables(tables: Mapping[str, tuple[TableCells, pd.DataFrame]], *, threshold: int = 3,
                 explain: bool = True) -> list[Disclosure]:
    """Every withheld cell that the tables, read together, give away.

    Parameters
    ----------
    tables : dict of str to (TableCells, DataFrame)
        Each table's declared cells and the table as published (or its CSV read back as text),
        keyed by table name.
    threshold : int, default 3
        ``c`` cells are known to be at least this.
    explain : bool, default True
        Name, for each disclosed cell, a smallest set of tables that gives it away.

    Returns
    -------
    list of Disclosure
        Empty when every withheld cell keeps its range (``Disclosure.describe()`` says which
        cell, its range and the tables).
    """
    if threshold <= 1:
        return []
    found = []
    for group in _groups(tables, threshold):
        found += _joint.disclosures(group, explain=explain)
    return found


def audit_publications(publications: Mapping[str, Publication], *, threshold: int = 3,
                       explain: bool = True) -> list[Disclosure]:
    """:func:`audit_tables` of publications not yet saved."""
    return audit_tables(_as_tables(publications), threshold=threshold, explain=explain)


def suppress_linked(publications: Mapping[str, Publication], *, threshold: int = 3,
                    fixed: Collection[str] = ()) -> dict[str, Publication]:
    """Withhold further counts until the publications together disclose no withheld cell.

    Parameters
    ----------
    publications : dict of str to Publication
        Tables each suppressed on its own, keyed by name, in publishing order.
    threshold : int, default 3
        A threshold of 0 or 1 turns suppression off.
    fixed : collection of str, optional
        Names of tables another stage publishes as they are (the landscape's, for the
        profile pages): audited with the others, but no count of theirs is withheld here. A
        count of another table withheld as a complement that these tables show on their own
        (a profile's level total) is shown.

    Returns
    -------
    dict of str to Publication
        The same tables, with the extra withheld counts (and their dependents) shown as ``c``.

    Raises
    ------
    DataError
        When a withheld cell stays disclosed and no shown count is left that may be withheld.
    """
    tables = {name: item.table.copy() for name, item in publications.items()}
    if threshold <= 1:
        return dict(publications)
    current = {name: replace(item, table=tables[name]) for name, item in publications.items()}
    if fixed:
        _show_published(tables, current, frozenset(fixed), threshold)
        current = {name: replace(item, table=tables[name]) for name, item in current.items()}
    # Withholding one more count only widens every range (a shown value becomes a bound it
    # satisfies), so a cell found safe stays safe: each withheld cell is solved once when safe.
    safe: set[tuple[str, str, str]] = set()
    while True:
        step = None
        for group in _groups(_as_tables(current), threshold):
            for target, item in enumerate(group.cells):
                name = (item.table, item.cell.row, item.cell.column)
                if item.status == _joint.SHOWN or name in safe:
                    continue
                if group.is_safe(target):
                    safe.add(name)
                else:
                    step = (group, target)
                    break
            if step:
                break
        if step is None:
            return current
        chosen = _choose(*step, fixed=frozenset(fixed))
        _withhold(tables[chosen.table], current[chosen.table].cells.key, chosen.cell)
        current = {name: replace(item, table=tables[name]) for name, item in current.items()}


def publish_frequency(responses: pd.DataFrame, question: Question, *, threshold: int = 3,
                      variable: str | None = None) -> Publication:
    """A frequency table of one question (:func:`ipo_research.analysis.describe.frequency_table`),
    suppressed on its own and declared: each row counts its answer, and the shares give the
    total of those answering away, so it is declared too.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    question : Question
        A single or likert question (its levels are the rows and the variable's domain).
    threshold : int, default 3
    variable : str, optional
        The variable's name in the cells (default: the question id).

    Returns
    -------
    Publication
    """
    counts = describe.frequency_table(responses, question)
    table = publish_frequencies(counts, threshold=threshold)
    name = variable or question.id
    levels = tuple(str(code) for code in counts["code"])
    cells = grid_cells(table, key="code", respondents=len(responses),
                       domains={name: domain_of(levels)},
                       rows={code: {name: (code,)} for code in levels}, columns={"count": {}},
                       dependents={"count": FREQUENCY_DEPENDENTS})
    return Publication(table, with_implied(cells, column="count", where={name: levels},
                                           value=int(counts["count"].sum())))


def save_publications(publications: Mapping[str, Publication], out_dir: str | Path) -> list[Path]:
    """Save each table (``OUT/tables/<name>.csv``) with its cells sidecar; return the CSVs."""
    return [save_table(item.table, name, out_dir, index=item.index, cells=item.cells)
            for name, item in publications.items()]


def _as_tables(publications: Mapping[str, Publication]) -> dict[str, tuple[TableCells, pd.DataFrame]]:
    return {name: (item.cells, item.table.reset_index() if item.index else item.table)
            for name, item in publications.items()}


def _groups(tables: Mapping[str, tuple[TableCells, pd.DataFrame]], threshold: int) -> list[_joint.Group]:
    observed = []
    for name, (cells, frame) in tables.items():
        observed += _joint.observe(name, cells, frame, COMPLEMENT_MARK)
    return _joint.groups(observed, {name: dict(cells.domains) for name, (cells, _) in tables.items()},
                         {name: cells.respondents for name, (cells, _) in tables.items()},
                         threshold=threshold)


def _choose(group: _joint.Group, target: int, *, fixed: frozenset = frozenset()) -> _joint.Observed:
    order = {table: position for position, table in enumerate(group.tables)}
    candidates = sorted(
        (index for index, item in enumerate(group.cells)
         if item.status == _joint.SHOWN and item.value and item.cell.value is None
         and item.table not in fixed),
        key=lambda index: (_covers_everything(group, index), group.cells[index].value,
                           order[group.cells[index].table], index))
    if not candidates:
        # Only counts the tables give away without printing them (a frequency table's total)
        # or counts of fixed tables are left: nothing can be withheld.
        cell = group.cells[target]
        raise DataError(f"{cell.table}, row {cell.cell.row}, column {cell.cell.column}: "
                        f"withheld, but {' + '.join(group.tables)} pin it and no shown count "
                        "is left that may be withheld; publish these tables with fewer "
                        "categories, or not together.")
    # A count the fixed tables give back on their own (a network's size, which the landscape
    # shows) protects nothing when withheld and becomes one more cell to protect: skip it.
    unseen = [item.status if item.table in fixed else _joint.UNSEEN for item in group.cells]
    usable = []
    for index in candidates:
        if fixed and not group.is_safe(index, statuses=unseen):
            continue
        statuses = [item.status for item in group.cells]
        statuses[index] = _joint.COMPLEMENT
        if group.is_safe(target, statuses=statuses):
            return group.cells[index]
        usable.append(index)
        if len(usable) == CANDIDATES:
            break
    if not usable:
        cell = group.cells[target]
        raise DataError(f"{cell.table}, row {cell.cell.row}, column {cell.cell.column}: "
                        f"withheld, but {' + '.join(group.tables)} pin it and every count "
                        "left that may be withheld is shown by "
                        f"{' + '.join(sorted(fixed))}; publish these tables with fewer "
                        "categories, or not together.")
    candidates = usable
    # No single count is enough: withhold the one that widens the cell's range most (the
    # smallest of those), and look again.
    base = group.feasible_range(target)
    best, widest = candidates[0], base[1] - base[0]
    for index in candidates:
        statuses = [item.status for item in group.cells]
        statuses[index] = _joint.COMPLEMENT
        low, high = group.feasible_range(target, statuses=statuses)
        if high - low > widest:
            best, widest = index, high - low
    return group.cells[best]


def _show_published(tables: dict[str, pd.DataFrame], current: Mapping[str, Publication],
                    fixed: frozenset, threshold: int) -> None:
    # A complement the fixed tables give exactly on their own (a profile's level total, which
    # the landscape shows) hides nothing: show it, so that it is not taken for a disclosure.
    # Cells with dependents are left withheld (their share is not at hand).
    for group in _groups(_as_tables(current), threshold):
        unseen = [item.status if item.table in fixed else _joint.UNSEEN for item in group.cells]
        for index, item in enumerate(group.cells):
            if item.table in fixed or item.status != _joint.COMPLEMENT or item.cell.dependents:
                continue
            if group.is_safe(index, statuses=unseen):
                continue
            low, _ = group.feasible_range(index, statuses=unseen)
            _withhold(tables[item.table], current[item.table].cells.key, item.cell, mark=low)


def _covers_everything(group: _joint.Group, index: int) -> bool:
    # A total over every answered level of each variable it conditions on.
    where = group.cells[index].cell.where
    return all(set(levels) >= {level for level in group.domains[name] if level != MISSING_LEVEL}
               for name, levels in where.items())


def _withhold(table: pd.DataFrame, key: str, cell, *, mark=COMPLEMENT_MARK) -> None:
    # Write ``mark`` in the cell and its dependents (a count in place of the mark: show it).
    keys = table[key] if key in table.columns else pd.Series(table.index, index=table.index)
    rows = [position for position, name in enumerate(keys) if str(name) == cell.row]
    for column in (cell.column, *cell.dependents):
        table[column] = table[column].astype(object)
        table.iloc[rows[0], table.columns.get_loc(column)] = mark

"""What a published count table says about the responses: its cells as sums of the microdata.

Every count a run publishes is the number of responses matching a condition, e.g. "state is
IL, IN, ... or WI" (the Midwest row of the regions table) or "jurisdiction level is city and
state is in the West" (a cell of a cross-tab). A :class:`TableCells` declares, for one
published table, which of its cells are counts and the condition of each, as a conjunction
``{variable: allowed levels}`` over *variables* whose full list of levels (``domains``) is
public (the codebook, the 51 states). Derived groupings are written in terms of the variable
they are derived from (a census region is a set of states), so two tables that group the same
variable differently are seen to share it.

The stage that publishes a table declares its cells (:func:`grid_cells`), and
:func:`ipo_research.analysis.outputs.save_table` writes the declaration beside the CSV as
``OUT/tables/<name>.cells.json`` (:data:`SIDECAR_SUFFIX`). The declaration holds no count:
the joint audit (:mod:`ipo_research.checks.disclosure_audit`) reads the values a reader sees
from the CSV itself, so the audit and the coordinated suppression
(:mod:`ipo_research.analysis.linked`) see exactly what is published.

Sidecar format (``"format": "ipo-research cells 1"``)::

    {"format": "ipo-research cells 1",
     "key": "state",                      # the CSV column naming each row
     "respondents": 75,                   # public: the number of responses of the run
     "domains": {"state": ["AK", ..., "(missing)"]},
     "cells": [{"row": "IN", "column": "organizations",
                "where": {"state": ["IN"]}, "dependents": []}, ...]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pandas as pd

from ipo_research.exceptions import DataError, ReadError
from ipo_research.files import atomic_write_text
from ipo_research.paths import relative_to_root

__all__ = [
    "FORMAT",
    "MISSING_LEVEL",
    "SIDECAR_SUFFIX",
    "Cell",
    "TableCells",
    "grid_cells",
    "with_implied",
    "domain_of",
    "write_cells",
    "read_cells",
]

FORMAT = "ipo-research cells 1"
MISSING_LEVEL = "(missing)"
SIDECAR_SUFFIX = ".cells.json"


@dataclass(frozen=True)
class Cell:
    """One published count: a CSV cell and the responses it counts.

    Attributes
    ----------
    row : str
        The value of the table's key column on the cell's row.
    column : str
        The CSV column holding the count.
    where : dict of str to tuple of str
        The condition: for each variable, the levels counted (variables not named: any level).
    dependents : tuple of str
        Other columns of the row computed from this count (its share, interval): withheld
        with it.
    value : int, optional
        For a count the table gives away without printing it (the total of a frequency
        table, which its shares give back): its value, as the reader can work it out.
    """

    row: str
    column: str
    where: Mapping[str, tuple[str, ...]]
    dependents: tuple[str, ...] = ()
    value: int | None = None


@dataclass(frozen=True)
class TableCells:
    """The count cells of one published table (see the module docstring).

    Attributes
    ----------
    key : str
        The CSV column naming each row (the index column of a cross-tab, ``code`` of a
        frequency table).
    respondents : int
        Number of responses of the run (public: every page states it).
    domains : dict of str to tuple of str
        Every level of each variable used, :data:`MISSING_LEVEL` included.
    cells : tuple of Cell
    """

    key: str
    respondents: int
    domains: Mapping[str, tuple[str, ...]]
    cells: tuple[Cell, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        """The sidecar text (stable: same declaration, same bytes)."""
        document = {
            "format": FORMAT, "key": self.key, "respondents": int(self.respondents),
            "domains": {name: list(levels) for name, levels in self.domains.items()},
            "cells": [{"row": cell.row, "column": cell.column,
                       "where": {name: list(levels) for name, levels in cell.where.items()},
                       "dependents": list(cell.dependents),
                       **({} if cell.value is None else {"value": int(cell.value)})}
                      for cell in self.cells],
        }
        return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def with_implied(cells: TableCells, *, column: str, where: Mapping[str, tuple[str, ...]],
                 value: int, row: str = "(implied total)") -> TableCells:
    """``cells`` plus a count the table gives away without printing it.

    A frequency table's shares give its total back (count / share), so a reader knows it even
    though no row shows it; the audit must know it too.
    """
    extra = Cell(row, column, {name: tuple(levels) for name, levels in where.items()}, (), int(value))
    return TableCells(cells.key, cells.respondents, cells.domains, (*cells.cells, extra))


def domain_of(levels, *, missing: bool = True) -> tuple[str, ...]:
    """Levels as text, in order, with :data:`MISSING_LEVEL` last when ``missing``.

    Examples
    --------
    >>> domain_of(["city", "state"])
    ('city', 'state', '(missing)')
    """
    text = tuple(str(level) for level in levels)
    return (*text, MISSING_LEVEL) if missing else text


def grid_cells(published: pd.DataFrame, *, key: str, respondents: int,
               domains: Mapping[str, tuple[str, ...]],
               rows: Mapping[str, Mapping[str, tuple[str, ...]]],
               columns: Mapping[str, Mapping[str, tuple[str, ...]]],
               dependents: Mapping[str, tuple[str, ...]] | None = None) -> TableCells:
    """Declare the cells of a table whose count at (row, column) counts both conditions.

    Parameters
    ----------
    published : DataFrame
        The table as it will be saved (rows named by ``key``, a column or the index).
    key : str
        The CSV column naming each row.
    respondents : int
        Number of responses of the run.
    domains : dict
        Every level of each variable (see :func:`domain_of`).
    rows, columns : dict
        For each row name and each count column, its condition ``{variable: levels}``
        (``{}``: no condition, e.g. the count column of a frequency table).
    dependents : dict, optional
        For a count column, the columns of the same row computed from it.

    Returns
    -------
    TableCells

    Raises
    ------
    DataError
        When a row or column is not in the table, or a level is not in its domain.

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["a", "b"], "count": [4, 5]})
    >>> cells = grid_cells(table, key="code", respondents=9, domains={"q": ("a", "b", "(missing)")},
    ...                    rows={"a": {"q": ("a",)}, "b": {"q": ("b",)}}, columns={"count": {}})
    >>> [cell.where for cell in cells.cells]
    [{'q': ('a',)}, {'q': ('b',)}]
    """
    names = published.index if key not in published.columns else published[key]
    present = {str(name) for name in names}
    declared = []
    for row, row_where in rows.items():
        if str(row) not in present:
            raise DataError(f"cells of a table keyed by {key!r}: no row {row!r}; its rows are "
                            f"{', '.join(sorted(present))}.")
        for column, column_where in columns.items():
            if column not in published.columns:
                raise DataError(f"cells of a table keyed by {key!r}: no column {column!r}; its "
                                f"columns are {', '.join(map(str, published.columns))}.")
            where = _conjunction(row_where, column_where)
            for variable, levels in where.items():
                unknown = [level for level in levels if level not in domains.get(variable, ())]
                if unknown:
                    raise DataError(f"cells, row {row!r}, column {column!r}: level(s) "
                                    f"{', '.join(unknown)} of {variable!r} are not in its domain.")
            declared.append(Cell(str(row), str(column), where,
                                 tuple((dependents or {}).get(column, ()))))
    return TableCells(key=key, respondents=int(respondents),
                      domains={name: tuple(levels) for name, levels in domains.items()},
                      cells=tuple(declared))


def write_cells(cells: TableCells, csv_path: str | Path) -> Path:
    """Write ``cells`` beside the table ``csv_path`` as ``<name>.cells.json``."""
    path = Path(csv_path).with_suffix(SIDECAR_SUFFIX)
    atomic_write_text(path, cells.to_json())
    return path


def read_cells(path: str | Path) -> TableCells:
    """Read a ``.cells.json`` sidecar.

    Raises
    ------
    ReadError
        When the file is not a sidecar of this format, naming the file and what is wrong.
    """
    shown = relative_to_root(Path(path))
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReadError(f"{shown}: not a readable cells sidecar ({error}); rerun the notebook "
                        "that writes it.") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ReadError(f"{shown}: 'format' is not {FORMAT!r}; rerun the notebook that writes "
                        "it with this version of the package.")
    try:
        return TableCells(
            key=str(document["key"]), respondents=int(document["respondents"]),
            domains={name: tuple(map(str, levels)) for name, levels in document["domains"].items()},
            cells=tuple(Cell(str(cell["row"]), str(cell["column"]),
                             {name: tuple(map(str, levels)) for name, levels in cell["where"].items()},
                             tuple(cell.get("dependents", ())),
                             None if cell.get("value") is None else int(cell["value"]))
                        for cell in document["cells"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ReadError(f"{shown}: cells sidecar lacks or mistypes {error}; rerun the notebook "
                        "that writes it.") from error


def _conjunction(first: Mapping[str, tuple[str, ...]],
                 second: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    where = {name: tuple(levels) for name, levels in first.items()}
    for name, levels in second.items():
        where[name] = tuple(level for level in where[name] if level in levels) if name in where \
            else tuple(levels)
    return where

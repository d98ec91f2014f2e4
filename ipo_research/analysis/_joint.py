"""The attacker's integer program over all published tables of a run (private engine).

A reader holds every published table at once. Each count cell declared by a
:class:`~ipo_research.analysis.cells.TableCells` is a sum of the cells ("atoms") of the
cross-classification of the variables it uses; tables that share a variable are *linked* and
are solved together, over the cross-classification of all the variables of their linked group
(a census region and a state are one variable, ``state``, so the states and regions tables
are one group). The attacker knows:

- every shown count (an equality), every ``<t`` cell (between 1 and t - 1), every ``c`` cell
  (at least t: a complement is always a shown non-zero count, so never small);
- the number of respondents (the atoms add up to it), and that counts are whole and >= 0.

For a withheld cell the smallest and largest value consistent with all of that are found by
``scipy.optimize.milp`` (HiGHS), with the atoms integer: the ranges are exact, not an LP
relaxation (linked tables are no longer totally unimodular, so the LP bound could be loose).

A withheld cell is *disclosed* when a ``<t`` cell's range is narrower than 1..t-1 (pinned, or
narrowed within the threshold), or a ``c`` cell's range is a single value.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import reduce
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ipo_research.analysis.cells import Cell, TableCells
from ipo_research.exceptions import DataError

__all__ = ["MAX_ATOMS", "Observed", "Disclosure", "observe", "groups", "Group", "disclosures"]

# The most atoms solved as one program (51 states and a missing one by 5 levels of work, and
# 5 levels by 8 networks, are 300 atoms in two cliques).
MAX_ATOMS = 200_000
SHOWN, SMALL, COMPLEMENT = "shown", "small", "complement"
# A status for "what if the reader did not see this cell": any count, 0 or more.
UNSEEN = "unseen"
_SMALL_MARK = re.compile(r"^<(\d+)$")


@dataclass(frozen=True)
class Observed:
    """One count cell as a reader sees it: ``status`` shown, small (``<t``) or complement."""

    table: str
    cell: Cell
    status: str
    value: int | None = None
    limit: int | None = None    # t of a "<t" mark


@dataclass(frozen=True)
class Disclosure:
    """A withheld cell whose range the published tables narrow too far."""

    observed: Observed
    low: int
    high: int
    tables: tuple[str, ...]

    def describe(self) -> str:
        cell = self.observed.cell
        mark = f"<{self.observed.limit}" if self.observed.status == SMALL else "c"
        value = f"exactly {self.low}" if self.low == self.high else f"between {self.low} and {self.high}"
        return (f"{self.observed.table}, row {cell.row}, column {cell.column}: withheld ({mark}) "
                f"but is {value} given {' + '.join(self.tables)} together")


def observe(name: str, cells: TableCells, frame: pd.DataFrame,
            complement_mark: str = "c") -> list[Observed]:
    """Read each declared count cell of ``frame`` (a published table or its CSV read back)."""
    keys = frame[cells.key] if cells.key in frame.columns else pd.Series(frame.index, index=frame.index)
    positions = {str(key): position for position, key in enumerate(keys)}
    observed = []
    for cell in cells.cells:
        if cell.value is not None:
            observed.append(Observed(name, cell, SHOWN, value=int(cell.value)))
            continue
        if cell.row not in positions or cell.column not in frame.columns:
            raise DataError(f"{name}: declared cell row {cell.row!r}, column {cell.column!r} "
                            "is not in the table; the table and its cells sidecar disagree: "
                            "rerun the notebook that writes them.")
        raw = frame[cell.column].iloc[positions[cell.row]]
        text = str(raw).strip()
        small = _SMALL_MARK.match(text)
        if small:
            observed.append(Observed(name, cell, SMALL, limit=int(small.group(1))))
        elif text == complement_mark:
            observed.append(Observed(name, cell, COMPLEMENT))
        else:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not (number >= 0 and number == int(number)):
                raise DataError(f"{name}, row {cell.row}, column {cell.column}: {raw!r} is neither "
                                "a whole count nor a withheld mark; rerun the notebook.")
            observed.append(Observed(name, cell, SHOWN, value=int(number)))
    return observed


@dataclass
class Group:
    """Linked tables solved together: their cliques of variables, atoms and published cells.

    The unknowns are the cells ("atoms") of one cross-classification per *clique*: a largest
    set of variables that one table uses. When the tables' variable sets form an acyclic
    hypergraph (a join tree exists: say {state, level} and {level, network}), cliques that
    meet in the join tree must agree on their common margin, and integer tables that agree
    on their common margins always come from one integer table of all the variables, so the
    program is exact while its size is the sum of the cliques', not their product. Otherwise
    every variable forms one clique.
    """

    cliques: tuple[tuple[str, ...], ...]
    domains: dict[str, tuple[str, ...]]
    respondents: int
    cells: list[Observed]
    threshold: int
    table_variables: dict[str, frozenset]
    tree: tuple[tuple[int, int], ...] = ()

    def __post_init__(self):
        self._vectors: dict[int, np.ndarray] = {}
        sizes = [math.prod(len(self.domains[name]) for name in clique) for clique in self.cliques]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self._structure = self._structure_rows()

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.table for item in self.cells))

    @property
    def atoms(self) -> int:
        return int(self._offsets[-1])

    def _mask(self, clique: int, where) -> np.ndarray:
        masks = [np.isin(np.array(self.domains[name], dtype=object), list(where[name]))
                 if name in where else np.ones(len(self.domains[name]), dtype=bool)
                 for name in self.cliques[clique]]
        inner = reduce(np.multiply.outer, masks).ravel().astype(float) if masks else np.ones(1)
        vector = np.zeros(self.atoms)
        vector[self._offsets[clique]:self._offsets[clique + 1]] = inner
        return vector

    def vector(self, index: int) -> np.ndarray:
        if index not in self._vectors:
            item = self.cells[index]
            variables = self.table_variables[item.table]
            clique = next(k for k, members in enumerate(self.cliques) if variables <= set(members))
            self._vectors[index] = self._mask(clique, item.cell.where)
        return self._vectors[index]

    def _structure_rows(self) -> tuple[np.ndarray, np.ndarray]:
        # Each clique's atoms add up to the respondents; neighbours in the join tree agree on
        # every cell of their common margin.
        rows = [self._mask(k, {}) for k in range(len(self.cliques))]
        targets = [self.respondents] * len(self.cliques)
        for first, second in self.tree:
            common = [name for name in self.cliques[first] if name in self.cliques[second]]
            for levels in itertools.product(*(self.domains[name] for name in common)):
                where = {name: (level,) for name, level in zip(common, levels)}
                rows.append(self._mask(first, where) - self._mask(second, where))
                targets.append(0)
        return np.vstack(rows), np.array(targets, dtype=float)

    def feasible_range(self, target: int, *, tables: Iterable[str] | None = None,
                       statuses: Sequence[str] | None = None) -> tuple[int, int]:
        """Smallest and largest value of cell ``target`` given the cells of ``tables``.

        ``statuses`` overrides each cell's status (to try withholding one more cell).
        """
        program, keep = self._constraint(target, tables, statuses)
        return self._end(target, program, keep, 1), self._end(target, program, keep, -1)

    def is_safe(self, target: int, *, tables: Iterable[str] | None = None,
                statuses: Sequence[str] | None = None) -> bool:
        """Whether the published cells leave ``target`` its full range.

        Asks feasibility questions, which stop at the first integer solution found, rather
        than solving for the ends: for a ``<t`` cell, can it be 1, and can it be t - 1; for a
        ``c`` cell, can it take a second value. The LP relaxation answers first: its range
        holds the integer one, so when it already falls short the integer programs are not
        needed.
        """
        program, keep = self._constraint(target, tables, statuses)
        status = self.cells[target].status if statuses is None else statuses[target]
        if status == SMALL:
            limit = (self.cells[target].limit or self.threshold) - 1
            return all(self._feasible(target, program, keep, low, high, integer=integer)
                       is not None for integer in (False, True)
                       for low, high in ((1, 1), (limit, limit)))
        if self._end(target, program, keep, -1, integer=False) - \
                self._end(target, program, keep, 1, integer=False) < 1:
            return False
        value = self._feasible(target, program, keep, 0, np.inf, integer=True)
        return (self._feasible(target, program, keep, value + 1, np.inf, integer=True) is not None
                or self._feasible(target, program, keep, 0, value - 1, integer=True) is not None)

    def _feasible(self, target, program, keep, low, high, *, integer: bool):
        # The value of ``target`` in some solution with low <= target <= high, or None.
        constraint, free = program
        objective = self.vector(target)[free]
        if low > high or (not objective.any() and not low <= 0 <= high):
            return None
        bounded = LinearConstraint(objective[np.newaxis, :], low, high)
        result = milp(np.zeros(objective.size), constraints=[constraint, bounded],
                      integrality=np.full(objective.size, int(integer)), bounds=Bounds(0, np.inf))
        if result.status == 2:      # infeasible
            return None
        if result.status != 0:
            raise DataError(f"{', '.join(sorted(keep))}: the integer program stopped ({result.message}).")
        return int(round(objective @ result.x))

    def _constraint(self, target, tables, statuses):
        keep = set(self.tables if tables is None else tables) | {self.cells[target].table}
        rows, low, high = [], [], []
        for index, item in enumerate(self.cells):
            if item.table not in keep:
                continue
            status = item.status if statuses is None else statuses[index]
            if status == SHOWN:
                bounds = (item.value, item.value)
            elif status == SMALL:
                bounds = (1, (item.limit or self.threshold) - 1)
            elif status == UNSEEN:
                bounds = (0, np.inf)
            else:
                bounds = (self.threshold, np.inf)
            rows.append(self.vector(index))
            low.append(bounds[0])
            high.append(bounds[1])
        structure, targets = self._structure
        cells = np.vstack(rows)
        # Atoms inside a shown zero are zero: leave them out of the program (same answer,
        # a smaller program), and with them the rows they empty.
        zero = (cells[(np.array(low) == 0) & (np.array(high) == 0)] > 0).any(axis=0)
        matrix = np.vstack([cells, structure])
        low = np.concatenate([np.array(low, dtype=float), targets])
        high = np.concatenate([np.array(high, dtype=float), targets])
        matrix = matrix[:, ~zero]
        used = matrix.any(axis=1)
        return (LinearConstraint(sparse.csr_array(matrix[used]), low[used], high[used]), ~zero), keep

    def _end(self, target, program, keep, sign, *, integer: bool = True) -> float:
        constraint, free = program
        objective = self.vector(target)[free]
        if not objective.any():
            return 0
        result = milp(sign * objective, constraints=constraint,
                      integrality=np.full(objective.size, int(integer)), bounds=Bounds(0, np.inf))
        if result.status != 0:
            raise DataError(
                f"{', '.join(sorted(keep))}: the published counts contradict each other or "
                f"the number of respondents ({result.message}); check each table's cells "
                "sidecar declares what the table counts.")
        value = sign * result.fun
        # An LP end is a fraction: round outwards (the integer end lies inside it).
        return int(round(value)) if integer or abs(value - round(value)) < 1e-7 else \
            (math.floor(value) if sign == 1 else math.ceil(value))

    def disclosed(self, target: int, low: int, high: int, status: str | None = None) -> bool:
        item = self.cells[target]
        if (status or item.status) == SMALL:
            return (low, high) != (1, (item.limit or self.threshold) - 1)
        return low == high


def groups(observed: Sequence[Observed], domains: dict[str, dict[str, tuple[str, ...]]],
           respondents: dict[str, int], *, threshold: int) -> list[Group]:
    """Split the observed cells into groups of linked tables.

    ``domains`` and ``respondents`` are per table (from their sidecars).
    """
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for table, table_domains in domains.items():
        for variable in table_domains:
            parent[find("table:" + table)] = find("variable:" + variable)
    members: dict[str, list[str]] = {}
    for table in domains:
        members.setdefault(find("table:" + table), []).append(table)
    result = []
    for tables in members.values():
        variables = tuple(sorted({name for table in tables for name in domains[table]}))
        merged: dict[str, tuple[str, ...]] = {}
        for name in variables:
            levels = [level for table in tables for level in domains[table].get(name, ())]
            merged[name] = tuple(dict.fromkeys(levels))
        # A table's variables are those its cells condition on (its sidecar may list more).
        table_variables = {table: frozenset(name for item in observed if item.table == table
                                            for name in item.cell.where) for table in tables}
        cliques, tree = _join_tree([table_variables[table] for table in tables], variables)
        size = sum(math.prod(len(merged[name]) for name in clique) for clique in cliques)
        if size > MAX_ATOMS:
            raise DataError(f"{', '.join(tables)}: linked through {', '.join(variables)}, whose "
                            f"cross-classification has {size:,} cells, more than the joint audit "
                            f"solves at once ({MAX_ATOMS:,}); publish these tables from fewer "
                            "linked variables.")
        counts = {respondents[table] for table in tables}
        if len(counts) > 1:
            raise DataError(f"{', '.join(tables)}: their sidecars disagree on the number of "
                            f"respondents ({', '.join(map(str, sorted(counts)))}); rerun the "
                            "notebooks on the same data.")
        chosen = set(tables)
        result.append(Group(cliques, merged, counts.pop(),
                            [item for item in observed if item.table in chosen], threshold,
                            table_variables, tree))
    return result


def _join_tree(edges: list[frozenset], variables: tuple[str, ...]):
    """Cliques (the largest variable sets) and a join tree of them, or one clique of every
    variable when the sets form no join tree (a cyclic hypergraph)."""
    cliques = []
    for edge in sorted(set(edges), key=lambda edge: (-len(edge), sorted(edge))):
        if not any(edge <= other for other in cliques):
            cliques.append(edge)
    # A maximum-weight spanning tree of the cliques (weight: variables in common) is a join
    # tree exactly when one exists; check the running intersection property on it.
    tree, inside = [], {0}
    while len(inside) < len(cliques):
        first, second = max(((a, b) for a in inside for b in range(len(cliques)) if b not in inside),
                            key=lambda pair: (len(cliques[pair[0]] & cliques[pair[1]]), -pair[1]))
        tree.append((first, second))
        inside.add(second)
    for name in variables:
        holding = {k for k, clique in enumerate(cliques) if name in clique}
        linked_edges = [(a, b) for a, b in tree if a in holding and b in holding]
        if len(linked_edges) != len(holding) - 1:
            return (tuple(variables),), ()
    return tuple(tuple(sorted(clique)) for clique in cliques), tuple(tree)


def disclosures(group: Group, *, explain: bool = True, first_only: bool = False) -> list[Disclosure]:
    """Every withheld cell of ``group`` that its published tables together narrow too far.

    With ``explain``, each names a smallest set of tables that still gives it away (tables are
    dropped one at a time while the cell stays disclosed without them).
    """
    found = []
    for target, item in enumerate(group.cells):
        if item.status == SHOWN or group.is_safe(target):
            continue
        low, high = group.feasible_range(target)
        tables = list(group.tables)
        if explain:
            for table in list(tables):
                if table == item.table:
                    continue
                trial = [other for other in tables if other != table]
                if not group.is_safe(target, tables=trial):
                    tables = trial
        found.append(Disclosure(item, low, high, tuple(tables)))
        if first_only:
            break
    return found

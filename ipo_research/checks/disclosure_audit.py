"""Auditing a run's published tables: no small count shown, none recoverable from them all.

:mod:`ipo_research.analysis.disclosure` suppresses counts below the threshold in every table a
notebook publishes. This audit checks the result from the outside, on the files, in two ways:

1. **Single tables** (:func:`audit_folder`): every CSV under ``OUT/tables`` is read and each
   count cell between 1 and ``threshold - 1`` is reported. Count cells are the columns named
   in :data:`COUNT_COLUMNS`, and every cell of a cross-tab (a table with a ``Total`` column).
   Model tables hold no counts of organizations by category and are skipped.
2. **All tables together** (:func:`joint_audit`): every table published with a cells sidecar
   (``<name>.cells.json``, :mod:`ipo_research.analysis.cells`) is read with it, and the
   attacker's integer program over all of them (:mod:`ipo_research.analysis.linked`) looks for
   a withheld cell (``<3`` or ``c``) that they pin, or narrow within the threshold. Each such
   cell is named with a smallest set of tables that gives it away. The threat model is in
   ``docs/disclosure.md``.

``make report`` and ``make test`` run it on the tables the run wrote. Run it as::

    python -m ipo_research.checks.disclosure_audit reports [--threshold 3]

(``reports/tables`` works too.) Exit 0 when both audits pass, 1 when either finds a problem,
2 when the folder does not exist or a sidecar cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ipo_research.analysis.cells import SIDECAR_SUFFIX, read_cells
from ipo_research.analysis.disclosure import TOTAL_LABEL
from ipo_research.analysis.linked import audit_tables
from ipo_research.exceptions import IpoResearchError, ReadError
from ipo_research.paths import project_path, relative_to_root

__all__ = ["COUNT_COLUMNS", "MODEL_TABLES", "small_counts", "audit_folder", "tables_folder",
           "joint_audit", "main"]

# Columns that hold numbers of organizations in the describe and disclosure tables.
COUNT_COLUMNS = frozenset({
    "count", "chosen", "not_chosen", "n", "missing", "low", "middle", "high", "yes", "no",
    "growing", "not_growing", "organizations",
})
# Tables of the models and robustness stages: n_obs and the like count rows of a fit, not organizations in a cell.
MODEL_TABLES = frozenset({
    "coefficients", "coefficients_bootstrap", "coefficients_mice_comparison", "model_fit",
    "model_vif", "influential_observations", "index_reliability", "index_item_rest",
    "coefficients_marginal_effects", "model_proportional_odds",
    # the robustness stage: rows of fits and simulated surveys
    "specification_curve", "specification_inference", "sensitivity", "power", "power_simulation",
})


def small_counts(table: pd.DataFrame, *, threshold: int = 3) -> list[tuple[int, str, int]]:
    """The count cells of ``table`` between 1 and ``threshold - 1``.

    Parameters
    ----------
    table : DataFrame
        A published table as read back from its CSV (marks such as ``"<3"`` stay text).
    threshold : int, default 3

    Returns
    -------
    list of (row, column, value)
        Row numbers count from 1 (the first row under the header).

    Examples
    --------
    >>> small_counts(pd.DataFrame({"label": ["a", "b"], "count": ["<3", "2"]}))
    [(2, 'count', 2)]
    """
    is_crosstab = TOTAL_LABEL in table.columns
    columns = table.columns[1:] if is_crosstab else [c for c in table.columns if c in COUNT_COLUMNS]
    found = []
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        small = values.notna() & (values >= 1) & (values < threshold)
        found += [(int(row) + 1, str(column), int(values[row])) for row in values.index[small]]
    return found


def audit_folder(folder: str | Path, *, threshold: int = 3) -> list[str]:
    """Every small count in the published tables under ``folder``, one line each.

    Parameters
    ----------
    folder : str or Path
        ``OUT/tables`` of a run.
    threshold : int, default 3

    Returns
    -------
    list of str
        ``file, row N, column C: value V``; empty when every table is safe.
    """
    problems = []
    for path in sorted(project_path(folder).glob("*.csv")):
        if path.stem in MODEL_TABLES:
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        problems += [f"{relative_to_root(path)}, row {row}, column {column}: count {value} "
                     f"is below the disclosure threshold {threshold}"
                     for row, column, value in small_counts(table, threshold=threshold)]
    return problems


def tables_folder(folder: str | Path) -> Path:
    """``OUT/tables`` when given a run's output folder OUT, else ``folder`` itself."""
    path = project_path(folder)
    return path / "tables" if (path / "tables").is_dir() else path


def joint_audit(folder: str | Path, *, threshold: int = 3) -> tuple[list[str], int]:
    """Every withheld cell that the declared tables under ``folder``, read together, give away.

    Parameters
    ----------
    folder : str or Path
        ``OUT/tables`` of a run.
    threshold : int, default 3

    Returns
    -------
    tuple of (list of str, int)
        One line per disclosed cell (``file, row R, column C: withheld (<3) but is exactly 1
        given table + table together``), and the number of tables audited together.

    Raises
    ------
    ReadError
        When a sidecar has no table beside it, or cannot be read.
    """
    tables = {}
    for sidecar in sorted(project_path(folder).glob(f"*{SIDECAR_SUFFIX}")):
        name = sidecar.name[:-len(SIDECAR_SUFFIX)]
        csv = sidecar.with_name(f"{name}.csv")
        if not csv.is_file():
            raise ReadError(f"{relative_to_root(sidecar)}: no table {csv.name} beside it; rerun "
                            "the notebook that publishes it, or delete the stale sidecar.")
        tables[name] = (read_cells(sidecar), pd.read_csv(csv, dtype=str, keep_default_na=False))
    found = audit_tables(tables, threshold=threshold)
    shown = relative_to_root(project_path(folder))
    return [f"{shown}/{item.describe()}" for item in found], len(tables)


def main(argv: list[str] | None = None) -> int:
    """Command line: exit 0 when no table shows a small count and none is recoverable jointly."""
    parser = argparse.ArgumentParser(prog="python -m ipo_research.checks.disclosure_audit",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="a run's output folder (e.g. reports) or its tables folder")
    parser.add_argument("--threshold", type=int, default=3)
    args = parser.parse_args(argv)
    if not project_path(args.folder).is_dir():
        print(f"disclosure audit: {args.folder} is not a folder; run the notebooks first.", file=sys.stderr)
        return 2
    folder = tables_folder(args.folder)
    problems = audit_folder(folder, threshold=args.threshold)
    try:
        disclosed, audited = joint_audit(folder, threshold=args.threshold)
    except IpoResearchError as error:
        print(f"disclosure audit: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"disclosure audit: {problem}", file=sys.stderr)
    for problem in disclosed:
        print(f"disclosure audit: {problem}", file=sys.stderr)
    if disclosed:
        print("disclosure audit: a table published with the ones named above gives a withheld "
              "count away; withhold more cells together (ipo_research.analysis.linked."
              "suppress_linked) or do not publish it. See docs/disclosure.md.", file=sys.stderr)
    if not problems:
        print(f"disclosure audit: no count below {args.threshold} in {relative_to_root(folder)}")
    if not disclosed:
        print(f"disclosure audit: no withheld count recoverable from the {audited} linked "
              f"tables of {relative_to_root(folder)} together")
    return 1 if problems or disclosed else 0


if __name__ == "__main__":
    sys.exit(main())

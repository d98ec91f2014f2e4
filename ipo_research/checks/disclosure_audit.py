"""Auditing a run's published tables for small counts that slipped through.

:mod:`ipo_research.analysis.disclosure` suppresses counts below the threshold in every table a notebook
publishes. This audit checks the result from the outside, on the files: it reads every CSV under
``OUT/tables`` and reports each count cell between 1 and ``threshold - 1``. Count cells are the
columns named in :data:`COUNT_COLUMNS`, and every cell of a cross-tab (a table with a
``Total`` column). Model tables hold no counts of organizations by category and are skipped.
``make test`` runs it on the tables the committed notebooks wrote.

Run it as::

    python -m ipo_research.checks.disclosure_audit reports/tables [--threshold 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ipo_research.analysis.disclosure import TOTAL_LABEL
from ipo_research.paths import project_path, relative_to_root

__all__ = ["COUNT_COLUMNS", "MODEL_TABLES", "small_counts", "audit_folder", "main"]

# Columns that hold numbers of organizations in the describe and disclosure tables.
COUNT_COLUMNS = frozenset({
    "count", "chosen", "not_chosen", "n", "missing", "low", "middle", "high", "yes", "no",
    "growing", "not_growing", "organizations",
})
# Tables of the models and robustness stages: n_obs and the like count rows of a fit, not organizations in a cell.
MODEL_TABLES = frozenset({
    "coefficients", "coefficients_bootstrap", "coefficients_mice_comparison", "model_fit",
    "model_vif", "influential_observations", "index_reliability", "index_item_rest",
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


def main(argv: list[str] | None = None) -> int:
    """Command line: exit 0 when no published table shows a small count, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m ipo_research.checks.disclosure_audit",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="the tables folder of a run, e.g. reports/tables")
    parser.add_argument("--threshold", type=int, default=3)
    args = parser.parse_args(argv)
    if not project_path(args.folder).is_dir():
        print(f"disclosure audit: {args.folder} is not a folder; run the notebooks first.", file=sys.stderr)
        return 2
    problems = audit_folder(args.folder, threshold=args.threshold)
    for problem in problems:
        print(f"disclosure audit: {problem}", file=sys.stderr)
    if not problems:
        print(f"disclosure audit: no count below {args.threshold} in {args.folder}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

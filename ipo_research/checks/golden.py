"""Golden tables: the numbers that matter, compared with stated tolerances.

The committed notebooks are compared as text by nbval, which catches most changes but says
nothing about how far a number moved, and its sanitize file could hide one. The headline tables
of the default run (coefficients, model fit, key descriptive shares) are therefore also kept as
golden CSVs under ``tests/golden/``, beside a ``golden.yaml`` that names each table's key
columns, the columns compared exactly and the tolerance for numbers in the other columns. A
number passes when ``|actual - expected| <= abs + rel * |expected|`` (numpy's
``isclose``); text and exact columns must be equal.

Refresh the goldens from a default run and review the diff::

    ipo-research run --force
    python -m ipo_research.checks.golden --refresh reports/tables tests/golden
    git diff tests/golden

Check a run against them (exit 1 and a table of differences when they disagree)::

    python -m ipo_research.checks.golden reports/tables tests/golden
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ipo_research.exceptions import ConfigError
from ipo_research.paths import project_path, relative_to_root

__all__ = [
    "SPEC_NAME",
    "DIFFERENCE_COLUMNS",
    "Tolerance",
    "GoldenTable",
    "load_golden_spec",
    "compare_table",
    "compare_goldens",
    "refresh_goldens",
    "main",
]

SPEC_NAME = "golden.yaml"
DIFFERENCE_COLUMNS = ["table", "key", "column", "expected", "actual", "problem"]


@dataclass(frozen=True)
class Tolerance:
    """How far a number may move: ``|actual - expected| <= abs + rel * |expected|``.

    Attributes
    ----------
    abs : float
        Absolute tolerance.
    rel : float
        Relative tolerance, a share of the expected value.
    """

    abs: float = 0.0
    rel: float = 0.0

    def allows(self, expected: float, actual: float) -> bool:
        """Whether ``actual`` is close enough to ``expected`` (two NaNs are equal).

        Examples
        --------
        >>> Tolerance(abs=1e-6).allows(1.0, 1.0000005)
        True
        >>> Tolerance(abs=1e-6).allows(1.0, 1.00001)
        False
        """
        return bool(np.isclose(actual, expected, rtol=self.rel, atol=self.abs, equal_nan=True))

    def describe(self) -> str:
        """The rule as text, for messages."""
        return f"abs {self.abs:g} + rel {self.rel:g}"


EXACT = Tolerance()


@dataclass(frozen=True)
class GoldenTable:
    """What to compare in one golden table.

    Attributes
    ----------
    name : str
        File name under the tables folder and the golden folder, e.g. ``"coefficients.csv"``.
    keys : tuple of str
        Columns that identify a row; rows are matched on them, not on their order.
    exact : tuple of str
        Columns that must be equal (counts, labels); numbers in them are compared as numbers.
    tolerance : Tolerance
        For numbers in every other column.
    notebook : str or None
        The notebook that writes the table (``"07_robustness"``), so a check of a run that
        left that notebook out can leave its tables out too, saying so.
    """

    name: str
    keys: tuple[str, ...]
    exact: tuple[str, ...] = ()
    tolerance: Tolerance = EXACT
    notebook: str | None = None

    def tolerance_for(self, column: str) -> Tolerance:
        """The tolerance of ``column``: exact for key and exact columns."""
        return EXACT if column in self.keys or column in self.exact else self.tolerance


def load_golden_spec(golden_dir: str | Path) -> list[GoldenTable]:
    """Read ``golden.yaml`` from the golden folder.

    Parameters
    ----------
    golden_dir : str or Path
        Folder holding ``golden.yaml`` and the golden CSVs, e.g. ``"tests/golden"``.

    Returns
    -------
    list of GoldenTable
        In the order the file lists them.

    Raises
    ------
    ConfigError
        When the file is missing or a table lacks ``keys`` or has a malformed tolerance.
    """
    path = project_path(golden_dir) / SPEC_NAME
    if not path.is_file():
        raise ConfigError(f"{relative_to_root(path)}: golden spec not found. Create it (see tests/golden/README.md).")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tables = raw.get("tables") if isinstance(raw, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{relative_to_root(path)}: expected a mapping 'tables:' of file name to settings.")
    return [_parse_table(name, settings, where=relative_to_root(path)) for name, settings in tables.items()]


def _parse_table(name: str, settings: dict, *, where: str) -> GoldenTable:
    if not isinstance(settings, dict) or not settings.get("keys"):
        raise ConfigError(f"{where}: table '{name}' needs 'keys:', the columns that identify a row.")
    tolerance = settings.get("tolerance") or {}
    unknown = set(tolerance) - {"abs", "rel"}
    if unknown:
        raise ConfigError(f"{where}: table '{name}': tolerance takes 'abs' and 'rel', not {sorted(unknown)}.")
    try:
        parsed = Tolerance(abs=float(tolerance.get("abs", 0.0)), rel=float(tolerance.get("rel", 0.0)))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: table '{name}': tolerance values must be numbers, got {tolerance!r}.") from None
    notebook = settings.get("notebook")
    if notebook is not None and not isinstance(notebook, str):
        raise ConfigError(f"{where}: table '{name}': notebook must be a notebook's name, e.g. 04_models.")
    return GoldenTable(name=name, keys=tuple(settings["keys"]), exact=tuple(settings.get("exact", ())),
                       tolerance=parsed, notebook=notebook)


def compare_table(actual: pd.DataFrame, expected: pd.DataFrame, spec: GoldenTable) -> pd.DataFrame:
    """Every difference between a table and its golden version.

    Rows are matched on ``spec.keys``. Numbers, recognised cell by cell, are compared with
    ``spec.tolerance`` (exactly in the key columns and the columns listed in ``spec.exact``);
    any other value (text, an empty cell, a suppression mark such as ``<3``) must be the same
    text. Missing or unexpected rows and columns, and duplicate keys, are differences too.

    Parameters
    ----------
    actual : DataFrame
        The table a run produced.
    expected : DataFrame
        The golden table.
    spec : GoldenTable
        Keys, exact columns and tolerance.

    Returns
    -------
    DataFrame
        One row per difference, with columns ``table, key, column, expected, actual,
        problem``; empty when the tables agree.

    Examples
    --------
    >>> spec = GoldenTable("fit.csv", keys=("model",), tolerance=Tolerance(abs=1e-6))
    >>> golden = pd.DataFrame({"model": ["m"], "r2": [0.5]})
    >>> compare_table(golden.assign(r2=0.5000001), golden, spec).empty
    True
    >>> compare_table(golden.assign(r2=0.51), golden, spec)["column"].tolist()
    ['r2']
    """
    actual, expected = _as_text(actual), _as_text(expected)
    found = _structure_problems(actual, expected, spec)
    if any(problem["column"] in spec.keys for problem in found):
        return _differences(found, spec)
    found += _duplicate_keys(actual, spec, "actual") + _duplicate_keys(expected, spec, "golden")
    if found:
        return _differences(found, spec)
    merged = expected.merge(actual, on=list(spec.keys), how="outer", suffixes=("_expected", "_actual"),
                            indicator=True, sort=True)
    for _, row in merged.iterrows():
        key = _key_text(row, spec.keys)
        if row["_merge"] != "both":
            problem = "missing row" if row["_merge"] == "left_only" else "unexpected row"
            found.append({"key": key, "column": "", "expected": "", "actual": "", "problem": problem})
            continue
        for column in expected.columns.difference(spec.keys, sort=False):
            found += _cell_problem(row, column, key, tolerance=spec.tolerance_for(column))
    return _differences(found, spec)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    # Compare what a CSV holds, whatever dtypes the caller had: numbers are parsed later.
    return table.astype("string").fillna("").astype(object)


def _structure_problems(actual: pd.DataFrame, expected: pd.DataFrame, spec: GoldenTable) -> list[dict]:
    found = []
    for column in expected.columns.difference(actual.columns, sort=False):
        found.append({"key": "", "column": column, "expected": "present", "actual": "absent",
                      "problem": "missing column"})
    for column in actual.columns.difference(expected.columns, sort=False):
        found.append({"key": "", "column": column, "expected": "absent", "actual": "present",
                      "problem": "unexpected column"})
    for column in spec.keys:
        if column not in expected.columns and column not in actual.columns:
            found.append({"key": "", "column": column, "expected": "present", "actual": "absent",
                          "problem": "key column missing from both tables (fix keys: in golden.yaml)"})
    return found


def _duplicate_keys(table: pd.DataFrame, spec: GoldenTable, which: str) -> list[dict]:
    keys = list(spec.keys)
    duplicated = table[table.duplicated(keys, keep=False)].drop_duplicates(keys)
    return [{"key": _key_text(row, spec.keys), "column": "", "expected": "", "actual": "",
             "problem": f"duplicate key in the {which} table"} for _, row in duplicated.iterrows()]


def _cell_problem(row: pd.Series, column: str, key: str, *, tolerance: Tolerance) -> list[dict]:
    # Cell by cell: a published table may mix numbers with marks such as "<3" in one column.
    expected, actual = row[f"{column}_expected"], row[f"{column}_actual"]
    if _number(expected) is not None and _number(actual) is not None:
        if tolerance.allows(_number(expected), _number(actual)):
            return []
        gap = abs(_number(actual) - _number(expected))
        problem = ("differs (compared exactly)" if tolerance == EXACT
                   else f"beyond tolerance ({tolerance.describe()}): moved by {gap:.3g}")
    elif expected == actual:
        return []
    else:
        problem = "not a number" if _number(expected) is not None else "differs"
    return [{"key": key, "column": column, "expected": expected, "actual": actual, "problem": problem}]


def _number(value: str) -> float | None:
    try:
        return float(value) if value != "" else None
    except ValueError:
        return None


def _key_text(row: pd.Series, keys: tuple[str, ...]) -> str:
    return ", ".join(f"{key}={row[key]}" for key in keys if key in row.index)


def _differences(found: list[dict], spec: GoldenTable) -> pd.DataFrame:
    rows = [{"table": spec.name, **problem} for problem in found]
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS).astype("string")


def compare_goldens(tables_dir: str | Path, golden_dir: str | Path, *,
                    skip_notebooks: tuple[str, ...] = ()) -> pd.DataFrame:
    """Compare every table ``golden.yaml`` names with its golden CSV.

    Parameters
    ----------
    tables_dir : str or Path
        The tables of a run, e.g. ``"reports/tables"``.
    golden_dir : str or Path
        The golden folder, e.g. ``"tests/golden"``.
    skip_notebooks : tuple of str
        Notebooks the run left out: the tables they write are not compared.

    Returns
    -------
    DataFrame
        Every difference (columns ``table, key, column, expected, actual, problem``); empty
        when the run agrees with the goldens. A table missing from either folder is one
        difference.
    """
    found = []
    for spec in load_golden_spec(golden_dir):
        if spec.notebook in skip_notebooks:
            continue
        actual_path, golden_path = project_path(tables_dir) / spec.name, project_path(golden_dir) / spec.name
        missing = [relative_to_root(path) for path in (actual_path, golden_path) if not path.is_file()]
        if missing:
            found.append(_differences([{"key": "", "column": "", "expected": "", "actual": "",
                                        "problem": f"file not found: {', '.join(missing)}"}], spec))
            continue
        found.append(compare_table(_read(actual_path), _read(golden_path), spec))
    return pd.concat(found, ignore_index=True)


def _read(path: Path) -> pd.DataFrame:
    # Read as text so the comparison sees what the file holds, not what pandas infers.
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def refresh_goldens(tables_dir: str | Path, golden_dir: str | Path) -> list[Path]:
    """Copy the tables ``golden.yaml`` names from a run into the golden folder.

    Run it on the output of a default run (``ipo-research run --force``) and review the diff
    before committing: every changed number is a change in a headline result.

    Parameters
    ----------
    tables_dir : str or Path
        The tables of the default run, e.g. ``"reports/tables"``.
    golden_dir : str or Path
        The golden folder, e.g. ``"tests/golden"``.

    Returns
    -------
    list of Path
        The golden files written.

    Raises
    ------
    ConfigError
        When the run lacks a table the spec names (nothing is written then).
    """
    specs = load_golden_spec(golden_dir)
    sources = [project_path(tables_dir) / spec.name for spec in specs]
    missing = [relative_to_root(path) for path in sources if not path.is_file()]
    if missing:
        raise ConfigError(f"{', '.join(missing)}: not found. Run 'ipo-research run --force' first, "
                          f"or remove the table from {SPEC_NAME}.")
    written = []
    for source, spec in zip(sources, specs):
        target = project_path(golden_dir) / spec.name
        shutil.copyfile(source, target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m ipo_research.checks.golden [--refresh] TABLES_DIR GOLDEN_DIR``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ipo_research.checks.golden",
                                     description="Compare a run's headline tables with the goldens, or refresh them.")
    parser.add_argument("tables_dir", help="tables of a default run, e.g. reports/tables")
    parser.add_argument("golden_dir", help="golden folder, e.g. tests/golden")
    parser.add_argument("--refresh", action="store_true", help="copy the run's tables over the goldens")
    parser.add_argument("--skip-notebook", action="append", default=[], metavar="NAME",
                        help="leave out the tables this notebook writes (the run left it out); repeatable")
    args = parser.parse_args(argv)
    try:
        if args.refresh:
            for path in refresh_goldens(args.tables_dir, args.golden_dir):
                print(f"wrote {relative_to_root(path)}")
            return 0
        differences = compare_goldens(args.tables_dir, args.golden_dir,
                                      skip_notebooks=tuple(args.skip_notebook))
        skipped = [spec.name for spec in load_golden_spec(args.golden_dir) if spec.notebook in args.skip_notebook]
    except ConfigError as error:
        print(f"golden: {error}", file=sys.stderr)
        return error.exit_code
    if skipped:
        print(f"golden: not compared, as asked (--skip-notebook): {', '.join(skipped)}")
    if differences.empty:
        print("golden: the run agrees with every golden table")
        return 0
    print(f"golden: {len(differences)} difference(s):\n{differences.to_string(index=False)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

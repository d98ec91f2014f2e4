"""Writing model outputs: tables as CSV, Markdown and LaTeX.

The one place the models stage writes tables. Every file is written under a temporary name
beside its target and then renamed (:mod:`ipo_research.atomic`), so a reader never sees half a
table. Floats are written with a fixed number of significant digits, so the same inputs give
byte-identical files on every run and machine. Figures go through
:func:`ipo_research.style.save_figure`.

Examples
--------
>>> write_table(frame, "reports/tables/coefficients.csv")  # doctest: +SKIP
PosixPath('.../reports/tables/coefficients.csv')
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ipo_research.atomic import atomic_path
from ipo_research.paths import project_path

__all__ = ["FLOAT_FORMAT", "write_table", "write_text", "write_model_run"]

FLOAT_FORMAT = "%.6g"


def write_table(table: pd.DataFrame, path: str | Path, *, float_format: str = FLOAT_FORMAT) -> Path:
    """Write a table as CSV (UTF-8, ``\\n`` line ends, no index), floats rounded.

    Parameters
    ----------
    table : DataFrame
    path : str or Path
        Target; relative paths resolve against the project root. Folders are created.
    float_format : str, default ``"%.6g"``

    Returns
    -------
    Path
        The file written.
    """
    target = project_path(path)
    with atomic_path(target) as partial:
        table.to_csv(partial, index=False, float_format=float_format, lineterminator="\n",
                     encoding="utf-8")
    return target


def write_text(text: str, path: str | Path) -> Path:
    """Write text (a Markdown or LaTeX table) as UTF-8.

    Parameters
    ----------
    text : str
    path : str or Path

    Returns
    -------
    Path
    """
    target = project_path(path)
    with atomic_path(target) as partial:
        partial.write_text(text, encoding="utf-8", newline="\n")
    return target


def write_model_run(run, out_dir: str | Path, *, digits: int = 3) -> list[Path]:
    """Write the tables of a models run under ``OUT/tables``.

    Parameters
    ----------
    run : ipo_research.model_run.ModelRun
    out_dir : str or Path
        The run's output folder (``reports`` by default).
    digits : int, default 3
        Decimals of the regression table.

    Returns
    -------
    list of Path
        ``coefficients.csv``, ``model_fit.csv``, ``regression_table.md`` and ``.tex``, and
        when there is something to show ``coefficients_mice_comparison.csv``,
        ``coefficients_bootstrap.csv``, ``model_vif.csv``, ``influential_observations.csv``.
    """
    from ipo_research.tables import regression_table, regression_table_latex, regression_table_markdown

    tables = project_path(out_dir) / "tables"
    written = [write_table(run.coefficients, tables / "coefficients.csv"),
               write_table(run.model_fit, tables / "model_fit.csv")]
    side_by_side = regression_table(run.coefficients, run.model_fit, digits=digits)
    written.append(write_text(regression_table_markdown(side_by_side), tables / "regression_table.md"))
    written.append(write_text(regression_table_latex(side_by_side, caption="Regression models"),
                              tables / "regression_table.tex"))
    optional = {"coefficients_mice_comparison.csv": run.mice_comparison,
                "coefficients_bootstrap.csv": run.bootstrap,
                "model_vif.csv": run.vif, "influential_observations.csv": run.influential}
    for name, table in optional.items():
        if not table.empty:
            written.append(write_table(table, tables / name))
    return written

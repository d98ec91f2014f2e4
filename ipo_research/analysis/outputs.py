"""Writing a run's outputs: figures, tables and text under OUT, by content name.

The one place notebooks save what they show. Every file is written under a temporary name
beside its target and renamed (:mod:`ipo_research.files`), so a reader never sees half a file.
Nothing varies between runs: PNG and SVG files carry no date or software version and a fixed
SVG id salt; floats are written with six significant digits. So the same inputs give
byte-identical files on every run.

Examples
--------
>>> save_table(published, "landscape_primary_network", "reports")  # doctest: +SKIP
PosixPath('.../reports/tables/landscape_primary_network.csv')
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from ipo_research.analysis.cells import TableCells, write_cells
from ipo_research.files import atomic_path
from ipo_research.exceptions import ConfigError
from ipo_research.paths import project_path
from ipo_research.analysis.style import FIGURE_DPI, SVG_SALT
from ipo_research.survey.escaping import escape_csv_cell

__all__ = ["FLOAT_FORMAT", "save_figure", "figure_output", "save_table", "save_text"]

FLOAT_FORMAT = "%.6g"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*(\.[a-z]+)?$")


def save_figure(fig, name: str, out_dir: str | Path) -> tuple[Path, Path]:
    """Save ``fig`` as ``OUT/figures/<name>.png`` and ``.svg``, byte-identical across reruns.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        Content name, lower case with ``_`` or ``-`` (e.g. ``"strengths_ratings"``).
    out_dir : str or Path
        The run's output folder OUT (relative paths are resolved against the project root).

    Returns
    -------
    tuple of Path
        The PNG and the SVG written.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> png, svg = save_figure(fig, "example", "reports")  # doctest: +SKIP
    """
    folder = _output_folder(out_dir, "figures", name)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    with mpl.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "path"}):
        with atomic_path(png) as partial:
            fig.savefig(partial, format="png", dpi=FIGURE_DPI, bbox_inches="tight",
                        metadata={"Date": None, "Software": None})
        with atomic_path(svg) as partial:
            fig.savefig(partial, format="svg", bbox_inches="tight",
                        metadata={"Date": None, "Creator": None})
    return png, svg


def figure_output(fig, name: str, out_dir: str | Path):
    """Save ``fig`` (see :func:`save_figure`), close it, and return the saved PNG for display.

    A notebook cell ending with this call shows the figure exactly as saved, once, with no
    ``<Figure size ...>`` text.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        Content name of the figure.
    out_dir : str or Path
        The run's output folder OUT.

    Returns
    -------
    IPython.display.Image
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image

    png, _ = save_figure(fig, name, out_dir)
    plt.close(fig)
    data = png.read_bytes()
    # Show at 100 dpi on screen; the file keeps FIGURE_DPI for print. A PNG's width is the
    # big-endian integer at bytes 16-20 of its header.
    width = int(int.from_bytes(data[16:20], "big") * 100 / FIGURE_DPI)
    return Image(data=data, format="png", width=width)


def save_table(table: pd.DataFrame, name: str, out_dir: str | Path, *, index: bool = False,
               cells: TableCells | None = None) -> Path:
    """Save a table as ``OUT/tables/<name>.csv`` (UTF-8, ``\\n`` line ends, fixed float format).

    A table of counts must have gone through :mod:`ipo_research.analysis.disclosure` first. A
    text cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) is written with a leading ``'`` so it shows as text
    (:func:`ipo_research.survey.escaping.escape_csv_cell`); numbers are written unchanged.

    Parameters
    ----------
    table : DataFrame
    name : str
        Content name, lower case with ``_`` or ``-``.
    out_dir : str or Path
        The run's output folder OUT.
    index : bool, default False
        Write the index as the first column (for cross-tabs); an unnamed index is headed ``row``.
    cells : TableCells, optional
        The declaration of the table's count cells (:mod:`ipo_research.analysis.cells`),
        written beside it as ``OUT/tables/<name>.cells.json`` for the joint disclosure audit.

    Returns
    -------
    Path
        The CSV written.
    """
    path = _output_folder(out_dir, "tables", name) / f"{name}.csv"
    # Published tables mix numbers and marks ("<3", "c") in one column; format the floats of
    # such object columns the same way, so every float is written with six significant digits.
    # Text cells a spreadsheet would read as a formula get a leading "'" (OWASP); so do labels
    # in the index and the header, which come from the data as well. Numbers are untouched.
    formatted = table.map(lambda value: float(FLOAT_FORMAT % value) if isinstance(value, float)
                          else escape_csv_cell(value))
    formatted.columns = formatted.columns.map(escape_csv_cell)
    if index:
        formatted.index = formatted.index.map(escape_csv_cell)
        formatted = formatted.rename_axis(escape_csv_cell(table.index.name or "row"))
    with atomic_path(path) as partial:
        formatted.to_csv(partial, index=index, float_format=FLOAT_FORMAT, lineterminator="\n",
                         encoding="utf-8")
    if cells is not None:
        write_cells(cells, path)
    return path


def save_text(text: str, file_name: str, out_dir: str | Path) -> Path:
    """Save text (a Markdown or LaTeX table) as ``OUT/tables/<file_name>`` in UTF-8.

    Parameters
    ----------
    text : str
    file_name : str
        Content name with its extension, e.g. ``"regression_table.md"``.
    out_dir : str or Path

    Returns
    -------
    Path
    """
    path = _output_folder(out_dir, "tables", file_name) / file_name
    with atomic_path(path) as partial:
        partial.write_text(text, encoding="utf-8", newline="\n")
    return path


def _output_folder(out_dir: str | Path, kind: str, name: str) -> Path:
    if not _NAME.match(name):
        raise ConfigError(f"{kind} name {name!r}: use lower-case letters, digits, '_' or '-' "
                          "(names say what the output shows, e.g. 'strengths_ratings').")
    folder = project_path(out_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder

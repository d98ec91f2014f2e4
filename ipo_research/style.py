"""The one look of the report, and saving its figures and tables deterministically.

Colours are colour-blind safe: categories use the Okabe-Ito palette; ordered scales (likert
answers) use ColorBrewer's PuOr, a diverging scheme ColorBrewer marks as colour-blind safe,
with a grey midpoint. Fonts are matplotlib's bundled DejaVu Sans, so figures look the same on
every machine.

:func:`save_figure` writes each figure as PNG and SVG under ``OUT/figures`` with no date and
no software version in the files and a fixed SVG id salt, so a rerun gives byte-identical
files. :func:`save_table` writes a published table as CSV under ``OUT/tables`` with fixed
float formatting.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from ipo_research.exceptions import ConfigError
from ipo_research.paths import project_path

__all__ = [
    "OKABE_ITO",
    "ACCENT",
    "MUTED",
    "SUPPRESSED_COLOUR",
    "FIGURE_DPI",
    "likert_colours",
    "apply_style",
    "save_figure",
    "save_table",
    "figure_output",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour
# vision deficiency. Black is left out: it reads as text.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
ACCENT = OKABE_ITO[0]
MUTED = "#8c8c8c"
SUPPRESSED_COLOUR = "#ffffff"
FIGURE_DPI = 150
_SVG_SALT = "ipo-research"
_PUOR = {
    3: ("#f1a340", "#d9d9d9", "#998ec3"),
    4: ("#e66101", "#fdb863", "#b2abd2", "#5e3c99"),
    5: ("#e66101", "#fdb863", "#d9d9d9", "#b2abd2", "#5e3c99"),
    7: ("#b35806", "#f1a340", "#fee0b6", "#d9d9d9", "#d8daeb", "#998ec3", "#542788"),
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


def likert_colours(n_levels: int) -> tuple[str, ...]:
    """Colours for an ordered scale of ``n_levels`` answers, lowest first.

    Examples
    --------
    >>> likert_colours(5)[2]
    '#d9d9d9'
    """
    if n_levels not in _PUOR:
        raise ConfigError(f"likert_colours: scales of {sorted(_PUOR)} levels are supported, "
                          f"got {n_levels}; add a ColorBrewer PuOr scheme for it.")
    return _PUOR[n_levels]


def apply_style() -> None:
    """Set the report's matplotlib and seaborn style (call once, at the top of a notebook)."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=list(OKABE_ITO),
                  font="DejaVu Sans")
    mpl.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": FIGURE_DPI,
        "savefig.bbox": "tight",
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "svg.hashsalt": _SVG_SALT,
        "svg.fonttype": "path",
    })


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
    with mpl.rc_context({"svg.hashsalt": _SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(png, format="png", dpi=FIGURE_DPI, bbox_inches="tight",
                    metadata={"Date": None, "Software": None})
        fig.savefig(svg, format="svg", bbox_inches="tight",
                    metadata={"Date": None, "Creator": None})
    return png, svg


def save_table(table: pd.DataFrame, name: str, out_dir: str | Path, *,
               index: bool = False) -> Path:
    """Save a published table as ``OUT/tables/<name>.csv`` with fixed formatting.

    Pass only tables that went through :mod:`ipo_research.disclosure`.

    Parameters
    ----------
    table : DataFrame
    name : str
        Content name, lower case with ``_`` or ``-``.
    out_dir : str or Path
        The run's output folder OUT.
    index : bool, default False
        Write the index as the first column (for cross-tabs).

    Returns
    -------
    Path
        The CSV written (floats with 4 decimals, Unix line ends; an unnamed index is
        headed ``row``).
    """
    path = _output_folder(out_dir, "tables", name) / f"{name}.csv"
    # Published tables mix numbers and marks ("<3", "c") in one column; round the floats of
    # such object columns too, so every float is written with at most 4 decimals.
    rounded = table.map(lambda value: round(value, 4) if isinstance(value, float) else value)
    if index:
        rounded = rounded.rename_axis(table.index.name or "row")
    rounded.to_csv(path, index=index, float_format="%.4f", lineterminator="\n")
    return path


def _output_folder(out_dir: str | Path, kind: str, name: str) -> Path:
    if not _NAME.match(name):
        raise ConfigError(f"{kind} name {name!r}: use lower-case letters, digits, '_' or '-' "
                          "(names say what the output shows, e.g. 'strengths_ratings').")
    folder = project_path(out_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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

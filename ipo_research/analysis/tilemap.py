"""A US state tile-grid map: one equal square per state, no shapefiles needed.

The layout is the square tile grid NPR Visuals published in 2015 ("Let's tile the United
States"), 11 columns by 8 rows, with Alaska at the top left, Maine at the top right and
Hawaii at the bottom left; DC sits beside Maryland's row. Every state weighs the same on the
map, which suits counts of organizations better than a geographic map where Montana dwarfs
Rhode Island.

Counts go through :func:`ipo_research.analysis.disclosure.suppress_counts` before they are drawn: a
state with 1 or 2 organizations shows ``<3`` and a neutral colour, never its count.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch, Rectangle

from ipo_research.analysis.disclosure import COMPLEMENT_MARK, suppress_counts
from ipo_research.exceptions import DataError
from ipo_research.analysis.style import SUPPRESSED_COLOUR

__all__ = ["TILE_ROWS", "tile_layout", "state_counts", "tile_map"]

# One string per grid row, two characters per column ("  " = empty), top row first.
TILE_ROWS = (
    "AK                  ME",
    "                  VTNH",
    "WAIDMTNDMNILWIMINYRIMA",
    "ORNVWYSDIAINOHPANJCT  ",
    "CAUTCONEMOKYWVVAMDDE  ",
    "  AZNMKSARTNNCSCDC    ",
    "      OKLAMSALGA      ",
    "HI    TX        FL    ",
)
_EMPTY_COLOUR = "#f4f4f4"
_HATCH, _HATCH_COLOUR = "///", "#c4c4c4"   # withheld tiles: hatched, unlike empty ones
_UPPER_BINS = (5, 10, 20)        # lower edges of the classes above the first
_CLASS_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")   # ColorBrewer Blues


def tile_layout() -> pd.DataFrame:
    """The tile grid: one row per state with its ``row`` (0 = top) and ``col`` (0 = left).

    Returns
    -------
    DataFrame
        Columns ``state, row, col``, 51 rows (50 states and DC), sorted by state.

    Examples
    --------
    >>> tile_layout().set_index("state").loc["ME"].tolist()
    [0, 10]
    """
    tiles = []
    for row, line in enumerate(TILE_ROWS):
        for col in range(0, len(line), 2):
            code = line[col:col + 2].strip()
            if code:
                tiles.append({"state": code, "row": row, "col": col // 2})
    return pd.DataFrame(tiles).sort_values("state").reset_index(drop=True)


def state_counts(responses: pd.DataFrame, *, column: str = "state") -> pd.Series:
    """Organizations per state, every state of the grid included (zeros too).

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses with two-letter state codes.
    column : str, default "state"

    Returns
    -------
    Series of int
        Indexed by state code, sorted.

    Raises
    ------
    DataError
        When a code is not one of the 51 tiles.
    """
    if column not in responses.columns:
        raise DataError(f"responses: no column '{column}' with state codes.")
    codes = responses[column].dropna().astype(str)
    layout = tile_layout()["state"]
    unknown = sorted(set(codes) - set(layout))
    if unknown:
        raise DataError(f"responses, column '{column}': {', '.join(unknown)} is not a state of "
                        "the tile map; use two-letter USPS codes of the 50 states and DC.")
    return codes.value_counts().reindex(layout, fill_value=0).astype(int).rename("count")


def tile_map(counts: pd.Series, *, threshold: int = 3, ax=None, title: str | None = None):
    """Draw organizations per state on the tile grid, small counts suppressed.

    Parameters
    ----------
    counts : Series
        Organizations per state code (e.g. from :func:`state_counts`); missing states are 0.
        A published column (ints and marks, e.g. the ``organizations`` column of the states
        table from :func:`ipo_research.analysis.geography.publish_geography`, suppressed
        together with the tables linked to it) is drawn exactly as published.
    threshold : int, default 3
        Counts of ints only are suppressed here: states with 1 to ``threshold - 1``
        organizations show ``<threshold``; complementary suppression (so the total cannot
        give them away) shows ``c``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    layout = tile_layout().set_index("state")
    if counts.map(lambda value: isinstance(value, str)).any():
        shown = counts.reindex(layout.index, fill_value=0)
    else:
        counts = counts.reindex(layout.index, fill_value=0).astype(int)
        shown = suppress_counts(counts.to_frame("count"), threshold=threshold, totals="columns",
                                show_totals=False)["count"]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.4))
    bins = _bins(threshold)
    colours = ListedColormap(_CLASS_COLOURS[:len(bins)])
    norm = BoundaryNorm([*bins, np.inf], colours.N)
    for state, (row, col) in layout[["row", "col"]].iterrows():
        value = shown[state]
        hidden = isinstance(value, str)
        if hidden:
            face, text_colour = SUPPRESSED_COLOUR, "#1a1a1a"
        elif value == 0:
            face, text_colour = _EMPTY_COLOUR, "#9a9a9a"
        else:
            face = colours(norm(value))
            text_colour = "white" if value >= 10 else "#1a1a1a"
        ax.add_patch(Rectangle((col, -row), 0.92, -0.92, facecolor=face,
                               edgecolor=_HATCH_COLOUR if hidden else "white",
                               hatch=_HATCH if hidden else None, linewidth=0.5))
        ax.text(col + 0.46, -row - 0.32, state, ha="center", va="center", fontsize=8,
                fontweight="bold", color=text_colour)
        if value != 0:
            ax.text(col + 0.46, -row - 0.64, str(value), ha="center", va="center",
                    fontsize=8, color=text_colour)
    ax.set_xlim(-0.1, 11.1)
    ax.set_ylim(-8.3, 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=_legend_handles(threshold), loc="upper center", fontsize=8, ncol=6,
              bbox_to_anchor=(0.5, 0.0), title="Organizations in the state", title_fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def _bins(threshold: int) -> list[int]:
    first = max(threshold, 1)
    return [first, *(edge for edge in _UPPER_BINS if edge > first)]


def _legend_handles(threshold: int) -> list[Patch]:
    edges = [*_bins(threshold), None]
    handles = [Patch(facecolor=_EMPTY_COLOUR, edgecolor="#cccccc", label="none")]
    if threshold > 1:
        handles.append(Patch(facecolor=SUPPRESSED_COLOUR, edgecolor=_HATCH_COLOUR, hatch=_HATCH,
                             label=f"withheld (<{threshold}, {COMPLEMENT_MARK})"))
    for low, high, colour in zip(edges[:-1], edges[1:], _CLASS_COLOURS):
        text = f"{low}+" if high is None else f"{low}-{high - 1}"
        handles.append(Patch(facecolor=colour, label=text))
    return handles

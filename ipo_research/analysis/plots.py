"""Plots of the landscape: likert ratings, multi-select choices, distributions, group shares.

Every function takes a table first (usually a *published* table from
:mod:`ipo_research.analysis.disclosure`, so a withheld value is a mark such as ``"<3"`` or ``"c"``),
everything else keyword-only, draws on ``ax`` (a new figure when omitted) and returns the
Axes. Nothing here saves or shows a figure: notebooks save through
:func:`ipo_research.analysis.outputs.figure_output`. Withheld values are drawn as withheld, never as bars.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from ipo_research.exceptions import DataError
from ipo_research.analysis.style import ACCENT, MUTED, likert_colours

__all__ = ["likert_bars", "ranked_bars", "distribution_plot", "share_heatmap", "missingness_bars"]

_WITHHELD = "withheld (too few organizations)"


def likert_bars(table: pd.DataFrame, *, shares: list[str], labels: list[str], ax=None,
                title: str | None = None, sort: bool = True):
    """Diverging stacked bars of likert answers, one bar per item, sorted by net rating.

    Answers below the middle of the scale extend left of zero, answers above it right; the
    middle answer is split evenly across zero. The item with the highest net rating (share
    high minus share low) is on top.

    Parameters
    ----------
    table : DataFrame
        One row per item with a ``label`` column and one share column (0..1) per answer,
        lowest answer first; rows whose shares are withheld (text marks) get an empty bar.
    shares : list of str
        The share columns in scale order, e.g. ``["share_low", "share_middle", "share_high"]``.
    labels : list of str
        Legend labels of those answers.
    ax : matplotlib Axes, optional
    title : str, optional
    sort : bool, default True
        Sort items by net rating (else keep the table's order, top to bottom).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> table = pd.DataFrame({"label": ["Field"], "low": [0.2], "mid": [0.3], "high": [0.5]})
    >>> ax = likert_bars(table, shares=["low", "mid", "high"], labels=["Weak", "OK", "Strong"])
    """
    _require(table, ["label", *shares])
    if len(shares) != len(labels):
        raise DataError(f"likert_bars: {len(shares)} share columns but {len(labels)} labels; "
                        "give one legend label per answer.")
    values = table[shares].apply(pd.to_numeric, errors="coerce").astype(float)
    withheld = values.isna().any(axis=1)
    values[withheld] = np.nan            # a partly withheld distribution is not drawn at all
    half = len(shares) // 2
    odd = len(shares) % 2 == 1
    net = values.iloc[:, len(shares) - half:].sum(axis=1) - values.iloc[:, :half].sum(axis=1)
    order = net.fillna(-np.inf).sort_values(kind="stable").index if sort else table.index[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.6))
    colours = likert_colours(len(shares))
    middle = values.iloc[:, half] / 2 if odd else 0
    left_edge = -(values.iloc[:, :half].sum(axis=1) + middle)
    positions = {index: y for y, index in enumerate(order)}
    y = [positions[index] for index in table.index]
    start = left_edge.copy()
    for column, colour, label in zip(shares, colours, labels):
        width = values[column]
        ax.barh(y, width.fillna(0), left=start.fillna(0), color=colour, label=label,
                edgecolor="white", linewidth=0.5, height=0.7)
        start = start + width
    for index in table.index[withheld]:
        ax.text(0, positions[index], _WITHHELD, ha="center", va="center", fontsize=8, color=MUTED)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(range(len(order)), [_wrap(table.loc[index, "label"]) for index in order])
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{abs(x):.0%}"))
    ax.set_xlabel("Share of organizations answering (lower answers left, higher right)")
    ax.legend(ncol=len(shares), loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / len(table)),
              fontsize=8)
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def ranked_bars(table: pd.DataFrame, *, value: str = "share", low: str = "ci_low",
                high: str = "ci_high", ax=None, title: str | None = None):
    """Horizontal bars of shares, largest on top, with interval whiskers.

    Parameters
    ----------
    table : DataFrame
        One row per option with a ``label`` column, the share and its interval (0..1), e.g.
        a published :func:`ipo_research.analysis.describe.multi_summary`. Withheld rows (text marks)
        are listed with no bar.
    value, low, high : str
        Columns of the share and of its interval bounds.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> table = pd.DataFrame({"label": ["A", "B"], "share": [0.6, 0.3],
    ...                       "ci_low": [0.4, 0.2], "ci_high": [0.7, 0.5]})
    >>> ranked_bars(table).get_yticklabels()[-1].get_text()
    'A'
    """
    _require(table, ["label", value, low, high])
    numbers = table[[value, low, high]].apply(pd.to_numeric, errors="coerce").astype(float)
    order = numbers[value].fillna(-1).sort_values(kind="stable").index
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * len(table) + 1.2))
    shown = numbers.loc[order]
    y = np.arange(len(order))
    ax.barh(y, shown[value].fillna(0), color=ACCENT, height=0.65)
    errors = np.vstack([shown[value] - shown[low], shown[high] - shown[value]])
    ax.errorbar(shown[value], y, xerr=errors, fmt="none", ecolor="#333333", capsize=3,
                linewidth=1)
    for position, index in zip(y, order):
        if np.isnan(shown.loc[index, value]):
            ax.text(0.01, position, _WITHHELD, va="center", fontsize=8, color=MUTED)
    ax.set_yticks(y, [_wrap(label) for label in table.loc[order, "label"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of organizations (whiskers: 95% Wilson interval)")
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def distribution_plot(frame: pd.DataFrame, *, columns: dict[str, str] | list[str],
                      log_scale: bool = False, min_n: int = 9, ax=None, title: str | None = None):
    """Box plots of numeric answers: median, quartiles, whiskers at the 10th and 90th percentiles.

    No individual answer is drawn (no outlier points, no minimum or maximum): each would be
    one organization's figure.

    Parameters
    ----------
    frame : DataFrame
        Cleaned responses.
    columns : dict of str to str, or list of str
        Numeric columns, one box each (top to bottom), mapped to their axis labels (a list
        uses the column names); ``n`` is appended to each label.
    log_scale : bool, default False
        Log axis, for money and other answers spanning orders of magnitude (zeros and
        negative answers are left out of a log axis).
    min_n : int, default 9
        Columns with fewer answers are labelled as withheld instead of drawn: a box of few
        answers draws them (three times the disclosure threshold, as for published quartiles).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    labels = list(columns.values()) if isinstance(columns, dict) else list(columns)
    columns = list(columns)
    _require(frame, columns)
    series = [pd.to_numeric(frame[column], errors="coerce").astype(float).dropna()
              for column in columns]
    if log_scale:
        series = [values[values > 0] for values in series]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.7 * len(columns) + 1.2))
    positions = np.arange(len(columns))[::-1]
    drawn = [(values, position) for values, position in zip(series, positions)
             if len(values) >= min_n]
    if drawn:
        ax.boxplot([values.to_numpy() for values, _ in drawn], positions=[p for _, p in drawn],
                   orientation="horizontal", whis=(10, 90), showfliers=False, widths=0.55,
                   patch_artist=True, boxprops={"facecolor": "#cfe3f3", "edgecolor": ACCENT},
                   medianprops={"color": "#1a1a1a", "linewidth": 1.5})
    ax.set_yticks(positions, [_wrap(f"{label} (n={len(values)})" if len(values) >= min_n
                                    else f"{label} ({_WITHHELD})")
                              for label, values in zip(labels, series)])
    if log_scale:
        # Ticks at 1, 2 and 5 of each power of ten, written 200k or 1M: scientific notation
        # (2 x 10^5) and unlabelled minor ticks read poorly for money and counts.
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _compact_number(value)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="y", visible=False)
    if title:
        ax.set_title(title)
    return ax


def share_heatmap(table: pd.DataFrame, *, ax=None, title: str | None = None,
                  colour_label: str = "Share of organizations"):
    """A heatmap of shares (rows: items, columns: groups), withheld cells shown by their mark.

    Parameters
    ----------
    table : DataFrame
        Shares in 0..1, or text marks (``"<3"``, ``"c"``) where withheld; index and columns
        are the row and column labels.
    ax : matplotlib Axes, optional
    title : str, optional
    colour_label : str
        Label of the colour bar.

    Returns
    -------
    matplotlib Axes
    """
    import seaborn as sns

    table = table.rename(index=lambda label: _wrap(str(label)),
                         columns=lambda label: _wrap(str(label), width=22))
    numbers = table.apply(pd.to_numeric, errors="coerce").astype(float)
    text = table.map(lambda cell: cell if isinstance(cell, str) else f"{cell:.0%}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * table.shape[1] + 4, 0.45 * table.shape[0] + 1.5))
    sns.heatmap(numbers, ax=ax, vmin=0, vmax=1, cmap="cividis", annot=text.to_numpy(), fmt="",
                linewidths=0.5, linecolor="white", annot_kws={"fontsize": 8},
                cbar_kws={"label": colour_label, "format": PercentFormatter(1.0)})
    # seaborn leaves missing cells blank: write the mark there.
    for (row, column), cell in np.ndenumerate(table.to_numpy()):
        if isinstance(cell, str):
            ax.text(column + 0.5, row + 0.5, cell, ha="center", va="center", fontsize=8,
                    color="#1a1a1a")
    ax.set_facecolor("#f0f0f0")
    ax.grid(False)
    ax.set_xlabel("Grey cells are withheld (<3: fewer than 3 organizations; c: complementary)",
                  fontsize=8, color=MUTED)
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=30)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
    if title:
        ax.set_title(title)
    return ax


def missingness_bars(table: pd.DataFrame, *, ax=None, title: str | None = None):
    """Horizontal bars of the share of responses that left each question unanswered.

    Parameters
    ----------
    table : DataFrame
        ``question`` and ``missing_share`` (0..1), in the order the survey asked them, as
        :func:`ipo_research.survey.cleaning.missingness_by_question` returns it.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The first question on top, the axis from 0 to 100%.

    Examples
    --------
    >>> table = pd.DataFrame({"question": ["q1", "q2"], "missing_share": [0.0, 0.25]})
    >>> [bar.get_width() for bar in missingness_bars(table).patches]
    [0.25, 0.0]
    """
    _require(table, ["question", "missing_share"])
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.18 * len(table) + 1.2))
    reversed_order = table.iloc[::-1]
    ax.barh(reversed_order["question"], reversed_order["missing_share"].astype(float), color=ACCENT)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Share of kept responses with no answer")
    ax.tick_params(axis="y", labelsize=7)
    if title:
        ax.set_title(title)
    return ax


def _compact_number(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _wrap(label: str, width: int = 42) -> str:
    # Long question texts become several short lines instead of squeezing the plot.
    return "\n".join(textwrap.wrap(str(label), width=width)) or str(label)


def _require(table: pd.DataFrame, columns: list[str]) -> None:
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise DataError(f"plot: the table has no column(s) {', '.join(missing)}; its columns "
                        f"are {', '.join(map(str, table.columns))}.")

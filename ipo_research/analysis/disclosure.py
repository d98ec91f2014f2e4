"""Disclosure control: no published table lets a reader single out an organization.

With about 75 named organizations, a count of 1 or 2 in a table (say, "2 PICO affiliates in
the South have a ballot line") can identify them. Every published count table goes through
:func:`suppress_counts` or :func:`suppress_table`:

1. **Primary suppression.** Counts from 1 to ``threshold - 1`` are shown as ``"<3"`` (for the
   default threshold 3). Zero is shown: by the usual convention of statistical agencies a
   zero count says nothing about any one organization.
2. **Complementary suppression.** Row and column totals are public (the number of
   respondents, a group's size), so a single hidden cell in a row or column could be worked
   out by subtraction. In every row or column (totals included) holding exactly one hidden
   cell, the smallest other non-zero cell is hidden too, shown as ``"c"``; this repeats until
   every line holds none or at least two hidden cells. Then an audit by linear programming
   checks that what is shown cannot narrow any small cell below its full range (two ``<3``
   cells in a column whose other cells add up to its total minus 4 must both be 2) and hides
   one more cell where it can; see :mod:`ipo_research.analysis._suppression`. The guarantee holds for
   tables whose row and column totals are at least the threshold: a line whose total is
   itself small (two organizations) gives its cells away whatever else is hidden, and in a
   tiny table can narrow its neighbours; such tables should be collapsed or not published.
3. **Dependent values.** A share, interval or mean computed from a hidden count is hidden as
   well (``"c"``), since it would give the count back.

A reader therefore sees ``"<3"`` or ``"c"``, never the hidden number, and cannot recover it
from the margins. A threshold of 0 or 1 turns suppression off (for internal runs only).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ipo_research.analysis.multiplicity import adjust_p_values
from ipo_research.analysis._suppression import augment, hidden_cells
from ipo_research.exceptions import DataError

__all__ = [
    "COMPLEMENT_MARK",
    "P_VALUE_BANDS",
    "TOTAL_LABEL",
    "small_count_mark",
    "suppression_mask",
    "suppress_counts",
    "suppress_table",
    "disclosure_note",
    "publish_frequencies",
    "publish_multi",
    "publish_likert",
    "publish_numeric",
    "publish_by_group",
    "publish_targets",
    "publish_test",
    "reportable_group",
]

COMPLEMENT_MARK = "c"
P_VALUE_BANDS = ("<0.05", ">=0.05")
# A median, quartile or mean of few answers is (or solves to) one organization's own answer:
# a median of three is the middle organization's value. Statistics need this many times the
# threshold in answers (9 at the default threshold of 3).
SUMMARY_FACTOR = 3
TOTAL_LABEL = "Total"
Totals = Literal["both", "rows", "columns", "none"]


def small_count_mark(threshold: int = 3) -> str:
    """The text shown for a count below ``threshold``, e.g. ``"<3"``."""
    return f"<{threshold}"


def disclosure_note(threshold: int = 3) -> str:
    """One sentence for a reader explaining the marks in a suppressed table.

    Examples
    --------
    >>> disclosure_note(3).startswith("<3: fewer than 3")
    True
    """
    if threshold <= 1:
        return "Small counts are not suppressed in this run (disclosure threshold off)."
    return (f"{small_count_mark(threshold)}: fewer than {threshold} organizations (1 to "
            f"{threshold - 1}), withheld so no organization can be singled out; "
            f"{COMPLEMENT_MARK}: withheld so that a hidden count cannot be worked out from the "
            "totals. Zero counts are shown.")


def suppression_mask(table: pd.DataFrame, *, threshold: int = 3,
                     totals: Totals = "both") -> pd.DataFrame:
    """Which cells of a count table must be hidden (primary or complementary).

    Parameters
    ----------
    table : DataFrame
        Non-negative integer counts (interior cells only, no totals).
    threshold : int, default 3
        Counts from 1 to ``threshold - 1`` are hidden.
    totals : {"both", "rows", "columns", "none"}, default "both"
        Which totals a reader knows: ``"rows"`` when each row's counts add up to a public
        total (e.g. the respondents to a question), ``"columns"`` for each column,
        ``"both"`` for a cross-tab with margins, ``"none"`` when no sum is meaningful.

    Returns
    -------
    DataFrame of bool
        Same shape, index and columns as ``table``; True where the cell is hidden.

    Examples
    --------
    >>> counts = pd.DataFrame({"a": [1, 5], "b": [6, 7]})
    >>> suppression_mask(counts, totals="both").to_numpy().tolist()
    [[True, True], [True, True]]
    """
    primary, hidden = hidden_cells(_as_counts(table), threshold=threshold, totals=totals)
    rows, columns = table.shape
    return pd.DataFrame(hidden[:rows, :columns], index=table.index, columns=table.columns)


def suppress_counts(table: pd.DataFrame, *, threshold: int = 3, totals: Totals = "both",
                    show_totals: bool = True) -> pd.DataFrame:
    """A count table ready to publish: small counts and their complements hidden.

    Parameters
    ----------
    table : DataFrame
        Non-negative integer counts (interior cells only).
    threshold : int, default 3
        Counts from 1 to ``threshold - 1`` are shown as ``"<threshold"``.
    totals : {"both", "rows", "columns", "none"}, default "both"
        Which totals are public (see :func:`suppression_mask`).
    show_totals : bool, default True
        Append those totals as a ``Total`` row and/or column (hidden ones marked too).

    Returns
    -------
    DataFrame of object
        Shown counts as int, hidden ones as ``"<3"`` (primary) or ``"c"`` (complementary).

    Examples
    --------
    >>> counts = pd.DataFrame({"yes": [1, 10, 12], "no": [9, 8, 7]}, index=["x", "y", "z"])
    >>> suppress_counts(counts, totals="rows", show_totals=False)["yes"].tolist()
    ['<3', 10, 12]
    """
    values = _as_counts(table)
    primary, hidden = hidden_cells(values, threshold=threshold, totals=totals)
    augmented = augment(values)
    rows, columns = values.shape
    shown = np.empty(augmented.shape, dtype=object)
    for (i, j), value in np.ndenumerate(augmented):
        shown[i, j] = _mark(int(value), primary[i, j], hidden[i, j], threshold)
    keep_rows = rows + int(show_totals and totals in ("both", "columns"))
    keep_columns = columns + int(show_totals and totals in ("both", "rows"))
    index = pd.Index([*table.index, TOTAL_LABEL][:keep_rows], name=table.index.name)
    labels = pd.Index([*table.columns, TOTAL_LABEL][:keep_columns], name=table.columns.name)
    return pd.DataFrame(shown[:keep_rows, :keep_columns], index=index, columns=labels)


def suppress_table(frame: pd.DataFrame, *, counts: list[str], threshold: int = 3,
                   totals: Totals = "rows", dependents: dict[str, list[str]] | None = None,
                   total_column: str | None = None) -> pd.DataFrame:
    """Suppress the count columns of a summary table and every value computed from them.

    Parameters
    ----------
    frame : DataFrame
        A summary with one row per item (e.g. from :mod:`ipo_research.analysis.describe`).
    counts : list of str
        Columns holding the counts; together they form the count table to protect.
    threshold : int, default 3
        Counts from 1 to ``threshold - 1`` are hidden.
    totals : {"both", "rows", "columns", "none"}, default "rows"
        Which sums of the count columns are public (see :func:`suppression_mask`).
    dependents : dict of str to list of str, optional
        For a count column, the columns computed from it (its share, interval; a mean computed
        from every count goes under each of them). Hidden when any of their counts is hidden.
    total_column : str, optional
        A column holding each row's total (e.g. ``n``); marked when that total is hidden.

    Returns
    -------
    DataFrame
        A copy, with hidden cells replaced by ``"<3"`` or ``"c"`` (affected columns become
        object dtype).

    Examples
    --------
    >>> summary = pd.DataFrame({"chosen": [1, 30], "not_chosen": [40, 11],
    ...                         "share": [1 / 41, 30 / 41]})
    >>> suppress_table(summary, counts=["chosen", "not_chosen"],
    ...                dependents={"chosen": ["share"]})["share"].tolist()
    ['c', 0.7317073170731707]
    """
    missing = [c for c in [*counts, *(dependents or {}), total_column] if c and c not in frame]
    if missing:
        raise DataError(f"suppress_table: no column(s) {', '.join(missing)} in the table; "
                        f"its columns are {', '.join(map(str, frame.columns))}.")
    count_table = frame[counts]
    values = _as_counts(count_table)
    primary, hidden = hidden_cells(values, threshold=threshold, totals=totals)
    published = frame.copy()
    rows, columns = values.shape
    for j, column in enumerate(counts):
        published[column] = [
            _mark(int(values[i, j]), primary[i, j], hidden[i, j], threshold) for i in range(rows)
        ]
    for column, derived in (dependents or {}).items():
        row_hidden = hidden[:rows, counts.index(column)]
        for target in derived:
            published[target] = published[target].astype(object)
            published.loc[row_hidden, target] = COMPLEMENT_MARK
    if total_column is not None and totals in ("both", "rows"):
        row_totals = values.sum(axis=1)
        published[total_column] = [
            _mark(int(row_totals[i]), primary[i, columns], hidden[i, columns], threshold)
            for i in range(rows)
        ]
    return published


def publish_frequencies(table: pd.DataFrame, *, threshold: int = 3) -> pd.DataFrame:
    """A frequency table (:func:`ipo_research.analysis.describe.frequency_table`) ready to publish.

    The counts of a question add up to the organizations answering, a public total, so the
    count column is protected as one line; shares and intervals of hidden counts are hidden.

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["a", "b", "c"], "label": ["A", "B", "C"],
    ...                       "count": [1, 20, 30], "share": [1 / 51, 20 / 51, 30 / 51],
    ...                       "ci_low": [0.0, 0.3, 0.5], "ci_high": [0.1, 0.5, 0.7]})
    >>> publish_frequencies(table)["count"].tolist()
    ['<3', 'c', 30]
    """
    return suppress_table(table, counts=["count"], threshold=threshold, totals="columns",
                          dependents={"count": ["share", "ci_low", "ci_high"]})


def publish_multi(summary: pd.DataFrame, *, threshold: int = 3) -> pd.DataFrame:
    """A multi-select summary (:func:`ipo_research.analysis.describe.multi_summary`) ready to publish.

    For each option, those choosing it and those not add up to the organizations answering:
    a small count on either side hides both, with the share and interval.
    """
    published = suppress_table(summary, counts=["chosen", "not_chosen"], threshold=threshold,
                               totals="rows", total_column="n",
                               dependents={"chosen": ["share", "ci_low", "ci_high"],
                                           "not_chosen": ["share", "ci_low", "ci_high"]})
    return published.drop(columns="not_chosen")


def publish_likert(summary: pd.DataFrame, *, threshold: int = 3) -> pd.DataFrame:
    """A likert summary (:func:`ipo_research.analysis.describe.likert_summary`) ready to publish.

    Answers are published in three groups (below the middle, the middle, above it), which
    keeps the distribution readable and small counts rare; the five-point counts are not
    published. A hidden group count hides its share, the mean and the net rating.
    """
    # A share needs its own count and the row total (public); the mean needs every count.
    published = suppress_table(summary, counts=["low", "middle", "high"], threshold=threshold,
                               totals="rows", total_column="n",
                               dependents={
                                   "low": ["low_share", "mean", "net"],
                                   "middle": ["middle_share", "mean"],
                                   "high": ["high_share", "high_ci_low", "high_ci_high", "mean", "net"],
                               })
    columns = ["question", "label", "n", "low", "middle", "high", "low_share", "middle_share",
               "high_share", "high_ci_low", "high_ci_high", "mean", "net"]
    return published[columns]


def publish_numeric(summary: pd.DataFrame, *, threshold: int = 3) -> pd.DataFrame:
    """A numeric summary (:func:`ipo_research.analysis.describe.numeric_summary`) ready to publish.

    Statistics of few answers give the answers back: rows with fewer than ``threshold``
    answers show ``"<3"`` for ``n``, and every statistic (median, quartiles, mean) needs
    ``SUMMARY_FACTOR * threshold`` answers, else it shows ``"c"``: a median of three answers
    is one organization's answer, and the interpolated quartiles of three answers solve for
    all three. ``n`` and ``missing`` add up to the respondents, so a small ``missing`` hides
    ``n`` as its complement.
    """
    # Answering plus not answering is the public number of respondents: one line per row.
    published = suppress_table(summary, counts=["n", "missing"], threshold=threshold,
                               totals="rows")
    answers = summary["n"].to_numpy()
    for column in ("median", "q1", "q3", "mean"):
        if column in published:
            # Interpolated quartiles of 3 answers give all three back (x2 = median,
            # x1 = 2 q1 - x2, x3 = 2 q3 - x2), and the median of 3 is one of them.
            published[column] = published[column].astype(object)
            published.loc[answers < SUMMARY_FACTOR * threshold, column] = COMPLEMENT_MARK
    return published


def publish_by_group(long: pd.DataFrame, *, threshold: int = 3,
                     p_values: pd.Series | None = None) -> pd.DataFrame:
    """Shares by group (from :func:`ipo_research.analysis.describe.likert_by_group` or
    :func:`~ipo_research.analysis.describe.multi_by_group`) as a published wide table.

    For each item, the yes and no counts of every group form a table whose group sizes and
    item totals are public; it is suppressed as a whole, then each group's share is shown
    only when neither of its counts is hidden.

    Parameters
    ----------
    long : DataFrame
        Columns ``question, label, group, yes, no``.
    threshold : int, default 3
    p_values : Series, optional
        p-value per question. When a count of the item is hidden, the exact p-value could
        help work it out (it is a function of the full table), so it is shown only as a band,
        ``"<0.05"`` or ``">=0.05"``.

    Returns
    -------
    DataFrame
        Index: item labels; columns: groups (in order of appearance), plus ``p_value`` and
        ``p_adjusted`` (Holm's adjustment across the items of the table, which are read
        together; banded like ``p_value`` when a count of the item is hidden) when given;
        cells are shares (0..1) or marks.
    """
    adjusted = {}
    if p_values is not None:
        questions = list(dict.fromkeys(long["question"]))
        raw = [p_values.get(question) for question in questions]
        adjusted = dict(zip(questions, adjust_p_values(raw, method="holm")))
    rows = {}
    for question, item in long.groupby("question", sort=False):
        counts = item.set_index("group")[["yes", "no"]]
        hidden = suppression_mask(counts, threshold=threshold, totals="both")
        primary = (counts["yes"] > 0) & (counts["yes"] < threshold)
        shares = {}
        for group in counts.index:
            n = counts.loc[group].sum()
            if hidden.loc[group].any() or n == 0:
                shares[group] = small_count_mark(threshold) if primary[group] else COMPLEMENT_MARK
            else:
                shares[group] = counts.loc[group, "yes"] / n
        if p_values is not None:
            shares["p_value"] = _p_value(p_values.get(question), exact=not hidden.to_numpy().any())
            shares["p_adjusted"] = _p_value(adjusted.get(question), exact=not hidden.to_numpy().any())
        rows[item["label"].iloc[0]] = shares
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("item")


def publish_targets(summary: pd.DataFrame, *, threshold: int = 3) -> pd.DataFrame:
    """Targets against today (:func:`ipo_research.analysis.describe.target_summary`) ready to publish.

    The organizations aiming higher and the others add up to those answering both questions;
    small counts hide their share; medians of fewer than ``SUMMARY_FACTOR * threshold``
    answers are hidden (a median of few answers is one organization's answer).
    """
    shares = ["growing_share", "growing_ci_low", "growing_ci_high"]
    published = suppress_table(summary, counts=["growing", "not_growing"], threshold=threshold,
                               totals="rows", total_column="n",
                               dependents={"growing": shares, "not_growing": shares})
    too_few = (summary["n"] < SUMMARY_FACTOR * threshold).to_numpy()
    for column in ("median_today", "median_target", "median_ratio"):
        published[column] = published[column].astype(object)
        published.loc[too_few, column] = COMPLEMENT_MARK
    return published


def publish_test(result: dict, table: pd.DataFrame, *, threshold: int = 3,
                 published: pd.DataFrame | None = None) -> dict:
    """A test of a count table (:func:`ipo_research.analysis.describe.association_test`) ready to publish.

    When the table has a hidden cell, the exact p-value could help work it out, so it is
    replaced by its band (``"<0.05"`` or ``">=0.05"``). Pass ``published``, the table as
    published, when it was suppressed together with others
    (:mod:`ipo_research.analysis.linked`): any withheld cell in it bands the p-value too.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [1, 10], "b": [9, 12]})
    >>> publish_test({"test": "Fisher", "p_value": 0.2, "n": 32}, table)["p_value"]
    '>=0.05'
    """
    hidden = suppression_mask(table, threshold=threshold, totals="both").to_numpy().any()
    if published is not None:
        hidden = hidden or published.map(lambda value: isinstance(value, str)).to_numpy().any()
    return {**result, "p_value": _p_value(result["p_value"], exact=not hidden)}


def reportable_group(groups: pd.Series, *, value: str, threshold: int = 3) -> dict:
    """Whether one group is large enough to profile against every other organization.

    Parameters
    ----------
    groups : Series
        The grouping column, e.g. ``responses["primary_network"]``.
    value : str
        The group's code.
    threshold : int, default 3
        The group, and the organizations outside it, must each number at least this many.

    Returns
    -------
    dict
        ``reportable`` (bool), ``n_group`` and ``n_others`` (ints, for the package's own
        use; a page about a group too small to report must not print them).

    Examples
    --------
    >>> reportable_group(pd.Series(["a", "a", "b", "b", "b"]), value="a")["reportable"]
    False
    """
    codes = groups.dropna().astype(str)
    n_group = int((codes == str(value)).sum())
    n_others = int(codes.size - n_group)
    return {"reportable": n_group >= threshold and n_others >= threshold,
            "n_group": n_group, "n_others": n_others}


def _p_value(value, *, exact: bool):
    if value is None or pd.isna(value):
        return np.nan
    if exact:
        return float(value)
    return P_VALUE_BANDS[0] if value < 0.05 else P_VALUE_BANDS[1]


def _mark(value: int, primary: bool, hidden: bool, threshold: int):
    if primary:
        return small_count_mark(threshold)
    return COMPLEMENT_MARK if hidden else value


def _as_counts(table: pd.DataFrame) -> np.ndarray:
    numbers = table.apply(pd.to_numeric, errors="coerce")
    bad = numbers.isna() | (numbers < 0) | (numbers.fillna(0) % 1 != 0)
    if bad.to_numpy().any():
        row, column = next(zip(*np.nonzero(bad.to_numpy())))
        raise DataError(
            f"count table, row {table.index[row]!r}, column {table.columns[column]!r}: "
            f"{table.iat[row, column]!r} is not a non-negative whole count. Pass counts, "
            "with missing cells filled with 0."
        )
    return numbers.to_numpy(dtype="int64")

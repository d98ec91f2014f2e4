"""Sentences and reader-facing tables built from computed, published numbers.

Every number a reviewer reads in a notebook's prose comes from here, computed from a table
that already went through :mod:`ipo_research.analysis.disclosure`; a withheld value is never put into
a sentence (the sentence skips it or says it is withheld). Functions return Markdown strings
or DataFrames of display strings; they do not touch files.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ipo_research.survey.escaping import escape_markdown

__all__ = [
    "is_shown",
    "percent",
    "money",
    "number",
    "format_table",
    "join_phrases",
    "frequency_sentence",
    "multi_sentence",
    "numeric_sentence",
    "likert_sentence",
    "group_difference_sentence",
    "quotes_markdown",
    "sample_sentence",
    "present_frequencies",
    "present_multi",
    "present_numeric",
    "present_likert",
    "present_targets",
    "present_by_group",
    "target_sentence",
    "significance_sentence",
]


def is_shown(value) -> bool:
    """Whether a published value is a number (not a mark such as ``"<3"`` or ``"c"``)."""
    if isinstance(value, str) or value is None or value is pd.NA:
        return False
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def percent(value, *, digits: int = 0) -> str:
    """A share (0..1) as a percent; a mark is returned as it is.

    Examples
    --------
    >>> percent(0.537), percent("<3")
    ('54%', '<3')
    """
    if not is_shown(value):
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return f"{100 * float(value):.{digits}f}%"


def money(value) -> str:
    """Dollars, rounded for a reader: ``$350,000``, ``$1.2 million``.

    Examples
    --------
    >>> money(1_234_567), money(350_000), money("c")
    ('$1.2 million', '$350,000', 'c')
    """
    if not is_shown(value):
        return percent(value)
    value = float(value)
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:.1f} million"
    return f"${value:,.0f}"


def number(value, *, digits: int = 0) -> str:
    """A number with thousands separators; a mark is returned as it is.

    Examples
    --------
    >>> number(12345.6), number(2.25, digits=1)
    ('12,346', '2.2')
    """
    if not is_shown(value):
        return percent(value)
    return f"{float(value):,.{digits}f}"


def format_table(table: pd.DataFrame, *, percent_columns=(), money_columns=(),
                 number_columns=(), rename: dict | None = None,
                 drop=()) -> pd.DataFrame:
    """A published table as display strings for a reader (marks kept as they are).

    Parameters
    ----------
    table : DataFrame
        A published table.
    percent_columns, money_columns, number_columns : sequence of str
        Columns to show as percents, dollars, or numbers (one decimal).
    rename : dict, optional
        Reader-facing column names.
    drop : sequence of str
        Columns to leave out (codes, machine-only columns).

    Returns
    -------
    DataFrame of str
        With a blank index, for display only.
    """
    shown = table.drop(columns=[column for column in drop if column in table]).copy()
    for columns, formatter in ((percent_columns, percent), (money_columns, money),
                               (number_columns, lambda v: number(v, digits=1))):
        for column in columns:
            if column in shown:
                shown[column] = shown[column].map(formatter)
    shown = shown.astype(object).where(shown.notna(), "")
    # Row numbers 0, 1, 2 mean nothing to a reader: a blank index hides them on the page.
    shown.index = pd.Index([""] * len(shown))
    return shown.rename(columns=rename or {})


def join_phrases(phrases: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    Examples
    --------
    >>> join_phrases(["x", "y", "z"])
    'x, y and z'
    """
    phrases = list(phrases)
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def frequency_sentence(table: pd.DataFrame, *, subject: str, top: int = 2) -> str:
    """The most common answers of a published frequency table, in one sentence.

    Examples
    --------
    >>> table = pd.DataFrame({"label": ["City", "State"], "count": [30, 20],
    ...                       "share": [0.6, 0.4]})
    >>> frequency_sentence(table, subject="jurisdiction")
    'Of the 50 organizations answering on jurisdiction, the most common answers are City (60%) and State (40%).'
    """
    shown = table[table["count"].map(is_shown)].copy()
    shown["count"] = shown["count"].astype(int)
    answering = _answering(table)
    leading = shown[shown["count"] > 0].sort_values("count", ascending=False, kind="stable").head(top)
    if leading.empty:
        return f"No answer on {subject} can be reported without singling out organizations."
    listed = join_phrases([f"{escape_markdown(row.label)} ({percent(row.share)})" for row in leading.itertuples()])
    noun = "answer is" if len(leading) == 1 else "answers are"
    return f"Of the {answering}organizations answering on {subject}, the most common {noun} {listed}."


def multi_sentence(table: pd.DataFrame, *, subject: str, top: int = 3) -> str:
    """The most chosen options of a published multi-select summary, in one sentence.

    Examples
    --------
    >>> table = pd.DataFrame({"label": ["A", "B"], "chosen": [30, "<3"], "n": [60, 60],
    ...                       "share": [0.5, "c"]})
    >>> multi_sentence(table, subject="growth priorities")
    'Asked about growth priorities, 60 organizations answered; the options chosen most often are A (50%).'
    """
    shown = table[table["share"].map(is_shown)]
    leading = shown.sort_values("share", ascending=False, kind="stable").head(top)
    answering = table["n"].iloc[0] if len(table) else 0
    if leading.empty:
        return f"No option of {subject} can be reported without singling out organizations."
    listed = join_phrases([f"{escape_markdown(row.label)} ({percent(row.share)})" for row in leading.itertuples()])
    return (f"Asked about {subject}, {answering} organizations answered; the options chosen most "
            f"often are {listed}.")


def numeric_sentence(table: pd.DataFrame, question: str, *, subject: str,
                     kind: str = "number") -> str:
    """The median and middle half of one row of a published numeric summary.

    Parameters
    ----------
    table : DataFrame
        A published :func:`ipo_research.analysis.describe.numeric_summary`.
    question : str
        The row's ``question`` id.
    subject : str
        What the number is, for the sentence ("2016 budget").
    kind : {"number", "money", "year", "percent_points"}

    Returns
    -------
    str
    """
    row = table.set_index("question").loc[question]
    shape = {"money": money, "number": number, "year": lambda v: f"{float(v):.0f}",
             "percent_points": lambda v: f"{number(v)}%"}[kind]
    if not is_shown(row["median"]):
        return f"Too few organizations answered on {subject} to report it."
    answering = (f"the {number(row['n'])} organizations answering" if is_shown(row["n"])
                 else "those answering")
    if not (is_shown(row["q1"]) and is_shown(row["q3"])):
        return (f"The median {subject} is {shape(row['median'])} (too few answers to show "
                "the quartiles).")
    return (f"The median {subject} is {shape(row['median'])}; the middle half of {answering} "
            f"lie between {shape(row['q1'])} and {shape(row['q3'])}.")


def likert_sentence(table: pd.DataFrame, *, high_words: str, low_words: str | None = None) -> str:
    """Which items rate highest and lowest in a published likert summary.

    Parameters
    ----------
    table : DataFrame
        A published :func:`ipo_research.analysis.describe.likert_summary`.
    high_words : str
        The top answers, as in "the largest share answering strong or very strong".
    low_words : str, optional
        What the bottom answers mean ("weak or very weak"); adds the lowest item's low share.

    Returns
    -------
    str
    """
    shown = table[table["high_share"].map(is_shown)].copy()
    if shown.empty:
        return "No rating can be reported without singling out organizations."
    shown["high_share"] = shown["high_share"].astype(float)
    ranked = shown.sort_values("high_share", ascending=False, kind="stable")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    best_label, worst_label = _in_sentence(best["label"]), _in_sentence(worst["label"])
    sentence = (f"The largest share answering {high_words} is for {best_label} "
                f"({percent(best['high_share'])}); the smallest is for {worst_label} "
                f"({percent(worst['high_share'])})")
    if low_words and is_shown(worst.get("low_share")):
        sentence += f", where {percent(worst['low_share'])} answer {low_words}"
    return sentence + "."


def group_difference_sentence(table: pd.DataFrame, *, alpha: float = 0.05,
                              groups_word: str = "groups") -> str:
    """Which items of a published by-group table differ between groups at level ``alpha``.

    The table is from :func:`ipo_research.analysis.disclosure.publish_by_group` with ``p_value``.
    """
    p_values = table["p_value"].dropna()
    exact = p_values[p_values.map(is_shown)].astype(float)
    banded = p_values[~p_values.map(is_shown)]
    below = [f"{_in_sentence(label)} (p = {value:.3f})"
             for label, value in exact[exact < alpha].sort_values().items()]
    below += [f"{_in_sentence(label)} (p < 0.05)" for label, band in banded.items()
              if band == "<0.05" and alpha == 0.05]
    note = (f" For {len(banded)} item(s) a count is withheld, so the p-value is shown only "
            "as a band (below or above 0.05)." if len(banded) else "")
    if "p_adjusted" in table:
        adjusted = table["p_adjusted"].dropna()
        kept = [label for label, value in adjusted.items()
                if (is_shown(value) and float(value) < alpha) or value == "<0.05"]
        note += (f" Read together, the {len(adjusted)} tests are adjusted by Holm's method "
                 f"(column p (Holm-adjusted)): {len(kept)} item(s) stay below {alpha} after it"
                 + (f" ({join_phrases([_in_sentence(label) for label in kept])})." if kept else "."))
    if not below:
        return (f"None of the {len(p_values)} items differs between {groups_word} at "
                f"p < {alpha}: with groups this small, only large differences would show.{note}")
    return (f"Of {len(p_values)} items, {len(below)} differ between {groups_word} at "
            f"p < {alpha}: {join_phrases(below)}. With this many tests, about one result in "
            f"twenty is expected below 0.05 by chance alone.{note}")


def quotes_markdown(quotes: pd.DataFrame) -> str:
    """Quotes grouped by theme as a Markdown list (or a sentence saying there are none).

    Quotes and labels are respondents' and the data's text: they are escaped, so they show as
    typed and never as markup or a link.
    """
    if quotes.empty:
        return "_No answer is short enough and free enough of names to quote safely._"
    lines = []
    for label, group in quotes.groupby("label", sort=False):
        lines.append(f"**{escape_markdown(label)}**")
        lines += [f"> “{escape_markdown(quote)}”" for quote in group["quote"]]
        lines.append("")
    return "\n".join(lines).strip()


def _in_sentence(label: str) -> str:
    # "Field program: ..." reads "field program: ..." mid-sentence; "PICO ..." and names inside
    # the label ("Democratic Party") keep their capitals. Escaped for Markdown: labels are data.
    label = str(label).rstrip(".")
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]
    return escape_markdown(label)


def _answering(table: pd.DataFrame) -> str:
    # The total is public even when a cell is withheld, but only add it up when all are shown.
    counts = table["count"]
    if counts.map(is_shown).all():
        return f"{int(counts.astype(int).sum())} "
    return ""


def sample_sentence(n_organizations: int, *, threshold: int) -> str:
    """Who the page describes and how its tables protect them, as Markdown."""
    return (f"This page describes **{n_organizations} organizations**. In every table, counts "
            f"from 1 to {threshold - 1} are shown as `<{threshold}`, and a few more are withheld "
            "(`c`) so the totals cannot give them away; shares of withheld counts are withheld "
            "too. Shares are of the organizations that answered the question, with 95% Wilson "
            "intervals." if threshold > 1 else
            f"This page describes **{n_organizations} organizations**. Small counts are NOT "
            "suppressed in this run (disclosure threshold off): do not publish it.")


def present_frequencies(table: pd.DataFrame) -> pd.DataFrame:
    """A published frequency table for a reader."""
    return format_table(table, percent_columns=("share", "ci_low", "ci_high"), drop=("code",),
                        rename={"label": "Answer", "count": "Organizations", "share": "Share",
                                "ci_low": "95% CI from", "ci_high": "95% CI to"})


def present_multi(table: pd.DataFrame) -> pd.DataFrame:
    """A published multi-select (or theme) summary for a reader."""
    return format_table(table, percent_columns=("share", "ci_low", "ci_high"),
                        drop=("option",),
                        rename={"label": "Option", "chosen": "Organizations choosing it",
                                "n": "Answering", "share": "Share", "ci_low": "95% CI from",
                                "ci_high": "95% CI to"})


def present_numeric(table: pd.DataFrame, *, money_questions=()) -> pd.DataFrame:
    """A published numeric summary for a reader; ``money_questions`` rows shown in dollars."""
    shown = table.copy()
    statistics = [column for column in ("median", "q1", "q3", "mean") if column in shown]
    is_money = shown["question"].isin(list(money_questions))
    for column in statistics:
        shown[column] = [money(value) if flag else number(value, digits=1)
                         for value, flag in zip(shown[column], is_money)]
    return format_table(shown, drop=("question", "scale", "unit"),
                        rename={"label": "Question", "n": "Answering", "missing": "No answer",
                                "median": "Median", "q1": "25th percentile",
                                "q3": "75th percentile", "mean": "Mean"})


def present_likert(table: pd.DataFrame, *, words=("Low (1-2)", "Middle (3)", "High (4-5)")) -> pd.DataFrame:
    """A published likert summary for a reader."""
    low, middle, high = words
    return format_table(table, percent_columns=("low_share", "middle_share", "high_share",
                                                "high_ci_low", "high_ci_high", "net"),
                        number_columns=("mean",), drop=("question", "low", "middle", "high"),
                        rename={"label": "Item", "n": "Answering", "low_share": low,
                                "middle_share": middle, "high_share": high,
                                "high_ci_low": "95% CI from", "high_ci_high": "95% CI to",
                                "mean": "Mean (1-5)", "net": "Net (high - low)"})


def present_targets(table: pd.DataFrame, *, money_measures=()) -> pd.DataFrame:
    """A published :func:`ipo_research.analysis.describe.target_summary` for a reader."""
    shown = table.copy()
    is_money = shown["measure"].isin(list(money_measures))
    for column in ("median_today", "median_target"):
        shown[column] = [money(value) if flag else number(value, digits=1)
                         for value, flag in zip(shown[column], is_money)]
    shown["median_ratio"] = shown["median_ratio"].map(lambda v: f"{number(v, digits=1)}x"
                                                      if is_shown(v) else percent(v))
    return format_table(shown, percent_columns=("growing_share", "growing_ci_low", "growing_ci_high"),
                        drop=("not_growing",),
                        rename={"measure": "Measure", "n": "Answering both",
                                "median_today": "Median 2016", "median_target": "Median 2019 target",
                                "median_ratio": "Median target / 2016", "growing": "Aiming higher",
                                "growing_share": "Share aiming higher",
                                "growing_ci_low": "95% CI from", "growing_ci_high": "95% CI to"})


def present_by_group(table: pd.DataFrame) -> pd.DataFrame:
    """A published by-group share table for a reader (shares as percents, p-values 3 digits)."""
    shown = table.copy()
    for column in ("p_value", "p_adjusted"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: f"{float(v):.3f}" if is_shown(v) else percent(v))
    groups = [column for column in shown.columns if column not in ("p_value", "p_adjusted")]
    return format_table(shown, percent_columns=groups,
                        rename={"p_value": "p (Fisher)", "p_adjusted": "p (Holm-adjusted)"})


def target_sentence(table: pd.DataFrame, measure: str, *, subject: str) -> str:
    """How far organizations aim to grow one measure, from a published target summary.

    Examples
    --------
    >>> table = pd.DataFrame({"measure": ["Budget"], "n": [50], "median_ratio": [1.5],
    ...                       "growing_share": [0.9]})
    >>> target_sentence(table, "Budget", subject="budget")
    'Among the 50 organizations giving both figures, the median 2019 target for their budget is 1.5 times the 2016 figure, and 90% aim higher than today.'
    """
    row = table.set_index("measure").loc[measure]
    if not is_shown(row["median_ratio"]):
        return f"Too few organizations gave both figures for their {subject} to report it."
    answering = f"the {number(row['n'])} organizations" if is_shown(row["n"]) else "the organizations"
    sentence = (f"Among {answering} giving both figures, the median 2019 target for their "
                f"{subject} is {number(row['median_ratio'], digits=1)} times the 2016 figure")
    if is_shown(row["growing_share"]):
        sentence += f", and {percent(row['growing_share'])} aim higher than today"
    return sentence + "."


def significance_sentence(result: dict, *, subject: str, alpha: float = 0.05) -> str:
    """One sentence reporting a published test (:func:`ipo_research.analysis.disclosure.publish_test`).

    Examples
    --------
    >>> significance_sentence({"test": "Fisher's exact test", "p_value": 0.012, "n": 70},
    ...               subject="level of work and region")
    "Fisher's exact test of level of work and region, over 70 organizations: p = 0.012, below 0.05."
    """
    p_value = result["p_value"]
    if is_shown(p_value):
        verdict = "below" if float(p_value) < alpha else "not below"
        shown = f"p = {float(p_value):.3f}, {verdict} {alpha}"
    elif isinstance(p_value, str):
        shown = (f"p {p_value.replace('>=', '≥ ').replace('<', '< ')} (only the band is shown, "
                 "because a count of the table is withheld)")
    else:
        return f"The table of {subject} cannot be tested: {result['test']}."
    return f"{result['test']} of {subject}, over {result['n']} organizations: {shown}."

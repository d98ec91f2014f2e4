"""Describing the responses: frequencies, summaries and cross-tabs, DataFrames in and out.

Every function takes cleaned responses (dtypes as in docs/design.md) and codebook questions, and
returns a tidy DataFrame with raw counts. Tables are published only after
:mod:`ipo_research.analysis.disclosure` has hidden small counts.

Intervals for shares are Wilson score intervals (``statsmodels``), which behave well for the
small samples and the shares near 0 or 1 a survey of 75 organizations produces. Cross-tabs are
tested with Fisher's exact test (``scipy``): exact for a 2x2 table, and for larger tables the
Fisher-Freeman-Halton statistic with a Monte Carlo p-value from a seeded generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from ipo_research.survey.codebook import Question
from ipo_research.exceptions import DataError

__all__ = [
    "item_label",
    "wilson_interval",
    "frequency_table",
    "numeric_summary",
    "likert_summary",
    "multi_summary",
    "crosstab",
    "association_test",
    "group_vs_rest",
    "labelled",
    "category_table",
    "likert_by_group",
    "multi_by_group",
    "group_tests",
    "target_summary",
]

_LOG_SCALE_UNITS = ("USD",)


def item_label(question: Question) -> str:
    """A short label for a question: the item of a matrix question, else its text.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Question
    >>> item_label(Question(id="q", section="s", type="likert", text="Rate each - Field program"))
    'Field program'
    """
    return question.text.rsplit(" - ", 1)[-1].strip()


def wilson_interval(count, nobs, *, alpha: float = 0.05) -> tuple:
    """Wilson score interval for ``count`` successes out of ``nobs`` (arrays allowed).

    Returns NaN bounds where ``nobs`` is 0.

    Examples
    --------
    >>> [round(float(bound), 4) for bound in wilson_interval(3, 10)]
    [0.1078, 0.6032]
    """
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1)
    low, high = proportion_confint(count, safe, alpha=alpha, method="wilson")
    empty = nobs <= 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def frequency_table(responses: pd.DataFrame, question: Question, *,
                    alpha: float = 0.05) -> pd.DataFrame:
    """Counts and shares of each answer to a single, likert, boolean or state question.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    question : Question
        The question; its levels give the rows in codebook order (states: the categories of
        the column, or the states present).
    alpha : float, default 0.05
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    DataFrame
        Columns ``code, label, count, share, ci_low, ci_high``; shares are of the
        organizations that answered (missing answers are left out), so they add up to 1.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> q = Question(id="level", section="s", type="single", text="Level",
    ...              levels=(Level("city", "City"), Level("state", "State")))
    >>> frequency_table(pd.DataFrame({"level": ["city", "city", "state", None]}), q)["count"].tolist()
    [2, 1]
    """
    values = _column(responses, question.id)
    codes = _codes_of(question, values)
    counts = values.astype(object).where(values.notna()).value_counts()
    counted = [int(counts.get(code, 0)) for code in codes]
    answered = sum(counted)
    low, high = wilson_interval(counted, [answered] * len(codes), alpha=alpha)
    return pd.DataFrame({
        "code": [str(code) for code in codes],
        "label": [_label(question, code) for code in codes],
        "count": counted,
        "share": [count / answered if answered else np.nan for count in counted],
        "ci_low": low,
        "ci_high": high,
    })


def numeric_summary(responses: pd.DataFrame, questions) -> pd.DataFrame:
    """Median and quartiles of integer or numeric questions.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    questions : iterable of Question
        Integer or numeric questions.

    Returns
    -------
    DataFrame
        One row per question: ``question, label, unit, n, missing, median, q1, q3, mean,
        scale``; ``scale`` is ``"log"`` for money (plot it on a log axis: budgets span orders
        of magnitude) and ``"linear"`` otherwise. Minimum and maximum are left out on
        purpose: each is one organization's answer.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Question
    >>> q = Question(id="staff", section="s", type="numeric", text="Staff")
    >>> numeric_summary(pd.DataFrame({"staff": [1.0, 2, 3, 10, None]}), [q])["median"].item()
    2.5
    """
    rows = []
    for question in questions:
        values = pd.to_numeric(_column(responses, question.id), errors="coerce").astype(float)
        answered = values.dropna()
        rows.append({
            "question": question.id,
            "label": item_label(question),
            "unit": question.unit or "",
            "n": int(answered.size),
            "missing": int(values.isna().sum()),
            "median": answered.median() if answered.size else np.nan,
            "q1": answered.quantile(0.25) if answered.size else np.nan,
            "q3": answered.quantile(0.75) if answered.size else np.nan,
            "mean": answered.mean() if answered.size else np.nan,
            "scale": "log" if question.unit in _LOG_SCALE_UNITS else "linear",
        })
    return pd.DataFrame(rows)


def likert_summary(responses: pd.DataFrame, questions, *, alpha: float = 0.05) -> pd.DataFrame:
    """Distribution, mean and share rating high for each likert question.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses (likert answers as ``Int64`` codes).
    questions : iterable of Question
        Likert questions sharing one scale.
    alpha : float, default 0.05
        1 - confidence level of the Wilson interval of ``high_share``.

    Returns
    -------
    DataFrame
        One row per question, in the order given: ``question, label, n``, ``count_<code>``
        and ``share_<code>`` for every level, the collapsed counts ``low`` (levels below the
        middle, e.g. 1-2), ``middle`` and ``high`` (above the middle, e.g. 4-5), ``mean``,
        ``high_share`` with ``high_ci_low, high_ci_high``, ``low_share``, ``middle_share``
        and ``net`` (high share minus low share).

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> scale = tuple(Level(code, str(code)) for code in range(1, 6))
    >>> q = Question(id="r", section="s", type="likert", text="Rating", levels=scale)
    >>> likert_summary(pd.DataFrame({"r": [1, 4, 5, 5]}), [q])["high_share"].item()
    0.75
    """
    rows = []
    for question in questions:
        codes = [int(code) for code in question.level_codes]
        values = pd.to_numeric(_column(responses, question.id), errors="coerce").dropna().astype(int)
        counts = {code: int((values == code).sum()) for code in codes}
        n = sum(counts.values())
        middle = (min(codes) + max(codes)) / 2
        row = {"question": question.id, "label": item_label(question), "n": n}
        row.update({f"count_{code}": counts[code] for code in codes})
        row.update({f"share_{code}": counts[code] / n if n else np.nan for code in codes})
        row["low"] = sum(counts[code] for code in codes if code < middle)
        row["middle"] = sum(counts[code] for code in codes if code == middle)
        row["high"] = sum(counts[code] for code in codes if code > middle)
        row["mean"] = sum(code * counts[code] for code in codes) / n if n else np.nan
        rows.append(row)
    summary = pd.DataFrame(rows)
    if summary.empty:
        return summary
    summary["high_share"] = summary["high"] / summary["n"].where(summary["n"] > 0)
    summary["high_ci_low"], summary["high_ci_high"] = wilson_interval(
        summary["high"], summary["n"], alpha=alpha)
    summary["low_share"] = summary["low"] / summary["n"].where(summary["n"] > 0)
    summary["middle_share"] = summary["middle"] / summary["n"].where(summary["n"] > 0)
    summary["net"] = summary["high_share"] - summary["low_share"]
    return summary


def multi_summary(responses: pd.DataFrame, question: Question, *,
                  alpha: float = 0.05) -> pd.DataFrame:
    """Share of organizations choosing each option of a multi-select question, ranked.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses with one boolean column per option (``{id}__{code}``).
    question : Question
        A multi question.
    alpha : float, default 0.05
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    DataFrame
        One row per option, most chosen first (ties in codebook order): ``option, label,
        chosen, not_chosen, n, share, ci_low, ci_high``. ``n`` counts the organizations that
        answered the question (at least one option not missing).

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> q = Question(id="m", section="s", type="multi", text="Pick",
    ...              options=(Level("a", "A"), Level("b", "B")))
    >>> frame = pd.DataFrame({"m__a": [True, False, None], "m__b": [True, True, None]},
    ...                      dtype="boolean")
    >>> multi_summary(frame, q)[["option", "chosen", "n"]].values.tolist()
    [['b', 2, 2], ['a', 1, 2]]
    """
    columns = [_column(responses, column) for column in question.columns]
    chosen_frame = pd.concat(columns, axis=1).astype("boolean")
    answered = chosen_frame.notna().any(axis=1)
    n = int(answered.sum())
    chosen = [int(chosen_frame.loc[answered, column].fillna(False).sum())
              for column in chosen_frame.columns]
    low, high = wilson_interval(chosen, [n] * len(chosen), alpha=alpha)
    summary = pd.DataFrame({
        "option": [str(code) for code in question.option_codes],
        "label": [option.label for option in question.options],
        "chosen": chosen,
        "not_chosen": [n - count for count in chosen],
        "n": n,
        "share": [count / n if n else np.nan for count in chosen],
        "ci_low": low,
        "ci_high": high,
    })
    return summary.sort_values("chosen", ascending=False, kind="stable").reset_index(drop=True)


def crosstab(responses: pd.DataFrame, question: Question, *, by: Question | str) -> pd.DataFrame:
    """Counts of each answer to ``question`` within each group of ``by``.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    question : Question
        A single, likert, boolean or state question (rows).
    by : Question or str
        The grouping question (columns), e.g. ``primary_network``, or the name of another
        categorical column, e.g. the joined ``census_region``.

    Returns
    -------
    DataFrame
        Counts, rows indexed by the codes of ``question``, columns by the codes of ``by``,
        every level present (zeros included); organizations missing either answer are left
        out.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> yes_no = Question(id="won", section="s", type="boolean", text="Won")
    >>> level = Question(id="level", section="s", type="single", text="Level",
    ...                  levels=(Level("city", "City"), Level("state", "State")))
    >>> frame = pd.DataFrame({"won": [True, True, False], "level": ["city", "state", "city"]})
    >>> crosstab(frame, yes_no, by=level).loc["True", "city"].item()
    1
    """
    if isinstance(by, str):
        by = Question(id=by, section="", type="single", text=by)
    rows = _column(responses, question.id)
    groups = _column(responses, by.id)
    keep = rows.notna() & groups.notna()
    row_codes = [str(code) for code in _codes_of(question, rows)]
    group_codes = [str(code) for code in _codes_of(by, groups)]
    table = pd.crosstab(rows[keep].astype(str), groups[keep].astype(str))
    table = table.reindex(index=row_codes, columns=group_codes, fill_value=0).astype(int)
    table.index.name, table.columns.name = question.id, by.id
    return table


def association_test(table: pd.DataFrame, *, seed: int = 2016,
                     n_resamples: int = 9999) -> dict:
    """Test whether rows and columns of a count table are independent.

    Rows and columns that are all zero are dropped first. A 2x2 table gets Fisher's exact
    test; a larger one the Fisher-Freeman-Halton test with a Monte Carlo p-value
    (``scipy.stats.fisher_exact`` with ``MonteCarloMethod`` and a seeded generator), so the
    result is the same on every run.

    Parameters
    ----------
    table : DataFrame
        Counts, e.g. from :func:`crosstab`.
    seed : int, default 2016
        Seed of the Monte Carlo generator.
    n_resamples : int, default 9999
        Simulated tables for the Monte Carlo p-value.

    Returns
    -------
    dict
        ``test`` (name), ``p_value`` (NaN when the table has fewer than two non-empty rows or
        columns), ``n`` (organizations in the table), ``shape`` (tested rows x columns).

    Examples
    --------
    >>> table = pd.DataFrame([[8, 2], [1, 5]])
    >>> round(association_test(table)["p_value"], 4)
    0.035
    """
    counts = table.to_numpy(dtype="int64")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    result = {"test": "not testable (fewer than two non-empty rows or columns)",
              "p_value": np.nan, "n": int(counts.sum()), "shape": "x".join(map(str, counts.shape))}
    if min(counts.shape) < 2:
        return result
    if counts.shape == (2, 2):
        result.update(test="Fisher's exact test", p_value=float(stats.fisher_exact(counts).pvalue))
        return result
    method = stats.MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
    result.update(test=f"Fisher-Freeman-Halton test, Monte Carlo p-value ({n_resamples} tables)",
                  p_value=float(stats.fisher_exact(counts, method=method).pvalue))
    return result


def _column(responses: pd.DataFrame, column: str) -> pd.Series:
    if column not in responses.columns:
        raise DataError(f"responses: no column '{column}'. Load the data with "
                        "ipo_research.survey.cleaned.load_responses, which names columns by question id.")
    return responses[column]


def _codes_of(question: Question, values: pd.Series) -> list:
    if question.type == "boolean":
        return [True, False]
    if question.levels:
        return list(question.level_codes)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique())


def _label(question: Question, code) -> str:
    if question.type == "boolean":
        return "Yes" if code else "No"
    return question.label_of(code)


def group_vs_rest(responses: pd.DataFrame, *, column: str, value: str,
                  label: str | None = None, rest_label: str = "All others") -> pd.Series:
    """A grouping that sets one group against every other organization.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    column : str
        The grouping column, e.g. ``primary_network``.
    value : str
        The group's code, e.g. ``cpd``.
    label : str, optional
        Name of the group (default: ``value``).
    rest_label : str, default "All others"

    Returns
    -------
    Series of Categorical
        ``label`` or ``rest_label`` per organization (missing where ``column`` is missing),
        categories in that order.

    Examples
    --------
    >>> frame = pd.DataFrame({"net": ["cpd", "wfp", None]})
    >>> group_vs_rest(frame, column="net", value="cpd").tolist()
    ['cpd', 'All others', nan]
    """
    values = _column(responses, column).astype("string")
    name = label or value
    in_group = (values == value).fillna(False).to_numpy(dtype=bool)
    grouped = pd.Series(np.where(in_group, name, rest_label), index=responses.index, dtype=object)
    grouped[values.isna().to_numpy()] = np.nan
    return pd.Series(pd.Categorical(grouped, categories=[name, rest_label]),
                     index=responses.index, name=column)


def likert_by_group(responses: pd.DataFrame, questions, *, groups: pd.Series) -> pd.DataFrame:
    """How many organizations in each group rate each likert item high (above the middle).

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    questions : iterable of Question
        Likert questions.
    groups : Series
        Group of each organization (aligned on the index), e.g. ``responses["primary_network"]``
        or :func:`group_vs_rest`; categories give the column order.

    Returns
    -------
    DataFrame
        Long: ``question, label, group, yes, no, n`` with ``yes`` the organizations rating
        the item high, ``no`` those answering lower; every group of every item (zeros too).

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> scale = tuple(Level(code, str(code)) for code in range(1, 6))
    >>> q = Question(id="r", section="s", type="likert", text="R", levels=scale)
    >>> frame = pd.DataFrame({"r": [5, 2, 4]})
    >>> likert_by_group(frame, [q], groups=pd.Series(["a", "a", "b"]))["yes"].tolist()
    [1, 1]
    """
    rows = []
    for question in questions:
        codes = [int(code) for code in question.level_codes]
        middle = (min(codes) + max(codes)) / 2
        answers = pd.to_numeric(_column(responses, question.id), errors="coerce")
        high = (answers > middle).where(answers.notna())
        rows += _yes_no_by_group(high, groups, question=question.id, label=item_label(question))
    return pd.DataFrame(rows)


def multi_by_group(responses: pd.DataFrame, question: Question, *,
                   groups: pd.Series) -> pd.DataFrame:
    """How many organizations in each group choose each option of a multi question.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    question : Question
        A multi question.
    groups : Series
        Group of each organization, aligned on the index.

    Returns
    -------
    DataFrame
        Long: ``question, label, group, yes, no, n`` (``question`` holds the option code,
        ``label`` its label); only organizations that answered the question count.
    """
    chosen = pd.concat([_column(responses, column) for column in question.columns],
                       axis=1).astype("boolean")
    answered = chosen.notna().any(axis=1)
    rows = []
    for option, column in zip(question.options, chosen.columns):
        picked = chosen[column].fillna(False).where(answered)
        rows += _yes_no_by_group(picked, groups, question=str(option.code), label=option.label)
    return pd.DataFrame(rows)


def _yes_no_by_group(flags: pd.Series, groups: pd.Series, *, question: str,
                     label: str) -> list[dict]:
    groups = groups.reindex(flags.index)
    order = (list(groups.cat.categories) if isinstance(groups.dtype, pd.CategoricalDtype)
             else sorted(groups.dropna().astype(str).unique()))
    rows = []
    for group in order:
        members = flags[(groups.astype(object) == group).to_numpy()].dropna().astype(bool)
        yes = int(members.sum())
        rows.append({"question": question, "label": label, "group": str(group), "yes": yes,
                     "no": int(members.size - yes), "n": int(members.size)})
    return rows


def labelled(values: pd.Series, question: Question) -> pd.Series:
    """Codes of a single question replaced by their labels, in codebook order.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> q = Question(id="n", section="s", type="single", text="N",
    ...              levels=(Level("cpd", "Center for Popular Democracy"), Level("wfp", "WFP")))
    >>> labelled(pd.Series(["wfp", None]), q).tolist()
    ['WFP', nan]
    """
    labels = {str(code): question.label_of(code) for code in question.level_codes}
    mapped = values.astype("string").map(labels, na_action="ignore").astype(object)
    return pd.Series(pd.Categorical(mapped, categories=list(labels.values())),
                     index=values.index, name=values.name)


def category_table(values: pd.Series, *, alpha: float = 0.05) -> pd.DataFrame:
    """A frequency table of any categorical column (e.g. the joined ``census_region``).

    Returns the columns of :func:`frequency_table`; rows follow the categories, or the sorted
    values when the column is not categorical.

    Examples
    --------
    >>> category_table(pd.Series(["West", "South", "West"]))["count"].tolist()
    [1, 2]
    """
    question = Question(id=str(values.name or "value"), section="", type="single", text="")
    return frequency_table(values.to_frame(question.id), question, alpha=alpha)


def group_tests(long: pd.DataFrame, *, seed: int = 2016) -> pd.Series:
    """p-value per item of a by-group count table (:func:`likert_by_group`, :func:`multi_by_group`).

    Each item's yes/no by group table is tested with :func:`association_test`.

    Returns
    -------
    Series of float
        Indexed by ``question``.
    """
    tests = {}
    for question, item in long.groupby("question", sort=False):
        table = item.set_index("group")[["yes", "no"]]
        tests[question] = association_test(table, seed=seed)["p_value"]
    return pd.Series(tests, name="p_value", dtype=float)


def target_summary(responses: pd.DataFrame, pairs: dict[str, tuple[str, str]], *,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Targets against today: medians, the median ratio and the share aiming higher.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    pairs : dict of str to (str, str)
        Row label to ``(today_column, target_column)``, e.g.
        ``{"Budget": ("annual_budget", "budget_target_2019")}``.
    alpha : float, default 0.05
        1 - confidence level of the Wilson interval of ``growing_share``.

    Returns
    -------
    DataFrame
        One row per pair, over organizations answering both (``n``): ``measure, n,
        median_today, median_target, median_ratio`` (target / today, for today > 0),
        ``growing`` and ``not_growing`` (target above today or not), ``growing_share`` and
        its interval.

    Examples
    --------
    >>> frame = pd.DataFrame({"now": [10.0, 20, 40, None], "goal": [20.0, 20, 80, 5]})
    >>> row = target_summary(frame, {"X": ("now", "goal")}).iloc[0]
    >>> int(row["n"]), float(row["median_ratio"]), int(row["growing"])
    (3, 2.0, 2)
    """
    rows = []
    for measure, (today_column, target_column) in pairs.items():
        today = pd.to_numeric(_column(responses, today_column), errors="coerce").astype(float)
        target = pd.to_numeric(_column(responses, target_column), errors="coerce").astype(float)
        both = today.notna() & target.notna()
        today, target = today[both], target[both]
        growing = int((target > today).sum())
        positive = today > 0
        rows.append({
            "measure": measure, "n": int(both.sum()),
            "median_today": today.median(), "median_target": target.median(),
            "median_ratio": (target[positive] / today[positive]).median(),
            "growing": growing, "not_growing": int(both.sum()) - growing,
        })
    summary = pd.DataFrame(rows)
    summary["growing_share"] = summary["growing"] / summary["n"].where(summary["n"] > 0)
    summary["growing_ci_low"], summary["growing_ci_high"] = wilson_interval(
        summary["growing"], summary["n"], alpha=alpha)
    return summary

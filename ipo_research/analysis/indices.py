"""Indices: composite scores from several questions, and how reliable they are.

An index of the codebook (``indices:``) combines answered items into one score. The only
method is ``mean_z``: each item, after its transform (``log1p``), is standardised over the
respondents who answered it, and a respondent's score is the mean of the z-scores of the items
they answered, provided they answered at least ``min_items``. Reliability is Cronbach's alpha
with a Feldt confidence interval, plus item-rest correlations.

Examples
--------
>>> import pandas as pd
>>> from ipo_research.survey.codebook import Index
>>> data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0]})
>>> compute_index(data, Index(id="ab", items=("a", "b"), min_items=2)).round(3).tolist()
[-1.0, 0.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.survey.codebook import Codebook, Index
from ipo_research.exceptions import DataError

__all__ = [
    "index_items",
    "compute_index",
    "add_indices",
    "cronbach_alpha",
    "standardized",
    "item_rest_correlations",
    "reliability_table",
    "item_rest_table",
]

_TRANSFORMS = {"log1p": np.log1p}


def index_items(responses: pd.DataFrame, index: Index) -> pd.DataFrame:
    """The items of an index as floats, after their transforms.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses holding every item of the index.
    index : Index
        The index, from the codebook.

    Returns
    -------
    DataFrame
        One float column per item (NaN where unanswered), same index as ``responses``.

    Raises
    ------
    DataError
        When an item column is missing, or ``log1p`` meets a value of -1 or less.
    """
    missing = [item for item in index.items if item not in responses.columns]
    if missing:
        raise DataError(
            f"index '{index.id}': column(s) {', '.join(missing)} are not in the responses. "
            "Check the index items in the codebook against the cleaned columns."
        )
    items = responses.loc[:, list(index.items)].astype("Float64").astype(float)
    for item, how in index.transform.items():
        too_low = items[item] <= -1
        if how == "log1p" and too_low.any():
            row = items.index[too_low.to_numpy()][0]
            raise DataError(
                f"index '{index.id}': item '{item}' has {items.at[row, item]} in row {row}; "
                "log1p needs values above -1. Fix the value or drop the transform."
            )
        items[item] = _TRANSFORMS[how](items[item])
    return items


def compute_index(responses: pd.DataFrame, index: Index) -> pd.Series:
    """Score every respondent on an index by the mean of z-scores of answered items.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses holding every item of the index.
    index : Index
        The index (method ``mean_z``).

    Returns
    -------
    Series
        ``Float64`` named ``index.id``: missing for respondents with fewer than
        ``index.min_items`` answered items.

    Notes
    -----
    Each item is standardised with the mean and sample standard deviation (ddof=1) of the
    respondents who answered it. An item without variation cannot be standardised: its
    z-scores are missing, so it does not count toward ``min_items``.
    """
    items = index_items(responses, index)
    spread = items.std(ddof=1).replace(0.0, np.nan)
    z_scores = (items - items.mean()) / spread
    answered = z_scores.notna().sum(axis=1)
    score = z_scores.mean(axis=1).where(answered >= index.min_items)
    return score.astype("Float64").rename(index.id)


def add_indices(responses: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Add one column per codebook index to the responses.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
        Its ``indices`` say what to compute.

    Returns
    -------
    DataFrame
        A copy of ``responses`` with a ``Float64`` column per index.
    """
    scored = responses.copy()
    for index in codebook.indices:
        scored[index.id] = compute_index(responses, index)
    return scored


def cronbach_alpha(items: pd.DataFrame, *, confidence: float = 0.95) -> dict:
    """Cronbach's alpha of a set of items, with Feldt's confidence interval.

    Parameters
    ----------
    items : DataFrame
        One numeric column per item; only respondents who answered every item count.
    confidence : float, default 0.95
        Level of the interval.

    Returns
    -------
    dict
        ``n_obs``, ``n_items``, ``alpha`` and ``conf_low``, ``conf_high`` (Feldt, Woodruff and
        Salih 1987: ``(1 - alpha) / (1 - alpha_hat)`` follows F(n - 1, (n - 1)(k - 1))).
        NaN values when fewer than two items or three respondents remain.

    Examples
    --------
    >>> import pandas as pd
    >>> round(float(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 5]}))["alpha"]), 3)
    0.972
    """
    complete = items.astype(float).dropna()
    n_obs, n_items = complete.shape
    result = {"n_obs": n_obs, "n_items": n_items, "alpha": np.nan,
              "conf_low": np.nan, "conf_high": np.nan}
    if n_items < 2 or n_obs < 3:
        return result
    item_variances = complete.var(ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return result
    alpha = n_items / (n_items - 1) * (1 - item_variances / total_variance)
    tail = (1 - confidence) / 2
    df_between, df_within = n_obs - 1, (n_obs - 1) * (n_items - 1)
    result.update(
        alpha=alpha,
        conf_low=1 - (1 - alpha) * stats.f.ppf(1 - tail, df_between, df_within),
        conf_high=1 - (1 - alpha) * stats.f.ppf(tail, df_between, df_within),
    )
    return result


def item_rest_correlations(items: pd.DataFrame) -> pd.Series:
    """Correlation of each item with the sum of the other items (complete respondents).

    Parameters
    ----------
    items : DataFrame
        One numeric column per item.

    Returns
    -------
    Series
        Pearson correlation by item name.
    """
    complete = items.astype(float).dropna()
    total = complete.sum(axis=1)
    return pd.Series(
        {item: complete[item].corr(total - complete[item]) for item in complete.columns},
        name="item_rest_correlation",
        dtype=float,
    )


def standardized(items: pd.DataFrame) -> pd.DataFrame:
    """Items as z-scores over the respondents who answered every item.

    Parameters
    ----------
    items : DataFrame
        One numeric column per item.

    Returns
    -------
    DataFrame
        The complete rows, each item centred and divided by its standard deviation.
    """
    complete = items.astype(float).dropna()
    return (complete - complete.mean()) / complete.std(ddof=1)


def reliability_table(responses: pd.DataFrame, codebook: Codebook, *,
                      confidence: float = 0.95) -> pd.DataFrame:
    """Cronbach's alpha of every codebook index, standardized to match how the index is built.

    A ``mean_z`` index averages z-scores, so each item weighs the same whatever its spread;
    the alpha that describes that score is the standardized alpha (alpha of the z-scored
    items, ``k r / (1 + (k - 1) r)`` with ``r`` the mean inter-item correlation). Alpha of the
    raw (transformed) items, which weighs items by their variance, is kept as ``raw_alpha``.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
    confidence : float, default 0.95

    Returns
    -------
    DataFrame
        Columns ``index, n_obs, n_items, alpha`` (standardized), ``conf_low, conf_high`` (Feldt,
        for the standardized alpha), ``raw_alpha``; one row per index.
    """
    rows = []
    for index in codebook.indices:
        items = index_items(responses, index)
        rows.append({"index": index.id, **cronbach_alpha(standardized(items), confidence=confidence),
                     "raw_alpha": cronbach_alpha(items)["alpha"]})
    return pd.DataFrame(rows, columns=["index", "n_obs", "n_items", "alpha", "conf_low", "conf_high",
                                       "raw_alpha"])


def item_rest_table(responses: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Item-rest correlations of every codebook index.

    Parameters
    ----------
    responses : DataFrame
    codebook : Codebook

    Returns
    -------
    DataFrame
        Columns ``index, item, item_rest_correlation``.
    """
    frames = [
        item_rest_correlations(index_items(responses, index))
        .rename_axis("item").reset_index().assign(index=index.id)
        for index in codebook.indices
    ]
    columns = ["index", "item", "item_rest_correlation"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]

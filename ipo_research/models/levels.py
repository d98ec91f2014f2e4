"""Sparse levels, by rule: merge the ones a models file names, refuse a fit that rests on fewer.

With about 75 organizations a factor level held by two of them gets a coefficient whose
leverage is near 1/2 per member: its robust standard error is noise and its interval
under-covers. The rule, applied to every spec before it is fitted:

1. :func:`merge_levels` merges the levels a spec's ``merge_levels`` names into their stated
   neighbour (e.g. network ``other`` into ``unaffiliated``), and says so in a note;
2. :func:`check_level_sizes` counts, in the rows a fit uses, the members of every level of a
   categorical predictor and both sides of every 0/1 predictor; any below the spec's
   ``min_level_size`` (default 5) stops the fit with a :class:`~ipo_research.exceptions.ModelSpecError`
   that names the level, its count and the fix;
3. :func:`check_leverage` refuses a fit in which some row has leverage of at least
   :data:`LEVERAGE_LIMIT`: that row's residual is forced near zero, and no sandwich standard
   error (HC2 divides by one minus the leverage) can be trusted.

Examples
--------
>>> import pandas as pd
>>> from ipo_research.models.specs import ModelSpec
>>> frame = pd.DataFrame({"y": [1.0] * 7, "g": pd.Categorical(list("aaaaabb"))})
>>> spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ C(g)", cov_type="HC2",
...                  merge_levels=(("g", "b", "a"),))
>>> merged, notes = merge_levels(frame, spec)
>>> merged["g"].value_counts().to_dict()
{'a': 7}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.exceptions import DataError, ModelSpecError
from ipo_research.models.specs import ModelSpec

__all__ = ["LEVERAGE_LIMIT", "merge_levels", "level_sizes", "check_level_sizes", "leverage",
           "check_leverage"]

LEVERAGE_LIMIT = 0.95  # a row at or above this leverage all but fixes its own fitted value


def merge_levels(frame: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, list[str]]:
    """Merge the levels a spec names into their stated neighbours.

    Parameters
    ----------
    frame : DataFrame
        A model frame (categorical columns as pandas Categoricals).
    spec : ModelSpec
        ``spec.merge_levels`` holds ``(column, level, neighbour)`` triples.

    Returns
    -------
    frame : DataFrame
        The merged levels removed from the categories; their rows carry the neighbour.
    notes : list of str
        One sentence per merge, with the number of rows moved.

    Raises
    ------
    ModelSpecError
        When a named column is not a categorical predictor of the formula, or a named level or
        neighbour is not one of its levels.
    """
    notes: list[str] = []
    problems: list[str] = []
    merged = frame.copy()
    for column, level, neighbour in spec.merge_levels:
        if column not in merged.columns or not isinstance(merged[column].dtype, pd.CategoricalDtype):
            problems.append(f"'{column}' is not a categorical column of the formula")
            continue
        categories = [str(category) for category in merged[column].cat.categories]
        absent = [name for name in (level, neighbour) if name not in categories]
        if absent:
            problems.append(f"'{column}' has no level {', '.join(map(repr, absent))} "
                            f"(its levels: {', '.join(categories)})")
            continue
        values = merged[column]
        moved = int((values.astype(str) == level).sum())
        kept = [category for category in values.cat.categories if str(category) != level]
        replacement = values.cat.categories[categories.index(neighbour)]
        as_object = values.astype(object).where(values.astype(str) != level, replacement)
        merged[column] = pd.Categorical(as_object, categories=kept)
        notes.append(f"'{column}': level '{level}' ({moved} row(s)) merged into '{neighbour}', "
                     "as the models file states (merge_levels).")
    if problems:
        raise ModelSpecError(f"model '{spec.id}': merge_levels cannot be applied: "
                             + "; ".join(problems) + ". Fix merge_levels in the models file.")
    return merged, notes


def level_sizes(data: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """Rows behind every level of the categorical and 0/1 predictors of a spec.

    Parameters
    ----------
    data : DataFrame
        The rows a fit uses (missing values are not counted).
    spec : ModelSpec

    Returns
    -------
    DataFrame
        ``column, level, n`` (a predictor taking exactly the values 0 and 1 has levels ``0`` and
        ``1``), in column order.
    """
    rows = []
    for column in spec.columns[1:]:
        if column not in data.columns or column == spec.cluster:
            continue
        values = data[column].dropna()
        if isinstance(values.dtype, pd.CategoricalDtype):
            counts = values.value_counts(sort=False)
            rows += [{"column": column, "level": str(level), "n": int(n)} for level, n in counts.items()]
        elif set(np.unique(values.to_numpy(dtype=float))) == {0.0, 1.0}:
            ones = int((values == 1).sum())
            rows += [{"column": column, "level": "0", "n": len(values) - ones},
                     {"column": column, "level": "1", "n": ones}]
    return pd.DataFrame(rows, columns=["column", "level", "n"])


def check_level_sizes(data: pd.DataFrame, spec: ModelSpec) -> None:
    """Refuse a fit in which a level rests on fewer than ``spec.min_level_size`` rows.

    Parameters
    ----------
    data : DataFrame
        The rows a fit uses.
    spec : ModelSpec

    Raises
    ------
    ModelSpecError
        Naming every level below the minimum, its count, and the two fixes (merge it into a
        neighbour with ``merge_levels``, or drop the term).

    Examples
    --------
    >>> import pandas as pd
    >>> from ipo_research.models.specs import ModelSpec
    >>> spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ C(g)", cov_type="HC2")
    >>> check_level_sizes(pd.DataFrame({"y": [0.0] * 7, "g": pd.Categorical(list("aaaaabb"))}), spec)
    Traceback (most recent call last):
    ...
    ipo_research.exceptions.ModelSpecError: model 'm': level(s) below min_level_size 5 in the 7 fitted rows: 'g' = 'b' (2); ...
    """
    sizes = level_sizes(data, spec)
    small = sizes[sizes["n"] < spec.min_level_size]
    if small.empty:
        return
    listed = ", ".join(f"'{row.column}' = '{row.level}' ({row.n})" for row in small.itertuples())
    example = small.iloc[0]
    raise ModelSpecError(
        f"model '{spec.id}': level(s) below min_level_size {spec.min_level_size} in the "
        f"{len(data)} fitted rows: {listed}; a coefficient resting on so few organizations is "
        "not reported. Fix the models file: merge a level into a stated neighbour "
        f"(merge_levels: {{{example.column}: {{{example.level}: <neighbour level>}}}}), or drop "
        "the term from the formula (a 0/1 predictor cannot be merged)."
    )


def leverage(X: pd.DataFrame) -> np.ndarray:
    """Diagonal of the hat matrix ``X (X'X)^+ X'`` of a design.

    Parameters
    ----------
    X : DataFrame
        Design matrix.

    Returns
    -------
    ndarray
        One leverage per row, between 0 and 1.

    Examples
    --------
    >>> import pandas as pd
    >>> leverage(pd.DataFrame({"c": [1.0, 1, 1, 1], "d": [0.0, 0, 0, 1]})).round(2).tolist()
    [0.33, 0.33, 0.33, 1.0]
    """
    q, _ = np.linalg.qr(np.asarray(X, dtype=float))
    return np.einsum("ij,ij->i", q, q)


def check_leverage(X: pd.DataFrame, spec: ModelSpec) -> None:
    """Refuse a design in which some row has leverage near 1.

    Parameters
    ----------
    X : DataFrame
        The design matrix of a fit, indexed by respondent.
    spec : ModelSpec

    Raises
    ------
    DataError
        Naming the rows at or above :data:`LEVERAGE_LIMIT` and what to change.
    """
    values = leverage(X)
    high = np.flatnonzero(values >= LEVERAGE_LIMIT)
    if len(high) == 0:
        return
    rows = ", ".join(f"{X.index[i]} ({values[i]:.2f})" for i in high[:5])
    raise DataError(
        f"model '{spec.id}': row(s) {rows} have leverage of at least {LEVERAGE_LIMIT}: the fit "
        "reproduces them almost exactly and no standard error of their terms can be trusted. "
        "Merge the rare level they carry (merge_levels), drop the term, or raise min_level_size."
    )

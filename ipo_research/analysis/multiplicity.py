"""Adjusted p-values for families of tests read together.

A page that reads many tests at once (the slopes of one model, the cross-tab tests of one
notebook) states the adjustment it uses and shows the adjusted p-value beside the raw one:

- ``holm`` (default): Holm's step-down adjustment, which controls the family-wise error rate
  (the chance of any false finding in the family) under any dependence between the tests;
- ``fdr_bh``: Benjamini-Hochberg, which controls the expected share of false findings among
  those reported (valid for independent or positively dependent tests).

Both come from :func:`statsmodels.stats.multitest.multipletests`; missing p-values (a test that
could not be run) stay missing and do not count toward the family.

Examples
--------
>>> adjust_p_values([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
[0.03, 0.06, 0.06, nan]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ADJUSTMENTS", "adjust_p_values", "adjustment_sentence"]

ADJUSTMENTS = {
    "holm": "Holm's step-down adjustment (family-wise error rate)",
    "fdr_bh": "the Benjamini-Hochberg adjustment (false discovery rate)",
}


def adjust_p_values(p_values, *, method: str = "holm") -> np.ndarray:
    """Adjust a family of p-values for multiplicity.

    Parameters
    ----------
    p_values : array-like of float
        The family's raw p-values; NaN for a test that was not run.
    method : {"holm", "fdr_bh"}, default "holm"

    Returns
    -------
    ndarray
        Adjusted p-values in the input order, NaN where the input was NaN.

    Raises
    ------
    ValueError
        For an unknown method.
    """
    from statsmodels.stats.multitest import multipletests

    if method not in ADJUSTMENTS:
        raise ValueError(f"unknown adjustment {method!r}; use one of {', '.join(ADJUSTMENTS)}")
    values = pd.to_numeric(pd.Series(list(p_values), dtype=object), errors="coerce").to_numpy(dtype=float)
    adjusted = np.full(len(values), np.nan)
    present = ~np.isnan(values)
    if present.any():
        adjusted[present] = multipletests(values[present], method=method)[1]
    return adjusted


def adjustment_sentence(family: str, count: int, *, method: str = "holm") -> str:
    """One sentence naming the adjustment used for a family of tests.

    Parameters
    ----------
    family : str
        What the tests are, e.g. ``"the slopes of each model"``.
    count : int
        How many tests the family holds.
    method : {"holm", "fdr_bh"}, default "holm"

    Returns
    -------
    str

    Examples
    --------
    >>> adjustment_sentence("the cross-tab tests of this page", 4)[:40]
    'Adjusted p-values (column `p_adjusted`) '
    """
    return (f"Adjusted p-values (column `p_adjusted`) use {ADJUSTMENTS[method]} across "
            f"{family} ({count} tests read together); a raw p-value below .05 that is not below "
            ".05 after adjustment is weak evidence once the number of tests is counted.")

"""The proportional-odds check of ordinal logit models: Brant's Wald test.

An ordinal logit assumes every predictor shifts all cumulative log-odds ``P(y >= level)`` by
the same amount. Brant (1990) fits one binary logit per threshold (``y >= level`` for each
level above the lowest), stacks their slopes, and tests that they are equal across thresholds
with a Wald statistic that uses the joint covariance of the separate fits: for thresholds
``m <= l`` the block is ``(X' W_m X)^-1 X' W_ml X (X' W_l X)^-1`` with
``W_ml = diag(p_l - p_m p_l)``, ``p_j`` the fitted ``P(y >= level_j)``.

With ``J`` outcome levels and ``k`` predictors the omnibus test has ``(J - 2) k`` degrees of
freedom and each predictor's test ``J - 2``. A small p-value says that predictor's association
differs across the scale, so its single ordinal coefficient averages unlike effects.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=(400, 1))
>>> y = np.digitize(x[:, 0] + rng.logistic(size=400), [-1.0, 0.0, 1.0])
>>> table = brant_test(y, x, ["x"])
>>> table["df"].tolist()
[2, 2]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.exceptions import DataError
from ipo_research.models.fit import ModelFit

__all__ = ["PROPORTIONAL_ODDS_COLUMNS", "OMNIBUS", "brant_test", "proportional_odds_table"]

PROPORTIONAL_ODDS_COLUMNS = ["model", "term", "test", "chi2", "df", "p_value"]
OMNIBUS = "all predictors"


def _binary_fits(y: np.ndarray, design: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    import statsmodels.api as sm

    levels = np.unique(y)
    params, fitted = [], []
    for level in levels[1:]:
        outcome = (y >= level).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sm.Logit(outcome, design).fit(disp=False, maxiter=200)
        params.append(np.asarray(result.params, dtype=float))
        fitted.append(np.asarray(result.predict(design), dtype=float))
    return params, fitted


def brant_test(y, exog, names) -> pd.DataFrame:
    """Brant's test of proportional odds: omnibus and per predictor.

    Parameters
    ----------
    y : array
        Ordered outcome (numbers or codes whose order is the scale's).
    exog : array
        Predictors, without an intercept (as the ordinal model's design).
    names : sequence of str
        Column names of ``exog``.

    Returns
    -------
    DataFrame
        ``term`` (:data:`OMNIBUS` first, then each predictor), ``chi2``, ``df``, ``p_value``.

    Raises
    ------
    DataError
        When the outcome has fewer than three levels (nothing to compare).
    """
    y = np.asarray(y, dtype=float)
    exog = np.asarray(exog, dtype=float)
    thresholds = len(np.unique(y)) - 1
    if thresholds < 2:
        raise DataError("the proportional-odds check needs an outcome with three or more levels; "
                        f"this one has {thresholds + 1}.")
    design = np.column_stack([np.ones(len(y)), exog])
    params, fitted = _binary_fits(y, design)
    k = design.shape[1]
    inverse = [np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None])) for p in fitted]
    cov = np.zeros((thresholds * k, thresholds * k))
    for m in range(thresholds):
        for l in range(m, thresholds):
            weights = fitted[l] - fitted[m] * fitted[l]  # P(y >= level_l) <= P(y >= level_m)
            block = inverse[m] @ design.T @ (design * weights[:, None]) @ inverse[l]
            cov[m * k:(m + 1) * k, l * k:(l + 1) * k] = block
            cov[l * k:(l + 1) * k, m * k:(m + 1) * k] = block.T
    stacked = np.concatenate(params)
    rows = [_equal_slopes(stacked, cov, list(range(1, k)), thresholds, k, OMNIBUS)]
    rows += [_equal_slopes(stacked, cov, [j + 1], thresholds, k, str(name)) for j, name in enumerate(names)]
    return pd.DataFrame(rows)


def _equal_slopes(stacked, cov, columns, thresholds, k, term) -> dict:
    contrasts = []
    for m in range(1, thresholds):
        for column in columns:
            row = np.zeros(thresholds * k)
            row[column] = 1.0
            row[m * k + column] = -1.0
            contrasts.append(row)
    contrasts = np.array(contrasts)
    difference = contrasts @ stacked
    chi2 = float(difference @ np.linalg.pinv(contrasts @ cov @ contrasts.T) @ difference)
    df = len(contrasts)
    return {"term": term, "chi2": chi2, "df": df, "p_value": float(stats.chi2.sf(chi2, df))}


def proportional_odds_table(fit: ModelFit) -> pd.DataFrame:
    """Brant's test for a complete-case ordinal logit fit.

    Parameters
    ----------
    fit : ModelFit

    Returns
    -------
    DataFrame
        :data:`PROPORTIONAL_ODDS_COLUMNS` (``test`` is ``brant``); empty for other families
        and pooled fits.
    """
    if fit.spec.family != "ordinal_logit" or fit.result is None:
        return pd.DataFrame(columns=PROPORTIONAL_ODDS_COLUMNS)
    model = fit.result.model
    exog = np.asarray(model.exog, dtype=float)
    table = brant_test(np.asarray(model.endog, dtype=float), exog, list(model.exog_names)[:exog.shape[1]])
    return table.assign(model=fit.spec.id, test="brant")[PROPORTIONAL_ODDS_COLUMNS]

"""Pairs bootstrap: resample whole respondents with replacement and refit.

The pairs (case) bootstrap makes no assumption about the error distribution or its variance,
which suits skewed survey measures. Percentile intervals are read off the replicate estimates.
A replicate whose design is rank-deficient (a category absent from the resample, a predictor
without variation) or whose fit fails is not used and is counted, so the reader sees how many
replicates an interval rests on.

Every draw comes from ``numpy.random.default_rng(seed)``: the same seed gives the same table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import design_matrices, fit_design, reported_parameters

__all__ = ["resample_indices", "bootstrap_draws", "percentile_intervals", "bootstrap_model"]


def resample_indices(n_rows: int, *, replicates: int, seed: int) -> np.ndarray:
    """Row positions of every replicate, drawn with replacement.

    Parameters
    ----------
    n_rows : int
        Rows in the data.
    replicates : int
        Number of bootstrap samples.
    seed : int

    Returns
    -------
    ndarray of int, shape (replicates, n_rows)

    Examples
    --------
    >>> resample_indices(3, replicates=2, seed=1).shape
    (2, 3)
    """
    return np.random.default_rng(seed).integers(0, n_rows, size=(replicates, n_rows))


def bootstrap_draws(y: pd.DataFrame, X: pd.DataFrame, *, family: str, replicates: int,
                    seed: int) -> pd.DataFrame:
    """Coefficient estimates on ``replicates`` pairs-bootstrap samples.

    Parameters
    ----------
    y, X : DataFrame
        Outcome and design matrix (:func:`ipo_research.models.fit.design_matrices`).
    family : str
    replicates : int
    seed : int

    Returns
    -------
    DataFrame
        One row per replicate, one column per term of ``X`` (plus extra parameters such as
        thresholds); a failed replicate is a row of NaN.
    """
    rows = []
    for positions in resample_indices(len(X), replicates=replicates, seed=seed):
        rows.append(_refit(y.iloc[positions], X.iloc[positions], family))
    return pd.DataFrame(rows)


def _refit(y: pd.DataFrame, X: pd.DataFrame, family: str) -> pd.Series:
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        return pd.Series(dtype=float)
    try:
        with warnings.catch_warnings():
            # Resamples of a small sample often separate a binary outcome or stop an optimiser
            # early; such replicates are dropped below and counted in `replicates_used`, so
            # hundreds of repeated warnings would only bury the notebook's output.
            warnings.simplefilter("ignore")
            result = fit_design(y, X, family=family, cov_type="nonrobust")
    except (np.linalg.LinAlgError, ValueError):
        return pd.Series(dtype=float)
    converged = getattr(result, "mle_retvals", {}).get("converged", True)
    params = reported_parameters(result)[0]
    return params if converged and np.isfinite(params).all() else pd.Series(dtype=float)


def percentile_intervals(draws: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Percentile intervals of bootstrap draws, ignoring failed replicates.

    Parameters
    ----------
    draws : DataFrame
        One row per replicate, one column per term.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        ``term, boot_std_error, boot_conf_low, boot_conf_high, replicates_used`` per term.
    """
    tail = (1 - level) / 2
    valid = draws.dropna(how="any")
    return pd.DataFrame({
        "term": draws.columns.astype(str),
        "boot_std_error": valid.std(ddof=1).to_numpy(),
        "boot_conf_low": valid.quantile(tail).to_numpy(),
        "boot_conf_high": valid.quantile(1 - tail).to_numpy(),
        "replicates_used": len(valid),
    })


def bootstrap_model(data: pd.DataFrame, spec: ModelSpec, *, seed: int,
                    level: float = 0.95) -> pd.DataFrame:
    """Pairs-bootstrap percentile intervals of a spec on its complete rows.

    Parameters
    ----------
    data : DataFrame
        The complete rows the model was fitted on (``ModelFit.data``).
    spec : ModelSpec
        ``spec.bootstrap`` replicates are drawn.
    seed : int
    level : float, default 0.95

    Returns
    -------
    DataFrame
        ``model, term, boot_std_error, boot_conf_low, boot_conf_high, replicates_used,
        replicates`` for each term.
    """
    y, X = design_matrices(data, spec)
    draws = bootstrap_draws(y, X, family=spec.family, replicates=spec.bootstrap, seed=seed)
    intervals = percentile_intervals(draws, level=level)
    return intervals.assign(model=spec.id, replicates=spec.bootstrap)[
        ["model", "term", "boot_std_error", "boot_conf_low", "boot_conf_high",
         "replicates_used", "replicates"]]

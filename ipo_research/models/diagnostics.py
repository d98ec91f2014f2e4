"""Diagnostics of a fitted model: collinearity, residuals, influence, sample size.

Respondents are named by the survey key (the index of the fitted data), never by a name:
PII never reaches the models stage.

Examples
--------
>>> sample_size_message({"model": "m", "n_obs": 40, "n_params": 8, "obs_per_parameter": 5.0,
...                      "small_sample_warning": True})[:22]
'Model m: 40 observatio'
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.models.fit import SMALL_SAMPLE_RATIO, ModelFit

__all__ = ["variance_inflation", "residuals_table", "influential_observations", "sample_size_message"]


def variance_inflation(fit: ModelFit) -> pd.DataFrame:
    """Variance inflation factor of every term but the intercept.

    Parameters
    ----------
    fit : ModelFit
        A complete-case fit (``fit.result`` set).

    Returns
    -------
    DataFrame
        ``model, term, vif``; VIF_j = 1 / (1 - R²_j), R²_j from regressing column j on the
        other columns of the design (with the intercept), as statsmodels computes it.
    """
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    exog = np.asarray(fit.result.model.exog, dtype=float)
    names = list(fit.result.model.exog_names)[:exog.shape[1]]
    if "Intercept" not in names:
        # Without a constant the auxiliary regressions are not centred (ordered models).
        exog, names = np.column_stack([np.ones(len(exog)), exog]), ["Intercept", *names]
    rows = []
    with np.errstate(divide="ignore"):
        for position, name in enumerate(names):
            if name == "Intercept":
                continue
            rows.append({"model": fit.spec.id, "term": name,
                         "vif": float(variance_inflation_factor(exog, position))})
    return pd.DataFrame(rows, columns=["model", "term", "vif"])


def residuals_table(fit: ModelFit, *, key: str = "id") -> pd.DataFrame:
    """Fitted values and residuals of an OLS fit, by respondent id.

    Parameters
    ----------
    fit : ModelFit
        A complete-case OLS fit.
    key : str, default "id"
        Name of the id column in the output (the survey key).

    Returns
    -------
    DataFrame
        ``model, {key}, fitted, residual, studentized_residual``.
    """
    influence = fit.result.get_influence()
    return pd.DataFrame({
        "model": fit.spec.id,
        key: fit.data.index.astype(str),
        "fitted": np.asarray(fit.result.fittedvalues, dtype=float),
        "residual": np.asarray(fit.result.resid, dtype=float),
        "studentized_residual": np.asarray(influence.resid_studentized_internal, dtype=float),
    })


def influential_observations(fit: ModelFit, *, key: str = "id", top: int = 5) -> pd.DataFrame:
    """The respondents with the largest Cook's distance in an OLS fit.

    Parameters
    ----------
    fit : ModelFit
        A complete-case OLS fit.
    key : str, default "id"
        Name of the id column in the output.
    top : int, default 5
        How many to list.

    Returns
    -------
    DataFrame
        ``model, {key}, cooks_distance, leverage, above_4_over_n`` sorted by distance (ties
        by id), where ``above_4_over_n`` flags the usual 4/n rule of thumb.
    """
    influence = fit.result.get_influence()
    n_obs = len(fit.data)
    table = pd.DataFrame({
        "model": fit.spec.id,
        key: fit.data.index.astype(str),
        "cooks_distance": np.asarray(influence.cooks_distance[0], dtype=float),
        "leverage": np.asarray(influence.hat_matrix_diag, dtype=float),
    })
    table["above_4_over_n"] = table["cooks_distance"] > 4 / n_obs
    ordered = table.sort_values(["cooks_distance", key], ascending=[False, True], kind="mergesort")
    return ordered.head(top).reset_index(drop=True)


def sample_size_message(statistics: dict) -> str | None:
    """A plain sentence when a model has fewer than 10 observations per parameter.

    Parameters
    ----------
    statistics : dict
        A row of ``model_fit`` (``model, n_obs, n_params, obs_per_parameter,
        small_sample_warning``).

    Returns
    -------
    str or None
        None when the model has enough observations per parameter.
    """
    if not statistics["small_sample_warning"]:
        return None
    counted = ("observations of the rarer outcome" if statistics.get("family") in ("logit", "probit")
               else "observations")
    return (f"Model {statistics['model']}: {statistics['n_obs']} observations for "
            f"{statistics['n_params']} parameters ({statistics['obs_per_parameter']:.1f} {counted} per parameter, "
            f"below the rule of thumb of {SMALL_SAMPLE_RATIO}). Estimates are fragile: read the "
            "intervals, not the stars, and prefer the bootstrap intervals where given.")

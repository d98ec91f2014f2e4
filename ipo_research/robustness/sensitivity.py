"""Sensitivity of an OLS estimate to an unmeasured confounder (Cinelli & Hazlett 2020).

Closed forms of R's ``sensemakr`` on a statsmodels OLS fit: the partial R2 of the term with
the outcome, the robustness values RV(q) and RV(q, alpha), and the estimate adjusted for a
confounder ``k`` times as strong as a named observed covariate (``ovb_bounds``). The formulas
use classical (homoskedastic) standard errors, as sensemakr does; ``tests/test_sensitivity.py``
reproduces sensemakr's darfur example to 1e-6.

References
----------
Cinelli, C. and Hazlett, C. (2020). Making sense of sensitivity: extending omitted variable
bias. Journal of the Royal Statistical Society B, 82(1), 39-67.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.exceptions import ModelSpecError

__all__ = [
    "SENSITIVITY_COLUMNS",
    "partial_r2",
    "robustness_value",
    "benchmark_bounds",
    "sensitivity_table",
    "sensitivity_sentence",
]

SENSITIVITY_COLUMNS = [
    "model", "term", "estimate", "std_error", "t_value", "dof", "partial_r2", "rv_q1",
    "rv_q1_alpha05", "benchmark", "k", "r2dz_x", "r2yz_dx", "adjusted_estimate",
    "adjusted_std_error", "adjusted_t", "adjusted_conf_low", "adjusted_conf_high",
]


def partial_r2(t_value: float, dof: float) -> float:
    """Partial R2 of a term with the outcome, from its t-value and residual degrees of freedom.

    >>> round(partial_r2(4.18445, 783), 6)
    0.021873
    """
    return float(t_value ** 2 / (t_value ** 2 + dof))


def robustness_value(t_value: float, dof: float, *, q: float = 1.0, alpha: float | None = None) -> float:
    """Robustness value: the partial R2 a confounder needs with both treatment and outcome.

    Parameters
    ----------
    t_value, dof : float
        The term's t-value and the fit's residual degrees of freedom.
    q : float, default 1
        Share of the estimate the confounder must remove (1: bring it to zero).
    alpha : float, optional
        With a level, the strength needed to make the estimate no longer significant at it.

    Returns
    -------
    float
        Between 0 and 1.
    """
    fq = q * abs(t_value) / np.sqrt(dof)
    if alpha is None:
        return float(0.5 * (np.sqrt(fq ** 4 + 4 * fq ** 2) - fq ** 2))
    f_crit = abs(stats.t.ppf(alpha / 2, dof - 1)) / np.sqrt(dof - 1)
    fqa = fq - f_crit
    if fqa <= 0:
        return 0.0
    value = 0.5 * (np.sqrt(fqa ** 4 + 4 * fqa ** 2) - fqa ** 2)
    if value > 1 - 1 / fq ** 2:
        return float(value)
    return float((fq ** 2 - f_crit ** 2) / (1 + fq ** 2))


def _t_values(result) -> pd.Series:
    """Classical t-values of an OLS fit whatever covariance type it was fitted with."""
    params = result.params
    bse = np.sqrt(np.diag(result.normalized_cov_params) * result.scale)
    return pd.Series(np.asarray(params) / bse, index=params.index)


def benchmark_bounds(result, term: str, benchmark: str, *, k=(1, 2, 3), alpha: float = 0.05) -> pd.DataFrame:
    """The estimate adjusted for a confounder ``k`` times as strong as an observed covariate.

    Parameters
    ----------
    result : statsmodels OLS results
        Fitted with a design matrix that has columns ``term`` and ``benchmark``.
    term : str
        The coefficient of interest (the "treatment").
    benchmark : str
        Observed covariate the confounder is compared with.
    k : sequence of float, default (1, 2, 3)
        Strength multiples, with the treatment and with the outcome alike.
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        One row per ``k``: ``k``, ``r2dz_x``, ``r2yz_dx``, ``adjusted_estimate``,
        ``adjusted_std_error``, ``adjusted_t``, ``adjusted_conf_low``, ``adjusted_conf_high``.
    """
    import statsmodels.api as sm

    exog = pd.DataFrame(result.model.exog, columns=result.model.exog_names)
    for name in (term, benchmark):
        if name not in exog.columns:
            raise ModelSpecError(
                f"sensitivity: '{name}' is not a term of the model (terms: "
                f"{', '.join(exog.columns)}). Name a term as statsmodels writes it.")
    dof = float(result.df_resid)
    t_y = _t_values(result)
    estimate = float(result.params[term])
    se = estimate / float(t_y[term])
    r2yxj = partial_r2(t_y[benchmark], dof)
    treatment = sm.OLS(exog[term], exog.drop(columns=term)).fit()
    r2dxj = partial_r2(float(treatment.tvalues[benchmark]), float(treatment.df_resid))
    rows = []
    for kd in k:
        r2dz = kd * r2dxj / (1 - r2dxj)
        if r2dz >= 1:
            raise ModelSpecError(
                f"sensitivity: k = {kd} times '{benchmark}' would explain all of '{term}'; "
                "choose a smaller k or another benchmark.")
        r2zxj = kd * r2dxj ** 2 / ((1 - kd * r2dxj) * (1 - r2dxj))
        r2yz = min(1.0, ((np.sqrt(kd) + np.sqrt(r2zxj)) / np.sqrt(1 - r2zxj)) ** 2 * r2yxj / (1 - r2yxj))
        bias = se * np.sqrt(r2yz * r2dz / (1 - r2dz) * dof)
        adjusted = np.sign(estimate) * (abs(estimate) - bias)
        adjusted_se = se * np.sqrt((1 - r2yz) / (1 - r2dz) * dof / (dof - 1))
        critical = stats.t.ppf(1 - alpha / 2, dof - 1)
        rows.append({"k": kd, "r2dz_x": r2dz, "r2yz_dx": r2yz, "adjusted_estimate": adjusted,
                     "adjusted_std_error": adjusted_se, "adjusted_t": adjusted / adjusted_se,
                     "adjusted_conf_low": adjusted - critical * adjusted_se,
                     "adjusted_conf_high": adjusted + critical * adjusted_se})
    return pd.DataFrame(rows)


def sensitivity_table(result, term: str, benchmark: str, *, model: str = "", k=(1, 2, 3),
                      alpha: float = 0.05) -> pd.DataFrame:
    """One term's sensitivity statistics and benchmark bounds, one row per ``k``.

    Columns are :data:`SENSITIVITY_COLUMNS`; the statistics of the term itself (estimate,
    classical standard error, t, dof, partial R2, RV(q=1), RV(q=1, alpha)) repeat on each row.
    """
    dof = float(result.df_resid)
    t_value = float(_t_values(result)[term]) if term in result.params.index else None
    if t_value is None:
        raise ModelSpecError(
            f"sensitivity: '{term}' is not a term of model '{model}' (terms: "
            f"{', '.join(result.params.index)}). Name it as statsmodels writes it.")
    estimate = float(result.params[term])
    bounds = benchmark_bounds(result, term, benchmark, k=k, alpha=alpha)
    head = {"model": model, "term": term, "estimate": estimate, "std_error": estimate / t_value,
            "t_value": t_value, "dof": dof, "partial_r2": partial_r2(t_value, dof),
            "rv_q1": robustness_value(t_value, dof),
            "rv_q1_alpha05": robustness_value(t_value, dof, alpha=alpha), "benchmark": benchmark}
    table = pd.concat([pd.DataFrame([head] * len(bounds)), bounds], axis=1)
    return table[SENSITIVITY_COLUMNS]


def sensitivity_sentence(table: pd.DataFrame, *, label: str | None = None) -> str:
    """A plain-words paragraph about one term's sensitivity table."""
    row = table.iloc[0]
    name = label or row["term"]
    text = (f"For `{name}` (estimate {row['estimate']:.3g}, t = {row['t_value']:.2f}), a confounder "
            f"explaining {100 * row['rv_q1']:.1f}% of the residual variance of both `{name}` and the "
            f"outcome would erase the estimate; one explaining {100 * row['rv_q1_alpha05']:.1f}% "
            "of both would make it no longer significant at the 5% level. ")
    last = table.iloc[-1]
    verdict = ("would still leave an interval that excludes zero"
               if last["adjusted_conf_low"] > 0 or last["adjusted_conf_high"] < 0
               else "would leave an interval that includes zero")
    text += (f"A confounder {last['k']:g} times as strong as `{row['benchmark']}` would move the "
             f"estimate to {last['adjusted_estimate']:.3g} and {verdict}.")
    return text

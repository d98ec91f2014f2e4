"""Power at the survey's size: minimum detectable effects, and a simulation check.

The minimum detectable effect (MDE) of a coefficient at power ``1 - beta`` and two-sided
level ``alpha`` is ``(t[1 - alpha/2] + t[1 - beta]) * SE`` with the fit's residual degrees of
freedom (normal quantiles for the maximum-likelihood families), in the coefficient's units. For
linear models it is also given as a partial R2, ``m^2 / (m^2 + df)`` with ``m`` the multiplier.
:func:`simulated_power` checks the formula by refitting a model on surveys drawn with a planted
effect: the share of draws with ``p < alpha`` and its Clopper-Pearson interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.models.fit import fit_complete_case, model_frame

__all__ = ["POWER_COLUMNS", "mde_multiplier", "power_table", "simulated_power", "power_sentence"]

POWER_COLUMNS = [
    "model", "term", "family", "n_obs", "df_resid", "estimate", "std_error", "mde",
    "mde_partial_r2", "estimate_over_mde",
]
_SKIPPED_TERMS = ("Intercept", "alpha")


def mde_multiplier(df: float | None, *, alpha: float = 0.05, power: float = 0.8) -> float:
    """``t[1 - alpha/2] + t[power]`` with ``df`` degrees of freedom (None: normal quantiles).

    >>> round(mde_multiplier(None), 3)
    2.802
    """
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    return float(stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df))


def power_table(fits, *, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """Minimum detectable effect of every term of every complete-case fit.

    Parameters
    ----------
    fits : list of ModelFit
        Fits with a statsmodels result (pooled imputation fits are skipped).
    alpha, power : float

    Returns
    -------
    DataFrame
        :data:`POWER_COLUMNS`, one row per term (intercepts, thresholds and ``alpha`` left out).
        ``df_resid`` and ``mde_partial_r2`` are empty for non-linear families.
    """
    rows = []
    for fit in fits:
        if fit.result is None:
            continue
        linear = fit.spec.family == "ols"
        df = float(fit.result.df_resid) if linear else None
        multiplier = mde_multiplier(df, alpha=alpha, power=power)
        for _, row in fit.coefficients.iterrows():
            term = row["term"]
            if term in _SKIPPED_TERMS or "/" in term:
                continue
            mde = multiplier * row["std_error"]
            rows.append({
                "model": fit.spec.id, "term": term, "family": fit.spec.family,
                "n_obs": int(fit.statistics["n_obs"]), "df_resid": df if linear else np.nan,
                "estimate": row["estimate"], "std_error": row["std_error"], "mde": mde,
                "mde_partial_r2": multiplier ** 2 / (multiplier ** 2 + df) if linear else np.nan,
                "estimate_over_mde": abs(row["estimate"]) / mde,
            })
    return pd.DataFrame(rows, columns=POWER_COLUMNS)


def simulated_power(draw, spec, term: str, *, replicates: int, seed: int,
                    alpha: float = 0.05, key: str | None = None) -> dict:
    """Share of simulated surveys in which a term is significant, with its 95% interval.

    Parameters
    ----------
    draw : callable
        ``draw(seed) -> DataFrame``: one survey of the intended size with the planted effect,
        ready for the spec (indices and context added), e.g. the synthetic generator's truth.
    spec : ModelSpec
    term : str
        statsmodels term name.
    replicates : int
    seed : int
        Replicate ``r`` is drawn with seed ``seed + r``.
    alpha : float, default 0.05
    key : str, optional

    Returns
    -------
    dict
        ``model, term, replicates, n_obs`` (of the first draw), ``rejections``, ``power``,
        ``power_low``, ``power_high`` (Clopper-Pearson 95%).
    """
    rejections, n_obs = 0, None
    for replicate in range(replicates):
        fit = fit_complete_case(model_frame(draw(seed + replicate), spec, key=key), spec)
        row = fit.coefficients.set_index("term").loc[term]
        rejections += int(row["p_value"] < alpha)
        n_obs = n_obs or int(fit.statistics["n_obs"])
    interval = stats.binomtest(rejections, replicates).proportion_ci(confidence_level=0.95, method="exact")
    return {"model": spec.id, "term": term, "replicates": replicates, "n_obs": n_obs,
            "rejections": rejections, "power": rejections / replicates,
            "power_low": interval.low, "power_high": interval.high}


def power_sentence(table: pd.DataFrame, terms: dict[str, str]) -> str:
    """Plain words on which headline effects the survey could detect.

    ``terms`` maps ``"model|term"`` keys to a reader's label.
    """
    lines = []
    for key, label in terms.items():
        model, term = key.split("|", 1)
        rows = table[(table["model"] == model) & (table["term"] == term)]
        if rows.empty:
            continue
        row = rows.iloc[0]
        size = f" (a partial R2 of {row['mde_partial_r2']:.2f})" if pd.notna(row["mde_partial_r2"]) else ""
        verdict = ("the estimate is larger than that, so an effect of its size was within reach"
                   if row["estimate_over_mde"] >= 1 else
                   "the estimate is smaller than that: an effect of its size would be missed more "
                   "often than not")
        lines.append(f"- {label}: with {row['n_obs']} organizations the survey detects, 80% of "
                     f"the time at the 5% level, an effect of at least {row['mde']:.3g}{size}; "
                     f"{verdict}.")
    return "\n".join(lines)

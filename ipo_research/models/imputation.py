"""Multiple imputation by chained equations, pooled by Rubin's rules.

``missing: mice`` fills the missing values of a model's columns ``m`` times by chained
equations (one chain: burn-in cycles, then a few cycles between kept data sets), fits the
model's own family on each completed data set, and pools the estimates with Rubin's rules
(:func:`rubin_pool`). statsmodels' own ``MICE`` pools only models with a formula interface on
the raw columns, so pooling here is explicit and works for every family alike.

Each variable is imputed from all the others (the outcome included), by its kind:

- **numbers and 0/1 answers**: :class:`statsmodels.imputation.mice.MICEData`'s linear
  regression with parameters drawn from their approximate posterior and predictive mean
  matching, so imputed values are always values someone reported;
- **categories** (pandas Categoricals, nominal or ordered): a multinomial logit
  (:class:`statsmodels.discrete.discrete_model.MNLogit`) of the category on the others, whose
  parameters are drawn from their approximate posterior (normal at the posterior mode with the
  inverse Hessian as covariance: "proper" imputation, Rubin 1987), then a category drawn from
  each row's predicted probabilities. The slopes carry a weakly informative normal prior
  (standard deviation 2.5 on standardized predictors, Gelman et al. 2008; intercepts flat):
  with about 75 organizations and a dozen predictors a small level is often perfectly
  predicted, and the maximum-likelihood logit would then diverge. Only categories observed
  among the rows can be drawn. Integer codes are never treated as numbers: the other
  variables' models use a categorical as dummies (``C(code)``).

Rows whose outcome is missing take part in the imputation of the predictors but are left out
of the fits ("multiple imputation, then deletion", von Hippel 2007). A spec's ``auxiliary``
columns (:func:`auxiliary_frame`) join the imputation model only: they sharpen the draws
(and make missingness that depends on them ignorable) but are not in the fitted formula.

A column the formula uses only as ``np.log1p(column)`` (skewed amounts such as budgets) is
imputed on that log scale, where a linear imputation model fits, and mapped back.

Every random draw comes from one numpy Generator seeded with ``seed``.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.exceptions import DataError
from ipo_research.models.specs import ModelSpec, formula_columns
from ipo_research.models.fit import (SMALL_SAMPLE_RATIO, TIDY_COLUMNS, ModelFit, adjust_slopes,
                                     complete_cases, design_matrices, effective_observations,
                                     fit_design, model_frame, reported_parameters)
from ipo_research.models.levels import check_level_sizes

__all__ = ["rubin_pool", "impute_frames", "category_probabilities", "auxiliary_frame", "log_scale_columns",
           "fit_mice"]

_BURN_IN_CYCLES = 10
_CYCLES_BETWEEN = 3
_DONORS = 5  # predictive mean matching donors; mice's default, fitting for ~75 respondents
_PRIOR_SD = 2.5  # prior standard deviation of a standardized slope in the category model


def rubin_pool(estimates: pd.DataFrame, variances: pd.DataFrame, *,
               df_complete: float | None = None, level: float = 0.95) -> pd.DataFrame:
    """Pool estimates from ``m`` imputed data sets with Rubin's rules.

    Parameters
    ----------
    estimates : DataFrame
        One row per imputed data set, one column per term.
    variances : DataFrame
        Squared standard errors, same shape and labels.
    df_complete : float, optional
        Residual degrees of freedom of the complete-data model (OLS). When given, the
        Barnard-Rubin (1999) small-sample degrees of freedom are used; otherwise Rubin's
        (1987) large-sample ones.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        One row per term: ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high`` (t with the pooled degrees of freedom) and ``within_variance``,
        ``between_variance``, ``total_variance``, ``df``, ``fmi`` (fraction of missing
        information).

    Examples
    --------
    >>> est = pd.DataFrame({"b": [1.0, 2.0, 3.0]})
    >>> var = pd.DataFrame({"b": [0.5, 0.5, 0.5]})
    >>> round(float(rubin_pool(est, var)["total_variance"].iloc[0]), 4)  # 0.5 + (1 + 1/3) * 1
    1.8333
    """
    m = len(estimates)
    if m < 2:
        raise DataError(f"Rubin's rules need at least 2 imputed data sets, got {m}.")
    within = variances.mean()
    between = estimates.var(ddof=1)
    total = within + (1 + 1 / m) * between
    share = ((1 + 1 / m) * between / total).clip(upper=1 - 1e-12)
    with np.errstate(divide="ignore"):
        df = (m - 1) / share**2
    if df_complete is not None:
        observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
        df = 1 / (1 / df + 1 / observed)
    relative_increase = (1 + 1 / m) * between / within
    pooled = estimates.mean()
    std_error = np.sqrt(total)
    critical = stats.t.ppf(0.5 + level / 2, df)
    statistic = pooled / std_error
    return pd.DataFrame({
        "term": pooled.index.astype(str),
        "estimate": pooled.to_numpy(),
        "std_error": std_error.to_numpy(),
        "statistic": statistic.to_numpy(),
        "p_value": 2 * stats.t.sf(np.abs(statistic), df),
        "conf_low": (pooled - critical * std_error).to_numpy(),
        "conf_high": (pooled + critical * std_error).to_numpy(),
        "within_variance": within.to_numpy(),
        "between_variance": between.to_numpy(),
        "total_variance": total.to_numpy(),
        "df": df.to_numpy(),
        "fmi": ((relative_increase + 2 / (df + 3)) / (relative_increase + 1)).to_numpy(),
    })


def impute_frames(frame: pd.DataFrame, *, m: int, seed: int) -> list[pd.DataFrame]:
    """Draw ``m`` completed copies of a model frame by chained equations.

    Parameters
    ----------
    frame : DataFrame
        Float and Categorical columns with missing values (a model frame, with any auxiliary
        columns joined).
    m : int
        Completed data sets to draw.
    seed : int
        Seed of the chain's random numbers.

    Returns
    -------
    list of DataFrame
        Same index, columns and dtypes as ``frame``, no missing values in rows that had at
        least one observed value (rows with nothing observed stay as they are). Numbers are
        drawn by predictive mean matching, categories from a multinomial logit (see the
        module notes).

    Raises
    ------
    DataError
        When a column has no observed value at all.
    """
    from statsmodels.imputation.mice import MICEData

    empty = [column for column in frame.columns if frame[column].isna().all()]
    if empty:
        raise DataError(f"multiple imputation: column(s) {', '.join(empty)} have no observed value; "
                        "drop them from the formula.")
    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    usable = frame.notna().any(axis=1).to_numpy()
    numeric = _as_codes(frame.loc[usable], categorical).reset_index(drop=True)
    if not numeric.isna().any().any():
        return [frame.copy() for _ in range(m)]
    rng = np.random.default_rng(seed)
    chain = MICEData(numeric, k_pmm=_DONORS, rng=rng)
    _use_dummies_for(chain, numeric.columns, categorical)
    order = sorted((column for column in numeric.columns if len(chain.ix_miss[column])),
                   key=lambda column: len(chain.ix_miss[column]))  # fewest missing first
    _cycle(chain, order, categorical, rng, _BURN_IN_CYCLES)
    draws = []
    for _ in range(m):
        _cycle(chain, order, categorical, rng, _CYCLES_BETWEEN)
        draws.append(_completed(frame, chain.data, usable, categorical))
    return draws


def _cycle(chain, order: list[str], categorical: list[str], rng: np.random.Generator, cycles: int) -> None:
    for _ in range(cycles):
        for column in order:
            if column in categorical:
                _draw_categories(chain, column, rng)
            else:
                chain.update(column)


def _draw_categories(chain, column: str, rng: np.random.Generator) -> None:
    """Impute one categorical column's codes from a multinomial logit with drawn parameters."""
    endog, exog, exog_missing, _, _ = chain.get_split_data(column)
    observed = np.asarray(endog, dtype=float).ravel().astype(int)
    present = np.unique(observed)
    rows = chain.ix_miss[column]
    if len(present) == 1:
        drawn = np.full(len(rows), present[0])
    else:
        probabilities = category_probabilities(np.searchsorted(present, observed), np.asarray(exog, dtype=float),
                                               np.asarray(exog_missing, dtype=float), rng=rng)
        uniform = rng.uniform(size=len(rows))
        picked = (probabilities.cumsum(axis=1) < uniform[:, None]).sum(axis=1)
        drawn = present[np.minimum(picked, len(present) - 1)]
    chain.data.iloc[rows, chain.data.columns.get_loc(column)] = drawn.astype(float)


def category_probabilities(codes: np.ndarray, exog: np.ndarray, exog_missing: np.ndarray, *,
                           rng: np.random.Generator, prior_sd: float = _PRIOR_SD) -> np.ndarray:
    """Category probabilities of rows with a missing category, from one posterior draw.

    A multinomial logit of ``codes`` on ``exog`` (standardized, constant columns kept as the
    intercept) is fitted at its posterior mode under a normal prior on the slopes; one
    parameter vector is drawn from the normal approximation of the posterior, and the
    probabilities of each category are predicted for ``exog_missing``.

    Parameters
    ----------
    codes : array of int, shape (n_observed,)
        Categories ``0 .. K-1`` of the rows where the column is observed (each present).
    exog : array, shape (n_observed, p)
        Predictors of those rows.
    exog_missing : array, shape (n_missing, p)
        Predictors of the rows to impute.
    rng : numpy Generator
    prior_sd : float, default 2.5
        Prior standard deviation of each slope on standardized predictors.

    Returns
    -------
    ndarray, shape (n_missing, K)
        Rows sum to 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = np.column_stack([np.ones(40), np.r_[np.zeros(20), np.ones(20)]])
    >>> codes = np.r_[np.zeros(18), np.ones(2), np.ones(18), np.zeros(2)].astype(int)
    >>> p = category_probabilities(codes, x, np.array([[1.0, 0.0], [1.0, 1.0]]), rng=rng)
    >>> bool(p[0, 0] > 0.5 > p[1, 0])
    True
    """
    from scipy import optimize
    from statsmodels.discrete.discrete_model import MNLogit

    centre, spread = exog.mean(axis=0), exog.std(axis=0)
    constant = spread < 1e-12
    centre, spread = np.where(constant, 0.0, centre), np.where(constant, 1.0, spread)
    standardized = np.column_stack([np.ones(len(exog)), ((exog - centre) / spread)[:, ~constant]])
    model = MNLogit(codes, standardized)
    k_free = codes.max()
    slope = np.repeat(np.r_[0.0, np.ones(standardized.shape[1] - 1)][:, None], k_free, axis=1).ravel(order="F")
    precision = slope / prior_sd ** 2
    result = optimize.minimize(
        lambda theta: -model.loglike(theta) + 0.5 * np.sum(precision * theta ** 2),
        np.zeros(standardized.shape[1] * k_free), method="trust-exact",
        jac=lambda theta: -model.score(theta) + precision * theta,
        hess=lambda theta: -model.hessian(theta) + np.diag(precision))
    information = -model.hessian(result.x) + np.diag(precision)
    draw = rng.multivariate_normal(result.x, np.linalg.pinv(information), method="cholesky")
    missing = np.column_stack([np.ones(len(exog_missing)), ((exog_missing - centre) / spread)[:, ~constant]])
    return np.asarray(model.predict(draw.reshape(standardized.shape[1], k_free, order="F"), exog=missing))


def _as_codes(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    numeric = frame.copy()
    for column in categorical:
        codes = numeric[column].cat.codes.astype(float)
        numeric[column] = codes.where(codes >= 0)
    return numeric.astype(float)


def _use_dummies_for(chain, columns, categorical: list[str]) -> None:
    for target in columns:
        if len(chain.ix_miss[target]) == 0:
            continue
        others = [f"C({name})" if name in categorical else name for name in columns if name != target]
        chain.set_imputer(target, formula=" + ".join(others) or "1", k_pmm=_DONORS)


def _completed(frame: pd.DataFrame, imputed: pd.DataFrame, usable: np.ndarray,
               categorical: list[str]) -> pd.DataFrame:
    completed = frame.copy()
    for column in frame.columns:
        values = completed[column].to_numpy(dtype=object if column in categorical else float, copy=True)
        drawn = imputed[column].to_numpy()
        if column in categorical:
            # The category model draws observed codes; map them back to levels.
            drawn = frame[column].cat.categories[np.rint(drawn).astype(int)].to_numpy()
        values[usable] = drawn
        completed[column] = pd.Categorical(values, dtype=frame[column].dtype) if column in categorical else values
    return completed


def log_scale_columns(formula: str) -> tuple[str, ...]:
    """Columns a formula uses only through ``np.log1p(column)``.

    Parameters
    ----------
    formula : str

    Returns
    -------
    tuple of str

    Examples
    --------
    >>> log_scale_columns("y ~ np.log1p(budget) + staff + np.log1p(staff) + I(2016 - founded)")
    ('budget',)
    """
    from patsy import ModelDesc

    description = ModelDesc.from_formula(formula)
    codes = [factor.code.replace(" ", "") for term in (*description.lhs_termlist, *description.rhs_termlist)
             for factor in term.factors]
    found = []
    for column in formula_columns(formula):
        mentions = [code for code in codes if re.search(rf"\b{re.escape(column)}\b", code)]
        if mentions and all(code == f"np.log1p({column})" for code in mentions):
            found.append(column)
    return tuple(found)


def auxiliary_frame(responses: pd.DataFrame, spec: ModelSpec, *, key: str | None = None) -> pd.DataFrame | None:
    """The spec's auxiliary columns, typed like a model frame, for the imputation model.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses (with index and context columns added as needed).
    spec : ModelSpec
        ``spec.auxiliary`` names the columns.
    key : str, optional
        Column identifying a respondent; becomes the index, as in the model frame.

    Returns
    -------
    DataFrame or None
        None when the spec names no auxiliary column.

    Raises
    ------
    ModelSpecError
        When an auxiliary column is not in the data.
    """
    if not spec.auxiliary:
        return None
    first, *rest = spec.auxiliary
    # A spec whose formula names just the auxiliary columns types them as model_frame does.
    carrier = replace(spec, formula=f"{first} ~ {' + '.join(rest) or '1'}", cluster="", merge_levels=(),
                      auxiliary=())
    return model_frame(responses, carrier, key=key)


def fit_mice(frame: pd.DataFrame, spec: ModelSpec, *, seed: int,
             auxiliary: pd.DataFrame | None = None) -> ModelFit:
    """Fit a spec on ``spec.imputations`` imputed data sets and pool by Rubin's rules.

    Parameters
    ----------
    frame : DataFrame
        A model frame (:func:`ipo_research.models.fit.model_frame`), missing values included.
    spec : ModelSpec
    seed : int
    auxiliary : DataFrame, optional
        Extra columns for the imputation model only (:func:`auxiliary_frame`), on the same
        index as ``frame``.

    Raises
    ------
    ModelSpecError
        When a level of the rows with an observed outcome rests on fewer than
        ``spec.min_level_size`` observed answers.

    Returns
    -------
    ModelFit
        Pooled tidy coefficients (plus ``fmi``), fit statistics with ``n_obs`` the
        rows with an observed outcome and ``n_dropped`` those without.
    """
    outcome_seen = frame[spec.outcome].notna()
    check_level_sizes(frame.loc[outcome_seen], spec)
    logged = [column for column in log_scale_columns(spec.formula) if (frame[column].dropna() > -1).all()]
    on_log_scale = frame.assign(**{column: np.log1p(frame[column]) for column in logged})
    extra = [] if auxiliary is None else [column for column in auxiliary.columns if column not in frame.columns]
    if extra:
        on_log_scale = on_log_scale.join(auxiliary[extra])
    estimates, variances, fits = [], [], []
    for completed in impute_frames(on_log_scale, m=spec.imputations, seed=seed):
        completed = completed[list(frame.columns)].assign(**{column: frame[column].fillna(np.expm1(completed[column]))
                                        for column in logged})
        data, _, _ = complete_cases(completed.loc[outcome_seen])
        y, X = design_matrices(data, spec)
        result = fit_design(y, X, family=spec.family, cov_type=spec.cov_type)
        params, cov = reported_parameters(result)
        estimates.append(params)
        variances.append(pd.Series(np.diag(cov.to_numpy()), index=params.index))
        fits.append(result)
    estimates, variances = pd.DataFrame(estimates), pd.DataFrame(variances)
    shared = estimates.columns[estimates.notna().all() & variances.notna().all()]
    df_complete = float(fits[0].df_resid) if spec.family == "ols" else None
    pooled = rubin_pool(estimates[shared], variances[shared], df_complete=df_complete)
    pooled = pooled.assign(model=spec.id)
    coefficients = pooled.assign(p_adjusted=adjust_slopes(pooled))[TIDY_COLUMNS + ["fmi"]]
    n_obs, n_params = int(outcome_seen.sum()), len(shared)
    effective = effective_observations(frame.loc[outcome_seen, spec.outcome].to_numpy(dtype=float), spec.family)
    notes = list(frame.attrs.get("notes", [])) + [f"{spec.imputations} imputed data sets (seed {seed}) pooled by Rubin's rules; "
             f"{len(frame) - n_obs} row(s) without the outcome left out of the fits."]
    if logged:
        notes.append(f"imputed on the log1p scale: {', '.join(logged)}.")
    if extra:
        notes.append(f"auxiliary variable(s) in the imputation model only: {', '.join(extra)}.")
    if len(shared) < estimates.shape[1]:
        notes.append("terms missing from some imputed data sets were left out: "
                     + ", ".join(str(term) for term in estimates.columns.difference(shared)))
    return ModelFit(spec=spec, coefficients=coefficients,
                    statistics=_pooled_statistics(spec, fits, n_obs=n_obs, n_params=n_params,
                                                  n_dropped=len(frame) - n_obs,
                                                  obs_per_parameter=effective / n_params),
                    result=None, data=frame.loc[outcome_seen], notes=notes)


def _pooled_statistics(spec: ModelSpec, fits: list, *, n_obs: int, n_params: int,
                       n_dropped: int, obs_per_parameter: float) -> dict:
    ratio = obs_per_parameter
    is_ols = spec.family == "ols"
    # Likelihood-based statistics do not pool by Rubin's rules; R-squared is averaged.
    return {
        "model": spec.id, "family": spec.family, "cov_type": spec.cov_type, "missing": spec.missing,
        "n_obs": n_obs, "n_dropped": n_dropped, "n_params": n_params, "obs_per_parameter": ratio,
        "small_sample_warning": bool(ratio < SMALL_SAMPLE_RATIO),
        "r_squared": float(np.mean([fit.rsquared for fit in fits])) if is_ols else np.nan,
        "adj_r_squared": float(np.mean([fit.rsquared_adj for fit in fits])) if is_ols else np.nan,
        "pseudo_r_squared": np.nan, "aic": np.nan, "bic": np.nan, "log_likelihood": np.nan,
        "converged": all(bool(getattr(fit, "mle_retvals", {}).get("converged", True)) for fit in fits),
    }

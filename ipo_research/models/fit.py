"""Fitting one model spec: the model frame, the design matrices, the fit and its tidy tables.

The steps, each a function so the bootstrap and multiple imputation reuse them:

1. :func:`model_frame` picks the formula's columns and gives them types statsmodels takes:
   nullable booleans and integers become floats (0/1 for booleans, missing stays missing);
   Categoricals keep their codebook order, so the reference level is the codebook's first
   level unless the formula says otherwise.
2. :func:`complete_cases` drops rows with a missing value and unused categories, saying so.
3. :func:`design_matrices` builds outcome and design with patsy (what statsmodels uses).
4. :func:`fit_design` fits the family on the matrices with the covariance type.
5. :func:`tidy_coefficients` and :func:`fit_statistics` turn the result into tidy rows.

:func:`fit_complete_case` chains them. OLS uses t-based inference (``use_t``) even with robust
covariances, which is the cautious choice with about 75 observations; the maximum-likelihood
families use the usual normal-based inference.

Examples
--------
>>> import pandas as pd
>>> from ipo_research.models.specs import ModelSpec
>>> data = pd.DataFrame({"y": [1.0, 2.0, 3.1, 3.9], "x": [0.0, 1.0, 2.0, 3.0]})
>>> spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="nonrobust")
>>> round(float(fit_complete_case(data, spec).coefficients.set_index("term").loc["x", "estimate"]), 2)
0.98
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ipo_research.analysis.multiplicity import adjust_p_values
from ipo_research.exceptions import DataError, ModelSpecError
from ipo_research.models.firth import fit_firth
from ipo_research.models.levels import check_level_sizes, check_leverage, merge_levels
from ipo_research.models.sandwich import small_sample_covariance
from ipo_research.models.specs import ModelSpec

__all__ = [
    "TIDY_COLUMNS",
    "SMALL_SAMPLE_RATIO",
    "P_ADJUSTMENT",
    "is_slope",
    "adjust_slopes",
    "ModelFit",
    "model_frame",
    "complete_cases",
    "design_matrices",
    "fit_design",
    "reported_parameters",
    "tidy_coefficients",
    "fit_statistics",
    "effective_observations",
    "fit_complete_case",
]

TIDY_COLUMNS = ["model", "term", "estimate", "std_error", "statistic", "df", "p_value", "p_adjusted",
                "conf_low", "conf_high"]
SMALL_SAMPLE_RATIO = 10  # fewer observations per parameter than this earns a warning
P_ADJUSTMENT = "holm"  # across the slopes of each model
_BINARY_FAMILIES = ("logit", "probit")
_NOT_SLOPE = re.compile(r"^Intercept$|^alpha$|/")


@dataclass
class ModelFit:
    """A fitted spec, ready for tables.

    Attributes
    ----------
    spec : ModelSpec
    coefficients : DataFrame
        Tidy rows (:data:`TIDY_COLUMNS`).
    statistics : dict
        One row of ``model_fit.csv``.
    result : statsmodels results or None
        The complete-case fit (None for a pooled multiple-imputation fit).
    data : DataFrame
        The rows the fit used, indexed by the survey key when one was given.
    notes : list of str
        What a reader should know: dropped rows, unused categories, convergence.
    """

    spec: ModelSpec
    coefficients: pd.DataFrame
    statistics: dict
    result: object | None = None
    data: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def model_frame(responses: pd.DataFrame, spec: ModelSpec, *, key: str | None = None) -> pd.DataFrame:
    """The columns of a spec's formula, typed for statsmodels, all rows kept.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses (with index and context columns added as needed).
    spec : ModelSpec
    key : str, optional
        Column identifying a respondent; becomes the frame's index (never a predictor).

    Returns
    -------
    DataFrame
        Booleans as 0/1 floats, integers and decimals as floats, Categoricals unchanged
        except for the levels the spec merges (``merge_levels``; the sentences saying so are in
        ``frame.attrs["notes"]``), missing values as NaN; the cluster column after the formula's.

    Raises
    ------
    ModelSpecError
        When the formula names a column the responses lack, or a merge cannot be applied.
    """
    absent = [column for column in spec.frame_columns if column not in responses.columns]
    if absent:
        raise ModelSpecError(
            f"model '{spec.id}': column(s) {', '.join(absent)} are not in the data. "
            "Fix the formula in the models file or add the column (indices, context) first."
        )
    frame = pd.DataFrame(index=responses[key].astype(str) if key else responses.index)
    for column in spec.frame_columns:
        # .array keeps a Categorical's levels and order; positions match the index.
        frame[column] = _as_model_column(responses[column]).array
    frame, notes = merge_levels(frame, spec)
    frame.attrs["notes"] = notes
    return frame


def _as_model_column(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("Float64").astype(float)
    # Text used as a factor: keep first-seen order stable by sorting the levels.
    text = values.astype("string")
    return pd.Series(pd.Categorical(text, categories=sorted(text.dropna().unique())), index=values.index)


def complete_cases(frame: pd.DataFrame, *, quiet: tuple[str, ...] = ()) -> tuple[pd.DataFrame, int, list[str]]:
    """Drop rows with any missing value, then unused categories.

    Parameters
    ----------
    frame : DataFrame
        A model frame.
    quiet : tuple of str, optional
        Columns whose unused levels are dropped without a note (a cluster column).

    Returns
    -------
    data : DataFrame
        The complete rows.
    n_dropped : int
        Rows dropped.
    notes : list of str
        One sentence per categorical column that lost unused levels.
    """
    data = frame.dropna()
    notes = []
    for column in data.columns:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            unused = [str(level) for level in data[column].cat.categories
                      if level not in set(data[column])]
            if unused:
                data = data.assign(**{column: data[column].cat.remove_unused_categories()})
                if column not in quiet:
                    notes.append(f"'{column}': level(s) {', '.join(unused)} have no observation "
                                 "in the fitted rows and were dropped.")
    return data, len(frame) - len(data), notes


def design_matrices(data: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcome and design matrix of a spec's formula, as patsy builds them for statsmodels.

    Parameters
    ----------
    data : DataFrame
        Complete rows of a model frame.
    spec : ModelSpec

    Returns
    -------
    y : DataFrame
        One column, the outcome.
    X : DataFrame
        Columns named by statsmodels term names (ordinal logit: without intercept); the terms
        the spec names in ``center`` minus their mean over these rows (the means are in
        ``X.attrs["centered_means"]``).

    Raises
    ------
    ModelSpecError
        When patsy cannot build the design (e.g. a reference level absent from the data), or
        ``center`` names a term the design lacks or a 0/1 term.
    """
    from patsy import PatsyError, dmatrices

    try:
        y, X = dmatrices(spec.formula, data, return_type="dataframe", NA_action="raise")
    except PatsyError as error:
        raise ModelSpecError(
            f"model '{spec.id}': the formula cannot be built on the data ({error.message}). "
            "Check level names in Treatment(...) and the column types."
        ) from None
    if y.shape[1] != 1:
        raise ModelSpecError(
            f"model '{spec.id}': the outcome '{spec.outcome}' must be one numeric or boolean "
            f"column, but it expands to {y.shape[1]} columns. Use a numeric outcome."
        )
    if spec.family == "ordinal_logit" and "Intercept" in X.columns:
        # Ordered models absorb the intercept into their thresholds.
        X = X.drop(columns="Intercept")
    return y, _centered(X, spec)


def _centered(X: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    absent = [term for term in spec.center if term not in X.columns]
    if absent:
        raise ModelSpecError(
            f"model '{spec.id}': center names term(s) {', '.join(absent)} that the model does not "
            f"have; its terms are {', '.join(map(str, X.columns))}. Fix center in the models file.")
    binary = [term for term in spec.center if X[term].isin((0.0, 1.0)).all()]
    if binary:
        raise ModelSpecError(
            f"model '{spec.id}': center names 0/1 term(s) {', '.join(binary)}; their 0 is already a "
            "typical reference. Center continuous terms only (remove these from center).")
    means = {term: float(X[term].mean()) for term in spec.center}
    centered = X.assign(**{term: X[term] - mean for term, mean in means.items()})
    centered.attrs["centered_means"] = means
    return centered


def fit_design(y: pd.DataFrame, X: pd.DataFrame, *, family: str, cov_type: str):
    """Fit one family on an outcome and a design matrix.

    Parameters
    ----------
    y : DataFrame
        One-column outcome (0/1 for logit and probit, counts for poisson and negbin,
        ordered codes for ordinal_logit).
    X : DataFrame
        Design matrix with named columns.
    family : str
        One of :data:`ipo_research.models.specs.FAMILIES`.
    cov_type : str
        Covariance type allowed for the family.

    Returns
    -------
    statsmodels results
        Warnings raised while fitting are kept in ``result.fit_warnings`` (list of str)
        instead of reaching the notebook.
    """
    import statsmodels.api as sm
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    endog = y.iloc[:, 0]
    if cov_type == "CR2":
        cov_type = "nonrobust"  # replaced by the CR2 covariance (models.sandwich) after the fit
    if family == "ordinal_logit" and (endog % 1 == 0).all():
        endog = endog.astype(int)  # thresholds read "1/2", not "1.0/2.0"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if family == "ols":
            result = sm.OLS(endog, X).fit(cov_type=cov_type, use_t=True)
        elif family == "ordinal_logit":
            result = OrderedModel(endog, X, distr="logit").fit(
                method="bfgs", disp=False, maxiter=1000, cov_type=cov_type)
        else:
            model_class = {"logit": sm.Logit, "probit": sm.Probit, "poisson": sm.Poisson,
                           "negbin": sm.NegativeBinomial}[family]
            result = model_class(endog, X).fit(disp=False, maxiter=500, cov_type=cov_type)
    result.fit_warnings = sorted({str(warning.message).splitlines()[0] for warning in caught})
    return result


def reported_parameters(result) -> tuple[pd.Series, pd.DataFrame]:
    """Parameters and covariance on the scale the tables report.

    statsmodels' ordered logit estimates its thresholds as the lowest cut-point followed by
    log-increments; the tables report the cut-points themselves, with delta-method
    covariances. Every other family is reported as estimated.

    Parameters
    ----------
    result : statsmodels results

    Returns
    -------
    params : Series
    cov : DataFrame
    """
    params = pd.Series(result.params, dtype=float)
    cov = pd.DataFrame(np.asarray(result.cov_params(), dtype=float), index=params.index, columns=params.index)
    if not _has_thresholds(result):
        return params, cov
    k_thresholds = result.model.k_levels - 1
    raw = params.to_numpy()
    first = len(raw) - k_thresholds
    increments = np.exp(raw[first + 1:])
    jacobian = np.eye(len(raw))
    for k in range(1, k_thresholds):
        jacobian[first + k, first + 1:first + k + 1] = increments[:k]
        jacobian[first + k, first] = 1.0
    values = raw.copy()
    values[first:] = np.concatenate((raw[first:first + 1], increments)).cumsum()
    return (pd.Series(values, index=params.index),
            pd.DataFrame(jacobian @ cov.to_numpy() @ jacobian.T, index=params.index, columns=params.index))


def _has_thresholds(result) -> bool:
    return hasattr(result.model, "transform_threshold_params") and result.model.k_levels > 1


def is_slope(term: str) -> bool:
    """Whether a term is a slope (not the intercept, a threshold ``a/b`` or ``alpha``).

    Examples
    --------
    >>> [is_slope(term) for term in ("Intercept", "x", "1/2", "alpha")]
    [False, True, False, False]
    """
    return not _NOT_SLOPE.search(str(term))


def adjust_slopes(coefficients: pd.DataFrame) -> pd.Series:
    """Holm-adjusted p-values across the slopes of each model (NaN for other terms).

    Parameters
    ----------
    coefficients : DataFrame
        Tidy rows (``model, term, p_value``) of one or more models.

    Returns
    -------
    Series
        Aligned with ``coefficients``.
    """
    adjusted = pd.Series(np.nan, index=coefficients.index)
    for _, rows in coefficients.groupby("model", sort=False):
        slopes = rows[rows["term"].map(is_slope)]
        adjusted[slopes.index] = adjust_p_values(slopes["p_value"], method=P_ADJUSTMENT)
    return adjusted


def tidy_coefficients(result, *, model: str, level: float = 0.95) -> pd.DataFrame:
    """The coefficients of a statsmodels result as tidy rows.

    An OLS result carrying a small-sample covariance (``result.small_sample``, see
    :func:`fit_complete_case`) is reported with it: per-term Bell-McCaffrey degrees of freedom
    for ``t`` p-values and intervals. ``p_adjusted`` is Holm's adjustment across the slopes.

    Parameters
    ----------
    result : statsmodels results
    model : str
        Value of the ``model`` column.
    level : float, default 0.95
        Confidence level of ``conf_low`` and ``conf_high``.

    Returns
    -------
    DataFrame
        Columns :data:`TIDY_COLUMNS`, one row per term in the model's order (ordinal
        thresholds as cut-points, see :func:`reported_parameters`); ``df`` is empty (NaN) for
        normal-based inference.
    """
    from scipy import stats

    params, cov = reported_parameters(result)
    std_error = np.sqrt(np.diag(cov.to_numpy()))
    df = np.full(len(params), float(result.df_resid) if getattr(result, "use_t", False) else np.nan)
    small = getattr(result, "small_sample", None)
    if small is not None:
        std_error = np.sqrt(np.diag(small.cov))
        df = small.df
        statistic = params.to_numpy() / std_error
        p_value = 2 * stats.t.sf(np.abs(statistic), df)
        half_width = stats.t.ppf(0.5 + level / 2, df) * std_error
        bounds = np.column_stack([params.to_numpy() - half_width, params.to_numpy() + half_width])
    elif not _has_thresholds(result):
        statistic = np.asarray(result.tvalues, dtype=float)
        p_value = np.asarray(result.pvalues, dtype=float)
        bounds = np.asarray(result.conf_int(alpha=1 - level))
    else:  # transformed thresholds: normal-based, like the model's own inference
        statistic = params.to_numpy() / std_error
        p_value = 2 * stats.norm.sf(np.abs(statistic))
        half_width = stats.norm.ppf(0.5 + level / 2) * std_error
        bounds = np.column_stack([params.to_numpy() - half_width, params.to_numpy() + half_width])
    tidy = pd.DataFrame({
        "model": model,
        "term": params.index.astype(str),
        "estimate": params.to_numpy(),
        "std_error": std_error,
        "statistic": statistic,
        "df": df,
        "p_value": p_value,
        "conf_low": bounds[:, 0],
        "conf_high": bounds[:, 1],
    })
    return tidy.assign(p_adjusted=adjust_slopes(tidy))[TIDY_COLUMNS]


def fit_statistics(result, spec: ModelSpec, *, n_dropped: int) -> dict:
    """One row of ``model_fit.csv`` for a complete-case fit.

    Parameters
    ----------
    result : statsmodels results
    spec : ModelSpec
    n_dropped : int
        Rows the model could not use.

    Returns
    -------
    dict
        ``model, family, cov_type, missing, n_obs, n_dropped, n_params, obs_per_parameter,
        small_sample_warning, r_squared, adj_r_squared, pseudo_r_squared, aic, bic,
        log_likelihood, converged``. For logit and probit, ``obs_per_parameter`` counts the
        rarer outcome (events per parameter), the binding constraint there.
    """
    n_obs = int(result.nobs)
    n_params = len(result.params)
    ratio = effective_observations(np.asarray(result.model.endog), spec.family) / n_params
    is_ols = spec.family == "ols"
    with warnings.catch_warnings():
        # Pseudo R-squared fits a null model; its warnings say nothing about this model.
        warnings.simplefilter("ignore")
        pseudo_r_squared = np.nan if is_ols else float(getattr(result, "prsquared", np.nan))
    converged = True if is_ols else bool(result.mle_retvals.get("converged", True))
    return {
        "model": spec.id, "family": spec.family, "cov_type": spec.cov_type, "missing": spec.missing,
        "n_obs": n_obs, "n_dropped": int(n_dropped), "n_params": n_params,
        "obs_per_parameter": ratio, "small_sample_warning": bool(ratio < SMALL_SAMPLE_RATIO),
        "r_squared": result.rsquared if is_ols else np.nan,
        "adj_r_squared": result.rsquared_adj if is_ols else np.nan,
        "pseudo_r_squared": pseudo_r_squared,
        "aic": float(result.aic), "bic": float(result.bic), "log_likelihood": float(result.llf),
        "converged": converged,
    }


def effective_observations(outcome: np.ndarray, family: str) -> float:
    """Observations that count toward the observations-per-parameter rule.

    Parameters
    ----------
    outcome : array
        The fitted outcome values.
    family : str

    Returns
    -------
    float
        For logit and probit the count of the rarer outcome (events per parameter); for every
        other family the number of observations.
    """
    if family not in _BINARY_FAMILIES:
        return float(len(outcome))
    events = float(np.sum(outcome))
    return min(events, len(outcome) - events)


def fit_complete_case(frame: pd.DataFrame, spec: ModelSpec) -> ModelFit:
    """Fit a spec on the complete rows of a model frame.

    A spec with ``penalty: firth`` is fitted by :func:`ipo_research.models.firth.fit_firth`
    (profile intervals and penalized likelihood-ratio p-values in its tidy rows).

    Parameters
    ----------
    frame : DataFrame
        From :func:`model_frame` (or any frame with the formula's columns, typed for statsmodels).
    spec : ModelSpec

    Returns
    -------
    ModelFit

    Raises
    ------
    DataError
        When too few complete rows remain to estimate the model, a row has leverage near 1
        (:func:`ipo_research.models.levels.check_leverage`), or the fit fails.
    ModelSpecError
        When a level rests on fewer than ``spec.min_level_size`` rows
        (:func:`ipo_research.models.levels.check_level_sizes`).
    """
    data, n_dropped, notes = complete_cases(frame, quiet=(spec.cluster,) if spec.cluster else ())
    notes = list(frame.attrs.get("notes", [])) + notes
    if n_dropped:
        notes.insert(0, f"{n_dropped} of {len(frame)} rows dropped for a missing value (complete cases).")
    check_level_sizes(data, spec)
    y, X = design_matrices(data, spec)
    if len(X) <= X.shape[1]:
        raise DataError(
            f"model '{spec.id}': {len(X)} complete row(s) for {X.shape[1]} parameter(s); the model "
            "cannot be estimated. Simplify the formula or use `missing: mice`."
        )
    check_leverage(X, spec)
    try:
        result = (fit_firth(y, X) if spec.penalty == "firth"
                  else fit_design(y, X, family=spec.family, cov_type=spec.cov_type))
    except (np.linalg.LinAlgError, ValueError) as error:
        raise DataError(f"model '{spec.id}': the {spec.family} fit failed ({error}). "
                        "Check for predictors without variation or perfect separation.") from None
    if spec.family == "ols" and spec.cov_type in ("HC2", "CR2"):
        result.small_sample = small_sample_covariance(
            X.to_numpy(), np.asarray(result.resid), cov_type=spec.cov_type,
            clusters=data[spec.cluster].astype(str).to_numpy() if spec.cluster else None)
        if spec.cluster:
            notes.append(f"CR2 standard errors clustered by '{spec.cluster}' "
                         f"({result.small_sample.clusters} clusters), Bell-McCaffrey degrees of freedom.")
    notes += [f"statsmodels: {message}" for message in result.fit_warnings]
    if spec.center:
        means = ", ".join(f"'{term}' at {mean:.3g}" for term, mean in X.attrs["centered_means"].items())
        notes.append(f"Centered at their means over the fitted rows, so the intercept or thresholds "
                     f"read there: {means}.")
    if spec.penalty == "firth":
        notes.append("Firth-penalized logit: standard errors from the inverse penalized information; "
                     "intervals from the profile penalized likelihood and p-values from penalized "
                     "likelihood-ratio tests (statistic: their signed square root).")
        if not result.converged:
            notes.append("The Firth fit did not converge; do not read its estimates.")
    return ModelFit(
        spec=spec,
        coefficients=tidy_coefficients(result, model=spec.id),
        statistics=fit_statistics(result, spec, n_dropped=n_dropped),
        result=result,
        data=data,
        notes=notes,
    )

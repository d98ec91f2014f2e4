"""Average marginal effects: slopes on scales a reader can picture.

A logit coefficient of 4.2 says little; "one more point of capacity goes with 36 more
percentage points of probability, on average over the organizations" says a lot. For each
predictor of a complete-case binary or count fit this module reports the average marginal
effect (AME) with a delta-method interval:

- binary outcomes (``logit``, ``probit``, Firth logit): change in the probability, in
  **percentage points**;
- counts (``poisson``, ``negbin``): change in the expected **count**.

A 0/1 predictor's effect is the discrete change from 0 to 1 averaged over the rows (every
other predictor at its observed value); any other predictor's is the derivative averaged over
the rows, per unit of the term as it enters the formula (a ``np.log1p(x)`` term: per unit of
``log(1 + x)``). Maximum-likelihood fits use statsmodels' ``get_margeff(at="overall",
dummy=True)`` with the fit's covariance; a Firth fit uses the same formula
(:func:`logit_average_marginal_effects`) with the inverse penalized information, checked
against ``get_margeff`` in ``tests/test_models_margins.py``. Ordinal and linear models are not
listed (a linear model's slopes are already on the outcome's scale).

Examples
--------
>>> import numpy as np, pandas as pd
>>> X = np.column_stack([np.ones(2), [-0.5, 0.5]])
>>> table = logit_average_marginal_effects(np.array([0.0, 2.0]), np.eye(2), X, ["Intercept", "x"])
>>> round(float(table.loc["x", "estimate"]), 4)  # 2 p (1 - p) at eta = -1 and 1: 2 e / (1 + e)^2
0.3932
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.models.fit import ModelFit

__all__ = ["MARGINAL_EFFECT_COLUMNS", "SCALES", "marginal_effects", "logit_average_marginal_effects",
           "is_dummy"]

MARGINAL_EFFECT_COLUMNS = ["model", "term", "kind", "scale", "estimate", "std_error", "conf_low",
                           "conf_high"]
# Family -> (scale in words, factor from the model's scale to it).
SCALES = {"logit": ("percentage points", 100.0), "probit": ("percentage points", 100.0),
          "poisson": ("count", 1.0), "negbin": ("count", 1.0)}
_DERIVATIVE, _DISCRETE = "derivative", "change from 0 to 1"


def is_dummy(values) -> bool:
    """Whether a design column holds only 0 and 1 (both present), as ``get_margeff`` decides.

    Examples
    --------
    >>> is_dummy([0.0, 1.0, 1.0]), is_dummy([0.0, 2.0]), is_dummy([1.0, 1.0])
    (True, False, False)
    """
    values = np.asarray(values, dtype=float)
    return bool(np.isin(values, (0.0, 1.0)).all() and len(np.unique(values)) == 2)


def logit_average_marginal_effects(params, cov, exog, names, *, level: float = 0.95) -> pd.DataFrame:
    """Average marginal effects of a logit on the probability, with delta-method intervals.

    Parameters
    ----------
    params : array
        Coefficients (penalized or not).
    cov : array
        Their covariance.
    exog : array
        The design the effects are averaged over.
    names : sequence of str
        Column names of ``exog``; ``Intercept`` gets no effect.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        Indexed by term: ``kind, estimate, std_error, conf_low, conf_high`` on the probability
        scale (0 to 1).
    """
    params, cov, exog = (np.asarray(a, dtype=float) for a in (params, cov, exog))
    terms = [j for j, name in enumerate(names) if name != "Intercept"]
    dummies = {j for j in terms if is_dummy(exog[:, j])}

    def effects(b: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-exog @ b))
        out = []
        for j in terms:
            if j in dummies:
                high, low = exog.copy(), exog.copy()
                high[:, j], low[:, j] = 1.0, 0.0
                out.append(np.mean(1 / (1 + np.exp(-high @ b)) - 1 / (1 + np.exp(-low @ b))))
            else:
                out.append(np.mean(p * (1 - p)) * b[j])
        return np.array(out)

    estimate = effects(params)
    jacobian = np.empty((len(terms), len(params)))
    for k in range(len(params)):  # central differences, as statsmodels' margeff uses numdiff
        step = 1e-6 * max(1.0, abs(params[k]))
        shift = np.zeros_like(params)
        shift[k] = step
        jacobian[:, k] = (effects(params + shift) - effects(params - shift)) / (2 * step)
    std_error = np.sqrt(np.diag(jacobian @ cov @ jacobian.T))
    half = stats.norm.ppf(0.5 + level / 2) * std_error
    return pd.DataFrame({
        "kind": [_DISCRETE if j in dummies else _DERIVATIVE for j in terms],
        "estimate": estimate, "std_error": std_error,
        "conf_low": estimate - half, "conf_high": estimate + half,
    }, index=pd.Index([str(names[j]) for j in terms], name="term"))


def marginal_effects(fit: ModelFit, *, level: float = 0.95) -> pd.DataFrame:
    """Average marginal effects of one complete-case fit on its readable scale.

    Parameters
    ----------
    fit : ModelFit
        With ``fit.result`` set.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        :data:`MARGINAL_EFFECT_COLUMNS`, one row per predictor column; empty for families
        without a readable scale here (ols, ordinal_logit) and for pooled fits.
    """
    family = fit.spec.family
    if fit.result is None or family not in SCALES:
        return pd.DataFrame(columns=MARGINAL_EFFECT_COLUMNS)
    scale, factor = SCALES[family]
    result = fit.result
    exog = np.asarray(result.model.exog, dtype=float)
    names = [str(name) for name in result.model.exog_names][:exog.shape[1]]
    if fit.spec.penalty == "firth":
        table = logit_average_marginal_effects(result.params.to_numpy(), result.cov.to_numpy(),
                                               exog, names, level=level)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            margeff = result.get_margeff(at="overall", method="dydx", dummy=True)
            bounds = np.asarray(margeff.conf_int(alpha=1 - level))
        terms = [name for name in names if name != "Intercept"]
        table = pd.DataFrame({
            "kind": [_DISCRETE if is_dummy(exog[:, names.index(t)]) else _DERIVATIVE for t in terms],
            "estimate": np.asarray(margeff.margeff), "std_error": np.asarray(margeff.margeff_se),
            "conf_low": bounds[:, 0], "conf_high": bounds[:, 1],
        }, index=pd.Index(terms, name="term"))
    numbers = ["estimate", "std_error", "conf_low", "conf_high"]
    table[numbers] = table[numbers] * factor
    return table.reset_index().assign(model=fit.spec.id, scale=scale)[MARGINAL_EFFECT_COLUMNS]

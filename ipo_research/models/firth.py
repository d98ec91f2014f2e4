"""Firth's penalized logistic regression with profile penalized-likelihood intervals.

With few events per parameter, maximum-likelihood logit estimates are biased away from zero
and Wald intervals are too narrow or, under separation, useless. Firth (1993) maximizes the
log-likelihood penalized by the Jeffreys prior,

    l*(b) = l(b) + 1/2 log det I(b),    I(b) = X' W X,  W = diag(p (1 - p)),

whose estimates are finite under separation and nearly unbiased (Heinze & Schemper 2002).
As R's ``logistf`` (1.24 and later) and the ``firthmodels`` package do, each coefficient is
reported with

- the covariance ``J(b)^-1``, ``J = X' diag((1 + h) p (1 - p)) X`` the information of the
  penalized fit (Firth's pseudo-data view: every row counts ``1 + h_i`` times, ``h`` the
  diagonal of the weighted hat matrix), at the estimate (standard errors and joint Wald tests);
- a **profile penalized-likelihood interval**: the values ``c`` with
  ``2 (l*(b) - max l*(b | b_j = c)) <= chi2_1(level)``, found by root finding;
- a **penalized likelihood-ratio test** of ``b_j = 0``: statistic ``2 (l*(b) - max l*(b | b_j = 0))``
  against chi-square(1), reported as its signed square root (``tvalues``) and p-value.

:func:`fit_firth` returns a :class:`FirthResult`, which answers the few questions the tables
ask of a statsmodels result (``params``, ``cov_params``, ``tvalues``, ``pvalues``,
``conf_int``, ``llf``, ``model``). Written for this package and checked in
``tests/test_models_firth.py`` against the ``firthmodels`` package, published ``logistf``
numbers and the textbook 2x2 identity (Firth's estimate of a saturated 2x2 logit is the log
odds ratio with 1/2 added to every cell).

Examples
--------
>>> import numpy as np, pandas as pd
>>> X = pd.DataFrame({"Intercept": 1.0, "x": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]})
>>> y = pd.Series([0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
>>> round(float(fit_firth(y, X).params["x"]), 4)  # log((3.5 * 2.5) / (1.5 * 0.5))
2.4567
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ipo_research.exceptions import DataError

__all__ = ["FirthResult", "fit_firth", "penalized_loglike"]

_MAX_ITER = 100
_TOLERANCE = 1e-10
_MAX_STEP = 5.0  # largest change of a coefficient in one Newton step, as logistf's maxstep


@dataclass
class FirthResult:
    """A Firth-penalized logit fit, shaped like the statsmodels results the tables read.

    Attributes
    ----------
    params : Series
        Penalized estimates, indexed by the design's column names.
    cov : DataFrame
        Inverse information of the penalized fit at the estimate (see the module notes).
    profile : DataFrame
        ``conf_low, conf_high`` (profile penalized-likelihood interval at ``level``) and
        ``lr_statistic`` (penalized likelihood ratio against ``b_j = 0``), by term.
    penalized_llf : float
        The maximized penalized log-likelihood.
    model : statsmodels Logit
        The unfitted model (``endog``, ``exog``, ``exog_names``, ``loglike``).
    level : float
        Level of the profile intervals.
    iterations : int
    converged : bool
    """

    params: pd.Series
    cov: pd.DataFrame
    profile: pd.DataFrame
    penalized_llf: float
    model: object
    level: float = 0.95
    iterations: int = 0
    converged: bool = True
    fit_warnings: list = field(default_factory=list)
    use_t: bool = False

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates: the inverse penalized-fit information."""
        return self.cov

    @property
    def bse(self) -> pd.Series:
        """Standard errors from :meth:`cov_params`."""
        return pd.Series(np.sqrt(np.diag(self.cov.to_numpy())), index=self.params.index)

    @property
    def tvalues(self) -> pd.Series:
        """Signed square root of each penalized likelihood-ratio statistic."""
        return np.sign(self.params) * np.sqrt(self.profile["lr_statistic"].clip(lower=0))

    @property
    def pvalues(self) -> pd.Series:
        """Penalized likelihood-ratio p-values (chi-square, 1 df)."""
        return pd.Series(stats.chi2.sf(self.profile["lr_statistic"].clip(lower=0), 1),
                         index=self.params.index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Profile penalized-likelihood intervals (only at the fitted level)."""
        if not np.isclose(1 - alpha, self.level):
            raise ValueError(f"profile intervals were computed at level {self.level}, not {1 - alpha}")
        return self.profile[["conf_low", "conf_high"]]

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return len(self.model.endog)

    @property
    def llf(self) -> float:
        """Ordinary (unpenalized) log-likelihood at the penalized estimate."""
        return float(self.model.loglike(self.params.to_numpy()))

    @property
    def llnull(self) -> float:
        """Log-likelihood of the intercept-only model (maximum likelihood)."""
        endog = np.asarray(self.model.endog, dtype=float)
        share = endog.mean()
        return float(len(endog) * (share * np.log(share) + (1 - share) * np.log(1 - share)))

    @property
    def prsquared(self) -> float:
        """McFadden's pseudo R-squared from :attr:`llf`."""
        return 1 - self.llf / self.llnull

    @property
    def aic(self) -> float:
        """AIC from :attr:`llf`."""
        return -2 * self.llf + 2 * len(self.params)

    @property
    def bic(self) -> float:
        """BIC from :attr:`llf`."""
        return -2 * self.llf + np.log(self.nobs) * len(self.params)

    @property
    def mle_retvals(self) -> dict:
        """Convergence, in the shape statsmodels uses."""
        return {"converged": self.converged, "iterations": self.iterations}

    def predict(self, exog=None) -> np.ndarray:
        """Fitted probabilities for a design (the fitted one by default)."""
        exog = self.model.exog if exog is None else np.asarray(exog, dtype=float)
        return 1 / (1 + np.exp(-exog @ self.params.to_numpy()))


def penalized_loglike(params: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Log-likelihood of a logit plus half the log-determinant of its Fisher information.

    Parameters
    ----------
    params : array
    X : array
        Design matrix.
    y : array
        0/1 outcome.

    Returns
    -------
    float
    """
    eta = X @ params
    loglike = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    p = 1 / (1 + np.exp(-eta))
    sign, logdet = np.linalg.slogdet(X.T @ (X * (p * (1 - p))[:, None]))
    return loglike + 0.5 * logdet if sign > 0 else -np.inf


def _penalized_score(params: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Firth's modified score and the information of the penalized fit, ``X' W (1 + h) X``."""
    p = 1 / (1 + np.exp(-X @ params))
    weights = p * (1 - p)
    root = X * np.sqrt(weights)[:, None]
    hat = np.einsum("ij,ij->i", root @ np.linalg.inv(root.T @ root), root)
    score = X.T @ (y - p + hat * (0.5 - p))
    return score, X.T @ (X * (weights * (1 + hat))[:, None])


def _newton(X: np.ndarray, y: np.ndarray, start: np.ndarray, free: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """Maximize the penalized likelihood over the ``free`` coefficients, the rest held fixed."""
    params = start.copy()
    current = penalized_loglike(params, X, y)
    for iteration in range(1, _MAX_ITER + 1):
        score, information = _penalized_score(params, X, y)
        step = np.zeros_like(params)
        step[free] = np.linalg.solve(information[np.ix_(free, free)], score[free])
        largest = np.max(np.abs(step))
        if largest > _MAX_STEP:
            step *= _MAX_STEP / largest
        for _ in range(30):  # step halving keeps every iteration an improvement
            candidate = penalized_loglike(params + step, X, y)
            if candidate >= current - 1e-12:
                break
            step /= 2
        params, previous, current = params + step, current, candidate
        if np.max(np.abs(step)) < _TOLERANCE or abs(current - previous) < _TOLERANCE ** 1.5:
            return params, iteration, True
    return params, _MAX_ITER, False


def _profile(X, y, estimate, best, term, value) -> float:
    """Twice the drop of the penalized likelihood when coefficient ``term`` is held at ``value``."""
    free = np.ones(X.shape[1], dtype=bool)
    free[term] = False
    start = estimate.copy()
    start[term] = value
    fitted, _, _ = _newton(X, y, start, free)
    return 2 * (best - penalized_loglike(fitted, X, y))


def _profile_bound(X, y, estimate, best, term, se, critical, direction) -> float:
    def excess(value):
        return _profile(X, y, estimate, best, term, value) - critical

    width = max(se, 1e-3)
    for _ in range(40):
        far = estimate[term] + direction * width
        if excess(far) > 0:
            low, high = sorted((estimate[term], far))
            return float(optimize.brentq(excess, low, high, xtol=1e-8))
        width *= 2
    return float(direction * np.inf)


def fit_firth(y: pd.DataFrame | pd.Series, X: pd.DataFrame, *, level: float = 0.95) -> FirthResult:
    """Fit Firth's penalized logit and its profile intervals and likelihood-ratio tests.

    Parameters
    ----------
    y : Series or one-column DataFrame
        0/1 outcome.
    X : DataFrame
        Design matrix with named columns (with the intercept column, if any).
    level : float, default 0.95
        Level of the profile intervals.

    Returns
    -------
    FirthResult

    Raises
    ------
    DataError
        When the outcome is not 0/1 or the design is rank deficient.
    """
    import statsmodels.api as sm

    endog = np.asarray(y, dtype=float).reshape(-1)
    exog = X.to_numpy(dtype=float)
    if not np.isin(endog, (0.0, 1.0)).all():
        raise DataError("Firth logit needs a 0/1 outcome; recode the outcome to 0 and 1.")
    if np.linalg.matrix_rank(exog) < exog.shape[1]:
        raise DataError(f"Firth logit: the design's {exog.shape[1]} columns are linearly dependent "
                        "(a predictor without variation or a duplicated term); simplify the formula.")
    names = list(X.columns)
    free = np.ones(exog.shape[1], dtype=bool)
    estimate, iterations, converged = _newton(exog, endog, np.zeros(exog.shape[1]), free)
    best = penalized_loglike(estimate, exog, endog)
    cov = np.linalg.inv(_penalized_score(estimate, exog, endog)[1])
    se = np.sqrt(np.diag(cov))
    critical = float(stats.chi2.ppf(level, 1))
    rows = []
    for term in range(len(names)):
        rows.append({
            "conf_low": _profile_bound(exog, endog, estimate, best, term, se[term], critical, -1),
            "conf_high": _profile_bound(exog, endog, estimate, best, term, se[term], critical, 1),
            "lr_statistic": _profile(exog, endog, estimate, best, term, 0.0),
        })
    return FirthResult(
        params=pd.Series(estimate, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        profile=pd.DataFrame(rows, index=names),
        penalized_llf=best, model=sm.Logit(endog, X), level=level,
        iterations=iterations, converged=converged,
    )

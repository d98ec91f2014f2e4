"""Bootstrap intervals that keep the design: the wild bootstrap for linear models, pairs elsewhere.

**Linear models (family ols): restricted wild bootstrap-t, intervals by test inversion.**
The design matrix is never resampled, so no replicate can lose a rare factor level and every
replicate drawn is used (a pairs bootstrap drops the resamples where a level of two
organizations vanishes, and its intervals then under-cover exactly for those dummies).
For each coefficient ``j`` and a null value ``b``, the null is imposed: ``r(b)`` are the
residuals of ``y - b x_j`` on the other columns, and a replicate is
``y* = X_{-j} beta_{-j}(b) + b x_j + r(b) * v`` with weights ``v`` of mean 0 and variance 1
(Rademacher ``+-1``; Webb's six points ``+-sqrt(1/2), +-1, +-sqrt(3/2)`` when there are
fewer than 13 rows or clusters, where Rademacher weights have few distinct draws). Its
statistic is ``t*(b) = (beta*_j - b) / se*_j`` with the small-sample standard error linear
models default to, whatever the spec's ``cov_type`` (HC2, or CR2 when the spec names a
``cluster`` column: the *wild cluster* bootstrap, one weight per cluster, Cameron, Gelbach
and Miller 2008). The bootstrap p-value of ``b`` is the share of replicates with
``|t*(b)| >= |t(b)|``; the interval is the values ``b`` the test does not reject at
``1 - level`` (test inversion, as Stata's ``boottest`` and Roodman et al. 2019 do), each end
found by stepping out from the estimate until the test rejects, then bisecting. Because ``r(b)`` is linear in
``b``, each replicate's numerator is linear and its variance quadratic in ``b``, so one set
of weights serves every null value at almost no cost. ``boot_p_value`` is the test of
``b = 0``; ``boot_std_error`` is the standard deviation of the replicates at the estimate
(where the restricted residuals are the model's own). For the dummy of a level held by
very few organizations the wild bootstrap errs on the wide side (MacKinnon and Webb 2017).

The PyPI package ``wildboottest`` was considered first: its last release dates from 2024,
it pulls in numba, and it tests one hypothesis without giving intervals, so the bootstrap is
written here with numpy and checked in the tests against refitting every replicate with
statsmodels and :mod:`ipo_research.models.sandwich`, and by the coverage of a planted slope.

**Other families: pairs bootstrap, percentile intervals.** Whole respondents are resampled
with replacement and the model refitted; a replicate whose design is rank-deficient (a
category absent from the resample) or whose fit fails is not used and is counted.

The table says per model which method was used (``boot_method``: ``wild_t``,
``wild_cluster_t`` or ``pairs_percentile``), with which weights, and how many replicates were
used out of how many drawn. Every draw comes from ``numpy.random.default_rng(seed)``: the
same seed gives the same table.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ipo_research.exceptions import DataError
from ipo_research.models.fit import design_matrices, fit_design, reported_parameters
from ipo_research.models.sandwich import cr2_weights
from ipo_research.models.specs import ModelSpec

__all__ = ["BOOTSTRAP_COLUMNS", "resample_indices", "bootstrap_draws", "percentile_intervals",
           "wild_weights", "wild_bootstrap_t", "bootstrap_model"]

BOOTSTRAP_COLUMNS = ["model", "term", "boot_method", "boot_weights", "boot_std_error",
                     "boot_conf_low", "boot_conf_high", "boot_p_value", "replicates_used", "replicates"]
_WEBB_BELOW = 13  # fewer rows or clusters than this: Webb's six-point weights
_WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_BISECTIONS = 60


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


def wild_weights(n_units: int, *, replicates: int, seed: int, kind: str = "auto") -> tuple[np.ndarray, str]:
    """Wild-bootstrap weights, one per unit (row or cluster) and replicate.

    Parameters
    ----------
    n_units : int
        Rows, or clusters for the wild cluster bootstrap.
    replicates : int
    seed : int
    kind : {"auto", "rademacher", "webb"}, default "auto"
        ``auto`` is Webb's six-point weights below 13 units, Rademacher otherwise.

    Returns
    -------
    weights : ndarray, shape (replicates, n_units)
        Mean 0, variance 1.
    kind : str
        The weights used.

    Examples
    --------
    >>> v, kind = wild_weights(20, replicates=4, seed=1)
    >>> kind, sorted(set(v.ravel().tolist()))
    ('rademacher', [-1.0, 1.0])
    """
    if kind == "auto":
        kind = "webb" if n_units < _WEBB_BELOW else "rademacher"
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(replicates, n_units)), kind
    if kind == "webb":
        return rng.choice(_WEBB_POINTS, size=(replicates, n_units)), kind
    raise DataError(f"wild bootstrap weights {kind!r} are unknown; use auto, rademacher or webb.")


def wild_bootstrap_t(y, X, *, replicates: int, seed: int, clusters=None, level: float = 0.95,
                     weights: str = "auto") -> pd.DataFrame:
    """Restricted wild (cluster) bootstrap-t p-values and test-inversion intervals of OLS.

    Parameters
    ----------
    y : array-like, shape (n,) or (n, 1)
    X : DataFrame or array, shape (n, k)
        Full-rank design matrix; DataFrame column names become the terms.
    replicates : int
    seed : int
    clusters : array-like, shape (n,), optional
        Cluster labels: one weight per cluster and CR2 standard errors (otherwise HC2).
    level : float, default 0.95
    weights : {"auto", "rademacher", "webb"}, default "auto"

    Returns
    -------
    DataFrame
        ``term, boot_method, boot_weights, boot_std_error, boot_conf_low, boot_conf_high,
        boot_p_value, replicates_used, replicates``; every replicate is used.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"Intercept": 1.0, "x": rng.normal(size=30)})
    >>> y = 1 + 0.5 * X["x"] + rng.normal(size=30)
    >>> table = wild_bootstrap_t(y, X, replicates=199, seed=1).set_index("term")
    >>> bool(table.loc["x", "boot_conf_low"] < table.loc["x", "boot_conf_high"])
    True
    """
    terms = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else [f"x{j}" for j in range(np.shape(X)[1])]
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    codes, units = pd.factorize(np.arange(len(y)) if clusters is None else np.asarray(clusters))
    draws, kind = wild_weights(len(units), replicates=replicates, seed=seed, kind=weights)
    V = draws[:, codes]  # one weight per cluster (per row without clusters), shared by its rows
    bread = np.linalg.pinv(X.T @ X)
    XB = X @ bread  # column j maps y to beta_j
    estimates = XB.T @ y
    residuals = y - X @ estimates
    scores = _score_maker(X, XB, bread, clusters)
    rows = []
    for j, term in enumerate(terms):
        inverted = _InvertedTest(X, y, j, V, XB, scores, estimate=estimates[j],
                                 std_error=float(np.linalg.norm(scores(residuals[None, :], j))))
        low, high = inverted.interval(level)
        rows.append({"term": term, "boot_std_error": inverted.replicate_sd(),
                     "boot_conf_low": low, "boot_conf_high": high, "boot_p_value": inverted.p_value(0.0)})
    method = "wild_t" if clusters is None else "wild_cluster_t"
    return pd.DataFrame(rows).assign(boot_method=method, boot_weights=kind, replicates_used=replicates,
                                     replicates=replicates)[BOOTSTRAP_COLUMNS[1:]]


def _score_maker(X: np.ndarray, XB: np.ndarray, bread: np.ndarray, clusters):
    """``scores(E, j)``: each row of errors ``E`` (replicates by rows) mapped to the bias-reduced
    scores of ``beta_j`` of its OLS residuals, whose sum of squares is the HC2 (per row) or
    CR2 (per cluster) variance of ``beta_j``; never an n-by-n matrix."""
    def residualize(E):
        return E - (E @ X) @ XB.T

    if clusters is None:
        room = 1.0 - np.einsum("ij,ij->i", XB, X)
        scale = np.where(room > 1e-10, 1.0 / np.sqrt(np.clip(room, 1e-10, None)), 0.0)
        return lambda E, j: residualize(E) * (XB[:, j] * scale)
    U, _ = cr2_weights(X, clusters)
    return lambda E, j: residualize(E) @ U[:, :, j]


class _InvertedTest:
    """The restricted wild bootstrap test of ``beta_j = b`` for every ``b`` at once."""

    def __init__(self, X, y, j, V, XB, scores, *, estimate, std_error):
        others = np.delete(X, j, axis=1)
        # Restricted residuals r(b) = M_{-j} (y - b x_j) = a - b c.
        a = y - others @ np.linalg.lstsq(others, y, rcond=None)[0]
        c = X[:, j] - others @ np.linalg.lstsq(others, X[:, j], rcond=None)[0]
        self.estimate, self.se = estimate, std_error
        Va, Vc = V * a, V * c
        # Numerator beta*_j - b = n_a - b n_c; variance p - 2 b q + b^2 s.
        self.n_a, self.n_c = Va @ XB[:, j], Vc @ XB[:, j]
        Sa, Sc = scores(Va, j), scores(Vc, j)
        self.p, self.q, self.s = (Sa ** 2).sum(1), (Sa * Sc).sum(1), (Sc ** 2).sum(1)

    def p_value(self, b: float) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = (self.n_a - b * self.n_c) / np.sqrt(np.clip(self.p - 2 * b * self.q + b * b * self.s, 0, None))
        observed = abs(self.estimate - b) / self.se
        return float(np.mean(np.abs(t_star) >= observed * (1 - 1e-12)))

    def replicate_sd(self) -> float:
        return float(np.std(self.n_a - self.estimate * self.n_c, ddof=1))

    def interval(self, level: float) -> tuple[float, float]:
        return self._bound(-1.0, 1 - level), self._bound(1.0, 1 - level)

    def _bound(self, direction: float, alpha: float) -> float:
        inside, step = self.estimate, direction * max(self.se, 1e-12)
        outside = inside + step
        for _ in range(_BISECTIONS):
            if self.p_value(outside) <= alpha:
                break
            inside, step = outside, 2 * step
            outside = inside + step
        else:
            return direction * np.inf
        for _ in range(_BISECTIONS):
            middle = (inside + outside) / 2
            if self.p_value(middle) > alpha:
                inside = middle
            else:
                outside = middle
        return float((inside + outside) / 2)


def bootstrap_model(data: pd.DataFrame, spec: ModelSpec, *, seed: int,
                    level: float = 0.95) -> pd.DataFrame:
    """Bootstrap intervals of a spec on its complete rows (wild for ols, pairs otherwise).

    Parameters
    ----------
    data : DataFrame
        The complete rows the model was fitted on (``ModelFit.data``), with the cluster column
        when the spec names one.
    spec : ModelSpec
        ``spec.bootstrap`` replicates are drawn.
    seed : int
    level : float, default 0.95

    Returns
    -------
    DataFrame
        :data:`BOOTSTRAP_COLUMNS` for each term (``boot_p_value`` and ``boot_weights`` are
        empty for the pairs bootstrap).
    """
    y, X = design_matrices(data, spec)
    if spec.family == "ols":
        clusters = data[spec.cluster].astype(str).to_numpy() if spec.cluster else None
        table = wild_bootstrap_t(y, X, replicates=spec.bootstrap, seed=seed, clusters=clusters, level=level)
    else:
        draws = bootstrap_draws(y, X, family=spec.family, replicates=spec.bootstrap, seed=seed)
        table = percentile_intervals(draws, level=level).assign(
            boot_method="pairs_percentile", boot_weights="", boot_p_value=np.nan, replicates=spec.bootstrap)
    return table.assign(model=spec.id)[BOOTSTRAP_COLUMNS]

"""HC2 and CR2 with Bell-McCaffrey degrees of freedom, checked against independent results."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ipo_research.models.fit import fit_complete_case
from ipo_research.models.sandwich import cr2_bell_mccaffrey, hc2_bell_mccaffrey
from ipo_research.models.specs import ModelSpec


def _design(n=40, seed=11):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, size=n)])
    y = X @ np.array([1.0, 0.5, -0.3]) + rng.normal(size=n) * (1 + np.abs(X[:, 1]))
    return X, y


def test_hc2_covariance_equals_statsmodels_hc2():
    X, y = _design()
    result = sm.OLS(y, X).fit(cov_type="HC2")
    cov, _ = hc2_bell_mccaffrey(X, np.asarray(sm.OLS(y, X).fit().resid))
    assert cov == pytest.approx(np.asarray(result.cov_params()), rel=1e-10)


def test_bell_mccaffrey_df_of_a_two_group_difference_is_welch_satterthwaite_under_equal_variances():
    # For a difference of two group means, HC2 is the unpooled (Welch) variance and the
    # Bell-McCaffrey df with homoskedastic weights is Welch's df with equal variances:
    # (1/n1 + 1/n2)^2 / (1/(n1^2 (n1-1)) + 1/(n2^2 (n2-1))) (Imbens & Kolesar 2016, section 3).
    n1, n2 = 4, 30
    X = np.column_stack([np.ones(n1 + n2), np.r_[np.ones(n1), np.zeros(n2)]])
    residuals = np.random.default_rng(1).normal(size=n1 + n2)
    _, df = hc2_bell_mccaffrey(X, residuals)
    welch = (1 / n1 + 1 / n2) ** 2 / (1 / (n1 ** 2 * (n1 - 1)) + 1 / (n2 ** 2 * (n2 - 1)))
    assert df[1] == pytest.approx(welch)
    assert df[1] < 4  # close to n1 - 1 = 3, far from the residual df of 32


def test_cr2_with_one_row_per_cluster_equals_hc2():
    X, y = _design()
    residuals = np.asarray(sm.OLS(y, X).fit().resid)
    hc2_cov, hc2_df = hc2_bell_mccaffrey(X, residuals)
    cr2_cov, cr2_df = cr2_bell_mccaffrey(X, residuals, np.arange(len(y)))
    assert cr2_cov == pytest.approx(hc2_cov, rel=1e-9)
    assert cr2_df == pytest.approx(hc2_df, rel=1e-9)


def test_cr2_is_unbiased_for_the_true_covariance_under_homoskedastic_errors():
    # CR2's defining property (Bell & McCaffrey 2002): E[V_CR2] = sigma^2 (X'X)^-1 for
    # independent homoskedastic errors. Checked exactly: E[e e'] = sigma^2 M.
    X, _ = _design(n=30)
    clusters = np.repeat(np.arange(10), 3)
    bread = np.linalg.inv(X.T @ X)
    M = np.eye(len(X)) - X @ bread @ X.T
    # V is quadratic in e: average it over e = M z for every basis vector z (E[zz'] = I).
    expected = np.zeros((3, 3))
    for i in range(len(X)):
        e = M[:, i]
        expected += cr2_bell_mccaffrey(X, e, clusters)[0]
    assert expected == pytest.approx(bread, rel=1e-8)


def test_fit_reports_hc2_intervals_with_bell_mccaffrey_df():
    X, y = _design()
    data = pd.DataFrame({"y": y, "x": X[:, 1], "d": X[:, 2]})
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + d", cov_type="HC2")
    table = fit_complete_case(data, spec).coefficients.set_index("term")
    cov, df = hc2_bell_mccaffrey(X, np.asarray(sm.OLS(y, X).fit().resid))
    from scipy import stats
    half = stats.t.ppf(0.975, df[1]) * np.sqrt(cov[1, 1])
    assert table.loc["x", "df"] == pytest.approx(df[1])
    assert table.loc["x", "conf_high"] - table.loc["x", "estimate"] == pytest.approx(half)
    assert table.loc["x", "df"] < len(y) - 3


def _textbook_cr2(X, residuals, clusters):
    # The definitions with the n-by-n hat matrix and an eigendecomposition of every cluster's
    # block, as the formulas read; the module computes the same without either.
    bread = np.linalg.pinv(X.T @ X)
    hat = X @ bread @ X.T
    annihilator = np.eye(len(X)) - hat
    groups = [np.flatnonzero(clusters == label) for label in np.unique(clusters)]
    U = np.zeros((len(X), len(groups), X.shape[1]))
    for g, rows in enumerate(groups):
        values, vectors = np.linalg.eigh(np.eye(len(rows)) - hat[np.ix_(rows, rows)])
        inverse = np.where(values > 1e-10, 1 / np.sqrt(np.clip(values, 1e-10, None)), 0.0)
        U[rows, g, :] = (vectors * inverse) @ vectors.T @ X[rows] @ bread
    scores = np.einsum("ngk,n->gk", U, residuals)
    df = []
    for j in range(X.shape[1]):
        K = U[:, :, j].T @ annihilator @ U[:, :, j]
        df.append(np.trace(K) ** 2 / np.sum(K * K.T))
    return scores.T @ scores, np.array(df)


def test_cr2_equals_the_textbook_formulas_even_with_a_row_of_leverage_one_in_a_cluster():
    X, y = _design(n=50, seed=5)
    X = np.column_stack([X, np.zeros(len(X))])
    X[7, 3] = 1.0  # a dummy held by one row: leverage 1, so A_g needs the pseudo-inverse
    residuals = np.asarray(sm.OLS(y, X).fit().resid)
    clusters = np.repeat(np.arange(10), 5)
    cov, df = cr2_bell_mccaffrey(X, residuals, clusters)
    expected_cov, expected_df = _textbook_cr2(X, residuals, clusters)
    np.testing.assert_allclose(cov, expected_cov, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(df, expected_df, rtol=1e-9)


def test_hc2_df_equal_the_textbook_formula_with_the_hat_matrix():
    X, y = _design(n=30, seed=3)
    residuals = np.asarray(sm.OLS(y, X).fit().resid)
    _, df = hc2_bell_mccaffrey(X, residuals)
    bread = np.linalg.pinv(X.T @ X)
    hat = X @ bread @ X.T
    weights = (X @ bread) / np.sqrt(1 - np.diag(hat))[:, None]
    expected = []
    for j in range(X.shape[1]):
        K = np.diag(weights[:, j]) @ (np.eye(len(X)) - hat) @ np.diag(weights[:, j])
        expected.append(np.trace(K) ** 2 / np.trace(K @ K))
    np.testing.assert_allclose(df, expected, rtol=1e-9)

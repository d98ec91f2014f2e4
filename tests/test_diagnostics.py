"""Diagnostics: VIF, residuals, Cook's distance by id, small-sample message."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.models.diagnostics import (influential_observations, residuals_table, sample_size_message,
                                      variance_inflation)
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import fit_complete_case


@pytest.fixture(scope="module")
def fit():
    rng = np.random.default_rng(3)
    n = 25
    x = rng.normal(size=n)
    z = 0.8 * x + rng.normal(scale=0.5, size=n)
    y = 1 + x - z + rng.normal(size=n)
    y[4] += 6  # one clearly influential organization
    data = pd.DataFrame({"x": x, "z": z, "y": y}, index=pd.Index([f"org{i:02d}" for i in range(n)], name="org_id"))
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + z", cov_type="HC3")
    return fit_complete_case(data, spec)


def test_vif_is_one_over_one_minus_r_squared_of_each_predictor_on_the_others(fit):
    table = variance_inflation(fit).set_index("term")
    x, z = fit.data["x"].to_numpy(), fit.data["z"].to_numpy()
    design = np.column_stack([np.ones_like(z), z])
    fitted = design @ np.linalg.lstsq(design, x, rcond=None)[0]
    r_squared = 1 - ((x - fitted) ** 2).sum() / ((x - x.mean()) ** 2).sum()
    assert list(table.index) == ["x", "z"]
    assert table.loc["x", "vif"] == pytest.approx(1 / (1 - r_squared))
    assert table.loc["z", "vif"] == pytest.approx(1 / (1 - r_squared))  # two predictors: same R²


def test_residuals_are_listed_by_id_and_add_up_to_the_outcome(fit):
    table = residuals_table(fit, key="org_id")
    assert table["org_id"].tolist() == fit.data.index.tolist()
    assert (table["fitted"] + table["residual"]).to_numpy() == pytest.approx(fit.data["y"].to_numpy())


def test_cooks_distance_matches_its_formula_and_ranks_the_planted_outlier_first(fit):
    table = influential_observations(fit, key="org_id", top=3)
    X = np.column_stack([np.ones(25), fit.data["x"], fit.data["z"]])
    hat = np.diag(X @ np.linalg.inv(X.T @ X) @ X.T)
    residual = fit.result.resid.to_numpy()
    scale = (residual**2).sum() / (25 - 3)
    cooks = residual**2 / (3 * scale) * hat / (1 - hat) ** 2
    assert table.loc[0, "org_id"] == "org04"
    assert table.loc[0, "cooks_distance"] == pytest.approx(cooks[4])
    assert table["cooks_distance"].tolist() == pytest.approx(sorted(cooks, reverse=True)[:3])
    assert bool(table.loc[0, "above_4_over_n"]) is bool(cooks[4] > 4 / 25)


def test_sample_size_message_only_when_below_ten_per_parameter():
    fine = {"model": "m", "n_obs": 80, "n_params": 5, "obs_per_parameter": 16.0, "small_sample_warning": False}
    thin = {"model": "m", "n_obs": 54, "n_params": 16, "obs_per_parameter": 3.375, "small_sample_warning": True}
    assert sample_size_message(fine) is None
    assert sample_size_message(thin).startswith(
        "Model m: 54 observations for 16 parameters (3.4 observations per parameter, below the rule of thumb of 10)")

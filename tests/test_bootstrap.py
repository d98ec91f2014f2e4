"""Pairs bootstrap: seeded resamples, refits, percentile intervals."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from ipo_research.models.bootstrap import (bootstrap_draws, bootstrap_model, percentile_intervals,
                                    resample_indices)
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import design_matrices


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 1 + 0.5 * x + rng.normal(size=n)})


def _spec(replicates=50, formula="y ~ x"):
    return ModelSpec(id="m", title="M", family="ols", formula=formula, cov_type="HC3", bootstrap=replicates)


def test_resamples_are_the_same_under_a_seed_and_differ_under_another():
    first = resample_indices(10, replicates=5, seed=3)
    assert np.array_equal(first, resample_indices(10, replicates=5, seed=3))
    assert not np.array_equal(first, resample_indices(10, replicates=5, seed=4))
    assert first.min() >= 0 and first.max() <= 9


def test_each_replicate_is_the_fit_on_its_resampled_rows():
    data = _data()
    y, X = design_matrices(data, _spec())
    draws = bootstrap_draws(y, X, family="ols", replicates=3, seed=7)
    rows = resample_indices(len(data), replicates=3, seed=7)[1]
    direct = sm.OLS(y.iloc[rows, 0], X.iloc[rows]).fit().params
    assert draws.iloc[1].to_numpy() == pytest.approx(direct.to_numpy())


def test_percentile_bounds_equal_numpy_percentiles_of_the_same_draws():
    draws = pd.DataFrame({"x": np.random.default_rng(1).normal(size=200)})
    table = percentile_intervals(draws, level=0.90).set_index("term")
    assert table.loc["x", "boot_conf_low"] == pytest.approx(np.percentile(draws["x"], 5))
    assert table.loc["x", "boot_conf_high"] == pytest.approx(np.percentile(draws["x"], 95))
    assert table.loc["x", "boot_std_error"] == pytest.approx(draws["x"].std(ddof=1))


def test_failed_replicates_are_left_out_and_counted():
    draws = pd.DataFrame({"x": [1.0, np.nan, 3.0, 2.0]})
    table = percentile_intervals(draws, level=0.5)
    assert table.loc[0, "replicates_used"] == 3
    assert table.loc[0, "boot_conf_low"] == pytest.approx(np.percentile([1.0, 3.0, 2.0], 25))


def test_a_resample_missing_a_rare_category_is_not_used():
    data = _data(n=30)
    data["rare"] = pd.Categorical(["yes"] + ["no"] * 29, categories=["no", "yes"])
    table = bootstrap_model(data, _spec(replicates=60, formula="y ~ x + C(rare)"), seed=2)
    # P(the single "yes" row is drawn) = 1 - (29/30)^30, about 0.64: some replicates must fail.
    used = table["replicates_used"].iloc[0]
    assert 0 < used < 60
    assert table["replicates"].iloc[0] == 60


def test_bootstrap_model_is_byte_identical_under_the_same_seed():
    data = _data()
    first = bootstrap_model(data, _spec(), seed=11)
    assert first.equals(bootstrap_model(data, _spec(), seed=11))
    assert not first.equals(bootstrap_model(data, _spec(), seed=12))


def test_bootstrap_interval_covers_the_slope_on_a_clean_sample():
    table = bootstrap_model(_data(n=200, seed=4), _spec(replicates=200), seed=5).set_index("term")
    assert table.loc["x", "boot_conf_low"] < 0.5 < table.loc["x", "boot_conf_high"]

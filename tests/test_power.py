"""Power: minimum detectable effects and the simulation check."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.models.fit import fit_complete_case
from ipo_research.models.specs import ModelSpec
from ipo_research.robustness.power import mde_multiplier, power_table, simulated_power

SPEC = ModelSpec(id="toy", title="Toy", family="ols", formula="y ~ x + z", cov_type="nonrobust")


def _draw(effect, n=75):
    def draw(seed):
        rng = np.random.default_rng(seed)
        x, z = rng.normal(size=n), rng.normal(size=n)
        return pd.DataFrame({"y": effect * x + 0.3 * z + rng.normal(size=n), "x": x, "z": z})
    return draw


def test_multiplier_is_the_sum_of_the_two_quantiles():
    assert mde_multiplier(None) == pytest.approx(1.959964 + 0.841621, abs=1e-6)
    assert mde_multiplier(72) == pytest.approx(stats.t.ppf(0.975, 72) + stats.t.ppf(0.8, 72))


def test_an_effect_the_size_of_the_mde_has_80_percent_power_by_the_noncentral_t():
    # Exact power of the two-sided t-test at a true effect of one MDE (noncentrality = multiplier).
    for df in (20, 72, 500):
        m = mde_multiplier(df)
        critical = stats.t.ppf(0.975, df)
        exact = stats.nct.sf(critical, df, m) + stats.nct.cdf(-critical, df, m)
        assert exact == pytest.approx(0.8, abs=0.005)


def test_power_table_gives_mde_in_units_and_as_partial_r2():
    fit = fit_complete_case(_draw(0.3)(1), SPEC)
    table = power_table([fit]).set_index("term")
    assert list(table.index) == ["x", "z"]
    row = table.loc["x"]
    se = fit.result.bse["x"]
    m = mde_multiplier(72)
    assert row["df_resid"] == 72 and row["n_obs"] == 75
    assert row["mde"] == pytest.approx(m * se)
    assert row["mde_partial_r2"] == pytest.approx(m ** 2 / (m ** 2 + 72))
    assert row["estimate_over_mde"] == pytest.approx(abs(fit.result.params["x"]) / (m * se))


@pytest.mark.slow  # hundreds of simulated fits: about a minute, run by CI
def test_simulation_rejects_at_the_nominal_rate_without_an_effect_and_always_with_a_big_one():
    null = simulated_power(_draw(0.0), SPEC, "x", replicates=100, seed=3)
    assert null["power_low"] <= 0.05 <= null["power_high"]
    strong = simulated_power(_draw(1.0), SPEC, "x", replicates=20, seed=3)
    assert strong["power"] == 1.0 and strong["n_obs"] == 75


@pytest.mark.slow
def test_simulated_power_at_the_mde_is_near_80_percent():
    # residual sd 1, x standard normal, n 75: SE about 1/sqrt(75)
    effect = mde_multiplier(72) / np.sqrt(75)
    result = simulated_power(_draw(effect), SPEC, "x", replicates=300, seed=11)
    assert result["power_low"] <= 0.8 <= result["power_high"]

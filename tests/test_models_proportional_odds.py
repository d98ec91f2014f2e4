"""Brant's proportional-odds test (ipo_research.models.proportional_odds)."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.exceptions import DataError
from ipo_research.models.fit import fit_complete_case
from ipo_research.models.proportional_odds import (OMNIBUS, PROPORTIONAL_ODDS_COLUMNS, _binary_fits,
                                                    brant_test, proportional_odds_table)
from ipo_research.models.specs import ModelSpec

CUTS = [-1.0, 0.0, 1.2]


def _ordinal(n, seed, proportional=True):
    """Four ordered levels from a latent logistic model (proportional odds), or, when not
    ``proportional``, x1 deciding only whether y leaves the lowest level."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    latent = 0.8 * x[:, 0] - 0.5 * x[:, 1] + rng.logistic(size=n)
    y = np.digitize(latent, CUTS)
    if not proportional:
        above = 1.5 * x[:, 0] - 0.5 * x[:, 1] + rng.logistic(size=n) > -0.5
        y = np.where(above, 1 + np.digitize(-0.5 * x[:, 1] + rng.logistic(size=n), [0.0, 1.2]), 0)
    return y, x


def test_degrees_of_freedom_are_thresholds_less_one_times_predictors():
    y, x = _ordinal(300, 1)
    table = brant_test(y, x, ["x1", "x2"])
    assert table["term"].tolist() == [OMNIBUS, "x1", "x2"]
    assert table["df"].tolist() == [4, 2, 2]


def test_the_brant_covariance_matches_the_spread_of_slopes_over_simulated_surveys():
    # Under proportional odds the statistic is chi-square(df): over many simulated surveys its
    # mean is near df, which holds only if the cross-threshold covariance blocks are right.
    statistics = [brant_test(*_ordinal(400, seed), ["x1", "x2"]).loc[0, "chi2"] for seed in range(150)]
    assert np.mean(statistics) == pytest.approx(4, abs=0.6)
    assert np.mean(np.array(statistics) > 9.488) < 0.1  # chi2(4) 95% point


def test_the_block_of_two_thresholds_matches_the_simulated_covariance_of_their_slopes():
    draws = []
    for seed in range(200):
        y, x = _ordinal(400, 1000 + seed)
        params, _ = _binary_fits(y, np.column_stack([np.ones(len(y)), x]))
        draws.append([params[0][1], params[2][1]])
    empirical = np.corrcoef(np.array(draws).T)[0, 1]
    y, x = _ordinal(80000, 99)  # the formula's correlation at the same design, large n
    design = np.column_stack([np.ones(len(y)), x])
    _, fitted = _binary_fits(y, design)
    inverse = [np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None])) for p in fitted]
    block = inverse[0] @ design.T @ (design * (fitted[2] - fitted[0] * fitted[2])[:, None]) @ inverse[2]
    implied = block[1, 1] / np.sqrt(inverse[0][1, 1] * inverse[2][1, 1])
    assert empirical == pytest.approx(implied, abs=0.12)


def test_a_planted_departure_from_proportional_odds_is_found_for_that_predictor():
    y, x = _ordinal(800, 4, proportional=False)
    table = brant_test(y, x, ["x1", "x2"]).set_index("term")
    assert table.loc["x1", "p_value"] < 0.001
    assert table.loc[OMNIBUS, "p_value"] < 0.001
    assert table.loc["x2", "p_value"] > 0.01  # x2 acts alike at every threshold


def test_two_level_outcome_is_refused():
    with pytest.raises(DataError, match="three or more levels"):
        brant_test(np.array([0, 1, 0, 1]), np.ones((4, 1)), ["x"])


def test_ordinal_fit_gets_its_table_and_other_families_none():
    y, x = _ordinal(200, 5)
    data = pd.DataFrame({"y": y.astype(float), "x1": x[:, 0], "x2": x[:, 1]})
    fit = fit_complete_case(data, ModelSpec(id="o", title="O", family="ordinal_logit",
                                            formula="y ~ x1 + x2", cov_type="nonrobust"))
    table = proportional_odds_table(fit)
    assert table.columns.tolist() == PROPORTIONAL_ODDS_COLUMNS
    assert table["term"].tolist() == [OMNIBUS, "x1", "x2"]
    assert table.loc[0, "chi2"] == pytest.approx(brant_test(y, x, ["x1", "x2"]).loc[0, "chi2"])
    linear = fit_complete_case(data, ModelSpec(id="l", title="L", family="ols", formula="x1 ~ x2",
                                               cov_type="HC2"))
    assert proportional_odds_table(linear).empty

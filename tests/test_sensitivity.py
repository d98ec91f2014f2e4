"""Sensitivity to an unmeasured confounder: sensemakr's darfur example through the package.

The reference numbers are R sensemakr's published output for the darfur example (Cinelli &
Hazlett 2020, section 5); the data ship inside the PySensemakr wheel.
"""

import importlib.resources

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from ipo_research.exceptions import IpoResearchError
from ipo_research.robustness.sensitivity import (partial_r2, robustness_value, sensitivity_sentence,
                                                 sensitivity_table)

DARFUR_FORMULA = ("peacefactor ~ directlyharmed + age + farmer_dar + herder_dar + pastvoted"
                  " + hhsize_darfur + female + village")


@pytest.fixture(scope="module")
def darfur_fit():
    data = pd.read_csv(importlib.resources.files("sensemakr") / "data" / "darfur.csv")
    assert len(data) == 1276
    return smf.ols(DARFUR_FORMULA, data).fit()


@pytest.fixture(scope="module")
def darfur_table(darfur_fit):
    return sensitivity_table(darfur_fit, "directlyharmed", "female", model="darfur")


def test_darfur_statistics_match_sensemakr_to_1e6(darfur_table):
    row = darfur_table.iloc[0]
    expected = {"estimate": 0.09731582, "std_error": 0.02325654, "t_value": 4.18445, "dof": 783,
                "partial_r2": 0.02187309, "rv_q1": 0.1387764, "rv_q1_alpha05": 0.07625797}
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, abs=1e-6), column


def test_darfur_bounds_for_one_to_three_times_female_match_sensemakr_to_1e6(darfur_table):
    assert darfur_table["k"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(darfur_table["adjusted_estimate"], [0.075220, 0.052915, 0.030396], atol=1e-6)
    np.testing.assert_allclose(darfur_table["adjusted_std_error"], [0.021873, 0.020350, 0.018670], atol=1e-6)


def test_robustness_value_edge_cases():
    # t = 0: nothing to explain away
    assert robustness_value(0.0, 100) == 0.0
    # not significant: RV at alpha is 0
    assert robustness_value(1.0, 100, alpha=0.05) == 0.0
    # partial R2 is t^2 / (t^2 + dof)
    assert partial_r2(2.0, 96) == pytest.approx(0.04)


def test_a_term_that_is_not_in_the_model_is_a_clear_error(darfur_fit):
    with pytest.raises(IpoResearchError, match="'femal' is not a term"):
        sensitivity_table(darfur_fit, "directlyharmed", "femal")


def test_the_sentence_says_the_percentages_of_the_table(darfur_table):
    text = sensitivity_sentence(darfur_table)
    assert "13.9% of the residual variance" in text
    assert "7.6% of both" in text
    assert "3 times as strong as `female`" in text and "includes zero" in text

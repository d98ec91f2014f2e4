"""Multiple imputation: Rubin's rules by hand, seeded chains, pooled fits."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.models.imputation import fit_mice, impute_frames, rubin_pool
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import fit_complete_case


def test_rubin_pool_combines_within_and_between_variance_by_hand():
    pooled = rubin_pool(pd.DataFrame({"b": [1.0, 2.0, 3.0]}), pd.DataFrame({"b": [0.4, 0.5, 0.6]})).iloc[0]
    # W = 0.5, B = 1, T = W + (1 + 1/3) B = 11/6, lambda = (4/3) / (11/6) = 8/11,
    # df = (m - 1) / lambda^2 = 2 * 121/64 = 3.78125
    assert pooled["estimate"] == pytest.approx(2.0)
    assert pooled["within_variance"] == pytest.approx(0.5)
    assert pooled["between_variance"] == pytest.approx(1.0)
    assert pooled["total_variance"] == pytest.approx(11 / 6)
    assert pooled["std_error"] == pytest.approx(math.sqrt(11 / 6))
    assert pooled["df"] == pytest.approx(3.78125)
    half_width = stats.t.ppf(0.975, 3.78125) * math.sqrt(11 / 6)
    assert pooled["conf_low"] == pytest.approx(2.0 - half_width)


def test_rubin_pool_uses_barnard_rubin_df_with_a_complete_data_df():
    pooled = rubin_pool(pd.DataFrame({"b": [1.0, 2.0, 3.0]}), pd.DataFrame({"b": [0.5] * 3}),
                        df_complete=10).iloc[0]
    observed = 11 / 13 * 10 * (1 - 8 / 11)  # (v + 1) / (v + 3) * v * (1 - lambda)
    assert pooled["df"] == pytest.approx(1 / (1 / 3.78125 + 1 / observed))


def test_rubin_pool_fraction_of_missing_information_by_hand():
    pooled = rubin_pool(pd.DataFrame({"b": [1.0, 2.0, 3.0]}), pd.DataFrame({"b": [0.5] * 3})).iloc[0]
    r = (4 / 3) / 0.5  # relative increase in variance
    assert pooled["fmi"] == pytest.approx((r + 2 / (3.78125 + 3)) / (r + 1))


def _frame(seed=0, n=120):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["c", "a", "b"], ordered=True)
    frame = pd.DataFrame({"x": x, "z": x + rng.normal(scale=0.5, size=n), "g": group,
                          "flag": (rng.uniform(size=n) < 0.4).astype(float)})
    frame["y"] = 1 + 2 * frame["x"] + rng.normal(size=n)
    for column, share in (("x", 0.2), ("g", 0.1), ("flag", 0.1)):
        frame.loc[rng.uniform(size=n) < share, column] = np.nan
    return frame


def test_imputation_is_the_same_under_the_same_seed_and_differs_under_another():
    frame = _frame()
    first, again = impute_frames(frame, m=2, seed=9), impute_frames(frame, m=2, seed=9)
    other = impute_frames(frame, m=2, seed=10)
    assert all(a.equals(b) for a, b in zip(first, again))
    assert not first[0].equals(other[0])


def test_imputation_fills_every_gap_keeps_observed_values_and_draws_observed_values():
    frame = _frame()
    completed = impute_frames(frame, m=1, seed=1)[0]
    assert not completed.isna().any().any()
    observed = frame["x"].notna()
    assert completed.loc[observed, "x"].equals(frame.loc[observed, "x"])
    # Predictive mean matching: every imputed value is a value some respondent reported.
    assert set(completed.loc[~observed, "x"]) <= set(frame.loc[observed, "x"])
    assert set(completed["flag"]) <= {0.0, 1.0}
    assert completed["g"].dtype == frame["g"].dtype and completed["g"].notna().all()


def test_mice_without_missing_values_equals_the_complete_case_fit_with_no_between_variance():
    frame = _frame().dropna()
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + C(g)", cov_type="HC3",
                     missing="mice", imputations=3)
    pooled = fit_mice(frame, spec, seed=1).coefficients.set_index("term")
    complete = fit_complete_case(frame, spec).coefficients.set_index("term")
    assert pooled["estimate"].to_numpy() == pytest.approx(complete["estimate"].to_numpy())
    assert pooled["std_error"].to_numpy() == pytest.approx(complete["std_error"].to_numpy())


def test_mice_leaves_rows_without_the_outcome_out_of_the_fits():
    frame = _frame()
    frame.loc[frame.index[:5], "y"] = np.nan
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + z", cov_type="HC3",
                     missing="mice", imputations=3)
    statistics = fit_mice(frame, spec, seed=2).statistics
    assert (statistics["n_obs"], statistics["n_dropped"]) == (115, 5)


def test_mice_recovers_the_slope_of_a_fully_observed_relation():
    frame = _frame(seed=3, n=400)
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + flag + C(g)", cov_type="HC3",
                     missing="mice", imputations=5)
    row = fit_mice(frame, spec, seed=4).coefficients.set_index("term").loc["x"]
    assert row["conf_low"] < 2.0 < row["conf_high"]
    assert row["estimate"] == pytest.approx(2.0, abs=0.2)


def test_mice_pools_a_logit_fit():
    frame = _frame(seed=5, n=300)
    frame["won"] = (frame["y"] > 1).astype(float)
    spec = ModelSpec(id="w", title="W", family="logit", formula="won ~ z + flag", cov_type="nonrobust",
                     missing="mice", imputations=4)
    fit = fit_mice(frame, spec, seed=6)
    assert fit.coefficients["term"].tolist() == ["Intercept", "z", "flag"]
    assert fit.coefficients.set_index("term").loc["z", "estimate"] > 0


def test_columns_used_only_through_log1p_are_found():
    from ipo_research.models.imputation import log_scale_columns

    assert log_scale_columns("y ~ np.log1p(budget) + I(2016 - founded) + C(g)") == ("budget",)
    assert log_scale_columns("y ~ np.log1p(budget) + budget") == ()


def test_a_skewed_column_is_imputed_on_the_log_scale_and_the_slope_is_recovered():
    rng = np.random.default_rng(8)
    n = 150
    budget = np.exp(rng.normal(11, 1.2, n)).round()
    frame = pd.DataFrame({"budget": budget, "y": 0.5 * np.log1p(budget) + rng.normal(size=n)})
    frame.loc[rng.uniform(size=n) < 0.2, "budget"] = np.nan
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ np.log1p(budget)", cov_type="HC3",
                     missing="mice", imputations=3)
    fit = fit_mice(frame, spec, seed=3)
    assert "imputed on the log1p scale: budget." in fit.notes
    assert fit.coefficients.set_index("term").loc["np.log1p(budget)", "conf_low"] < 0.5
    assert fit.coefficients.set_index("term").loc["np.log1p(budget)", "conf_high"] > 0.5


def _categories_under_mar(seed=0, n=1500):
    """A category whose probabilities follow z (a planted multinomial logit) and whose
    missingness depends on z alone (MAR): the observed rows over-represent low z. The middle
    level b goes with high z, a and c equally with low z, so the mean integer code is 1 at
    every z: a regression on codes sees no relation, and predictive mean matching on it matches
    on noise (w) as much as on z, so it cannot find the missing b's."""
    rng = np.random.default_rng(seed)
    z, w = rng.normal(size=n), rng.normal(size=n)
    scores = np.column_stack([np.zeros(n), 2.0 * z, np.zeros(n)])
    probabilities = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    picked = (probabilities.cumsum(axis=1) < rng.uniform(size=n)[:, None]).sum(axis=1)
    full = pd.Categorical(np.array(["a", "b", "c"])[picked], categories=["a", "b", "c", "never"])
    frame = pd.DataFrame({"z": z, "w": w, "g": full})
    frame.loc[rng.uniform(size=n) < 1 / (1 + np.exp(-(z - 0.5) * 2)), "g"] = np.nan
    return frame, pd.Series(full).value_counts(normalize=True)


def test_categories_are_imputed_as_observed_categories_and_recover_their_mar_proportions():
    frame, truth = _categories_under_mar()
    observed_share = frame["g"].value_counts(normalize=True)
    # The complete cases are visibly off (low z over-represented), so the check below can fail.
    assert abs(observed_share["b"] - truth["b"]) > 0.08
    completed = impute_frames(frame, m=5, seed=3)
    for filled in completed:
        assert filled["g"].notna().all() and filled["g"].dtype == frame["g"].dtype
        assert set(filled["g"].astype(str)) <= {"a", "b", "c"}  # "never" is never drawn
        assert filled.loc[frame["g"].notna(), "g"].equals(frame["g"].dropna())
    pooled = pd.concat([filled["g"] for filled in completed]).value_counts(normalize=True)
    # (Predictive mean matching on the integer codes, the previous method, gives b about 0.29.)
    for level in ("a", "b", "c"):
        assert pooled[level] == pytest.approx(truth[level], abs=0.025)


def test_category_probabilities_stay_finite_when_a_predictor_separates_the_categories():
    from ipo_research.models.imputation import category_probabilities

    x = np.column_stack([np.ones(30), np.r_[np.zeros(15), np.ones(15)]])
    codes = np.r_[np.zeros(15), np.ones(15)].astype(int)  # x predicts the category perfectly
    probabilities = category_probabilities(codes, x, np.array([[1.0, 0.0], [1.0, 1.0]]),
                                           rng=np.random.default_rng(0))
    assert np.isfinite(probabilities).all()
    assert probabilities.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert probabilities[0, 0] > 0.9 and probabilities[1, 1] > 0.9


def _auxiliary_case(seed=4, n=600):
    """x is missing when its close correlate `a` is high: MAR given a, not given x and y."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": 1 + 0.3 * x + rng.normal(size=n),
                          "a": x + rng.normal(scale=0.3, size=n)})
    truth = frame["x"].copy()
    frame.loc[rng.uniform(size=n) < 1 / (1 + np.exp(-2.5 * frame["a"])), "x"] = np.nan
    return frame, truth


def test_an_auxiliary_column_makes_the_imputations_track_the_missing_values():
    frame, truth = _auxiliary_case()
    missing = frame["x"].isna()
    with_a = impute_frames(frame, m=3, seed=1)
    without_a = impute_frames(frame.drop(columns="a"), m=3, seed=1)
    mean_with = np.mean([filled["x"].mean() for filled in with_a])
    mean_without = np.mean([filled["x"].mean() for filled in without_a])
    assert mean_with == pytest.approx(truth.mean(), abs=0.06)
    assert abs(mean_without - truth.mean()) > 0.25  # without `a` the gaps are filled too low
    assert np.corrcoef(with_a[0].loc[missing, "x"], truth[missing])[0, 1] > 0.7


def test_fit_mice_uses_the_auxiliary_frame_in_the_imputations_but_not_in_the_fit():
    from ipo_research.models.imputation import auxiliary_frame

    frame, truth = _auxiliary_case()
    responses = frame.assign(org_id=[f"o{i}" for i in range(len(frame))])
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC2",
                     missing="mice", imputations=5, auxiliary=("a",))
    auxiliary = auxiliary_frame(responses, spec, key="org_id")
    assert list(auxiliary.columns) == ["a"] and list(auxiliary.index[:2]) == ["o0", "o1"]
    assert auxiliary_frame(responses, ModelSpec(id="m", title="M", family="ols", formula="y ~ x",
                                                cov_type="HC2"), key="org_id") is None
    model_frame = responses.set_index("org_id")[["y", "x"]]
    with_a = fit_mice(model_frame, spec, seed=2, auxiliary=auxiliary)
    without_a = fit_mice(model_frame, spec, seed=2)
    assert "auxiliary variable(s) in the imputation model only: a." in with_a.notes
    assert with_a.coefficients["term"].tolist() == ["Intercept", "x"]
    # The fraction of missing information of the slope falls when `a` predicts the gaps.
    assert (with_a.coefficients.set_index("term").loc["x", "fmi"]
            < without_a.coefficients.set_index("term").loc["x", "fmi"])


def test_an_auxiliary_column_missing_from_the_data_is_named():
    from ipo_research.exceptions import ModelSpecError
    from ipo_research.models.imputation import auxiliary_frame

    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC2",
                     missing="mice", auxiliary=("staff_fte",))
    with pytest.raises(ModelSpecError, match="staff_fte"):
        auxiliary_frame(pd.DataFrame({"y": [1.0], "x": [2.0]}), spec)

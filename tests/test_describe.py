"""Describe functions on small frames, against values worked out by hand or by scipy."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.survey.codebook import Level, Question
from ipo_research.analysis.describe import (
    association_test,
    crosstab,
    frequency_table,
    item_label,
    likert_summary,
    multi_summary,
    numeric_summary,
    wilson_interval,
)
from ipo_research.exceptions import DataError

LEVEL = Question(id="level", section="identity", type="single", text="Level",
                 levels=(Level("city", "City"), Level("county", "County"), Level("state", "State")))
WON = Question(id="won", section="program", type="boolean", text="Won most?")
SCALE = tuple(Level(code, label) for code, label in
              enumerate(["Very weak", "Weak", "Adequate", "Strong", "Very strong"], start=1))
FIELD = Question(id="rating_field", section="strengths", type="likert",
                 text="Rate your capacity - Field program", levels=SCALE)
DATA = Question(id="rating_data", section="strengths", type="likert",
                text="Rate your capacity - Data", levels=SCALE)
PICK = Question(id="pick", section="growth", type="multi", text="Pick",
                options=(Level("a", "Apples"), Level("b", "Bananas"), Level("c", "Cherries")))
BUDGET = Question(id="budget", section="scope", type="numeric", text="Budget", unit="USD")


def test_item_label_is_the_matrix_item_after_the_stem():
    assert item_label(FIELD) == "Field program"
    assert item_label(WON) == "Won most?"


def test_wilson_interval_matches_the_formula_worked_by_hand():
    # p = 0.3, n = 10, z = 1.959964: centre (p + z^2/2n) / (1 + z^2/n), half-width
    # z * sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n).
    z = stats.norm.ppf(0.975)
    centre = (0.3 + z**2 / 20) / (1 + z**2 / 10)
    half = z * math.sqrt(0.3 * 0.7 / 10 + z**2 / 400) / (1 + z**2 / 10)
    low, high = wilson_interval(3, 10)
    assert float(low) == pytest.approx(centre - half)
    assert float(high) == pytest.approx(centre + half)


def test_wilson_interval_of_zero_respondents_is_missing():
    low, high = wilson_interval([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_frequency_table_counts_every_level_in_codebook_order_including_zero():
    frame = pd.DataFrame({"level": pd.Categorical(["state", "city", "state", None],
                                                  categories=["city", "county", "state"])})
    table = frequency_table(frame, LEVEL)
    assert table["code"].tolist() == ["city", "county", "state"]
    assert table["label"].tolist() == ["City", "County", "State"]
    assert table["count"].tolist() == [1, 0, 2]
    assert table["share"].tolist() == pytest.approx([1 / 3, 0, 2 / 3])


def test_frequency_table_of_a_boolean_question_says_yes_and_no():
    frame = pd.DataFrame({"won": pd.array([True, True, False, None], dtype="boolean")})
    table = frequency_table(frame, WON)
    assert table[["label", "count"]].values.tolist() == [["Yes", 2], ["No", 1]]


def test_frequency_table_intervals_are_wilson_from_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    frame = pd.DataFrame({"level": ["city"] * 3 + ["state"] * 7})
    table = frequency_table(frame, LEVEL).set_index("code")
    expected = proportion_confint(3, 10, method="wilson")
    assert (table.loc["city", "ci_low"], table.loc["city", "ci_high"]) == pytest.approx(expected)


def test_numeric_summary_gives_median_and_quartiles_of_answers_only():
    frame = pd.DataFrame({"budget": pd.array([10.0, 20, 30, 40, 1000, None], dtype="Float64")})
    row = numeric_summary(frame, [BUDGET]).iloc[0]
    # Sorted answers 10 20 30 40 1000: median 30; linear-interpolated quartiles 20 and 40.
    assert (row["n"], row["missing"]) == (5, 1)
    assert (row["median"], row["q1"], row["q3"]) == (30, 20, 40)
    assert row["mean"] == pytest.approx(220)


def test_numeric_summary_puts_money_on_a_log_scale():
    staff = Question(id="staff", section="scope", type="numeric", text="Staff", unit="people")
    frame = pd.DataFrame({"budget": [1.0], "staff": [2.0]})
    assert numeric_summary(frame, [BUDGET, staff])["scale"].tolist() == ["log", "linear"]


def test_likert_summary_distribution_mean_and_share_rating_four_or_five():
    frame = pd.DataFrame({"rating_field": pd.array([1, 2, 4, 5, 5, None], dtype="Int64"),
                          "rating_data": pd.array([3, 3, 3, 1, 4, 4], dtype="Int64")})
    summary = likert_summary(frame, [FIELD, DATA]).set_index("question")
    field = summary.loc["rating_field"]
    assert field["n"] == 5
    assert [field[f"count_{code}"] for code in range(1, 6)] == [1, 1, 0, 1, 2]
    assert (field["low"], field["middle"], field["high"]) == (2, 0, 3)
    assert field["mean"] == pytest.approx((1 + 2 + 4 + 5 + 5) / 5)
    assert field["high_share"] == pytest.approx(3 / 5)
    assert field["net"] == pytest.approx(3 / 5 - 2 / 5)
    assert summary.loc["rating_data", "high_share"] == pytest.approx(2 / 6)
    assert summary.loc["rating_data", "label"] == "Data"


def test_multi_summary_ranks_options_by_share_of_those_who_answered():
    frame = pd.DataFrame({
        "pick__a": [True, False, False, None],
        "pick__b": [True, True, False, None],
        "pick__c": [False, False, True, None],
    }, dtype="boolean")
    summary = multi_summary(frame, PICK)
    # The fourth organization skipped the question: n is 3.
    assert summary["option"].tolist() == ["b", "a", "c"]
    assert summary["chosen"].tolist() == [2, 1, 1]
    assert summary["not_chosen"].tolist() == [1, 2, 2]
    assert summary["n"].tolist() == [3, 3, 3]
    assert summary["share"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    assert summary["label"].tolist() == ["Bananas", "Apples", "Cherries"]


def test_crosstab_counts_answers_within_groups_with_every_level():
    frame = pd.DataFrame({
        "won": pd.array([True, True, False, True, None], dtype="boolean"),
        "level": ["city", "state", "city", "city", "city"],
    })
    table = crosstab(frame, WON, by=LEVEL)
    assert table.columns.tolist() == ["city", "county", "state"]
    assert table.loc["True"].tolist() == [2, 0, 1]
    assert table.loc["False"].tolist() == [1, 0, 0]


def test_fisher_exact_on_a_2x2_table_equals_the_hypergeometric_sum_by_hand():
    table = pd.DataFrame([[8, 2], [1, 5]])
    # Margins: rows 10 and 6, first column 9, n 16. P(X = k) = C(9,k) C(7,10-k) / C(16,10);
    # the two-sided p sums every table no more likely than the observed one (k = 8).
    probability = {k: math.comb(9, k) * math.comb(7, 10 - k) / math.comb(16, 10) for k in range(3, 10)}
    expected = sum(p for p in probability.values() if p <= probability[8] * (1 + 1e-7))
    result = association_test(table)
    assert result["test"] == "Fisher's exact test"
    assert result["p_value"] == pytest.approx(expected)
    assert result["n"] == 16


def test_larger_table_gets_a_simulated_p_value_close_to_the_exact_one():
    table = pd.DataFrame([[6, 1, 2], [1, 5, 4]])
    exact = stats.fisher_exact(table.to_numpy()).pvalue
    result = association_test(table, seed=7, n_resamples=20000)
    assert "Monte Carlo" in result["test"]
    assert result["p_value"] == pytest.approx(exact, abs=0.01)


def test_simulated_p_value_is_the_same_for_the_same_seed():
    table = pd.DataFrame([[6, 1, 2], [1, 5, 4]])
    assert association_test(table, seed=3)["p_value"] == association_test(table, seed=3)["p_value"]


def test_empty_rows_and_columns_are_dropped_before_testing():
    table = pd.DataFrame([[8, 0, 2], [0, 0, 0], [1, 0, 5]])
    result = association_test(table)
    assert result["shape"] == "2x2"
    assert result["test"] == "Fisher's exact test"


def test_a_table_with_one_non_empty_column_is_not_testable():
    result = association_test(pd.DataFrame([[3, 0], [4, 0]]))
    assert np.isnan(result["p_value"])


def test_a_missing_column_is_an_error_naming_it():
    with pytest.raises(DataError, match="'level'"):
        frequency_table(pd.DataFrame({"other": [1]}), LEVEL)


def test_group_vs_rest_sets_one_group_against_all_others_keeping_missing():
    from ipo_research.analysis.describe import group_vs_rest

    frame = pd.DataFrame({"net": pd.Categorical(["cpd", "wfp", None, "cpd"])})
    grouped = group_vs_rest(frame, column="net", value="cpd", label="CPD")
    assert grouped.astype(object).tolist()[:2] == ["CPD", "All others"]
    assert pd.isna(grouped.iloc[2])
    assert list(grouped.cat.categories) == ["CPD", "All others"]


def test_likert_by_group_counts_ratings_above_the_middle_per_group():
    from ipo_research.analysis.describe import likert_by_group

    frame = pd.DataFrame({"rating_field": pd.array([5, 4, 3, 1, 4, None], dtype="Int64")})
    groups = pd.Series(pd.Categorical(["a", "a", "a", "b", "b", "b"], categories=["a", "b", "z"]))
    long = likert_by_group(frame, [FIELD], groups=groups).set_index("group")
    assert long.loc["a", ["yes", "no", "n"]].tolist() == [2, 1, 3]
    assert long.loc["b", ["yes", "no", "n"]].tolist() == [1, 1, 2]    # the missing answer left out
    assert long.loc["z", "n"] == 0


def test_multi_by_group_counts_choices_of_those_who_answered():
    from ipo_research.analysis.describe import multi_by_group

    frame = pd.DataFrame({"pick__a": [True, False, True, None], "pick__b": [False, True, True, None],
                          "pick__c": [False, False, False, None]}, dtype="boolean")
    groups = pd.Series(["g", "g", "h", "h"])
    long = multi_by_group(frame, PICK, groups=groups).set_index(["question", "group"])
    assert long.loc[("a", "g"), ["yes", "no"]].tolist() == [1, 1]
    assert long.loc[("a", "h"), ["yes", "no", "n"]].tolist() == [1, 0, 1]
    assert long.loc[("b", "g"), "label"] == "Bananas"

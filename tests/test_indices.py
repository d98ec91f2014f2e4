"""Indices (mean of z-scores of answered items) and their reliability."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.survey.codebook import Index, codebook_from_dict
from ipo_research.exceptions import DataError
from ipo_research.analysis.indices import (add_indices, compute_index, cronbach_alpha, item_rest_correlations,
                                  reliability_table)


def _codebook():
    return codebook_from_dict({
        "survey": {"id": "s", "key": "rid"},
        "sections": [{"id": "main", "title": "Main"}],
        "questions": [
            {"id": "rid", "section": "main", "type": "id"},
            {"id": "a", "section": "main", "type": "integer"},
            {"id": "b", "section": "main", "type": "numeric"},
        ],
        "indices": [{"id": "ab", "items": ["a", "b"], "method": "mean_z", "min_items": 2}],
    })


def test_mean_z_averages_the_z_scores_of_answered_items_and_needs_min_items():
    data = pd.DataFrame({"a": pd.array([1, 2, 3, None], dtype="Int64"),
                         "b": pd.array([2.0, 4.0, 6.0, 8.0], dtype="Float64")})
    score = compute_index(data, Index(id="ab", items=("a", "b"), min_items=2))
    # a: mean 2, sd 1 -> z = -1, 0, 1; b: mean 5, sd sqrt(20/3) -> z = (b - 5) / 2.5820
    sd_b = math.sqrt(20 / 3)
    expected = [(-1 - 3 / sd_b) / 2, (0 - 1 / sd_b) / 2, (1 + 1 / sd_b) / 2]
    assert score.iloc[:3].astype(float).tolist() == pytest.approx(expected)
    assert pd.isna(score.iloc[3])  # one item answered, min_items is 2
    assert str(score.dtype) == "Float64" and score.name == "ab"


def test_min_items_one_scores_a_respondent_on_the_single_answered_item():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [2.0, 4.0, 6.0, 8.0]})
    score = compute_index(data, Index(id="ab", items=("a", "b"), min_items=1))
    assert float(score.iloc[3]) == pytest.approx(3 / math.sqrt(20 / 3))


def test_log1p_transform_is_applied_before_standardising():
    data = pd.DataFrame({"a": [0.0, math.e - 1, math.e**2 - 1]})
    score = compute_index(data, Index(id="a_idx", items=("a",), transform={"a": "log1p"}))
    assert score.astype(float).tolist() == pytest.approx([-1.0, 0.0, 1.0])


def test_an_item_without_variation_does_not_count_toward_min_items():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    score = compute_index(data, Index(id="ab", items=("a", "b"), min_items=2))
    assert score.isna().all()


def test_log1p_of_a_value_at_or_below_minus_one_names_item_and_row():
    data = pd.DataFrame({"a": [1.0, -1.0]})
    with pytest.raises(DataError, match=r"'a' has -1.0 in row 1"):
        compute_index(data, Index(id="x", items=("a",), transform={"a": "log1p"}))


def test_add_indices_adds_one_column_per_codebook_index():
    data = pd.DataFrame({"rid": ["r1", "r2", "r3"], "a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    scored = add_indices(data, _codebook())
    assert scored["ab"].astype(float).tolist() == pytest.approx([0.0, 0.0, 0.0])
    assert "ab" not in data.columns


def test_cronbach_alpha_matches_its_formula_on_a_hand_sized_matrix():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 5]})
    # var(a) = 20/12, var(b) = 35/12, var(a + b) = 107/12; alpha = 2 * (1 - 55/107) = 104/107
    result = cronbach_alpha(items)
    assert result["alpha"] == pytest.approx(104 / 107)
    assert (result["n_obs"], result["n_items"]) == (4, 2)


def test_cronbach_alpha_uses_only_complete_respondents():
    items = pd.DataFrame({"a": [1, 2, 3, 4, 9], "b": [1, 2, 3, 5, np.nan]})
    assert cronbach_alpha(items)["alpha"] == pytest.approx(104 / 107)


def test_feldt_interval_bounds_sit_at_the_f_quantiles():
    """Feldt, Woodruff and Salih (1987): (1 - alpha) / (1 - alpha_hat) ~ F(n - 1, (n - 1)(k - 1))."""
    rng = np.random.default_rng(5)
    common = rng.normal(size=40)
    items = pd.DataFrame({f"i{k}": common + rng.normal(size=40) for k in range(4)})
    result = cronbach_alpha(items, confidence=0.90)
    df1, df2 = 39, 39 * 3
    assert stats.f.cdf((1 - result["conf_low"]) / (1 - result["alpha"]), df1, df2) == pytest.approx(0.95)
    assert stats.f.cdf((1 - result["conf_high"]) / (1 - result["alpha"]), df1, df2) == pytest.approx(0.05)
    assert result["conf_low"] < result["alpha"] < result["conf_high"]


def test_cronbach_alpha_is_missing_with_one_item():
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0]}))["alpha"])


def test_item_rest_correlation_correlates_each_item_with_the_sum_of_the_others():
    items = pd.DataFrame({"a": [1.0, 2.0, 4.0, 3.0, 5.0], "b": [2.0, 1.0, 4.0, 5.0, 4.0],
                          "c": [1.0, 3.0, 2.0, 5.0, 4.0]})
    result = item_rest_correlations(items)
    assert result["a"] == pytest.approx(np.corrcoef(items["a"], items["b"] + items["c"])[0, 1])
    assert result["c"] == pytest.approx(np.corrcoef(items["c"], items["a"] + items["b"])[0, 1])


def test_reliability_table_has_one_row_per_index():
    data = pd.DataFrame({"rid": ["r1", "r2", "r3", "r4"], "a": [1, 2, 3, 4], "b": [1, 2, 3, 5]})
    table = reliability_table(data, _codebook())
    assert table["index"].tolist() == ["ab"]
    assert table.loc[0, "raw_alpha"] == pytest.approx(104 / 107)
    # The index averages z-scores, so its alpha is the standardized one: 2 r / (1 + r).
    r = np.corrcoef([1, 2, 3, 4], [1, 2, 3, 5])[0, 1]
    assert table.loc[0, "alpha"] == pytest.approx(2 * r / (1 + r))
    assert table.loc[0, "alpha"] > table.loc[0, "raw_alpha"]  # b's larger spread no longer weighs more

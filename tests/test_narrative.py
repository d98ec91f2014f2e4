"""Sentences quote computed numbers and never a withheld one."""

import pandas as pd
import pytest

from ipo_research.analysis.narrative import (
    format_table,
    frequency_sentence,
    group_difference_sentence,
    likert_sentence,
    money,
    multi_sentence,
    numeric_sentence,
    percent,
    significance_sentence,
)


def test_percent_and_money_round_for_a_reader_and_pass_marks_through():
    assert percent(0.126) == "13%" and percent(0.5371, digits=1) == "53.7%"
    assert money(2_500_000) == "$2.5 million"
    assert money(999_999.4) == "$999,999"
    assert percent("<3") == "<3" and money("c") == "c"


def test_frequency_sentence_skips_withheld_answers_even_if_largest():
    table = pd.DataFrame({"label": ["A", "B", "C"], "count": [10, "c", "<3"],
                          "share": [0.4, "c", "c"]})
    sentence = frequency_sentence(table, subject="x")
    assert "A (40%)" in sentence
    assert "B" not in sentence and "C" not in sentence and "<3" not in sentence


def test_frequency_sentence_gives_the_number_answering_only_when_every_count_is_shown():
    shown = pd.DataFrame({"label": ["A", "B"], "count": [30, 20], "share": [0.6, 0.4]})
    partly = pd.DataFrame({"label": ["A", "B"], "count": [30, "<3"], "share": [0.9, "c"]})
    assert frequency_sentence(shown, subject="x").startswith("Of the 50 organizations")
    assert frequency_sentence(partly, subject="x").startswith("Of the organizations")


def test_multi_sentence_lists_the_top_three_by_share():
    table = pd.DataFrame({"label": list("ABCD"), "chosen": [5, 30, 20, 10], "n": [40] * 4,
                          "share": [5 / 40, 30 / 40, 20 / 40, 10 / 40]})
    assert multi_sentence(table, subject="y").endswith("B (75%), C (50%) and D (25%).")


def test_numeric_sentence_says_too_few_instead_of_a_withheld_median():
    table = pd.DataFrame({"question": ["budget"], "n": ["<3"], "median": ["c"], "q1": ["c"],
                          "q3": ["c"]})
    assert numeric_sentence(table, "budget", subject="budget") == (
        "Too few organizations answered on budget to report it.")


def test_numeric_sentence_in_dollars():
    table = pd.DataFrame({"question": ["budget"], "n": [40], "median": [500_000.0],
                          "q1": [200_000.0], "q3": [1_500_000.0]})
    assert numeric_sentence(table, "budget", subject="budget", kind="money") == (
        "The median budget is $500,000; the middle half of the 40 organizations answering "
        "lie between $200,000 and $1.5 million.")


def test_likert_sentence_names_the_highest_and_lowest_shown_items():
    table = pd.DataFrame({"label": ["Field program", "Data", "Policy"],
                          "high_share": [0.6, 0.1, "c"], "low_share": [0.1, 0.5, "c"]})
    sentence = likert_sentence(table, high_words="strong", low_words="weak")
    assert sentence == ("The largest share answering strong is for field program (60%); the "
                        "smallest is for data (10%), where 50% answer weak.")


def test_group_difference_sentence_counts_exact_and_banded_p_values():
    table = pd.DataFrame({"p_value": [0.01, 0.4, "<0.05", ">=0.05"]},
                         index=["Field", "Data", "Policy", "Digital"])
    sentence = group_difference_sentence(table, groups_word="networks")
    assert sentence.startswith("Of 4 items, 2 differ between networks at p < 0.05: "
                               "field (p = 0.010) and policy (p < 0.05).")
    assert "2 item(s) a count is withheld" in sentence


def test_significance_sentence_reports_a_band_when_the_table_has_a_withheld_cell():
    sentence = significance_sentence({"test": "Fisher's exact test", "p_value": ">=0.05", "n": 40},
                                     subject="x and y")
    assert "p ≥ 0.05" in sentence and "withheld" in sentence


def test_format_table_formats_chosen_columns_and_keeps_marks():
    table = pd.DataFrame({"code": ["a", "b"], "share": [0.5, "c"], "count": [10, "<3"]})
    shown = format_table(table, percent_columns=["share"], drop=["code"], rename={"count": "N"})
    assert shown.to_dict("list") == {"share": ["50%", "c"], "N": [10, "<3"]}


@pytest.mark.parametrize("value", [float("nan"), None])
def test_missing_values_show_as_blank(value):
    assert percent(value) == ""


def test_numeric_sentence_gives_the_median_alone_when_quartiles_are_withheld():
    table = pd.DataFrame({"question": ["budget"], "n": [4], "median": [10.0], "q1": ["c"],
                          "q3": ["c"]})
    assert numeric_sentence(table, "budget", subject="staff") == (
        "The median staff is 10 (too few answers to show the quartiles).")


def test_format_table_hides_row_numbers_from_the_reader():
    shown = format_table(pd.DataFrame({"label": ["a", "b"], "count": [10, 12]}))
    assert shown.index.tolist() == ["", ""]


def test_the_models_page_says_how_each_models_seed_derives_from_seed():
    import zlib

    import numpy as np

    from ipo_research.models.narrative import seeds_sentence

    # The documented rule, computed here independently of spec_seed.
    derived = int(np.random.SeedSequence([2016, zlib.crc32(b"capacity_ols_mice")]).generate_state(1)[0])
    from ipo_research.models.run import spec_seed

    assert spec_seed(2016, "capacity_ols_mice") == derived
    text = seeds_sentence(2016, {"capacity_ols_mice": derived})
    assert "derived from the run's `seed` (2016) and the model id" in text
    assert text.endswith(f"`capacity_ols_mice` {derived}.")

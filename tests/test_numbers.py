"""Reading numbers people typed: each spelling, its value and the rule named in the log."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipo_research.survey.numbers import UNPARSEABLE, parse_numbers


def _one(text, *, percent=False):
    parsed = parse_numbers(pd.Series([text]), percent=percent)
    value, rule = parsed["value"].iloc[0], parsed["rule"].iloc[0]
    return (None if pd.isna(value) else float(value)), (None if pd.isna(rule) else rule)


@pytest.mark.parametrize("text, value, rule", [
    ("250000", 250000.0, None),
    ("-3.5", -3.5, None),
    (" 12 ", 12.0, None),
    ("250,000", 250000.0, "thousands_separator"),
    ("$1.2M", 1200000.0, "currency+magnitude_suffix"),
    ("$250,000.50", 250000.5, "currency+thousands_separator"),
    ("45k", 45000.0, "magnitude_suffix"),
    ("2 million", 2000000.0, "magnitude_suffix"),
    ("about 40", 40.0, "approximate"),
    ("~40", 40.0, "approximate"),
    ("500+", 500.0, "approximate"),
    ("10-20", 15.0, "range_midpoint"),
    ("10 to 20", 15.0, "range_midpoint"),
    ("10–20", 15.0, "range_midpoint"),
    ("$10k-$20k", 15000.0, "currency+magnitude_suffix+range_midpoint"),
    ("10-20k", 15000.0, "magnitude_suffix+range_midpoint"),
    ("300 dollars", 300.0, "currency"),
])
def test_each_spelling_reads_to_its_value_and_rule(text, value, rule):
    assert _one(text) == (value, rule)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "10 members", "12/05", "$"])
def test_text_that_is_no_number_is_missing_and_named_unparseable(text):
    assert _one(text) == (None, UNPARSEABLE)


def test_blank_and_missing_give_no_value_and_no_rule():
    parsed = parse_numbers(pd.Series(["", "   ", None], dtype="object"))
    assert parsed["value"].isna().all() and parsed["rule"].isna().all()


def test_percent_sign_reads_as_percent_points_for_a_percent_question():
    assert _one("45%", percent=True) == (45.0, "percent_sign")


def test_percent_sign_is_unparseable_for_a_question_in_another_unit():
    assert _one("45%", percent=False) == (None, UNPARSEABLE)


def test_result_keeps_the_index_of_the_input():
    parsed = parse_numbers(pd.Series(["1", "2k"], index=[10, 20]))
    assert list(parsed.index) == [10, 20]
    assert parsed["value"].tolist() == [1.0, 2000.0]


@given(st.integers(min_value=0, max_value=10**12))
def test_any_whole_number_with_thousands_separators_reads_back(number):
    assert _one(f"{number:,}")[0] == float(number)


@given(st.integers(min_value=0, max_value=10**9))
def test_plain_number_round_trips_with_no_rule(number):
    assert _one(str(number)) == (float(number), None)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 2)),
       st.sampled_from([("k", 1e3), ("M", 1e6), (" million", 1e6), ("bn", 1e9)]))
def test_magnitude_suffixes_multiply(number, suffix):
    word, factor = suffix
    value, rule = _one(f"{number}{word}")
    assert math.isclose(value, number * factor, rel_tol=1e-12)
    assert rule == "magnitude_suffix"


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_range_reads_as_its_midpoint(low, high):
    assert _one(f"{low}-{high}") == ((low + high) / 2, "range_midpoint")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz !?", min_size=1, max_size=12))
def test_words_without_digits_never_read_as_numbers(words):
    value, rule = _one(words)
    assert value is None
    assert rule in (None, UNPARSEABLE)

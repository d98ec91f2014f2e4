"""Coding open-text answers into themes, counting them, and quoting only what is safe."""

import pandas as pd
import pytest

from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import ConfigError
from ipo_research.analysis.themes import (
    NO_THEME,
    Theme,
    code_themes,
    is_quotable,
    load_themes,
    safe_quotes,
    theme_summary,
)

MONEY = Theme("money", "Money", ("funding", "donors?"))
STAFF = Theme("staff", "Staff", ("staff", "burn(ed|t)? ?out"))
THEMES = (MONEY, STAFF)


def test_an_answer_carries_every_theme_whose_pattern_it_contains_ignoring_case():
    coded = code_themes(pd.Series(["More FUNDING and staff", "Donor fatigue", "Burned out"]), THEMES)
    assert coded["money"].tolist() == [True, True, False]
    assert coded["staff"].tolist() == [True, False, True]


def test_patterns_match_at_word_starts_only():
    coded = code_themes(pd.Series(["our donors left", "condor sightings"]), [MONEY])
    assert coded["money"].tolist() == [True, False]


def test_answers_with_no_theme_are_counted_not_lost():
    coded = code_themes(pd.Series(["Weather was bad", "funding"]), THEMES)
    assert coded[NO_THEME].tolist() == [True, False]


def test_missing_and_blank_answers_are_missing_in_every_column():
    coded = code_themes(pd.Series([None, "   "], dtype="string"), THEMES)
    assert coded.isna().all().all()


def test_theme_summary_counts_share_of_answers_most_frequent_first_no_theme_last():
    texts = pd.Series(["funding", "staff and funding", "funding", "rain", None])
    summary = theme_summary(code_themes(texts, THEMES), THEMES)
    assert summary["option"].tolist() == ["money", "staff", NO_THEME]
    assert summary["chosen"].tolist() == [3, 1, 1]
    assert summary["n"].tolist() == [4, 4, 4]
    assert summary["share"].tolist() == pytest.approx([0.75, 0.25, 0.25])


@pytest.mark.parametrize("text", [
    "Write to maria@example.org for details",
    "See www.ourgroup.org",
    "Call us at (555) 123-4567",
    "Our director Maria Lopez said it best",
    "Working with Jobs for Justice helped",
])
def test_answers_that_could_identify_someone_are_not_quotable(text):
    assert not is_quotable(text)


def test_long_answers_are_not_quotable():
    assert not is_quotable(" ".join(["word"] * 26))
    assert is_quotable(" ".join(["word"] * 25))


def test_quotes_come_only_from_themes_at_least_threshold_answers_carry():
    texts = pd.Series(["we need funding", "funding dried up", "more funding now", "staff left"])
    quotes = safe_quotes(texts, code_themes(texts, THEMES), THEMES, threshold=3)
    assert set(quotes["theme"]) == {"money"}


def test_at_most_per_theme_quotes_and_the_same_choice_whatever_the_row_order():
    texts = pd.Series([f"funding lesson number {word}" for word in
                       ["one", "two", "three", "four", "five"]])
    first = safe_quotes(texts, code_themes(texts, THEMES), THEMES, per_theme=2)
    shuffled = texts.iloc[::-1]
    second = safe_quotes(shuffled, code_themes(shuffled, THEMES), THEMES, per_theme=2)
    assert len(first) == 2
    assert first["quote"].tolist() == second["quote"].tolist()


def test_unsafe_answers_are_skipped_even_in_a_large_theme():
    texts = pd.Series(["funding ran out", "funding from Ford Foundation", "funding was late"])
    quotes = safe_quotes(texts, code_themes(texts, THEMES), THEMES)
    assert "funding from Ford Foundation" not in quotes["quote"].tolist()
    assert len(quotes) == 2


def test_the_shipped_dictionary_codes_text_questions_of_the_codebook():
    themes = load_themes(codebook=load_codebook())
    assert {"lessons_2016", "vision_text"} <= set(themes)
    assert all(len(entries) >= 3 for entries in themes.values())


def test_a_dictionary_naming_a_non_text_question_is_refused(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  state:\n    - {id: x, label: X, patterns: [a]}\n")
    with pytest.raises(ConfigError, match="'state' is not a text question"):
        load_themes(path, codebook=load_codebook())


def test_a_bad_pattern_is_refused_naming_the_theme(tmp_path):
    path = tmp_path / "themes.yaml"
    path.write_text("themes:\n  lessons_2016:\n    - {id: broken, label: B, patterns: ['(']}\n")
    with pytest.raises(ConfigError, match="theme 'broken'"):
        load_themes(path)

"""Cleaning rules, one behaviour each, on small raw tables of the garden survey."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipo_research.survey.cleaning import (
    LOG_COLUMNS, QUARANTINE_COLUMNS, _option_spellings, _split_options, clean_responses, cleaning_summary,
    cleaned_dtypes, missingness_by_question, quarantine_reasons, recodes_by_rule,
)
from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import DataError
from ipo_research.survey.exports import RawExport
from ipo_research.survey.text import normalize_texts

CODEBOOK = load_codebook("tests/fixtures/garden_codebook.yaml")


def _raw(metadata=None, **columns):
    frame = pd.DataFrame(columns)
    if "respondent" not in frame:
        frame.insert(0, "respondent", [f"R_{i}" for i in range(1, len(frame) + 1)])
    return RawExport(responses=frame, source_rows=np.arange(2, len(frame) + 2), path="test.csv",
                     metadata=pd.DataFrame(metadata or {}))


def _clean(**columns):
    return clean_responses(_raw(**columns), CODEBOOK)


def _logged(result, question):
    log = result.log[result.log["question"] == question]
    return list(zip(log["raw_value"], log["clean_value"].fillna("<NA>"), log["rule"]))


# --- levels -----------------------------------------------------------------------------

def test_labels_match_case_insensitively_after_trimming():
    result = _clean(garden_site=["  north MEADOW ", "School Garden"])
    assert result.responses["garden_site"].tolist() == ["north", "school"]
    assert _logged(result, "garden_site") == [("  north MEADOW ", "north", "label_variant")]


def test_codes_and_aliases_match_and_aliases_are_logged():
    result = _clean(garden_site=["river", "Riverside"])
    assert result.responses["garden_site"].tolist() == ["river", "river"]
    assert _logged(result, "garden_site") == [("Riverside", "river", "alias")]


def test_single_is_categorical_of_codes_in_codebook_order():
    result = _clean(garden_site=["School Garden"])
    assert list(result.responses["garden_site"].cat.categories) == ["north", "river", "school"]


def test_unknown_label_is_set_missing_and_logged():
    result = _clean(garden_site=["The moon"])
    assert result.responses["garden_site"].isna().all()
    assert _logged(result, "garden_site") == [("The moon", "<NA>", "unknown_label")]


def test_likert_reads_numbered_labels_and_stores_int_codes():
    result = _clean(satisfaction=["4 - Satisfied", "Very satisfied", "2"])
    assert result.responses["satisfaction"].tolist() == [4, 5, 2]
    assert str(result.responses["satisfaction"].dtype) == "Int64"
    assert _logged(result, "satisfaction") == [("4 - Satisfied", "4", "numbered_label")]


def test_likert_numbered_label_that_contradicts_its_code_is_unknown():
    result = _clean(satisfaction=["4 - Dissatisfied"])
    assert result.responses["satisfaction"].isna().all()
    assert _logged(result, "satisfaction")[0][2] == "unknown_label"


def test_curly_apostrophes_match_straight_ones():
    assert normalize_texts(pd.Series(["Don’t  KNOW"])).tolist() == ["don't know"]


# --- missing codes ----------------------------------------------------------------------

def test_global_missing_codes_are_missing_and_logged():
    result = _clean(plots=["N/A", "-99", "Don’t know"])
    assert result.responses["plots"].isna().all()
    assert [rule for *_, rule in _logged(result, "plots")] == ["missing_code"] * 3


def test_question_missing_codes_apply_to_their_question_only():
    result = _clean(hours_week=["Varies"], spend_year=["Varies"])
    assert _logged(result, "hours_week") == [("Varies", "<NA>", "missing_code")]
    assert _logged(result, "spend_year") == [("Varies", "<NA>", "unparseable_number")]


def test_blank_cells_are_missing_without_a_log_entry():
    result = _clean(plots=["", "  "])
    assert result.responses["plots"].isna().all()
    assert result.log.empty


# --- numbers ----------------------------------------------------------------------------

def test_currency_strings_are_parsed_and_logged():
    result = _clean(spend_year=["$1.2M", "250,000", "300"])
    assert result.responses["spend_year"].tolist() == [1200000.0, 250000.0, 300.0]
    assert _logged(result, "spend_year") == [("$1.2M", "1200000", "currency+magnitude_suffix"),
                                             ("250,000", "250000", "thousands_separator")]


def test_range_violation_is_set_missing_and_logged():
    result = _clean(plots=["40", "10"])
    assert result.responses["plots"].tolist() == [pd.NA, 10]
    assert _logged(result, "plots") == [("40", "<NA>", "out_of_range")]


def test_integer_question_rounds_a_midpoint_and_says_so():
    result = _clean(plots=["1-2"])
    assert result.responses["plots"].tolist() == [2]
    assert _logged(result, "plots") == [("1-2", "2", "range_midpoint+rounded")]


def test_percent_question_stores_points_0_to_100():
    result = _clean(shared_share=["25%", "40"])
    assert result.responses["shared_share"].tolist() == [25.0, 40.0]


def test_numeric_is_float64_and_integer_is_int64():
    result = _clean(plots=["2"], hours_week=["2.5"])
    assert str(result.responses["plots"].dtype) == "Int64"
    assert str(result.responses["hours_week"].dtype) == "Float64"


# --- multi-select -----------------------------------------------------------------------

def test_multi_select_keeps_labels_that_contain_commas():
    result = _clean(crops=["Herbs, spices and flowers,Herbs"])
    row = result.responses.iloc[0]
    assert (row["crops__flowers"], row["crops__herbs_only"], row["crops__veg"]) == (True, True, False)


def test_multi_select_unanswered_at_the_end_leaves_every_option_missing():
    result = _clean(crops=["", "Fruit"])
    assert result.responses.loc[0, ["crops__veg", "crops__fruit"]].isna().all()
    assert result.responses.loc[1, "crops__fruit"]


def test_blank_multi_select_before_a_later_answer_means_none_chosen():
    result = _clean(crops=["", ""], volunteers=["Yes", ""])
    assert result.responses.loc[0, ["crops__veg", "crops__fruit"]].tolist() == [False, False]
    assert result.responses.loc[1, ["crops__veg", "crops__fruit"]].isna().all()
    assert _logged(result, "crops") == [("", "none", "none_chosen")]


def test_multi_select_over_max_select_is_set_missing_and_logged():
    result = _clean(crops=["Vegetables,Fruit,Herbs,Herbs, spices and flowers"])
    assert result.responses.filter(like="crops__").iloc[0].isna().all()
    assert _logged(result, "crops")[0][2] == "max_select_exceeded"


def test_unknown_option_is_dropped_known_ones_kept_and_logged():
    result = _clean(crops=["Vegetables, Cactus"])
    assert result.responses.loc[0, "crops__veg"]
    assert not result.responses.loc[0, "crops__fruit"]
    assert _logged(result, "crops") == [("Vegetables, Cactus", "veg", "unknown_option")]


def test_aliases_count_for_their_option():
    result = _clean(crops=["berries"])
    assert result.responses.loc[0, "crops__fruit"]


@given(st.lists(st.sampled_from(["Vegetables", "Herbs, spices and flowers", "Fruit", "Herbs"]),
                unique=True, min_size=1),
       st.sampled_from([",", ", ", "; ", " | "]))
def test_splitting_any_selection_returns_exactly_the_chosen_options(labels, separator):
    spellings = _option_spellings(CODEBOOK.question("crops"))
    text = normalize_texts(pd.Series([separator.join(labels)])).iloc[0]
    codes = {"Vegetables": "veg", "Herbs, spices and flowers": "flowers", "Fruit": "fruit",
             "Herbs": "herbs_only"}
    chosen, unknown = _split_options(text, spellings)
    assert chosen == {codes[label] for label in labels}
    assert unknown == []


@given(st.lists(st.sampled_from(["Vegetables", "Herbs, spices and flowers", "Fruit", "Herbs"]),
                unique=True, min_size=1),
       st.lists(st.booleans(), min_size=4, max_size=4), st.sampled_from([",", " ,  ", ";"]))
@pytest.mark.slow  # run by CI (see Makefile)
@settings(deadline=None, max_examples=40)  # a whole cleaning run per example
def test_case_and_spacing_never_change_which_options_are_chosen(labels, upper, separator):
    shouted = [label.upper() if loud else label for label, loud in zip(labels, upper)]
    result = _clean(crops=[separator.join(f" {label} " for label in shouted)])
    chosen = {name for name, value in result.responses.filter(like="crops__").iloc[0].items() if pd.notna(value) and value}
    codes = {"Vegetables": "veg", "Herbs, spices and flowers": "flowers", "Fruit": "fruit",
             "Herbs": "herbs_only"}
    expected = {f"crops__{codes[label]}" for label in labels} if len(labels) <= 3 else set()
    assert chosen == expected


# --- states, dates, booleans ------------------------------------------------------------

def test_states_read_from_names_and_codes():
    result = _clean(home_state=["New Jersey", "ny", "OR", "Atlantis"])
    assert result.responses["home_state"].tolist()[:3] == ["NJ", "NY", "OR"]
    assert pd.isna(result.responses["home_state"].iloc[3])
    rules = [rule for *_, rule in _logged(result, "home_state")]
    assert rules == ["state_name", "label_variant", "unknown_label"]


def test_dates_read_iso_silently_and_other_formats_with_a_log_entry():
    result = _clean(joined_on=["2016-11-20", "11/21/2016", "someday"])
    dates = result.responses["joined_on"].tolist()[:2]
    assert dates == [pd.Timestamp("2016-11-20"), pd.Timestamp("2016-11-21")]
    assert pd.isna(result.responses["joined_on"].iloc[2])
    assert [rule for *_, rule in _logged(result, "joined_on")] == ["date_format", "invalid_date"]


def test_booleans_read_yes_no_and_variants():
    result = _clean(volunteers=["Yes", "no", "1", "maybe"])
    assert result.responses["volunteers"].tolist() == [True, False, True, pd.NA]
    assert [rule for *_, rule in _logged(result, "volunteers")] == ["boolean_variant", "unknown_label"]


# --- rows -------------------------------------------------------------------------------

def test_duplicate_keys_keep_the_most_complete_response():
    result = _clean(respondent=["A", "A"], plots=["", "2"], hours_week=["1", "3"])
    assert result.responses["source_row"].tolist() == [3]
    assert result.quarantine["reasons"].tolist() == ["duplicate of row 3 (respondent 'A')"]


def test_duplicate_ties_are_broken_by_the_latest_recorded_date():
    raw = _raw(metadata={"RecordedDate": ["2019-05-02 10:00", "2019-05-01 10:00"]},
               respondent=["A", "A"], plots=["1", "2"])
    result = clean_responses(raw, CODEBOOK)
    assert result.responses["plots"].tolist() == [1]
    assert result.quarantine["source_row"].tolist() == [3]


def test_duplicate_ties_without_dates_keep_the_later_row():
    result = _clean(respondent=["A", "A"], plots=["1", "2"])
    assert result.responses["plots"].tolist() == [2]


def test_rows_without_a_key_are_quarantined():
    result = _clean(respondent=["", "B"], plots=["1", "2"])
    assert result.quarantine["source_row"].tolist() == [2]
    assert result.quarantine["reasons"].iloc[0].startswith("missing key")


def test_empty_rows_are_quarantined_as_empty():
    result = _clean(respondent=["", "B"], plots=["", "2"])
    assert result.quarantine["reasons"].tolist() == ["empty row (no answers)"]


def test_preview_responses_are_quarantined():
    raw = _raw(metadata={"Status": ["Survey Preview", "IP Address"]}, plots=["1", "2"])
    result = clean_responses(raw, CODEBOOK)
    assert result.quarantine["reasons"].tolist() == ["test or preview response (Status = 'Survey Preview')"]


def test_completeness_is_the_share_of_non_pii_questions_answered():
    # 10 non-PII questions besides the key; this response answers 3 of them.
    result = _clean(plots=["1"], hours_week=["2"], crops=["Fruit"], full_name=["Ann"])
    assert result.responses["completeness"].tolist() == [0.3]


def test_pii_questions_never_reach_responses_or_log():
    result = _clean(full_name=["  Ann Lee  "])
    assert "full_name" not in result.responses
    assert "full_name" not in set(result.log["question"])


def test_questions_absent_from_the_export_are_typed_missing_columns():
    result = _clean(plots=["1"])
    assert result.responses["garden_site"].isna().all()
    assert isinstance(result.responses["garden_site"].dtype, pd.CategoricalDtype)
    assert "garden_site" in result.absent_questions


def test_rows_in_equal_rows_cleaned_plus_quarantined():
    result = _clean(respondent=["A", "A", "", "B"], plots=["1", "2", "3", "4"])
    assert (len(result.responses), len(result.quarantine), result.raw_rows) == (2, 2, 4)


def test_output_columns_and_dtypes_follow_the_design():
    result = _clean(plots=["1"])
    assert list(result.responses.columns) == list(cleaned_dtypes(CODEBOOK))
    assert tuple(result.quarantine.columns) == QUARANTINE_COLUMNS
    assert tuple(result.log.columns) == LOG_COLUMNS
    assert str(result.responses["respondent"].dtype) == "string"
    assert str(result.responses["crops__veg"].dtype) == "boolean"


def test_a_lost_row_raises_instead_of_passing_silently(monkeypatch):
    monkeypatch.setattr("ipo_research.survey.cleaning._quarantine_frame",
                        lambda rows, reasons, key: pd.DataFrame(columns=list(QUARANTINE_COLUMNS)))
    with pytest.raises(DataError, match="2 rows read but 1 cleaned and 0 quarantined"):
        _clean(respondent=["A", "A"], plots=["1", "2"])


# --- summaries for the clean notebook ---------------------------------------------------

def test_quarantine_reasons_count_rows_by_kind():
    result = _clean(respondent=["A", "A", "A", ""], plots=["1", "2", "3", "4"])
    assert quarantine_reasons(result).to_dict("list") == {"reason": ["duplicate key", "missing key"],
                                                          "rows": [2, 1]}


def test_recodes_by_rule_count_values_and_name_questions():
    result = _clean(plots=["N/A", "40"], hours_week=["N/A", "1"])
    table = recodes_by_rule(result)
    assert table.to_dict("list") == {"rule": ["missing_code", "out_of_range"], "values": [2, 1],
                                     "questions": ["plots, hours_week", "plots"]}


def test_missingness_by_question_is_the_share_unanswered():
    result = _clean(plots=["1", ""], crops=["Fruit", "Fruit"])
    shares = missingness_by_question(result.responses, CODEBOOK).set_index("question")["missing_share"]
    assert (shares["plots"], shares["crops"], shares["garden_site"]) == (0.5, 0.0, 1.0)


def test_cleaning_summary_counts_rows_and_values():
    result = _clean(respondent=["A", "A", "B"], plots=["1", "2", "N/A"])
    summary = dict(zip(*cleaning_summary(result).to_dict("list").values()))
    assert (summary["rows read"], summary["responses kept"], summary["rows quarantined"]) == ("3", "2", "1")
    assert summary["values recoded or set missing (logged)"] == "1"

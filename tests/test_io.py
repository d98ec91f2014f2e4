"""Reading every export layout, the errors bad files give, and writing and loading OUT/data."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from ipo_research.survey.cleaning import clean_responses
from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import ConfigError, DataError, ReadError
from ipo_research.survey.cleaned import load_responses, write_clean_outputs
from ipo_research.survey.exports import read_export
from ipo_research.survey.layouts import detect_layout
from ipo_research.paths import PROJECT_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
CODEBOOK = load_codebook("tests/fixtures/garden_codebook.yaml")
LAYOUT_FIXTURES = {
    "garden_plain.csv": "plain",
    "garden_plain_bom.csv": "plain",
    "garden_plain_cp1252.csv": "plain",
    "garden_plain.xlsx": "plain",
    "garden_qualtrics.csv": "qualtrics",
    "garden_surveymonkey.csv": "surveymonkey",
    "garden_surveymonkey.xlsx": "surveymonkey",
    "garden_google_forms.csv": "google_forms",
    "garden.sav": "spss",
    "garden.dta": "stata",
}


def _write(tmp_path, text, name="export.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


# --- layouts ----------------------------------------------------------------------------

def test_a_plain_csv_keyed_by_respondent_id_is_read_as_plain(tmp_path):
    # One SurveyMonkey signal (a respondent id column) is not enough: it takes two.
    assert detect_layout([["respondent_id", "state"], ["R_1", "Ohio"]]) == "plain"
    raw = read_export(_write(tmp_path, "Respondent ID,How many plots do you tend?\nR_1,2\nR_2,3\n"), CODEBOOK)
    assert raw.layout == "plain"
    assert raw.layout_reason == ('one header row; no platform\'s signals (only a "Respondent ID" column, '
                                 'SurveyMonkey needs two signals)')
    assert raw.responses["respondent"].tolist() == ["R_1", "R_2"]  # the first response is not a header


def test_the_surveymonkey_fixture_is_recognised_by_two_signals():
    raw = read_export(FIXTURES / "garden_surveymonkey.csv", CODEBOOK)
    assert raw.layout == "surveymonkey"
    assert raw.layout_reason == ('a "Respondent ID" column and a "Collector ID" column and '
                                 'a second header row reading "Response"')


@pytest.mark.parametrize("name, layout", LAYOUT_FIXTURES.items())
def test_each_fixture_is_read_with_its_layout_detected(name, layout):
    raw = read_export(FIXTURES / name, CODEBOOK)
    assert raw.layout == layout
    assert raw.unmapped_columns == []
    assert raw.responses["respondent"].tolist()[-6:] == ["R_1", "R_2", "R_3", "R_4", "R_5", "R_2"]


@pytest.mark.parametrize("name", LAYOUT_FIXTURES)
def test_every_layout_cleans_to_the_same_responses(name):
    reference = clean_responses(read_export(FIXTURES / "garden_plain.csv", CODEBOOK), CODEBOOK)
    result = clean_responses(read_export(FIXTURES / name, CODEBOOK), CODEBOOK)
    pd.testing.assert_frame_equal(result.responses.drop(columns="source_row"),
                                  reference.responses.drop(columns="source_row"))


@pytest.mark.parametrize("name", LAYOUT_FIXTURES)
def test_every_fixture_keeps_the_row_invariant(name):
    result = clean_responses(read_export(FIXTURES / name, CODEBOOK), CODEBOOK)
    assert len(result.responses) + len(result.quarantine) == result.raw_rows


def test_source_rows_count_header_rows_as_a_spreadsheet_shows_them():
    assert read_export(FIXTURES / "garden_qualtrics.csv", CODEBOOK).source_rows[:2].tolist() == [4, 5]
    assert read_export(FIXTURES / "garden_surveymonkey.csv", CODEBOOK).source_rows[:1].tolist() == [3]
    assert read_export(FIXTURES / "garden.sav", CODEBOOK).source_rows[:1].tolist() == [1]


def test_qualtrics_metadata_is_recognised_and_kept_apart():
    raw = read_export(FIXTURES / "garden_qualtrics.csv", CODEBOOK)
    assert "IPAddress" in raw.metadata_columns and "RecipientEmail" in raw.metadata_columns
    assert "IPAddress" not in raw.responses


def test_encodings_are_detected():
    assert read_export(FIXTURES / "garden_plain_cp1252.csv", CODEBOOK).encoding == "windows-1252"
    assert read_export(FIXTURES / "garden_plain_bom.csv", CODEBOOK).encoding == "utf-8"


def test_windows_1252_text_is_decoded_correctly():
    raw = read_export(FIXTURES / "garden_plain_cp1252.csv", CODEBOOK)
    assert raw.responses["full_name"].iloc[0] == "Ana Díaz"


def test_spss_value_labels_are_applied():
    raw = read_export(FIXTURES / "garden.sav", CODEBOOK)
    assert raw.responses["satisfaction"].iloc[0] == "Satisfied"


def test_option_columns_are_joined_into_the_chosen_labels():
    raw = read_export(FIXTURES / "garden_surveymonkey.csv", CODEBOOK)
    assert raw.responses["crops"].iloc[0] == "Vegetables; Herbs, spices and flowers"


def test_unmapped_columns_are_reported_not_dropped_silently(tmp_path):
    path = _write(tmp_path, "respondent,plots,favourite_colour\nR_1,2,blue\n")
    assert read_export(path, CODEBOOK).unmapped_columns == ["favourite_colour"]


def test_plain_option_columns_named_id_and_code_are_read_as_one_multi_answer(tmp_path):
    path = _write(tmp_path, "respondent,crops__veg,crops__fruit,volunteers\nR_1,True,False,Yes\nR_2,0,1,No\n")
    result = clean_responses(read_export(path, CODEBOOK), CODEBOOK)
    assert result.responses[["crops__veg", "crops__fruit"]].values.tolist() == [[True, False], [False, True]]


def test_a_blank_line_is_an_empty_row_and_later_rows_keep_their_numbers(tmp_path):
    path = _write(tmp_path, "respondent,plots\nR_1,1\n\nR_2,2\n")
    result = clean_responses(read_export(path, CODEBOOK), CODEBOOK)
    assert result.responses["source_row"].tolist() == [2, 4]
    assert result.quarantine[["source_row", "reasons"]].values.tolist() == [[3, "empty row (no answers)"]]


def test_google_grid_items_map_through_stem_and_item(tmp_path):
    codebook = load_codebook("data/codebook.yaml")
    question = codebook.question("toc_elections")
    stem, item = question.text.split(" - ", 1)
    path = _write(tmp_path, f'Timestamp,Response ID,"{stem} [{item}]"\n2017/01/01,R_1,Agree\n')
    raw = read_export(path, codebook)
    assert raw.responses["toc_elections"].tolist() == ["Agree"]


def test_a_layout_can_be_forced(tmp_path):
    path = _write(tmp_path, "Timestamp,respondent,plots\n2019/01/01,R_1,2\n")
    assert read_export(path, CODEBOOK, layout="plain").layout == "plain"


def test_raw_files_are_unchanged_by_reading_cleaning_and_writing(tmp_path):
    path = FIXTURES / "garden_qualtrics.csv"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = clean_responses(read_export(path, CODEBOOK), CODEBOOK)
    write_clean_outputs(result, tmp_path, source_path=path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


# --- bad input --------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="file not found"):
        read_export(tmp_path / "nope.csv", CODEBOOK)


def test_empty_file(tmp_path):
    with pytest.raises(ReadError, match="the file is empty"):
        read_export(_write(tmp_path, ""), CODEBOOK)


def test_binary_garbage(tmp_path):
    with pytest.raises(ReadError, match="binary file, not a CSV"):
        read_export(_write(tmp_path, bytes(range(256)) * 4), CODEBOOK)


def test_header_row_without_responses(tmp_path):
    with pytest.raises(ReadError, match="header row\\(s\\) but no responses"):
        read_export(_write(tmp_path, "respondent,plots\n"), CODEBOOK)


def test_unknown_layout(tmp_path):
    with pytest.raises(ReadError, match="unknown layout: no column header \\(e.g. 'colour', 'size'\\)"):
        read_export(_write(tmp_path, "colour,size\nred,2\n"), CODEBOOK)


def test_unknown_forced_layout_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown layout 'excel2'"):
        read_export(FIXTURES / "garden_plain.csv", CODEBOOK, layout="excel2")


def test_duplicate_headers(tmp_path):
    with pytest.raises(ReadError, match="column 2 'plots' and column 3 'Q5' both hold question 'plots'"):
        read_export(_write(tmp_path, "respondent,plots,Q5\nR_1,1,2\n"), CODEBOOK)


def test_identical_headers(tmp_path):
    with pytest.raises(ReadError, match="column 2 'colour' and column 3 'colour'"):
        read_export(_write(tmp_path, "respondent,colour,colour\nR_1,1,2\n"), CODEBOOK)


def test_key_column_missing(tmp_path):
    with pytest.raises(ReadError, match="the key column is missing: no header matches question 'respondent'"):
        read_export(_write(tmp_path, "plots,hours_week\n1,2\n"), CODEBOOK)


def test_unreadable_encoding(tmp_path):
    path = _write(tmp_path, b"respondent,plots\nR_1,\x81\x9d\n")
    with pytest.raises(ReadError, match="byte 0x81 on line 2 is neither UTF-8 nor Windows-1252"):
        read_export(path, CODEBOOK)


def test_ragged_csv(tmp_path):
    with pytest.raises(ReadError, match="not a readable CSV .*line 3"):
        read_export(_write(tmp_path, "respondent,plots\nR_1,1\nR_2,1,Herbs, spices\n"), CODEBOOK)


def test_broken_excel_file(tmp_path):
    with pytest.raises(ReadError, match="not a readable Excel file"):
        read_export(_write(tmp_path, "not a zip", name="export.xlsx"), CODEBOOK)


def test_an_output_folder_that_is_a_file_is_a_data_error(tmp_path):
    (tmp_path / "out").write_text("")
    result = clean_responses(read_export(FIXTURES / "garden_plain.csv", CODEBOOK), CODEBOOK)
    with pytest.raises(DataError, match="cannot create the output folder"):
        write_clean_outputs(result, tmp_path / "out", source_path=FIXTURES / "garden_plain.csv")


@pytest.mark.parametrize("name, kind", [("export.sav", "SPSS"), ("export.dta", "STATA")])
def test_broken_spss_and_stata_files(tmp_path, name, kind):
    with pytest.raises(ReadError, match=f"export.{name[-3:]}: not a readable {kind} file"):
        read_export(_write(tmp_path, "garbage, not a data file", name=name), CODEBOOK)


# --- outputs ----------------------------------------------------------------------------

def _clean_into(out_dir, name="garden_qualtrics.csv"):
    path = FIXTURES / name
    result = clean_responses(read_export(path, CODEBOOK), CODEBOOK)
    return write_clean_outputs(result, out_dir, source_path=path)


def test_outputs_are_written_to_out_data(tmp_path):
    written = _clean_into(tmp_path)
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == [
        "cleaning_log.csv", "quarantine.csv", "responses.parquet", "source.json"]
    assert set(written) == {"responses", "quarantine", "log", "source"}


def test_outputs_are_byte_identical_across_runs(tmp_path):
    first = {name: path.read_bytes() for name, path in _clean_into(tmp_path / "a").items()}
    second = {name: path.read_bytes() for name, path in _clean_into(tmp_path / "b").items()}
    assert first == second


def test_source_record_names_the_raw_file_relative_to_root_with_its_hash(tmp_path):
    record = json.loads(_clean_into(tmp_path)["source"].read_text())
    raw = FIXTURES / "garden_qualtrics.csv"
    assert record == {"source": raw.relative_to(PROJECT_ROOT).as_posix(),
                      "sha256": hashlib.sha256(raw.read_bytes()).hexdigest(), "synthetic": False,
                      "synthetic_marker": None}


def test_quarantine_csv_lists_source_row_key_and_reasons(tmp_path):
    text = _clean_into(tmp_path)["quarantine"].read_text()
    assert text == ('"source_row","key","reasons"\n'
                    '4,"R_0","test or preview response (Status = \'Survey Preview\')"\n'
                    '10,"R_2","duplicate of row 6 (respondent \'R_2\')"\n')


def test_cleaning_log_reads_back_with_its_columns_and_values(tmp_path):
    log = pd.read_csv(_clean_into(tmp_path)["log"], keep_default_na=False, na_values=[])
    assert list(log.columns) == ["row", "key", "question", "raw_value", "clean_value", "rule"]
    out_of_range = log[log["rule"] == "out_of_range"]
    assert out_of_range[["row", "question", "raw_value"]].values.tolist() == [[8, "plots", "40"]]


def test_no_pii_or_metadata_in_any_output(tmp_path):
    written = _clean_into(tmp_path)
    text = written["quarantine"].read_text() + written["log"].read_text()
    responses = pd.read_parquet(written["responses"])
    for secret in ("Ana Diaz", "203.0.113.9", "someone@example.org"):
        assert secret not in text
        assert not responses.astype(str).isin([secret]).any().any()
    assert "full_name" not in responses


def test_load_responses_reads_parquet_back_with_the_cleaned_dtypes(tmp_path):
    written = _clean_into(tmp_path)
    loaded = load_responses(written["responses"], CODEBOOK)
    in_memory = load_responses(FIXTURES / "garden_qualtrics.csv", CODEBOOK)
    pd.testing.assert_frame_equal(loaded, in_memory)
    assert list(loaded["garden_site"].cat.categories) == ["north", "river", "school"]


def test_load_responses_from_a_missing_parquet_says_to_clean_first(tmp_path):
    with pytest.raises(ReadError, match="Run `ipo-research clean"):
        load_responses(tmp_path / "responses.parquet", CODEBOOK)


def test_load_responses_rejects_parquet_of_another_codebook(tmp_path):
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "responses.parquet")
    with pytest.raises(ReadError, match="cleaned with another codebook"):
        load_responses(tmp_path / "responses.parquet", CODEBOOK)

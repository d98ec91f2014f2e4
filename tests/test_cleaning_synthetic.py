"""The shipped synthetic export cleans with its planted mess accounted for.

``data/synthetic/mess_log.csv`` is the answer key of the mess the generator planted (``row`` is
the 1-based data row; the Qualtrics export has three header rows, so the file row is row + 3).
"""

import pandas as pd
import pytest

from ipo_research.survey.cleaning import clean_responses
from ipo_research.survey.codebook import load_codebook
from ipo_research.survey.exports import read_export
from ipo_research.paths import SYNTHETIC_EXPORT_PATH

QUALTRICS_HEADER_ROWS = 3


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def raw(codebook):
    return read_export(SYNTHETIC_EXPORT_PATH, codebook)


@pytest.fixture(scope="module")
def result(raw, codebook):
    return clean_responses(raw, codebook)


@pytest.fixture(scope="module")
def mess():
    return pd.read_csv(SYNTHETIC_EXPORT_PATH.parent / "mess_log.csv", dtype=str, keep_default_na=False)


def test_it_reads_as_qualtrics_with_every_column_mapped(raw):
    assert raw.layout == "qualtrics"
    assert raw.unmapped_columns == []
    assert {"IPAddress", "RecipientEmail", "LocationLatitude"} <= set(raw.metadata_columns)


def test_the_planted_duplicate_is_quarantined_with_the_row_it_repeats(result, mess):
    planted = mess[mess["kind"] == "duplicate"]
    rows = {int(planted["row"].iloc[0]) + QUALTRICS_HEADER_ROWS,
            int(planted["repeats"].iloc[0]) + QUALTRICS_HEADER_ROWS}
    quarantined = result.quarantine.set_index("key").loc[planted["org_id"].iloc[0]]
    kept_row = result.responses.set_index("org_id").loc[planted["org_id"].iloc[0], "source_row"]
    assert {int(quarantined["source_row"]), int(kept_row)} == rows
    assert quarantined["reasons"].startswith(f"duplicate of row {kept_row}")
    assert len(result.quarantine) == len(planted)


def test_impossible_numbers_are_set_missing_and_logged_out_of_range(result, mess):
    planted = mess[mess["kind"] == "impossible"]
    assert len(planted) >= 1
    log = result.log.set_index(["key", "question"])
    for _, cell in planted.iterrows():
        assert log.loc[(cell["org_id"], cell["question"]), "rule"] == "out_of_range"
        value = result.responses.set_index("org_id").loc[cell["org_id"], cell["question"]]
        assert pd.isna(value)


def test_currency_strings_are_parsed_to_the_planted_amount(result, mess):
    planted = mess[mess["kind"] == "currency"]
    responses = result.responses.set_index("org_id")
    for _, cell in planted.iterrows():
        if cell["org_id"] not in responses.index:
            continue
        value = responses.loc[cell["org_id"], cell["question"]]
        # "1.1 million" for 1,080,000: the respondent rounded, the parser must not.
        assert value == pytest.approx(float(cell["clean"]), rel=0.05), (cell["raw"], value)


def test_pii_is_gone(result, codebook):
    assert not set(codebook.pii_ids) & set(result.responses.columns)
    assert not set(codebook.pii_ids) & set(result.log["question"])


def test_partial_responses_are_kept_with_their_completeness(result, mess):
    partial = mess[mess["kind"] == "partial"]["org_id"]
    completeness = result.responses.set_index("org_id").loc[partial, "completeness"]
    assert (completeness < 0.75).all()
    assert (result.responses["completeness"] > 0).all()


def test_rows_in_equal_rows_cleaned_plus_quarantined(raw, result):
    assert len(raw) == len(result.responses) + len(result.quarantine) == result.raw_rows


def test_every_cell_cleans_back_to_the_generators_truth_where_nothing_was_blanked(result, mess, codebook):
    from ipo_research.synth.generator import synthesize_truth

    truth = synthesize_truth(codebook).set_index("org_id")
    responses = result.responses.set_index("org_id")
    blanked = mess[mess["kind"].isin(["skipped", "missing_code", "impossible"])]
    blanked = set(zip(blanked["org_id"], blanked["question"]))
    rounded = mess[mess["kind"].isin(["currency", "approximate"])]
    rounded = set(zip(rounded["org_id"], rounded["question"]))
    unreliable = set(mess[mess["kind"].isin(["partial", "duplicate"])]["org_id"])
    differences = []
    for question in codebook.public_questions[1:]:  # the key is the index
        for column in question.columns:
            for org, value in responses[column].items():
                if org in unreliable or (org, question.id) in blanked:
                    continue
                expected = truth.loc[org, column]
                if (org, question.id) in rounded:
                    same = value == pytest.approx(float(expected), rel=0.2)  # "5-7" for 5.5
                else:
                    same = (pd.isna(value) and pd.isna(expected)) or value == expected
                if not same:
                    differences.append((org, column, value, expected))
    assert differences == []

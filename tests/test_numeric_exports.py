"""Exports of codes instead of labels, and drafting from SPSS/Stata metadata or an export alone.

Each export is written here; the expected values are the answers as given, by hand.
"""

import pandas as pd
import pytest

from ipo_research.survey.cleaning import clean_responses
from ipo_research.survey.codebook import codebook_from_dict
from ipo_research.survey.draft import draft_codebook
from ipo_research.survey.exports import read_export

CODEBOOK = {
    "survey": {"id": "garden", "key": "rid"},
    "sections": [{"id": "s", "title": "S"}],
    "questions": [
        {"id": "rid", "section": "s", "type": "id", "text": "Response ID", "source": ["ResponseId", "rid"]},
        {"id": "soil", "section": "s", "type": "single", "text": "Soil", "source": ["Q1", "QID1"],
         "levels": [{"code": 1, "label": "Clay"}, {"code": 2, "label": "Sand"}, {"code": 3, "label": "Loam"}]},
        {"id": "sun", "section": "s", "type": "likert", "text": "Sun", "source": ["Q2", "QID2"],
         "levels": [{"code": 1, "label": "Shade"}, {"code": 2, "label": "Some"}, {"code": 3, "label": "Full"}]},
        {"id": "crops", "section": "s", "type": "multi", "text": "Crops", "source": ["Q3", "QID3"],
         "options": [{"code": 1, "label": "Beans", "source": ["Q3_1"]},
                     {"code": 3, "label": "Corn", "source": ["Q3_3"]},
                     {"code": 5, "label": "Squash", "source": ["Q3_5"]}]},
        {"id": "fenced", "section": "s", "type": "boolean", "text": "Fenced?", "source": ["Q4", "QID4"],
         "levels": [{"code": 1, "label": "Yes"}, {"code": 2, "label": "No"}]},
    ],
}
EXPECTED = {
    "soil": [2, 3, None, 1],
    "sun": [3, 1, 2, None],
    "crops__1": [True, False, True, False],
    "crops__3": [True, False, False, False],
    "crops__5": [True, True, False, False],
    "fenced": [True, False, None, True],
}


def _values(result, column):
    return [None if pd.isna(value) else value for value in result.responses[column]]


def _check(path, codebook=None):
    codebook = codebook_from_dict(codebook or CODEBOOK)
    raw = read_export(path, codebook)
    result = clean_responses(raw, codebook)
    assert raw.unmapped_columns == [] and len(result.responses) == 4
    for column, expected in EXPECTED.items():
        # Respondent 4 stopped after the first questions: crops stays missing for them only
        # when nothing later was answered; here they answered `fenced`, so none chosen.
        assert _values(result, column) == expected, column
    return result


def test_a_qualtrics_numeric_values_export_with_comma_joined_codes(tmp_path):
    path = tmp_path / "numeric.csv"
    path.write_text(
        "ResponseId,Q1,Q2,Q3,Q4\n"
        "Response ID,Soil,Sun,Crops,Fenced?\n"
        '{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2"},{"ImportId":"QID3"},{"ImportId":"QID4"}\n'
        'R_1,2,3,"1,3,5",1\nR_2,3,1,5,2\nR_3,,2,1,\nR_4,1,,,1\n', encoding="utf-8")
    _check(path)


def test_a_select_all_as_one_column_per_option_with_1_or_blank(tmp_path):
    path = tmp_path / "split.csv"
    path.write_text(
        "ResponseId,Q1,Q2,Q3_1,Q3_3,Q3_5,Q4\n"
        "Response ID,Soil,Sun,Crops - Beans,Crops - Corn,Crops - Squash,Fenced?\n"
        '{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2"},{"ImportId":"QID3_1"},'
        '{"ImportId":"QID3_3"},{"ImportId":"QID3_5"},{"ImportId":"QID4"}\n'
        "R_1,2,3,1,1,1,1\nR_2,3,1,,,1,2\nR_3,,2,1,,,\nR_4,1,,,,,1\n", encoding="utf-8")
    _check(path)


def test_plain_option_columns_named_id__code(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("rid,soil,sun,crops__1,crops__3,crops__5,fenced\n"
                    "R_1,2,3,1,1,1,1\nR_2,3,1,0,0,1,2\nR_3,,2,1,0,0,\nR_4,1,,0,0,0,1\n", encoding="utf-8")
    _check(path)


@pytest.mark.parametrize("suffix", [".sav", ".dta"])
def test_spss_and_stata_codes_without_value_labels(tmp_path, suffix):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({
        "rid": ["R_1", "R_2", "R_3", "R_4"],
        "Q1": [2.0, 3.0, None, 1.0], "Q2": [3.0, 1.0, 2.0, None],
        "Q3_1": [1.0, 0.0, 1.0, 0.0], "Q3_3": [1.0, 0.0, 0.0, 0.0], "Q3_5": [1.0, 1.0, 0.0, 0.0],
        "Q4": [1.0, 2.0, None, 1.0],
    })
    path = tmp_path / f"garden{suffix}"
    (pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta)(frame, str(path))
    _check(path)


def test_drafting_from_an_spss_file_uses_its_labels_and_missing_values(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({
        "ResponseId": ["R_1", "R_2", "R_3", "R_4"],
        "soil": [2.0, 3.0, 9.0, 1.0],
        "sun": [3.0, 1.0, 2.0, 2.0],
        "fenced": [1.0, 0.0, 1.0, 0.0],
        "beds": [4.0, 12.0, 7.0, 0.0],
        "email": ["a@x.org", "b@x.org", "", "d@x.org"],
    })
    path = tmp_path / "garden.sav"
    pyreadstat.write_sav(
        frame, str(path),
        column_labels=["Response ID", "Main soil type", "Sun on the beds", "Is the garden fenced?",
                       "How many beds?", "Contact"],
        variable_value_labels={"soil": {1: "Clay", 2: "Sand", 3: "Loam", 9: "Not sure"},
                               "sun": {1: "Shade", 2: "Some sun", 3: "Full sun"},
                               "fenced": {0: "No", 1: "Yes"}},
        missing_ranges={"soil": [9]}, variable_measure={"sun": "ordinal", "soil": "nominal"})
    draft = draft_codebook(path)
    questions = {q["id"]: q for q in draft.codebook["questions"]}
    assert questions["response_id"]["source"] == ["ResponseId", "Response ID"]
    assert questions["soil"]["type"] == "single" and questions["soil"]["text"] == "Main soil type"
    assert [(l["code"], l["label"]) for l in questions["soil"]["levels"]] == [(1, "Clay"), (2, "Sand"), (3, "Loam")]
    assert questions["soil"]["missing"] == ["9", "Not sure"]
    assert questions["sun"]["type"] == "likert"
    assert questions["fenced"]["type"] == "boolean"
    assert questions["beds"]["type"] == "integer"
    assert questions["email"]["type"] == "text" and questions["email"]["pii"] is True
    assert not draft.unresolved
    codebook = codebook_from_dict(draft.codebook)
    result = clean_responses(read_export(path, codebook), codebook)
    assert _values(result, "soil") == [2, 3, None, 1]
    assert _values(result, "fenced") == [True, False, True, False]
    assert "email" not in result.responses


def test_drafting_from_an_export_alone_reads_types_from_the_values(tmp_path):
    path = tmp_path / "forms.csv"
    rows = [
        ("R_1", "Ohio", "$1,200", "12", "Yes", "Clay", "Beans, Corn", "2024-03-01", "ann@x.org", "lovely"),
        ("R_2", "Texas", "$300", "4", "No", "Sand", "Corn", "2024-03-02", "bo@x.org", "windy spot"),
        ("R_3", "Ohio", "45k", "7", "Yes", "Clay", "Squash; Beans", "2024-03-05", "cy@x.org", "ok"),
        ("R_4", "Maine", "N/A", "0", "No", "Sand", "Beans", "2024-04-01", "", "too shady"),
        ("R_5", "Texas", "$2,000", "3", "Yes", "Clay", "Corn, Squash", "2024-04-02", "di@x.org", "fine"),
    ]
    header = "Response ID,Home state,Budget,Beds,Fenced,Soil,Crops,Planted on,Reach you at,Comments"
    path.write_text(header + "\n" + "\n".join(",".join(f'"{c}"' for c in row) for row in rows) + "\n",
                    encoding="utf-8")
    draft = draft_codebook(path)
    types = {q["id"]: q["type"] for q in draft.codebook["questions"]}
    assert types == {"response_id": "id", "home_state": "state", "budget": "integer", "beds": "integer",
                     "fenced": "boolean", "soil": "single", "crops": "multi", "planted_on": "date",
                     "reach_you_at": "text", "comments": "text"}
    questions = {q["id"]: q for q in draft.codebook["questions"]}
    assert questions["budget"]["unit"] == "USD"
    assert questions["reach_you_at"]["pii"] is True and "pii" not in questions["comments"]
    assert [o["label"] for o in questions["crops"]["options"]] == ["Beans", "Corn", "Squash"]
    assert any(note.startswith("Crops: possible select-all") for note in draft.notes)
    assert not draft.unresolved
    codebook = codebook_from_dict(draft.codebook)
    result = clean_responses(read_export(path, codebook), codebook)
    assert _values(result, "budget") == [1200, 300, 45000, None, 2000]
    assert _values(result, "crops__corn") == [True, True, False, False, True]

"""`codebook draft` on a survey the package never saw: a .qsf and its exports, written here.

The survey (a small volunteer-program survey) has a recoded single question, a select-all with
a comma inside a label and an "Other" text box, a likert matrix with an excluded "Not
applicable" point and a statement with its own export tag, a numeric form, a number with a
range, a yes/no question, a contact question and a question left in the Trash. The same five
responses are exported three ways: the current Qualtrics layout with choice text, the current
layout with numeric values, and the old layout (bare ``QIDn-m`` ImportIds) with numeric values
and the select-all split into one 1/blank column per option. The expected values below are the
answers as a respondent gave them, written down by hand, not taken from a run.
"""

import csv
import json

import pandas as pd
import pytest

from ipo_research.cli import main
from ipo_research.survey.cleaning import clean_responses
from ipo_research.survey.codebook import load_codebook
from ipo_research.survey.draft import draft_codebook
from ipo_research.survey.exports import read_export


def _q(qid, tag, text, qtype, selector, **extra):
    payload = {"QuestionText": text, "DataExportTag": tag, "QuestionType": qtype, "Selector": selector,
               "QuestionID": qid, **extra}
    return {"SurveyID": "SV_x", "Element": "SQ", "PrimaryAttribute": qid, "Payload": payload}


def _choices(*labels, **flags):
    return {str(i): {"Display": label, **flags.get(str(i), {})} for i, label in enumerate(labels, 1)}


SURVEY = {
    "SurveyEntry": {"SurveyID": "SV_x", "SurveyName": "Volunteer program check-in"},
    "SurveyElements": [
        {"SurveyID": "SV_x", "Element": "BL", "Payload": [
            # Listed before the first block, reached second in the flow.
            {"Type": "Standard", "Description": "Program", "ID": "BL_b",
             "BlockElements": [{"Type": "Question", "QuestionID": q} for q in ("QID4", "QID5", "QID6", "QID7")]},
            {"Type": "Default", "Description": "About you", "ID": "BL_a",
             "BlockElements": [{"Type": "Question", "QuestionID": q} for q in ("QID1", "QID10", "QID2", "QID3")]},
            {"Type": "Trash", "Description": "Trash / Unused Questions", "ID": "BL_t",
             "BlockElements": [{"Type": "Question", "QuestionID": "QID9"}]},
        ]},
        {"SurveyID": "SV_x", "Element": "FL", "Payload": {"Type": "Root", "FlowID": "FL_1", "Flow": [
            {"Type": "Block", "ID": "BL_a", "FlowID": "FL_2"},
            {"Type": "Branch", "FlowID": "FL_3", "Flow": [{"Type": "Standard", "ID": "BL_b", "FlowID": "FL_4"}]},
        ]}},
        _q("QID1", "Q1", "<p>Your <b>email</b> address</p>", "TE", "SL"),
        _q("QID10", "Q10", "Describe your chapter", "TE", "ESTB"),
        _q("QID2", "Q2", "Where do you canvass most?", "MC", "SAVR",
           Choices=_choices("Downtown", "Suburbs", "<i>Rural</i> towns"), ChoiceOrder=["1", "2", "3"],
           RecodeValues={"1": "10", "2": "20", "3": "30"}, VariableNaming={"1": "city", "2": "Suburbs", "3": "rural"}),
        _q("QID3", "Q3", "Which tactics did you use? Select all that apply.", "MC", "MAVR",
           Choices=_choices("Flyers", "Phone calls", "Door knocking, canvassing", "Other",
                            **{"4": {"TextEntry": "true"}}),
           ChoiceOrder=["1", "2", "3", "4"], RecodeValues={"1": "1", "2": "2", "3": "5", "4": "9"},
           Validation={"Settings": {"Type": "MinMaxChoices", "MaxChoices": "3"}}),
        _q("QID4", "Q4", "How well is your chapter doing on each?", "Matrix", "Likert", SubSelector="SingleAnswer",
           Choices=_choices("Recruiting", "Training"), ChoiceOrder=["1", "2"],
           Answers=_choices("Poor", "Fair", "Good", "Excellent", "Not applicable"), AnswerOrder=["1", "2", "3", "4", "5"],
           RecodeValues={"1": "1", "2": "2", "3": "3", "4": "4", "5": "99"}, AnalyzeChoices={"5": "No"},
           ChoiceDataExportTags={"1": "recruit", "2": "Q4_2"}),
        _q("QID5", "Q5", "How many people took part?", "TE", "FORM",
           Choices=_choices("Volunteers", "Leaders"), ChoiceOrder=["1", "2"],
           Validation={"Settings": {"Type": "ContentType", "ContentType": "ValidNumber",
                                    "ValidDetails": {"Min": "0", "Max": "", "NumDecimals": "0"}}}),
        _q("QID6", "Q6", "What percentage of your budget came from dues?", "TE", "SL",
           Validation={"Settings": {"Type": "ContentType", "ContentType": "ValidNumber",
                                    "ValidDetails": {"Min": "0", "Max": "100"}}}),
        _q("QID7", "Q7", "Did you hold a training this year?", "MC", "SAHR",
           Choices=_choices("Yes", "No"), ChoiceOrder=["1", "2"]),
        _q("QID8", "Q8", "Introduction", "DB", "TB"),
        _q("QID9", "Q9", "A question we deleted", "TE", "SL"),
    ],
}

META = [("StartDate", "Start Date", '{"ImportId":"startDate"}'), ("Status", "Response Type", '{"ImportId":"status"}'),
        ("ResponseId", "Response ID", '{"ImportId":"_recordId"}')]
# Column: (tag, text, new-style ImportId, old-style ImportId)
COLUMNS = [
    ("Q1", "Your email address", "QID1_TEXT", "QID1-TEXT"),
    ("Q10", "Describe your chapter", "QID10_TEXT", "QID10-TEXT"),
    ("Q2", "Where do you canvass most?", "QID2", "QID2"),
    ("Q3", "Which tactics did you use? Select all that apply.", "QID3", "QID3"),
    ("Q3_4_TEXT", "Which tactics did you use? Select all that apply. - Other - Text", "QID3_4_TEXT", "QID3-4-TEXT"),
    ("recruit", "How well is your chapter doing on each? - Recruiting", "QID4_1", "QID4-1"),
    ("Q4_2", "How well is your chapter doing on each? - Training", "QID4_2", "QID4-2"),
    ("Q5_1", "How many people took part? - Volunteers", "QID5_1", "QID5-1"),
    ("Q5_2", "How many people took part? - Leaders", "QID5_2", "QID5-2"),
    ("Q6", "What percentage of your budget came from dues?", "QID6_TEXT", "QID6-TEXT"),
    ("Q7", "Did you hold a training this year?", "QID7", "QID7"),
]
# Five responses: labels as shown, then the numeric values Qualtrics exports for them.
LABELS = [
    ["a@x.org", "Small", "Suburbs", "Flyers,Door knocking, canvassing", "", "Good", "Poor", "12", "2", "40", "Yes"],
    ["b@x.org", "", "Rural towns", "Other", "rallies", "Excellent", "Not applicable", "30", "5", "45%", "No"],
    ["c@x.org", "Big", "Downtown", "", "", "Fair", "Good", "0", "0", "0", "Yes"],
    ["d@x.org", "", "Suburbs", "Phone calls,Other", "texts", "Poor", "Fair", "8", "1", "100", "No"],
    ["e@x.org", "Rural", "Downtown", "Flyers,Phone calls", "", "Not applicable", "Excellent", "3", "1", "5", "Yes"],
]
NUMBERS = [
    ["a@x.org", "Small", "20", "1,5", "", "3", "1", "12", "2", "40", "1"],
    ["b@x.org", "", "30", "9", "rallies", "4", "99", "30", "5", "45%", "2"],
    ["c@x.org", "Big", "10", "", "", "2", "3", "0", "0", "0", "1"],
    ["d@x.org", "", "20", "2,9", "texts", "1", "2", "8", "1", "100", "2"],
    ["e@x.org", "Rural", "10", "1,2", "", "99", "4", "3", "1", "5", "1"],
]
SPLIT_OPTIONS = [("1", "Flyers"), ("2", "Phone calls"), ("3", "Door knocking, canvassing"), ("4", "Other")]
EXPECTED = {  # draft id -> cleaned values of the five responses
    "q2": [20, 30, 10, 20, 10],
    "q3__1": [True, False, False, False, True],
    "q3__2": [False, False, False, True, True],
    "q3__5": [True, False, False, False, False],
    "q3__9": [False, True, False, True, False],
    "recruit": [3, 4, 2, 1, None],
    "q4_2": [1, None, 3, 2, 4],
    "q5_1": [12, 30, 0, 8, 3],
    "q5_2": [2, 5, 0, 1, 1],
    "q6": [40.0, 45.0, 0.0, 100.0, 5.0],
    "q7": [True, False, True, False, True],
}


def _meta_cells(row):
    return ["2024-03-0%d 10:00:00" % (row + 1), "IP Address", f"R_{row + 1}"]


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def write_new_style(path, answers):
    head = [[m[0] for m in META] + [c[0] for c in COLUMNS], [m[1] for m in META] + [c[1] for c in COLUMNS],
            [m[2] for m in META] + [json.dumps({"ImportId": c[2]}) for c in COLUMNS]]
    return _write_csv(path, head + [_meta_cells(i) + row for i, row in enumerate(answers)])


def write_old_style(path):
    # Legacy layout: bare ImportIds, numeric values, the select-all as one 1/blank column per option.
    columns = []
    for column in COLUMNS:
        if column[0] == "Q3":
            columns += [(f"Q3_{cid}", f"{column[1]} - {label}", f"QID3-{cid}") for cid, label in SPLIT_OPTIONS]
        else:
            columns.append((column[0], column[1], column[3]))
    head = [["ResponseID", "StartDate"] + [c[0] for c in columns], ["ResponseID", "StartDate"] + [c[1] for c in columns],
            ["ResponseID", "StartDate"] + [c[2] for c in columns]]
    body = []
    for i, row in enumerate(NUMBERS):
        chosen = row[3].split(",") if row[3] else []
        split = ["1" if {"1": "1", "2": "2", "3": "5", "4": "9"}[cid] in chosen else "" for cid, _ in SPLIT_OPTIONS]
        body.append([f"R_{i + 1}", "2024-03-01"] + row[:3] + split + row[4:])
    return _write_csv(path, head + body)


@pytest.fixture
def survey_files(tmp_path):
    qsf = tmp_path / "volunteers.qsf"
    qsf.write_text(json.dumps(SURVEY), encoding="utf-8")
    return {"qsf": qsf, "labels": write_new_style(tmp_path / "labels.csv", LABELS),
            "numbers": write_new_style(tmp_path / "numbers.csv", NUMBERS),
            "old": write_old_style(tmp_path / "old.csv")}


def _draft_and_clean(survey_files, export, tmp_path, capsys):
    out = tmp_path / f"{export}.codebook.yaml"
    code = main(["codebook", "draft", str(survey_files[export]), "--qsf", str(survey_files["qsf"]),
                 "--out", str(out)])
    report = capsys.readouterr().out
    codebook = load_codebook(out)
    raw = read_export(survey_files[export], codebook)
    return code, report, codebook, raw, clean_responses(raw, codebook)


@pytest.mark.parametrize("export", ["labels", "numbers", "old"])
def test_draft_then_clean_keeps_every_response_and_maps_every_column(survey_files, export, tmp_path, capsys):
    code, report, codebook, raw, result = _draft_and_clean(survey_files, export, tmp_path, capsys)
    assert code == 0, report
    assert "claimed by no question" not in report and "no column in the export" not in report
    assert raw.unmapped_columns == []
    assert result.absent_questions == []
    assert len(result.responses) == 5 and result.quarantine.empty
    assert result.responses["response_id"].tolist() == ["R_1", "R_2", "R_3", "R_4", "R_5"]
    for column, expected in EXPECTED.items():
        got = [None if pd.isna(value) else value for value in result.responses[column]]
        assert got == expected, column
    unknown = result.log[result.log["rule"].isin(["unknown_label", "unknown_option", "unparseable_number"])]
    assert unknown.empty, unknown


def test_recoded_choices_read_as_the_qsf_labels(survey_files, tmp_path, capsys):
    _, _, codebook, _, result = _draft_and_clean(survey_files, "labels", tmp_path, capsys)
    canvass = codebook.question("q2")
    assert canvass.type == "single"
    assert [(level.code, level.label) for level in canvass.levels] == [
        (10, "Downtown"), (20, "Suburbs"), (30, "Rural towns")]
    assert [canvass.label_of(code) for code in result.responses["q2"]] == [
        "Suburbs", "Rural towns", "Downtown", "Suburbs", "Downtown"]
    assert canvass.levels[0].aliases == ("city",)  # VariableNaming, where it differs from the label
    tactics = codebook.question("q3")
    assert tactics.option_codes == (1, 2, 5, 9) and tactics.max_select == 3
    assert tactics.options[2].label == "Door knocking, canvassing"


def test_the_three_exports_of_the_same_answers_clean_the_same(survey_files, tmp_path, capsys):
    frames = [_draft_and_clean(survey_files, export, tmp_path, capsys)[4].responses.drop(columns="source_row")
              for export in ("labels", "numbers", "old")]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


def test_the_draft_follows_the_qsf_rules(survey_files):
    draft = draft_codebook(survey_files["labels"], qsf=survey_files["qsf"])
    questions = {q["id"]: q for q in draft.codebook["questions"]}
    # Survey-flow order (About you before Program), Trash and descriptive text skipped.
    assert list(questions) == ["response_id", "q1", "q10", "q2", "q3", "q3_4_text", "recruit", "q4_2",
                               "q5_1", "q5_2", "q6", "q7"]
    assert [s["title"] for s in draft.codebook["sections"]] == ["About you", "Program"]
    assert draft.codebook["survey"]["key"] == "response_id"
    assert questions["q1"]["pii"] is True and questions["q1"]["text"] == "Your email address"
    assert questions["q10"].get("pii") is None
    assert questions["recruit"]["type"] == "likert"
    assert [level["code"] for level in questions["recruit"]["levels"]] == [1, 2, 3, 4]
    assert questions["recruit"]["missing"] == ["Not applicable", "99"]
    assert questions["recruit"]["source"][:2] == ["recruit", "QID4_1"]
    assert questions["q5_1"]["type"] == "integer" and questions["q5_1"]["range"] == [0, None]
    assert questions["q6"]["type"] == "numeric" and questions["q6"]["unit"] == "percent"
    assert questions["q6"]["range"] == [0, 100]
    assert questions["q7"]["type"] == "boolean"
    assert questions["q3_4_text"]["source"][:2] == ["Q3_4_TEXT", "QID3_4_TEXT"]
    assert questions["q3"]["options"][0]["source"] == ["Q3_1", "QID3_1"]


def test_unmappable_questions_are_listed_and_the_command_exits_1(tmp_path, capsys):
    survey = json.loads(json.dumps(SURVEY))
    survey["SurveyElements"].append(_q("QID11", "Q11", "Rank these", "RO", "DND",
                                       Choices=_choices("A", "B"), ChoiceOrder=["1", "2"]))
    survey["SurveyElements"][0]["Payload"][1]["BlockElements"].append({"Type": "Question", "QuestionID": "QID11"})
    qsf = tmp_path / "ranked.qsf"
    qsf.write_text(json.dumps(survey), encoding="utf-8")
    rows = list(csv.reader(open(write_new_style(tmp_path / "e.csv", LABELS), encoding="utf-8")))
    extra = [["Q11_1"], ["Rank these - A"], ['{"ImportId":"QID11_1"}']] + [["1"]] * 5
    _write_csv(tmp_path / "e.csv", [row + extra[i] for i, row in enumerate(rows)])
    out = tmp_path / "ranked.yaml"
    code = main(["codebook", "draft", str(tmp_path / "e.csv"), "--qsf", str(qsf), "--out", str(out)])
    report = capsys.readouterr().out
    assert code == 1
    assert "not drafted: Q11 (QID11): RO/DND question 'Rank these'" in report
    assert "export column claimed by no question: Q11_1" in report
    text = out.read_text(encoding="utf-8")
    assert "# not drafted: Q11 (QID11)" in text  # the YAML says so too
    assert "Q11" not in text.split("\nquestions:\n")[1]


def test_never_overwrites_without_force(survey_files, tmp_path, capsys):
    out = tmp_path / "mine.yaml"
    out.write_text("my careful edits\n", encoding="utf-8")
    argv = ["codebook", "draft", str(survey_files["labels"]), "--qsf", str(survey_files["qsf"]), "--out", str(out)]
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my careful edits\n"
    assert main([*argv, "--force"]) == 0
    assert load_codebook(out).key == "response_id"


def test_the_draft_is_the_same_bytes_every_time(survey_files, tmp_path):
    outs = [tmp_path / "one.yaml", tmp_path / "two.yaml"]
    for out in outs:
        main(["codebook", "draft", str(survey_files["old"]), "--qsf", str(survey_files["qsf"]), "--out", str(out)])
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_contact_details_found_by_content_are_marked_pii(survey_files):
    # q10 asks nothing about contacts, but its answers are email addresses.
    rows = [row[:1] + [f"{row[0]}"] + row[2:] for row in LABELS]
    export = write_new_style(survey_files["labels"].with_name("contacts.csv"), rows)
    draft = draft_codebook(export, qsf=survey_files["qsf"])
    assert "q10" in draft.pii and "q1" in draft.pii


def test_answers_no_level_matches_are_named_for_review(survey_files):
    rows = [row[:2] + ["Uptown" if i == 0 else row[2]] + row[3:] for i, row in enumerate(LABELS)]
    export = write_new_style(survey_files["labels"].with_name("odd.csv"), rows)
    draft = draft_codebook(export, qsf=survey_files["qsf"])
    assert any(note.startswith("q2: answers that match no level") and "'Uptown'" in note
               for note in draft.notes)
    assert not any(note.startswith("q3:") for note in draft.notes)  # a comma inside a label is fine


def test_sliders_matrix_select_alls_and_dates():
    from ipo_research.survey.draft.from_qsf import draft_from_qsf
    from ipo_research.survey.qsf import parse_qsf

    survey = {"SurveyElements": [
        {"Element": "BL", "Payload": {"1": {"Type": "Default", "Description": "B", "ID": "BL_1", "BlockElements": [
            {"Type": "Question", "QuestionID": q} for q in ("QID1", "QID2", "QID3")]}}},
        _q("QID1", "Q1", "How warm is it?", "Slider", "HSLIDER", Choices=_choices("Warmth"), ChoiceOrder=["1"],
           Configuration={"CSSliderMin": 0, "CSSliderMax": 10}),
        _q("QID2", "Q2", "Which days for each crew?", "Matrix", "Likert", SubSelector="MultipleAnswer",
           Choices=_choices("Crew A", "Crew B"), ChoiceOrder=["1", "2"],
           Answers=_choices("Mon", "Tue"), AnswerOrder=["1", "2"]),
        _q("QID3", "Q3", "When did you start?", "TE", "SL",
           Validation={"Settings": {"Type": "ContentType", "ContentType": "ValidDate"}}),
    ]}
    questions = {q["id"]: q for q in draft_from_qsf(parse_qsf(survey)).questions}
    assert questions["q1_1"]["type"] == "numeric" and questions["q1_1"]["range"] == [0, 10]
    assert questions["q1_1"]["source"] == ["Q1_1", "QID1_1", "How warm is it?"]
    assert questions["q2_1"]["type"] == "multi" and questions["q2_2"]["text"].endswith("- Crew B")
    assert [(o["code"], o["label"], o["source"]) for o in questions["q2_2"]["options"]] == [
        (1, "Mon", ["Q2_2_1", "QID2_2_1"]), (2, "Tue", ["Q2_2_2", "QID2_2_2"])]
    assert questions["q3"]["type"] == "date"


def test_a_file_that_is_not_a_qsf_is_a_clear_error(survey_files, tmp_path, capsys):
    broken = tmp_path / "broken.qsf"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["codebook", "draft", str(survey_files["labels"]), "--qsf", str(broken),
                 "--out", str(tmp_path / "x.yaml")]) == 1
    error = capsys.readouterr().err
    assert "broken.qsf: not a readable .qsf file" in error and "Traceback" not in error
    assert not (tmp_path / "x.yaml").exists()
    export_not_survey = survey_files["labels"]
    assert main(["codebook", "draft", str(survey_files["labels"]), "--qsf", str(export_not_survey),
                 "--out", str(tmp_path / "x.yaml")]) == 1
    assert "not a readable .qsf file" in capsys.readouterr().err

"""Validation lists every problem of an export, naming file, row, column and value."""

from pathlib import Path

from ipo_research.survey.codebook import load_codebook
from ipo_research.survey.validation import Problem, format_problems, has_errors, validate_export

FIXTURES = Path(__file__).parent / "fixtures"
CODEBOOK = load_codebook("tests/fixtures/garden_codebook.yaml")


def _write(tmp_path, text):
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_clean_export_has_no_problems(tmp_path):
    path = _write(tmp_path, "respondent,plots,garden_site\nR_1,2,North Meadow\nR_2,1,river\n")
    problems = [p for p in validate_export(path, CODEBOOK) if p.severity == "error"]
    assert problems == []


def test_every_problem_is_listed_not_just_the_first_by_row_then_codebook_order(tmp_path):
    path = _write(tmp_path, "respondent,plots,garden_site\nR_1,40,Moon\nR_2,abc,North Meadow\n")
    errors = [p for p in validate_export(path, CODEBOOK) if p.severity == "error"]
    assert [(p.row, p.column, p.value) for p in errors] == [
        (2, "'garden_site'", "Moon"), (2, "'plots'", "40"), (3, "'plots'", "abc")]


def test_a_problem_names_the_raw_header_and_its_question(tmp_path):
    problems = validate_export(FIXTURES / "garden_qualtrics.csv", CODEBOOK)
    out_of_range = [p for p in problems if "outside the question's range" in p.message]
    assert [(p.file, p.row, p.column, p.value) for p in out_of_range] == [
        ("tests/fixtures/garden_qualtrics.csv", 8, "'Q5' (plots)", "40")]


def test_duplicates_are_errors_and_preview_responses_warnings():
    problems = validate_export(FIXTURES / "garden_qualtrics.csv", CODEBOOK)
    quarantined = [(p.row, p.severity) for p in problems if p.message.startswith("row quarantined")]
    assert quarantined == [(4, "warning"), (10, "error")]


def test_unmapped_columns_are_errors(tmp_path):
    path = _write(tmp_path, "respondent,plots,colour\nR_1,2,red\n")
    unmapped = [p for p in validate_export(path, CODEBOOK) if "maps to no question" in p.message]
    assert [(p.column, p.severity) for p in unmapped] == [("'colour'", "error")]


def test_absent_questions_are_warnings(tmp_path):
    path = _write(tmp_path, "respondent,plots\nR_1,2\n")
    absent = {p.column for p in validate_export(path, CODEBOOK) if p.severity == "warning"}
    assert "'garden_site'" in absent and "'plots'" not in absent


def test_problem_text_says_where_what_and_how_to_fix():
    problem = Problem("data.csv", 7, "'Q5' (plots)", "40", "outside the range", "correct it")
    assert str(problem) == ("error: data.csv, row 7, column 'Q5' (plots): value '40': "
                            "outside the range. Fix: correct it.")


def test_has_errors_ignores_warnings():
    warning = Problem("f", None, None, None, "m", "x", "warning")
    assert not has_errors([warning])
    assert has_errors([warning, Problem("f", 1, None, None, "m", "x")])


def test_format_problems_ends_with_a_verdict():
    text = format_problems([Problem("f", 1, None, None, "m", "x")], source="f")
    assert text.splitlines()[-1] == "f is not valid: 1 error(s), 0 warning(s)."

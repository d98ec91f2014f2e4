"""notebooks/01_clean.ipynb runs on any survey its codebook describes, and fails clearly."""

from ipo_research.pipeline.execution import execute_notebook

NOTEBOOK = "notebooks/01_clean.ipynb"


def test_clean_notebook_runs_on_a_survey_that_is_not_about_ipos(tmp_path):
    result = execute_notebook(NOTEBOOK, tmp_path / "01_clean.ipynb", {
        "data_path": "tests/fixtures/garden_surveymonkey.csv",
        "codebook_path": "tests/fixtures/garden_codebook.yaml",
        "out_dir": str(tmp_path),
    })
    assert result.status == "ok", result.error
    written = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.*")
                     if path.parent != tmp_path)
    assert written == ["data/cleaning_log.csv", "data/quarantine.csv", "data/responses.parquet",
                       "data/source.json", "figures/missingness_by_question.png",
                       "figures/missingness_by_question.svg"]


def test_clean_notebook_fails_with_the_packages_message_when_data_cannot_be_read(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = execute_notebook(NOTEBOOK, tmp_path / "01_clean.ipynb", {
        "data_path": str(empty), "codebook_path": "tests/fixtures/garden_codebook.yaml",
        "out_dir": str(tmp_path),
    })
    assert result.status == "failed"
    assert result.error.ename == "ReadError"
    assert "empty.csv: the file is empty. Export the survey again." in result.error.evalue

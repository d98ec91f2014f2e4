"""Preflight: a mistake in a file the user gave stops `run` and `status` before any kernel starts."""

from __future__ import annotations

import time

import pytest

from ipo_research.cli import main
from ipo_research.exceptions import ConfigError
from ipo_research.pipeline import execution
from ipo_research.pipeline.preflight import preflight

BROKEN_MODELS = "models:\n  - id: a\n   family: ols\n"  # line 3 is indented one space less than "id"


@pytest.fixture
def no_kernel(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(execution, "execute_notebook", refuse)


@pytest.mark.parametrize("command", ["run", "status"])
def test_a_models_file_with_a_yaml_syntax_error_exits_2_fast_naming_the_line(
        tmp_path, capsys, no_kernel, command):
    models = tmp_path / "models.yaml"
    models.write_text(BROKEN_MODELS)
    out = tmp_path / "out"
    started = time.perf_counter()
    code = main([command, "--models", str(models), "--out", str(out)])
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 2
    assert seconds < 5
    assert f"--models {models}: line 3, column 4:" in err
    assert "Fix the YAML syntax there" in err
    assert len(err.splitlines()) <= 3
    assert not out.exists()  # no index, no manifest, not even the folder


def test_a_mistyped_data_path_is_one_short_message_with_a_suggestion(tmp_path, capsys, no_kernel):
    code = main(["run", "--data", "data/synthetic/ipo_survey_2016_synthetc.csv", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        "ipo-research run: 1 problem found before anything ran; nothing was run or written:",
        "  --data data/synthetic/ipo_survey_2016_synthetc.csv: file not found. "
        "Did you mean data/synthetic/ipo_survey_2016_synthetic.csv?",
    ]
    assert not (tmp_path / "o").exists()


def test_a_missing_codebook_is_a_configuration_error():
    with pytest.raises(ConfigError, match=r"--codebook nowhere/codebook\.yaml: file not found"):
        preflight([{"codebook_path": "nowhere/codebook.yaml"}])


def test_a_formula_naming_a_column_the_codebook_will_not_produce_is_caught(tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  - id: m\n    title: M\n    family: ols\n"
                      "    formula: electoral_capacity ~ org_age_yers\n")
    with pytest.raises(ConfigError) as caught:
        preflight([{"codebook_path": "data/codebook.yaml", "models_path": str(models),
                    "context_path": "data/external/state_context_2016.csv"}])
    message = str(caught.value)
    assert f"--models {models}: " in message and "unknown column 'org_age_yers'" in message


def test_the_shipped_models_file_passes_against_the_shipped_codebook():
    preflight([{"codebook_path": "data/codebook.yaml", "models_path": "notebooks/models.yaml",
                "context_path": "data/external/state_context_2016.csv"}])


def test_every_problem_is_listed_and_files_inside_out_are_not_checked(tmp_path):
    with pytest.raises(ConfigError) as caught:
        preflight([{"data_path": str(tmp_path / "out" / "data" / "responses.parquet"),
                    "context_path": "data/external/nope.csv", "layout": "plian"}],
                  out_path=tmp_path / "out")
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("2 problems found before anything ran")
    assert lines[1].startswith("  context_path=data/external/nope.csv: file not found.")
    assert lines[2] == ("  --layout plian: unknown layout. Did you mean plain? Use one of plain, qualtrics, "
                        "surveymonkey, google_forms, spss, stata, or leave it out to detect the layout.")
    assert len(lines) == 3  # the responses OUT will hold are not checked


def test_a_frame_with_an_unknown_code_stops_the_run_before_any_kernel_naming_row_and_column(
        tmp_path, capsys, no_kernel):
    frame = tmp_path / "frame.csv"
    frame.write_text("primary_network,state,organizations\nwfp,NY,4\nwpf,OH,2\n")
    out = tmp_path / "out"
    code = main(["run", "landscape", "-p", f"frame_path={frame}", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "frame.csv, row 3, column primary_network: 'wpf' is not one of the codebook's codes" in err
    assert not out.exists()

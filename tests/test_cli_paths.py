"""Paths typed on the command line are relative to the current folder; defaults to the project root."""

from __future__ import annotations

import shutil
from pathlib import Path

from ipo_research.cli import build_parser, main
from ipo_research.paths import CODEBOOK_PATH, DATA_DIR, PROJECT_ROOT
from ipo_research.pipeline.runner import request_from_args

FIXTURES = Path(__file__).parent / "fixtures"


def test_validate_from_the_data_folder_finds_both_files_and_lists_the_problems(monkeypatch, capsys):
    monkeypatch.chdir(DATA_DIR)
    code = main(["validate", "synthetic/ipo_survey_2016_synthetic.csv", "--codebook", "codebook.yaml"])
    out = capsys.readouterr().out
    assert code == 1  # the synthetic export carries planted problems
    assert "not valid" in out and "value '2061'" in out
    assert "not found" not in out


def test_clean_from_the_folder_holding_export_and_codebook_writes_out_there(tmp_path, monkeypatch, capsys):
    shutil.copy(FIXTURES / "garden_plain.csv", tmp_path / "export.csv")
    shutil.copy(FIXTURES / "garden_codebook.yaml", tmp_path / "codebook.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["clean", "export.csv", "--codebook", "codebook.yaml", "--out", "cleaned"]) == 0
    assert (tmp_path / "cleaned" / "data" / "responses.parquet").is_file()
    assert "cleaned export.csv" in capsys.readouterr().out


def test_defaults_stay_at_the_project_root_whatever_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["validate", "x.csv"])
    assert Path(args.codebook) == CODEBOOK_PATH
    assert Path(args.data) == tmp_path.resolve() / "x.csv"


def test_run_options_become_portable_notebook_parameters(tmp_path, monkeypatch):
    monkeypatch.chdir(DATA_DIR)
    args = build_parser().parse_args(
        ["run", "--data", "synthetic/ipo_survey_2016_synthetic.csv", "--out", str(tmp_path / "o")])
    request = request_from_args(args)
    # inside the project: relative to its root, as notebook parameters are
    assert request.options["data_path"] == "data/synthetic/ipo_survey_2016_synthetic.csv"
    assert (PROJECT_ROOT / request.options["data_path"]).is_file()
    # outside it: absolute, so the parameter still leads to the folder
    assert request.out_dir == str(tmp_path.resolve() / "o")


def test_status_resolves_out_against_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["status", "--out", "here"])
    assert request_from_args(args).out_path == tmp_path.resolve() / "here"

"""The command line itself: help on every option, stages in `run --help`, --debug anywhere, layouts."""

from __future__ import annotations

import argparse
import json

import pytest

from ipo_research.cli import COMMANDS, build_parser, main
from ipo_research.pipeline.parameters import declared_parameters
from ipo_research.pipeline.plan import load_pipeline
from ipo_research.pipeline.runner import request_from_args
from ipo_research.survey.layouts import LAYOUTS


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_of_every_command_has_a_help_line():
    subparsers = _subparsers(build_parser())
    assert set(subparsers) == set(COMMANDS)
    for name, sub in subparsers.items():
        for action in sub._actions:
            if action.dest in ("help", "pipeline"):  # --pipeline is hidden on purpose (tests only)
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)


def test_every_default_path_is_in_the_help():
    subparsers = _subparsers(build_parser())
    for name, sub in subparsers.items():
        for action in sub._actions:
            if isinstance(action.default, str) and "/" in action.default:
                assert action.default in action.help, (name, action.dest)
    assert "default: data/synthetic/ipo_survey_2016_synthetic.csv" in subparsers["synth"].format_help()


def test_run_help_lists_every_stage_with_its_description(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for stage in load_pipeline().stages:
        assert stage.description
        assert f"  {stage.name}" in text and stage.description in text


def test_layout_choices_are_the_readers_layouts_and_run_passes_layout_to_the_clean_stage():
    parser = build_parser()
    for name in ("run", "status", "validate", "clean"):
        action = next(a for a in _subparsers(parser)[name]._actions if a.dest == "layout")
        assert tuple(action.choices) == LAYOUTS
    args = parser.parse_args(["run", "clean", "--layout", "plain"])
    assert request_from_args(args).options == {"layout": "plain"}
    assert declared_parameters("01_clean")["layout"].type_name == "str"


@pytest.mark.parametrize("argv", [["--debug", "validate", "no/such.csv"], ["validate", "no/such.csv", "--debug"]])
def test_debug_works_before_or_after_the_subcommand(capsys, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("ipo-research validate: no/such.csv: file not found")


def test_without_debug_an_error_is_its_message_alone(capsys):
    assert main(["validate", "no/such.csv"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_an_unknown_stage_gets_a_suggestion(capsys):
    assert main(["status", "modles"]) == 2
    assert "unknown stage 'modles'. Did you mean 'models'?" in capsys.readouterr().err


def test_clean_refuses_an_out_holding_another_exports_data(tmp_path, capsys):
    garden = ["--codebook", "tests/fixtures/garden_codebook.yaml", "--out", str(tmp_path)]
    assert main(["clean", "tests/fixtures/garden_qualtrics.csv", *garden]) == 0
    written = capsys.readouterr().out
    assert "wrote " in written and "data/responses.parquet" in written
    before = (tmp_path / "data" / "source.json").read_bytes()
    assert main(["clean", "tests/fixtures/garden_plain.csv", *garden]) == 2
    assert "holds data cleaned from tests/fixtures/garden_qualtrics.csv" in capsys.readouterr().err
    assert (tmp_path / "data" / "source.json").read_bytes() == before
    assert main(["clean", "tests/fixtures/garden_qualtrics.csv", *garden]) == 0  # the same export again
    assert main(["clean", "tests/fixtures/garden_plain.csv", *garden, "--force"]) == 0
    record = json.loads((tmp_path / "data" / "source.json").read_text())
    assert record["source"] == "tests/fixtures/garden_plain.csv"

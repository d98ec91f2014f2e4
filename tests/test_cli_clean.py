"""`ipo-research validate` and `clean`: exit codes and messages for good and bad input."""

import subprocess
import sys
from pathlib import Path

import pytest

from ipo_research.cli import main

GARDEN = "tests/fixtures/garden_codebook.yaml"


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _write(tmp_path, content, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def test_validate_exits_0_for_a_valid_export(capsys, tmp_path):
    path = _write(tmp_path, "respondent,plots\nR_1,2\n")
    code, out, _ = _run(capsys, "validate", path, "--codebook", GARDEN)
    assert code == 0
    assert out.splitlines()[-1] == "export.csv is valid: 0 error(s), 9 warning(s)."


def test_validate_exits_1_and_prints_every_problem(capsys):
    code, out, _ = _run(capsys, "validate", "tests/fixtures/garden_qualtrics.csv", "--codebook", GARDEN)
    assert code == 1
    lines = out.splitlines()
    assert lines[-1] == "tests/fixtures/garden_qualtrics.csv is not valid: 3 error(s), 1 warning(s)."
    assert sum(line.startswith("error:") for line in lines) == 3


def test_clean_writes_the_outputs_and_says_what_happened(capsys, tmp_path):
    code, out, _ = _run(capsys, "clean", "tests/fixtures/garden_qualtrics.csv", "--codebook", GARDEN,
                        "--out", str(tmp_path))
    assert code == 0
    assert out.splitlines()[0] == ("cleaned tests/fixtures/garden_qualtrics.csv (qualtrics, 7 rows): 5 kept, "
                                   "2 quarantined, 13 values logged; 0 unmapped column(s)")
    assert (tmp_path / "data" / "responses.parquet").is_file()


def test_clean_with_a_forced_layout(capsys, tmp_path):
    code, out, _ = _run(capsys, "clean", "tests/fixtures/garden_google_forms.csv", "--codebook", GARDEN,
                        "--out", str(tmp_path), "--layout", "plain")
    assert code == 0
    assert "(plain, 6 rows)" in out


BAD_DATA = {
    "missing file": (None, "file not found. Check the path"),
    "empty file": ("", "the file is empty"),
    "binary garbage": (bytes(range(256)) * 8, "binary file, not a CSV export"),
    "header without responses": ("respondent,plots\n", "header row(s) but no responses"),
    "unknown layout": ("colour,size\nred,2\n", "unknown layout: no column header (e.g. 'colour', 'size')"),
    "duplicate headers": ("respondent,plots,plots\nR_1,1,2\n",
                          "duplicate headers: column 2 'plots' and column 3 'plots'"),
    "key column missing": ("plots\n2\n",
                           "the key column is missing: no header matches question 'respondent'"),
    "unreadable encoding": (b"respondent,plots\nR_1,\x81\n",
                            "byte 0x81 on line 2 is neither UTF-8 nor Windows-1252"),
}


@pytest.mark.parametrize("command", ["validate", "clean"])
@pytest.mark.parametrize("case", BAD_DATA)
def test_bad_data_exits_1_with_a_message_naming_the_file(capsys, tmp_path, command, case):
    content, message = BAD_DATA[case]
    path = str(tmp_path / "missing.csv") if content is None else _write(tmp_path, content)
    out_option = ("--out", str(tmp_path)) if command == "clean" else ()
    code, _, err = _run(capsys, command, path, "--codebook", GARDEN, *out_option)
    assert code == 1
    assert err.startswith(f"ipo-research {command}: {Path(path).name}: ")
    assert message in err
    assert "Traceback" not in err


def test_a_broken_codebook_exits_2(capsys, tmp_path):
    codebook = _write(tmp_path, "survey: {id: x}\nquestions: []\n", name="codebook.yaml")
    code, _, err = _run(capsys, "validate", "tests/fixtures/garden_plain.csv", "--codebook", codebook)
    assert code == 2
    assert "codebook.yaml: the codebook has 2 problem(s)" in err


def test_a_missing_codebook_exits_2(capsys, tmp_path):
    code, _, err = _run(capsys, "clean", "tests/fixtures/garden_plain.csv", "--codebook",
                        str(tmp_path / "none.yaml"), "--out", str(tmp_path))
    assert code == 2
    assert "codebook not found" in err


def test_an_unknown_layout_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["validate", "tests/fixtures/garden_plain.csv", "--layout", "excel2"])
    assert stopped.value.code == 2
    assert "invalid choice: 'excel2'" in capsys.readouterr().err


def test_a_layout_that_does_not_fit_the_file_exits_2(capsys):
    code, _, err = _run(capsys, "validate", "tests/fixtures/garden.sav", "--codebook", GARDEN,
                        "--layout", "qualtrics")
    assert code == 2
    assert "layout 'qualtrics' does not fit a '.sav' file" in err


def test_the_installed_command_prints_no_traceback(tmp_path):
    empty = _write(tmp_path, "")
    command = [sys.executable, "-m", "ipo_research.cli", "clean", empty, "--codebook", GARDEN,
               "--out", str(tmp_path)]
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stderr.strip() == ("ipo-research clean: export.csv: the file is empty. "
                                        "Export the survey again.")


def test_the_layout_choices_of_the_command_line_are_the_readers_layouts():
    # cli keeps its own copy so `--help` need not import pandas; this keeps the copy in step.
    from ipo_research import cli
    from ipo_research.survey import layouts

    assert cli._LAYOUTS == layouts.LAYOUTS

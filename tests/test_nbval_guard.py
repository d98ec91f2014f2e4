"""The test of the test: nbval on a notebook whose stored output was changed must fail.

nbval is what turns the committed notebooks into a regression test. These tests show that it
bites: a copy of a notebook with one stored number changed fails under nbval, run the way
``make test`` runs it (current environment, the project's sanitize file), and the failure names
the cell. A control run shows that an unchanged refreshed notebook passes, so the failure comes
from the changed number and not from running a copy somewhere else.
"""

import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ipo_research.checks.notebook_refresh import refresh_notebooks
from ipo_research.paths import NOTEBOOKS_DIR, PROJECT_ROOT

SANITIZE = PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"
_DECIMAL = re.compile(r"\d+\.\d+")
_UNCHECKED = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "nbval-ignore-output", "nbval-skip")


def _nbval(notebook, folder):
    """Run nbval on one notebook in a subprocess, isolated from this repository's pytest set-up."""
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST_", "COV_CORE"))}
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(SANITIZE), "-p", "no:cacheprovider", "-p", "no:xdist",
               "-c", str(folder / "pytest.ini"), "--rootdir", str(folder), "-x", "-q", "--color=no",
               notebook.name]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)


def _first_checked_number(notebook):
    """(code cell index as nbval counts, cell, output, key) of the first stored decimal number nbval checks."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        tags = cell.metadata.get("tags", [])
        if cell.execution_count is None or any(mark in cell.source or mark in tags for mark in _UNCHECKED):
            continue
        for output in cell.get("outputs", []):
            key = "text" if output.output_type == "stream" else "text/plain"
            holder = output if key == "text" else output.get("data", {})
            if _DECIMAL.search(holder.get(key, "")):
                return index, holder, key
    return None


def _change_one_digit(holder, key):
    """Change the last digit of the first decimal number in ``holder[key]``; return (old, new)."""
    match = _DECIMAL.search(holder[key])
    old = match.group(0)
    new = old[:-1] + str((int(old[-1]) + 1) % 10)
    holder[key] = holder[key][:match.start()] + new + holder[key][match.end():]
    return old, new


@pytest.fixture
def tiny_refreshed(tmp_path):
    """A tiny notebook printing a number, refreshed (executed and normalised) in tmp_path."""
    notebook = new_notebook(cells=[
        new_markdown_cell("Shares of a planted budget."),
        new_code_cell("budget = 812_500.0  # USD", metadata={"tags": ["parameters"]}),
        new_code_cell("print(f'member share: {budget * 0.37 / budget:.4f}')"),
    ])
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(notebook, path)
    refresh_notebooks(tmp_path)
    return path


@pytest.mark.slow  # nbval in a subprocess on a real notebook: run by CI (see Makefile)
def test_nbval_passes_a_refreshed_notebook_unchanged(tiny_refreshed):
    result = _nbval(tiny_refreshed, tiny_refreshed.parent)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # nbval in a subprocess on a real notebook: run by CI (see Makefile)
def test_nbval_fails_when_one_stored_number_changes(tiny_refreshed):
    notebook = nbformat.read(tiny_refreshed, as_version=4)
    index, holder, key = _first_checked_number(notebook)
    assert _change_one_digit(holder, key) == ("0.3700", "0.3701")
    nbformat.write(notebook, tiny_refreshed)
    result = _nbval(tiny_refreshed, tiny_refreshed.parent)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"01_tiny.ipynb::Cell {index}" in result.stdout
    assert "Cell outputs differ" in result.stdout


def _committed_with_a_number():
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        found = _first_checked_number(notebook)
        if found is not None:
            return path, notebook, found
    return None


@pytest.mark.slow  # nbval in a subprocess on a real notebook: run by CI (see Makefile)
def test_nbval_fails_when_a_stored_number_of_a_committed_notebook_changes(tmp_path):
    committed = _committed_with_a_number()
    if committed is None:
        pytest.skip("no committed notebook stores a checked decimal number yet (run 'make notebooks')")
    path, notebook, (index, holder, key) = committed
    old, new = _change_one_digit(holder, key)
    copy = tmp_path / path.name
    nbformat.write(notebook, copy)
    result = _nbval(copy, tmp_path)
    assert result.returncode == 1, f"changed {old} to {new} in {path.name}:\n" + result.stdout + result.stderr
    assert f"{path.name}::Cell {index}" in result.stdout
    assert new in result.stdout and "Cell outputs differ" in result.stdout


def test_the_guard_uses_the_sanitize_file_of_make_test():
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert SANITIZE.is_file()
    assert f"--nbval-sanitize-with {SANITIZE.relative_to(PROJECT_ROOT).as_posix()}" in makefile


def test_the_sanitize_file_hides_no_number():
    from nbval.plugin import get_sanitize_patterns

    rules = get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))
    numbers = "estimate -0.3701 (SE 0.0412), n = 75, p = 1.2e-05, 41.3%, $1,250,000"
    assert [re.sub(regex, replace, numbers) for regex, replace in rules] == [numbers] * len(rules)

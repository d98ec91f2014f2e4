"""The fast parameters-cell parser agrees with papermill.inspect_notebook.

The runner (for every plan) and each notebook's check cell read declared parameters; parsing
the cell directly spares them papermill's 1.5-3 s import. These tests hold it to papermill.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from ipo_research.pipeline.parameters import _inspect_parameters_cell

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "tests" / "fixtures" / "runner").glob("*.ipynb"))


def _papermill(path: Path) -> dict:
    return {name: dict(info) for name, info in papermill.inspect_notebook(str(path)).items()}


def _write(path: Path, *cells) -> Path:
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_parser_matches_papermill_on_the_projects_notebooks(path):
    assert _inspect_parameters_cell(path) == _papermill(path)


def test_parser_matches_papermill_on_annotations_untyped_values_and_comment_lines(tmp_path):
    cell = new_code_cell(
        "# Parameters of this run\n"
        'groups: list[str] = ["cpd", "wfp"]  # groups to compare\n'
        "seed = 7  # random seed\n"
        "\n"
        "threshold: float = 0.5\n"
    )
    cell.metadata["tags"] = ["parameters"]
    path = _write(tmp_path / "nb.ipynb", cell)
    parsed = _inspect_parameters_cell(path)
    assert parsed == _papermill(path)
    assert parsed["groups"] == {"name": "groups", "inferred_type_name": "list[str]",
                                "default": '["cpd", "wfp"]', "help": "groups to compare"}


def test_notebook_without_parameters_cell_declares_nothing(tmp_path):
    path = _write(tmp_path / "nb.ipynb", new_code_cell("x = 1"))
    assert _inspect_parameters_cell(path) == {} == _papermill(path)


def test_cell_that_is_not_valid_python_is_left_to_papermill(tmp_path):
    cell = new_code_cell("x = = 1")
    cell.metadata["tags"] = ["parameters"]
    path = _write(tmp_path / "nb.ipynb", cell)
    assert _inspect_parameters_cell(path) is None

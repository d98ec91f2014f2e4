"""Notebook parameters: declared in the parameters cell, checked in the next one."""

import math

import nbformat
import pytest

from ipo_research.exceptions import ParameterError
from ipo_research.pipeline.parameters import check_parameters, check_values, declared_parameters

PARAMETERS_CELL = '''data_path = "data/x.csv"  # the export to read
seed = 2016  # random seed
threshold: float = 3  # smallest count shown
out_dir = None  # where outputs go
'''


@pytest.fixture
def notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(PARAMETERS_CELL)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("import math"), cell]
    path = tmp_path / "99_example.ipynb"
    nbformat.write(nb, path)
    return path


def test_declared_parameters_take_types_from_annotations_or_defaults(notebook):
    declared = declared_parameters(notebook)
    assert list(declared) == ["data_path", "seed", "threshold", "out_dir"]
    assert [p.type_name for p in declared.values()] == ["str", "int", "float", "None"]
    assert declared["seed"].help == "random seed"


def test_an_int_is_a_fine_float_but_a_bool_is_not_an_int(notebook):
    declared = declared_parameters(notebook)
    assert declared["threshold"].accepts(5)
    assert not declared["seed"].accepts(True)
    assert not declared["seed"].accepts("2016")


def test_unknown_and_mistyped_values_are_listed_with_the_known_ones(notebook):
    with pytest.raises(ParameterError) as raised:
        check_values({"seed": "x", "sead": 1}, declared_parameters(notebook), where="99_example")
    message = str(raised.value)
    assert "parameter 'seed' must be int, got 'x'" in message
    assert "unknown parameter 'sead'" in message
    assert "Known parameters: data_path (str" in message


def test_check_parameters_ignores_modules_and_kernel_names(notebook):
    namespace = {"math": math, "In": [], "_": None, "data_path": "a.csv", "seed": 1,
                 "threshold": 2.5, "out_dir": None, "floor": math.floor}
    assert check_parameters(namespace, notebook=str(notebook)) == {
        "data_path": "a.csv", "seed": 1, "threshold": 2.5, "out_dir": None,
    }


def test_check_parameters_rejects_an_injected_name_the_notebook_does_not_declare(notebook):
    with pytest.raises(ParameterError, match="unknown parameter 'data_pth'"):
        check_parameters({"data_path": "a.csv", "data_pth": "b.csv"}, notebook=str(notebook))

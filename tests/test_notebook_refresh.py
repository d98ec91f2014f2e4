"""Refreshing notebook outputs: normalisation, the output audit, and refreshing in place."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ipo_research.exceptions import RunError
from ipo_research.checks.notebook_refresh import (
    INJECTED_TAG,
    KERNELSPEC,
    normalise_notebook,
    output_differences,
    output_problems,
    refresh_notebooks,
)
from ipo_research.paths import NOTEBOOKS_DIR, PROJECT_ROOT

COMMITTED = sorted(NOTEBOOKS_DIR.glob("[0-9]*.ipynb"))


def _stdout(text):
    return new_output("stream", name="stdout", text=text)


def _result(text, count, **data):
    return new_output("execute_result", data={"text/plain": text, **data}, execution_count=count)


def _papermill_run():
    """A notebook as papermill leaves it: injected cell, timings, odd counts, Python version."""
    notebook = new_notebook(cells=[
        new_markdown_cell("# Title"),
        new_code_cell("seed = 1", metadata={"tags": ["parameters"]}, execution_count=3),
        new_code_cell("seed = 2", metadata={"tags": [INJECTED_TAG], "papermill": {"duration": 0.1}},
                      execution_count=4),
        new_code_cell("seed", execution_count=9, outputs=[_result("2", 9)],
                      metadata={"execution": {"iopub.status.busy": "2016-11-09T01:00:00"}, "scrolled": True}),
    ])
    notebook.metadata = nbformat.from_dict({
        "kernelspec": {"name": "other", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python", "version": "3.11.7", "pygments_lexer": "ipython3"},
        "papermill": {"duration": 3.2, "parameters": {"seed": 2}},
    })
    return notebook


def test_normalise_drops_the_injected_parameters_cell():
    sources = [cell.source for cell in normalise_notebook(_papermill_run()).cells]
    assert sources == ["# Title", "seed = 1", "seed"]


def test_normalise_numbers_code_cells_one_two_three_and_results_follow():
    cells = normalise_notebook(_papermill_run()).cells
    assert [cell.get("execution_count") for cell in cells] == [None, 1, 2]
    assert cells[2].outputs[0].execution_count == 2


def test_normalise_keeps_only_the_fixed_kernelspec_and_the_language_without_its_version():
    metadata = normalise_notebook(_papermill_run()).metadata
    assert metadata == {"kernelspec": KERNELSPEC, "language_info": {"name": "python", "pygments_lexer": "ipython3"}}


def test_normalise_drops_timings_and_view_state_but_keeps_tags():
    cells = normalise_notebook(_papermill_run()).cells
    assert cells[1].metadata == {"tags": ["parameters"]}
    assert cells[2].metadata == {}


def test_normalise_merges_consecutive_stdout_chunks():
    cell = new_code_cell("print", execution_count=1, outputs=[_stdout("a\n"), _stdout("b\n")])
    outputs = normalise_notebook(new_notebook(cells=[cell])).cells[0].outputs
    assert [output.text for output in outputs] == ["a\nb\n"]


def test_normalise_does_not_touch_the_notebook_it_was_given():
    notebook = _papermill_run()
    normalise_notebook(notebook)
    assert len(notebook.cells) == 4 and notebook.metadata.papermill.duration == 3.2


def test_normalising_twice_changes_nothing():
    once = normalise_notebook(_papermill_run())
    assert normalise_notebook(once) == once


def _problems(*outputs):
    return output_problems(new_notebook(cells=[new_code_cell("x", execution_count=1, outputs=list(outputs))]),
                           where="nb.ipynb")


def test_audit_passes_clean_outputs():
    assert _problems(_stdout("share of c4: 41.3%\n"), _result("0.25", 1)) == []


def test_audit_flags_a_warning_on_stderr_with_its_first_line():
    stderr = new_output("stream", name="stderr", text="x.py:3: FutureWarning: use observed=True\n  df.groupby\n")
    assert _problems(stderr) == ["nb.ipynb cell 1: stderr output (a warning?): 'x.py:3: FutureWarning: use observed=True'"]


def test_audit_flags_figure_text_shown_without_an_image():
    assert len(_problems(_result("<Figure size 640x480 with 1 Axes>", 1))) == 1


def test_audit_accepts_figure_text_beside_its_image():
    shown = new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>", "image/png": "iVBO"})
    assert _problems(shown) == []


def test_audit_flags_a_memory_address():
    assert _problems(_result("<matplotlib.axes._axes.Axes at 0x7f3a2c1b9d50>", 1)) == [
        "nb.ipynb cell 1: memory address in output: 'at 0x7f3a2c1b9d50'"]


def test_audit_flags_an_absolute_path_of_this_machine():
    problems = _problems(_stdout(f"wrote {PROJECT_ROOT}/reports/tables/shares.csv\n"))
    assert len(problems) == 1 and "absolute path" in problems[0]


def test_audit_flags_an_error_output():
    error = new_output("error", ename="KeyError", evalue="'annual_budget'", traceback=[])
    assert _problems(error) == ["nb.ipynb cell 1: error output KeyError: 'annual_budget'"]


def test_run_differences_name_the_cell_whose_text_differs():
    refreshed = normalise_notebook(_papermill_run())
    from_run = _papermill_run()
    from_run.cells[3].outputs = [_result("3", 9)]
    assert output_differences(refreshed, from_run, where="nb.ipynb") == [
        "nb.ipynb cell 3: outputs differ between the default execution and the pipeline run "
        "(a parameter or path shown?)"]


def test_run_differences_ignore_images_counts_and_the_injected_cell():
    refreshed = normalise_notebook(_papermill_run())
    refreshed.cells[2].outputs[0].data["image/png"] = "AAAA"
    from_run = _papermill_run()
    from_run.cells[3].outputs[0].data["image/png"] = "BBBB"
    assert output_differences(refreshed, from_run, where="nb.ipynb") == []


def _write_tiny(folder, name, *sources):
    cells = [new_markdown_cell("A tiny notebook"), new_code_cell("divisor = 7  # parameter", metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(source) for source in sources]
    path = folder / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_refresh_executes_in_the_notebook_folder_and_writes_the_outputs(tmp_path):
    path = _write_tiny(tmp_path, "01_tiny", "print(round(41 / divisor, 4))", "import os; os.path.basename(os.getcwd())")
    report = refresh_notebooks(tmp_path)
    cells = nbformat.read(path, as_version=4).cells
    assert report.written == [path] and report.problems == []
    assert cells[2].outputs[0].text == "5.8571\n"
    assert cells[3].outputs[0].data["text/plain"] == repr(tmp_path.name)


def test_refreshing_twice_leaves_the_file_byte_identical(tmp_path):
    path = _write_tiny(tmp_path, "01_tiny", "import numpy as np; np.random.default_rng(2016).normal(size=3).round(6)")
    refresh_notebooks(tmp_path)
    first = path.read_bytes()
    report = refresh_notebooks(tmp_path)
    assert report.unchanged == [path] and path.read_bytes() == first


def test_refresh_reports_a_warning_printed_by_a_notebook(tmp_path):
    _write_tiny(tmp_path, "01_tiny", "import warnings; warnings.warn('planted', FutureWarning)")
    problems = refresh_notebooks(tmp_path).problems
    assert len(problems) == 1 and "FutureWarning: planted" in problems[0]


def test_refresh_stops_on_a_failing_cell_and_names_it(tmp_path):
    path = _write_tiny(tmp_path, "01_tiny", "1 / 0")
    before = path.read_bytes()
    expected = r"01_tiny.ipynb cell 3 failed while refreshing outputs: ZeroDivisionError: division by zero\."
    with pytest.raises(RunError, match=expected):
        refresh_notebooks(tmp_path)
    assert path.read_bytes() == before


def test_refresh_rejects_an_unknown_notebook_name(tmp_path):
    _write_tiny(tmp_path, "01_tiny", "1")
    with pytest.raises(RunError, match="no notebook named 02_missing"):
        refresh_notebooks(tmp_path, only=["02_missing"])


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_committed_notebook_is_normalised(path):
    notebook = nbformat.read(path, as_version=4)
    assert normalise_notebook(notebook) == notebook, "run 'make notebooks' to refresh it"


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_committed_notebook_carries_the_outputs_of_an_execution(path):
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code" and cell.source.strip()]
    unexecuted = [number for number, cell in enumerate(code, start=1) if cell.execution_count is None]
    assert unexecuted == [], "committed without outputs: run 'make notebooks'"


@pytest.mark.parametrize("path", COMMITTED, ids=[path.stem for path in COMMITTED])
def test_committed_notebook_outputs_have_nothing_that_must_not_be_committed(path):
    assert output_problems(nbformat.read(path, as_version=4), where=path.name) == []


def test_audit_accepts_a_narrative_that_says_warning():
    shown = new_output("display_data", data={"text/markdown": "**Warning: small samples.**",
                                             "text/plain": "<IPython.core.display.Markdown object>"})
    assert _problems(shown) == []

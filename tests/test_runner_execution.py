"""Executing one notebook: kernels, failing cells, retry of dead or stuck kernels."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from ipo_research.pipeline.execution import execute_notebook

FIXTURES = Path(__file__).parent / "fixtures" / "runner"


def test_kernel_runs_the_runners_own_python(tmp_path):
    result = execute_notebook(FIXTURES / "03_fan.ipynb", tmp_path / "fan.ipynb",
                              {"group_value": "x", "out_dir": str(tmp_path)})
    assert result.status == "ok" and result.attempts == 1
    assert (tmp_path / "fan_x.txt").read_text() == sys.executable


def test_failing_cell_is_reported_and_the_notebook_still_written_with_the_marker(tmp_path):
    output = tmp_path / "consume.ipynb"
    result = execute_notebook(FIXTURES / "02_consume.ipynb", output,
                              {"fail": True, "out_dir": str(tmp_path), "source_path": "x"})
    assert result.status == "failed" and result.attempts == 1
    assert (result.error.ename, result.error.evalue) == ("ValueError", "asked to fail")
    assert result.error.describe() == f"In [{result.error.cell}]: ValueError: asked to fail"
    nb = nbformat.read(output, as_version=4)
    assert any("papermill-error-cell-tag" in cell.metadata.get("tags", []) for cell in nb.cells)
    assert not (tmp_path / "consumed.txt").exists()


def test_executed_notebook_names_no_absolute_path_of_the_project(tmp_path):
    output = tmp_path / "consume.ipynb"
    execute_notebook(FIXTURES / "02_consume.ipynb", output,
                     {"fail": True, "out_dir": "o", "source_path": "x"})
    metadata = json.loads(output.read_text())["metadata"]["papermill"]
    assert metadata["input_path"] == "tests/fixtures/runner/02_consume.ipynb"
    assert str(FIXTURES.parent.parent.parent) not in output.read_text()


def test_kernel_that_dies_once_is_retried_and_succeeds(tmp_path):
    output = tmp_path / "dies.ipynb"
    result = execute_notebook(FIXTURES / "04_dies.ipynb", output,
                              {"marker_path": str(tmp_path / "marker")})
    assert result.status == "ok" and result.attempts == 2
    assert "survived" in output.read_text()


def test_kernel_that_always_dies_fails_after_one_retry_with_the_cell_marked(tmp_path):
    output = tmp_path / "dies.ipynb"
    result = execute_notebook(FIXTURES / "04_dies.ipynb", output,
                              {"marker_path": str(tmp_path / "marker"), "always": True})
    assert result.status == "failed" and result.attempts == 2
    assert result.error.ename == "DeadKernelError"
    nb = nbformat.read(output, as_version=4)
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
              if o.output_type == "error"]
    assert [e.ename for e in errors] == ["DeadKernelError"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cell_that_times_out_is_retried_once_then_fails(tmp_path):
    result = execute_notebook(FIXTURES / "05_sleeps.ipynb", tmp_path / "sleeps.ipynb",
                              {"seconds": 60.0}, timeout=1)
    assert result.status == "failed" and result.attempts == 2
    assert result.error.ename == "CellTimeoutError"
    assert result.seconds < 30


def test_kernel_starts_in_the_project_root(tmp_path, monkeypatch):
    from ipo_research.paths import PROJECT_ROOT

    monkeypatch.chdir(tmp_path)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nprint(os.getcwd())")])
    nbformat.write(nb, tmp_path / "cwd.ipynb")
    result = execute_notebook(tmp_path / "cwd.ipynb", tmp_path / "out.ipynb", {})
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert result.status == "ok"
    assert executed.cells[0].outputs[0].text == f"{PROJECT_ROOT}\n"


def _sleeping_cell_started(folder) -> bool:
    for partial in folder.glob(".sleeps.*.ipynb"):
        try:
            cells = nbformat.read(partial, as_version=4).cells
        except Exception:  # noqa: BLE001 - being written right now; look again
            continue
        if cells[-1].get("metadata", {}).get("papermill", {}).get("start_time"):
            return True
    return False


def test_stopping_all_kernels_ends_a_long_run_without_retry(tmp_path):
    import threading
    import time

    from ipo_research.pipeline import execution

    results = []
    worker = threading.Thread(target=lambda: results.append(execute_notebook(
        FIXTURES / "05_sleeps.ipynb", tmp_path / "sleeps.ipynb", {"seconds": 120.0})))
    worker.start()
    deadline = time.monotonic() + 120
    # Stop the kernel once it is running the sleeping cell (papermill saves the partial notebook
    # as each cell starts), not while it is still starting up: on a loaded machine a kill during
    # start-up ends the run with "Kernel died before replying to kernel_info" instead.
    while not _sleeping_cell_started(tmp_path):
        assert time.monotonic() < deadline, "the sleeping cell never started"
        time.sleep(0.1)
    try:
        assert execution.stop_all_kernels() == 1
        worker.join(timeout=30)
    finally:
        execution._stopping.clear()
    assert not worker.is_alive()
    assert results[0].status == "failed" and results[0].attempts == 1
    # Killed once running, nbclient says DeadKernelError; killed while still starting (on a
    # loaded machine), jupyter_client raises a RuntimeError about the kernel. Both are a dead
    # kernel to the runner, which is what stops the retry.
    error = results[0].error
    assert error.ename == "DeadKernelError" or (error.ename == "RuntimeError"
                                                and "kernel" in error.evalue.lower()), error


def test_two_executions_give_identical_cells(tmp_path):
    parameters = {"fail": True, "out_dir": "o", "source_path": "x"}
    for name in ("a", "b"):
        execute_notebook(FIXTURES / "02_consume.ipynb", tmp_path / f"{name}.ipynb", parameters)
    first, second = (nbformat.read(tmp_path / f"{n}.ipynb", as_version=4) for n in ("a", "b"))
    assert [c.id for c in first.cells] == [c.id for c in second.cells]
    assert "injected-parameters" in [c.id for c in first.cells]
    assert [c.get("outputs") for c in first.cells] == [c.get("outputs") for c in second.cells]

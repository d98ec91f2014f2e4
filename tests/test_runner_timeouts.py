"""Timeouts and the default executor: what the command line, the pipeline file and the defaults give.

``run --cell-timeout`` and ``--kernel-start-timeout`` reach both executors and the manifest;
the pipeline file's ``executor`` and ``scheduler`` are defaults the command line overrides.
Uses the tiny pipeline of tests/fixtures/runner (see tests/test_runner.py).
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from ipo_research.cli import build_parser, main
from ipo_research.exceptions import ConfigError
from ipo_research.pipeline import execution, runner
from ipo_research.pipeline.dask_executor import DaskExecutor
from ipo_research.pipeline.plan import load_pipeline
from ipo_research.pipeline.runner import LocalExecutor, RunRequest, plan, request_from_args, run_pipeline

from test_runner import _setup


def _with_sleeper(request: RunRequest, *, seconds: float, stage_timeout: int | None = None) -> RunRequest:
    """The fixture pipeline plus a stage whose one cell sleeps ``seconds``."""
    extra = f"    timeout: {stage_timeout}\n" if stage_timeout else ""
    stage = (f"  - name: sleeps\n    notebook: 05_sleeps.ipynb\n{extra}"
             f"    parameters:\n      seconds: {seconds}\n")
    text = request.pipeline_path.read_text(encoding="utf-8")  # the stages end where inputs start
    request.pipeline_path.write_text(text.replace("inputs:", stage + "inputs:"), encoding="utf-8")
    return replace(request, stages=("sleeps",))


def _timeouts(request: RunRequest) -> dict[str, float]:
    return {d.run.run_id: d.run.timeout for d in plan(request).decisions}


def test_the_cell_timeout_is_the_stages_else_the_files_else_900_and_the_option_wins(tmp_path):
    request = _setup(tmp_path)
    assert set(_timeouts(request).values()) == {900}  # the fixture file sets none
    request = _with_sleeper(request, seconds=0, stage_timeout=7)
    assert _timeouts(replace(request, stages=())) == {
        "01_produce": 900, "02_consume": 900, "03_fan__group_value=a": 900,
        "03_fan__group_value=b": 900, "06_summarize": 900, "05_sleeps": 7}
    forced = _timeouts(replace(request, stages=(), cell_timeout=30))
    assert set(forced.values()) == {30} and len(forced) == 6


def test_the_options_default_to_the_stated_values_and_take_whole_seconds(capsys):
    args = build_parser().parse_args(["run"])
    request = request_from_args(args)
    assert (request.executor, request.cell_timeout, request.kernel_start_timeout) == (None, None, 60)
    args = build_parser().parse_args(["run", "--cell-timeout", "120", "--kernel-start-timeout", "90"])
    assert (request_from_args(args).cell_timeout, request_from_args(args).kernel_start_timeout) == (120, 90)
    for bad in ("0", "1.5", "ten"):
        with pytest.raises(SystemExit) as exited:
            main(["run", "--cell-timeout", bad])
        assert exited.value.code == 2
        assert f"argument --cell-timeout: {bad!r}: expected a whole number of seconds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "else 900)" in shown and "(default: 60)" in shown
    assert "(default: pipeline.yaml's executor, else local)" in shown


def test_a_timeout_given_through_the_api_must_be_whole_positive_seconds(tmp_path):
    request = _setup(tmp_path)
    with pytest.raises(ConfigError, match="--kernel-start-timeout 0: expected a whole number"):
        plan(replace(request, kernel_start_timeout=0))
    with pytest.raises(ConfigError, match="--cell-timeout 2.5: expected a whole number"):
        plan(replace(request, cell_timeout=2.5))


def test_the_local_executor_passes_both_timeouts_and_the_manifest_records_them(tmp_path, monkeypatch):
    seen = []

    def fake_execute(notebook, output, parameters, **options):
        seen.append((notebook.name, options))
        return execution.ExecutionResult(status="ok", seconds=0.0, attempts=1)

    monkeypatch.setattr(execution, "execute_notebook", fake_execute)
    request = replace(_setup(tmp_path), stages=("produce",), cell_timeout=45, kernel_start_timeout=20,
                      kernels="fresh")
    result = run_pipeline(request, progress=io.StringIO())
    assert seen == [("01_produce.ipynb", {"timeout": 45, "start_timeout": 20, "kernel_manager": None})]
    assert [r["cell_timeout_s"] for r in result.runs] == [45]
    assert result.manifest["executor"] == {"name": "local", "jobs": 2, "kernel_start_timeout_s": 20}


def test_a_cell_past_the_cell_timeout_fails_the_run_after_one_retry(tmp_path):
    request = replace(_with_sleeper(_setup(tmp_path), seconds=30), cell_timeout=1)
    result = run_pipeline(request, progress=io.StringIO())
    (record,) = result.runs
    assert (record["status"], record["attempts"], record["cell_timeout_s"]) == ("failed", 2, 1)
    assert "CellTimeoutError" in record["error"]
    assert record["duration_s"] < 25  # stopped long before the 30 s sleep ended


def test_the_dask_executor_gives_each_task_both_timeouts(tmp_path):
    request = replace(_with_sleeper(_setup(tmp_path), seconds=0, stage_timeout=7), kernel_start_timeout=15)
    decisions = plan(request).decisions
    executor = DaskExecutor(workers=1, start_timeout=request.kernel_start_timeout)  # not started
    executor.prepare(decisions, ())
    task = executor._task(decisions[0], request)
    assert (task.run_id, task.timeout, task.start_timeout) == ("05_sleeps", 7, 15)


def test_the_pipeline_files_executor_and_scheduler_are_defaults_the_command_line_overrides(tmp_path):
    request = _setup(tmp_path)
    text = request.pipeline_path.read_text(encoding="utf-8")
    request.pipeline_path.write_text("executor: dask\nscheduler: tcp://10.0.0.5:8786\n" + text,
                                     encoding="utf-8")
    pipeline = load_pipeline(request.pipeline_path)
    from_file = runner._executor(replace(request, kernel_start_timeout=15), pipeline, notes=io.StringIO())
    assert isinstance(from_file, DaskExecutor)
    assert (from_file.scheduler, from_file.start_timeout) == ("tcp://10.0.0.5:8786", 15)
    mine = runner._executor(replace(request, scheduler="tcp://127.0.0.1:8786"), pipeline, notes=io.StringIO())
    assert mine.scheduler == "tcp://127.0.0.1:8786"
    local = runner._executor(replace(request, executor="local"), pipeline, notes=io.StringIO())
    assert isinstance(local, LocalExecutor) and local.slots == 2
    assert isinstance(runner._executor(request, load_pipeline(), notes=io.StringIO()), LocalExecutor)
    with pytest.raises(ConfigError, match="a scheduler is for --executor dask"):
        runner._executor(replace(request, executor="local", scheduler="tcp://127.0.0.1:8786"), pipeline,
                         notes=io.StringIO())


def test_a_bad_executor_in_the_pipeline_file_stops_run_with_exit_2_before_anything_is_written(tmp_path, capsys):
    request = _setup(tmp_path)
    text = request.pipeline_path.read_text(encoding="utf-8")
    request.pipeline_path.write_text("executor: slurm\n" + text, encoding="utf-8")
    code = main(["run", "--pipeline", str(request.pipeline_path), "--out", str(tmp_path / "out"),
                 "--data", str(tmp_path / "pipe" / "data.txt")])
    assert code == 2
    error = capsys.readouterr().err
    assert "executor must be one of local, dask (the default executor of `run`), got 'slurm'" in error
    assert not (tmp_path / "out").exists()

"""The Dask executor: same runs, same outputs, on a LocalCluster and on separate processes.

The fixture pipeline of tests/fixtures/runner (see tests/test_runner.py) runs under both
executors; a scheduler and two workers started as processes lose a worker mid-run and the run
still completes; sweeps (``--grid``) make one run per value and rerun nothing.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ipo_research.exceptions import ConfigError, ParameterError
from ipo_research.pipeline.runner import RunRequest, pipeline_status, run_pipeline

from test_runner import RUN_IDS, _setup

# One xdist worker runs the module, so the two-executor fixture is computed once, not per worker.
pytestmark = pytest.mark.xdist_group("dask")

BIN = Path(sys.executable).parent
TEXT_OUTPUTS = ["consumed.txt", "fan_a.txt", "fan_b.txt", "produced.txt"]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The fixture pipeline run by each executor, from two copies of the same inputs."""
    runs = {}
    for executor in ("local", "dask"):
        root = tmp_path_factory.mktemp(executor)
        request = replace(_setup(root), executor=executor)
        runs[executor] = (request, run_pipeline(request, progress=io.StringIO()))
    return runs


@pytest.mark.slow  # the fixture pipeline under both executors: about 20 s, run by CI
def test_a_local_cluster_runs_every_run_and_records_its_worker(both):
    request, result = both["dask"]
    assert [(r["id"], r["status"]) for r in result.runs] == [(i, "ok") for i in RUN_IDS]
    executor = result.manifest["executor"]
    assert executor["name"] == "dask" and executor["scheduler"] == "LocalCluster"
    assert len(executor["workers"]) == 2
    assert {r["worker"] for r in result.runs} <= set(executor["workers"])
    assert both["local"][1].manifest["executor"] == {"name": "local", "jobs": 2,
                                                      "kernel_start_timeout_s": 60}
    assert executor["kernel_start_timeout_s"] == 60
    assert {r["worker"] for r in both["local"][1].runs} == {"local"}
    # The files each run wrote came back to the client, which wrote them into OUT.
    assert {r["id"]: r["files"] for r in result.runs}["01_produce"] == ["produced.txt"]
    assert (request.out_path / "consumed.txt").read_text() == "42"


@pytest.mark.slow
def test_both_executors_write_the_same_outputs_and_pages(both):
    (local, _), (dask, _) = both["local"], both["dask"]
    for name in TEXT_OUTPUTS:
        assert (dask.out_path / name).read_bytes() == (local.out_path / name).read_bytes(), name
    for run_id in RUN_IDS:
        pages = [(r.out_path / "html" / f"{run_id}.html").read_bytes() for r in (local, dask)]
        assert pages[0] == pages[1], run_id
    summary = json.loads((dask.out_path / "notebooks" / "06_summarize.ipynb").read_text())
    printed = [o for c in summary["cells"] for o in c.get("outputs", []) if o.get("name") == "stdout"]
    assert printed[0]["text"] == ["42\n"]
    # The executed copy names the paths the client knows, not the worker's private folder.
    assert summary["metadata"]["papermill"]["parameters"]["out_dir"] == str(dask.out_path)


@pytest.mark.slow
def test_a_dask_rerun_does_nothing_and_local_agrees(both):
    request, _ = both["dask"]
    assert [d.run.run_id for d in pipeline_status(request) if d.redo] == []
    assert [d.run.run_id for d in pipeline_status(replace(request, executor="local")) if d.redo] == []


def test_a_scheduler_without_the_dask_executor_is_a_usage_error(tmp_path):
    request = replace(_setup(tmp_path), scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ConfigError, match="--executor dask"):
        run_pipeline(request, progress=io.StringIO())


def test_a_sweep_makes_one_run_per_value_in_its_own_folder_and_reruns_nothing(tmp_path):
    request = replace(_setup(tmp_path), stages=("produce",), grid={"multiplier": "2,3,5"})
    result = run_pipeline(request, progress=io.StringIO())
    swept = [r for r in result.runs if r.get("sweep")]
    assert [(r["id"], r["status"], r["sweep"]) for r in swept] == [
        (f"01_produce__multiplier={m}", "ok", {"multiplier": m}) for m in (2, 3, 5)]
    assert [(request.out_path / f"sweeps/multiplier={m}/produced.txt").read_text()
            for m in (2, 3, 5)] == ["42", "63", "105"]
    assert all((request.out_path / page).is_file() for r in swept for page in r["html"].values())
    assert all(r["html"] for r in swept)
    assert [d.run.run_id for d in pipeline_status(request) if d.redo] == []
    # A default run afterwards keeps the sweep's records in the manifest.
    run_pipeline(replace(request, grid={}), progress=io.StringIO())
    manifest = json.loads((request.out_path / "manifest.json").read_text())
    assert sum(bool(r.get("sweep")) for r in manifest["runs"]) == 3


def test_a_sweep_needs_named_stages_that_declare_its_parameter(tmp_path):
    request = _setup(tmp_path)
    with pytest.raises(ParameterError, match="name them"):
        pipeline_status(replace(request, grid={"multiplier": "2,3"}))
    with pytest.raises(ParameterError, match="no named stage"):
        pipeline_status(replace(request, stages=("fan",), grid={"multiplier": "2,3"}))
    with pytest.raises(ParameterError, match="needed by"):
        pipeline_status(replace(request, stages=("produce", "consume"), grid={"multiplier": "2"}))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_killed_worker_loses_no_run(tmp_path):
    """A scheduler and two workers as processes; one worker is killed while it runs a notebook."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "2"}
    processes = [subprocess.Popen([BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                   address.rsplit(":", 1)[1], "--no-dashboard"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        processes += [subprocess.Popen([BIN / "dask", "worker", address, "--nthreads", "1",
                                        "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                                       env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL) for _ in range(2)]
        with Client(address, timeout=60) as watcher:
            watcher.wait_for_workers(2, timeout=60)
            pids = watcher.run(os.getpid)
            request = replace(_setup(tmp_path), executor="dask", scheduler=address)
            pipeline = request.pipeline_path
            # A stage that sleeps long enough to be killed in the middle of.
            Path(pipeline).write_text(Path(pipeline).read_text().replace(
                "  - name: summarize", "  - name: sleeps\n    notebook: 05_sleeps.ipynb\n"
                "    parameters:\n      seconds: 6\n  - name: summarize"))
            outcome = {}
            thread = threading.Thread(target=lambda: outcome.update(
                result=run_pipeline(request, progress=io.StringIO())))
            thread.start()
            victim = None
            deadline = time.monotonic() + 120
            while victim is None and time.monotonic() < deadline:
                for worker, keys in watcher.processing().items():
                    if any("05_sleeps" in str(key) for key in keys):
                        victim = worker
                time.sleep(0.2)
            assert victim is not None, "the sleeping run never started"
            time.sleep(2)  # its kernel is running the cell
            os.kill(pids[victim], signal.SIGKILL)
            thread.join(timeout=180)
        result = outcome["result"]
        statuses = {r["id"]: r["status"] for r in result.runs}
        assert set(statuses.values()) == {"ok"} and "05_sleeps" in statuses
        sleeper = next(r for r in result.runs if r["id"] == "05_sleeps")
        assert sleeper["worker"] != victim
        assert (request.out_path / "consumed.txt").read_text() == "42"
    finally:
        for process in reversed(processes):
            process.kill()
            process.wait()


@pytest.mark.slow
def test_a_default_run_writes_the_same_tables_under_both_executors(tmp_path):
    """The whole default pipeline, forced, once per executor: tables and figures byte-identical."""
    outs = {}
    for executor in ("local", "dask"):
        request = RunRequest(out_dir=str(tmp_path / executor), force=True, jobs=2, executor=executor)
        assert run_pipeline(request, progress=io.StringIO()).ok
        outs[executor] = request.out_path
    for folder in ("tables", "figures"):
        names = sorted(p.relative_to(outs["local"]).as_posix()
                       for p in (outs["local"] / folder).rglob("*") if p.is_file())
        assert names, folder
        differing = [n for n in names if (outs["dask"] / n).read_bytes() != (outs["local"] / n).read_bytes()]
        assert differing == []

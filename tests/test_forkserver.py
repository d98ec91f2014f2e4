"""Kernels forked from the warm fork server: same results, fresh state, clean ends.

The fixture pipeline of tests/fixtures/runner (see test_runner.py) runs with both kinds of
kernel; small notebooks written here report the state a kernel starts with; a runner started
as a command is killed or interrupted mid-run and must leave no process behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from ipo_research.paths import PROJECT_ROOT
from ipo_research.pipeline import kernels
from ipo_research.pipeline.execution import execute_notebook
from ipo_research.pipeline.forkserver import INLINE_BACKEND, MARKER
from ipo_research.pipeline.kernel_mode import resolve_kernels
from ipo_research.pipeline.kernels import ForkKernelManager, fork_server, stop_fork_server
from ipo_research.pipeline.runner import RunRequest, run_pipeline

pytestmark = pytest.mark.skipif(resolve_kernels(None)[0] != "fork",
                                reason="forked kernels need Linux's os.fork and os.pidfd_open")

FIXTURES = Path(__file__).parent / "fixtures" / "runner"
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _no_zygote_left():
    yield
    stop_fork_server()


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("seconds = 0.0")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


# What a kernel reports about itself: its names, folder, backend, random draws and parent.
_STATE = ("import json, os, random\n"
          "names = sorted(n for n in globals() if not n.startswith('_'))\n"
          "import matplotlib, numpy, pandas\n"
          "columns = pandas.get_option('display.max_columns')\n"
          "pandas.reset_option('display.max_columns')\n"
          "print(json.dumps({'names': names, 'cwd': os.getcwd(), 'backend': matplotlib.get_backend(),\n"
          "                  'columns': [columns, pandas.get_option('display.max_columns')],\n"
          "                  'np': numpy.random.rand(), 'py': random.random(), 'ppid': os.getppid()}))")


def _state(folder: Path, name: str, manager) -> dict:
    notebook = _notebook(folder / "state.ipynb", _STATE)
    output = folder / f"{name}.ipynb"
    result = execute_notebook(notebook, output, {}, kernel_manager=manager)
    assert result.status == "ok", result.error
    assert result.kernel == ("fork" if manager else "fresh")
    printed = nbformat.read(output, as_version=4).cells[-1].outputs[0]["text"]
    return json.loads(printed)


def test_forked_kernels_start_like_fresh_ones_with_their_own_random_state(tmp_path):
    first = _state(tmp_path, "first", ForkKernelManager)
    second = _state(tmp_path, "second", ForkKernelManager)
    fresh = _state(tmp_path, "fresh", None)
    zygote = fork_server().process.pid
    # Forked: children of the zygote, not of this process as a fresh kernel is.
    assert first["ppid"] == second["ppid"] == zygote != fresh["ppid"] == os.getpid()
    for state in (first, second):
        assert state["names"] == fresh["names"]  # empty globals: the parameter and IPython's own
        assert "seconds" in state["names"] and "numpy" not in state["names"]
        assert state["cwd"] == fresh["cwd"] == str(PROJECT_ROOT)
        assert state["backend"] == fresh["backend"] == INLINE_BACKEND
        # pandas sizes reprs as in a kernel (20 columns), not to a terminal (0), reset or not.
        assert state["columns"] == fresh["columns"] == [20, 20]
    assert first["np"] != second["np"] and first["py"] != second["py"]


def test_a_dead_forked_kernel_is_retried_with_a_fresh_one(tmp_path):
    marker = tmp_path / "died-once"
    result = execute_notebook(FIXTURES / "04_dies.ipynb", tmp_path / "dies.ipynb",
                              {"marker_path": str(marker)}, kernel_manager=ForkKernelManager)
    assert marker.exists()
    assert (result.status, result.attempts, result.kernel) == ("ok", 2, "fresh")
    assert "survived" in (tmp_path / "dies.ipynb").read_text()


def test_a_dead_zygote_is_started_again(tmp_path):
    _state(tmp_path, "before", ForkKernelManager)
    server = fork_server()
    old = server.process
    old.kill()
    old.wait()
    after = _state(tmp_path, "after", ForkKernelManager)
    assert server.process is not old and after["ppid"] == server.process.pid


def _fixture_request(root: Path, out: str, kernels_mode: str) -> RunRequest:
    if not (root / "pipe").exists():
        shutil.copytree(FIXTURES, root / "pipe")
        (root / "pipe" / "data.txt").write_text("21")
    return RunRequest(out_dir=str(root / out), options={"data_path": str(root / "pipe" / "data.txt")},
                      pipeline_path=root / "pipe" / "pipeline.yaml", jobs=2, force=True,
                      kernels=kernels_mode)


def test_forced_runs_write_the_same_files_with_forked_and_fresh_kernels(tmp_path):
    results = {mode: run_pipeline(_fixture_request(tmp_path, mode, mode)) for mode in ("fork", "fresh")}
    tables = {}
    for mode, result in results.items():
        assert result.ok
        assert result.manifest["kernels"] == mode
        assert {run["kernel"] for run in result.runs} == {mode}
        out = tmp_path / mode
        tables[mode] = {path.relative_to(out).as_posix(): path.read_bytes()
                        for path in sorted(out.rglob("*")) if path.is_file()
                        and not {"notebooks", "html"} & set(path.relative_to(out).parts)
                        and path.suffix not in (".html", ".json", ".js")}
    assert tables["fork"] == tables["fresh"]
    assert tables["fork"]["consumed.txt"] == b"42"  # 21 produced, doubled, as test_runner checks


def _marked(mark: str) -> dict[int, str]:
    """Processes whose environment holds ``mark``, with their state (R, S, Z, ...)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if mark.encode() not in (entry / "environ").read_bytes():
                continue
            found[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
    return found


def _gone(pids, *, timeout: float = 20.0) -> list[int]:
    """The ``pids`` still present (zombies included) after waiting up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
def test_no_kernel_or_zygote_outlives_a_killed_or_interrupted_runner(tmp_path, stop):
    shutil.copy(FIXTURES / "05_sleeps.ipynb", tmp_path / "05_sleeps.ipynb")
    (tmp_path / "pipeline.yaml").write_text(
        "stages:\n  - name: sleeps\n    notebook: 05_sleeps.ipynb\n"
        "    fan_out:\n      seconds: [120.0, 121.0]\n", encoding="utf-8")
    mark = f"IPO_TEST_MARK_{uuid.uuid4().hex}"
    runner = subprocess.Popen(
        [str(BIN / "ipo-research"), "run", "--pipeline", str(tmp_path / "pipeline.yaml"),
         "--out", str(tmp_path / "out"), "--jobs", "2", "--kernels", "fork"],
        env={**os.environ, mark: "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        # The runner, its zygote and two kernels (forked, so the zygote's marker is theirs too).
        while len([p for p in _marked(mark) if p != runner.pid]) < 3:
            assert runner.poll() is None, runner.stderr.read().decode()
            assert time.monotonic() < deadline, f"kernels did not start: {_marked(mark)}"
            time.sleep(0.2)
        time.sleep(1.0)  # let the kernels start their sleeping cell
        started = [pid for pid in _marked(mark) if pid != runner.pid]
        forked = [pid for pid in started if MARKER.encode() + b"=" + str(runner.pid).encode()
                  in Path(f"/proc/{pid}/environ").read_bytes()]
        assert len(forked) == 3  # the zygote's environment, inherited by both kernels
        runner.send_signal(stop)
        code = runner.wait(timeout=60)
        if stop == signal.SIGINT:
            assert code == 130
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    assert _gone(started) == []
    assert _marked(mark) == {}


def test_run_takes_kernels_from_the_command_line_and_forks_by_default():
    from ipo_research.cli import build_parser
    from ipo_research.pipeline.runner import request_from_args

    parse = build_parser().parse_args
    assert request_from_args(parse(["run", "--kernels", "fresh"])).kernels == "fresh"
    assert request_from_args(parse(["run"])).kernels is None
    assert resolve_kernels(None) == ("fork", None)
    assert resolve_kernels("fresh") == ("fresh", None)


def test_without_fork_or_with_dask_the_run_starts_fresh_kernels_and_says_why(monkeypatch):
    import io

    from ipo_research.exceptions import ConfigError
    from ipo_research.pipeline import kernel_mode, runner
    from ipo_research.pipeline.plan import load_pipeline

    assert resolve_kernels("fork", executor="dask") == (
        "fresh", "note: --kernels fork is for --executor local; Dask workers start fresh kernels")
    assert resolve_kernels(None, executor="dask") == ("fresh", None)
    with pytest.raises(ConfigError, match="--kernels spawn: unknown kernel mode. Use fork or fresh"):
        resolve_kernels("spawn")
    monkeypatch.setattr(kernel_mode, "fork_unavailable", lambda: "os.fork is missing on win32")
    notes = io.StringIO()
    executor = runner._executor(RunRequest(jobs=1), load_pipeline(), notes=notes)
    assert executor.kernels == "fresh"
    assert notes.getvalue() == ("ipo-research run: note: forked kernels are not available here "
                                "(os.fork is missing on win32); using fresh kernels\n")


def test_a_fork_server_that_cannot_start_is_given_up_and_runs_get_fresh_kernels(tmp_path, monkeypatch):
    server = kernels.ForkServer(module="ipo_research.pipeline.no_such_zygote")  # exits at once
    monkeypatch.setattr(kernels, "_server", server)
    result = execute_notebook(FIXTURES / "01_produce.ipynb", tmp_path / "produce.ipynb",
                              {"data_path": str(FIXTURES / "data.txt"), "out_dir": str(tmp_path)},
                              kernel_manager=ForkKernelManager)
    assert (result.status, result.attempts, result.kernel) == ("ok", 2, "fresh")
    assert server.starts == 2 and "failed twice" in server.broken
    with pytest.raises(kernels.ForkServerError, match="failed twice"):
        server.fork(connection_file="unused.json", cwd=str(tmp_path), env={})
    assert server.starts == 2  # given up: no third warm-up

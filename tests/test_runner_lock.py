"""One run per output folder, and a run killed with SIGKILL resumes from what it finished.

The runs are real ``ipo-research run`` processes on a two-stage fixture pipeline: ``produce``
(fast), then ``sleeps`` (as long as asked), so a test can catch the first run mid-way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from ipo_research.pipeline.lock import HOLDER_NAME, OutputLock, OutputLockedError

FIXTURES = Path(__file__).parent / "fixtures" / "runner"
pytestmark = pytest.mark.xdist_group("runner_lock")


def _pipeline(root: Path) -> Path:
    folder = root / "pipe"
    folder.mkdir()
    for name in ("01_produce.ipynb", "05_sleeps.ipynb"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / "data.txt").write_text("21")
    (folder / "pipeline.yaml").write_text(
        "defaults:\n"
        f"  data_path: {folder / 'data.txt'}\n"
        '  out_dir: "{out}"\n'
        "stages:\n"
        "  - name: produce\n    notebook: 01_produce.ipynb\n"
        "  - name: sleeps\n    notebook: 05_sleeps.ipynb\n    needs: [produce]\n"
    )
    return folder / "pipeline.yaml"


def _start(pipeline: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "ipo_research.cli", "run", "--pipeline", str(pipeline),
               "--out", str(out), "--jobs", "1", *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(condition, *, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)


def _manifest_statuses(out: Path) -> dict[str, str]:
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {run["id"]: run["status"] for run in manifest.get("runs", [])}


@pytest.fixture()
def first_run(tmp_path):
    """A run caught mid-way: produce finished, sleeps sleeping."""
    pipeline, out = _pipeline(tmp_path), tmp_path / "out"
    process = _start(pipeline, out, "-p", "seconds=120")
    try:
        _wait_for(lambda: _manifest_statuses(out).get("01_produce") == "ok")
        yield process, pipeline, out
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def test_a_second_run_on_the_same_out_stops_at_once_naming_the_first(first_run):
    process, pipeline, out = first_run
    holder = json.loads((out / HOLDER_NAME).read_text())
    assert holder["pid"] == process.pid
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "ipo_research.cli", "run", "--pipeline", str(pipeline), "--out", str(out)],
        capture_output=True, text=True, timeout=60)
    took = time.monotonic() - started
    assert second.returncode == 2
    assert took < 5, f"the second run took {took:.1f} s to give up"
    assert f"process {process.pid}, started {holder['started']}" in second.stderr
    assert "another ipo-research run" in second.stderr and "--out" in second.stderr
    assert "Traceback" not in second.stderr
    # status only reads: it answers while the run holds the lock
    status = subprocess.run(
        [sys.executable, "-m", "ipo_research.cli", "status", "--pipeline", str(pipeline), "--out", str(out)],
        capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "01_produce" in status.stdout
    assert process.poll() is None  # the first run goes on


@pytest.mark.slow  # a pipeline run killed and resumed: about 15 s, run by CI (see Makefile)
def test_a_run_killed_with_sigkill_resumes_and_leaves_no_half_written_file(first_run):
    process, pipeline, out = first_run
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    # Whatever a killed run left, every file with its final name is whole.
    for path in out.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            if path.suffix == ".ipynb":
                nbformat.read(path, as_version=4)
            elif path.suffix == ".json":
                json.loads(path.read_text())
            elif path.suffix == ".html":
                assert path.read_text().rstrip().endswith("</html>"), path
    resumed = _start(pipeline, out, "-p", "seconds=0")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert f"locked by process {process.pid}" in stderr and "taking the lock over" in stderr
    assert any("up to date" in line and "01_produce" in line for line in stderr.splitlines())
    assert _manifest_statuses(out) == {"01_produce": "ok", "05_sleeps": "ok"}
    leftovers = [path for path in out.rglob(".*") if path.name != ".ipo-research.lock"]
    assert leftovers == [], leftovers


def test_the_lock_is_released_when_the_run_ends(tmp_path):
    with OutputLock(tmp_path) as lock:
        assert json.loads((tmp_path / HOLDER_NAME).read_text())["pid"] == os.getpid()
        assert lock.taken_over is None
    assert not (tmp_path / HOLDER_NAME).exists()
    with OutputLock(tmp_path):  # free again
        pass


def test_a_lock_held_elsewhere_is_an_error_with_exit_code_2(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from ipo_research.pipeline.lock import OutputLock\n"
         f"with OutputLock({str(tmp_path)!r}):\n    print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputLockedError) as caught:
            with OutputLock(tmp_path):
                pass
        assert caught.value.exit_code == 2
        assert f"process {holder.pid}" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()

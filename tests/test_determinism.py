"""Same inputs, same outputs: the default run's files are byte-identical across runs.

The clean and models stages of the default run (see ``write_default_tables`` in conftest.py)
are run twice: once in this test session and once in a fresh interpreter with another hash
seed, so nothing may depend on set or dict iteration order, on state left over in a process, or
on the time. Every file both runs write (the cleaned parquet, the quarantine, the cleaning log,
source.json, every model table including the bootstrap and multiple-imputation ones) must be
byte-identical. That the notebooks' outputs are identical across executions is what nbval checks
on ``make test``, against the committed outputs.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> Path:
    out_dir = tmp_path_factory.mktemp("default_run_again")
    env = {**os.environ, "PYTHONHASHSEED": "20161108"}
    subprocess.run([sys.executable, str(CONFTEST), str(out_dir)], env=env, check=True, timeout=900,
                   capture_output=True)
    return out_dir


@pytest.mark.slow  # the second run takes about a minute in a fresh interpreter: run by CI
@pytest.mark.xdist_group("default_run")
def test_two_runs_write_the_same_files(default_run_dir, second_run):
    assert sorted(_files(second_run)) == sorted(_files(default_run_dir))


@pytest.mark.slow
@pytest.mark.xdist_group("default_run")
def test_two_runs_write_byte_identical_files(default_run_dir, second_run):
    first, again = _files(default_run_dir), _files(second_run)
    differing = [name for name in first if name in again and first[name] != again[name]]
    assert differing == []


@pytest.mark.xdist_group("default_run")
def test_the_runs_wrote_the_headline_tables(default_run_dir):
    written = set(_files(default_run_dir))
    assert {"data/responses.parquet", "tables/coefficients.csv", "tables/model_fit.csv"} <= written

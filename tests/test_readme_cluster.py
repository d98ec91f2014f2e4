"""README, "Running on a cluster": its snippets run (as far as this machine allows) and say what they claim.

The SLURM snippet is executed up to its ``SLURMCluster(...)``: dask-jobqueue (pinned in the test
lock through the ``cluster`` extra) builds the job script without SLURM, and the script must
start one single-threaded worker that retires (``--lifetime``, plus its stagger) before SLURM's
wall time kills it. The Kubernetes snippet needs a cluster; it must at least parse. Every
``ipo-research run`` command shown must parse with the command line's own parser.
"""

from __future__ import annotations

import ast
import re
import shlex

import pytest

from ipo_research.cli import build_parser
from ipo_research.paths import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Running on a cluster")
    return text[start:text.index("\n## ", start + 1)]


def _python_block(needle: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", _section(), flags=re.DOTALL)
    (block,) = [b for b in blocks if needle in b]
    return block


def _minutes(text: str) -> float:
    """``110m``, ``5m``, ``2h`` or ``30s`` (dask's --lifetime) in minutes."""
    value, unit = re.fullmatch(r"(\d+)([smh])", text).groups()
    return int(value) * {"s": 1 / 60, "m": 1, "h": 60}[unit]


def test_the_slurm_snippet_builds_a_job_script_whose_workers_retire_before_the_wall_time():
    pytest.importorskip("dask_jobqueue", reason="the cluster extra: pip install -e '.[cluster]'")
    tree = ast.parse(_python_block("SLURMCluster"))
    # Up to the cluster's construction: adapt() would submit jobs to a SLURM that is not here.
    upto = next(i for i, node in enumerate(tree.body)
                if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "cluster")
    namespace: dict = {}
    exec(compile(ast.Module(body=tree.body[:upto + 1], type_ignores=[]), "README.md", "exec"), namespace)
    cluster = namespace["cluster"]
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    worker = next(line for line in script.splitlines() if "distributed.cli.dask_worker" in line)
    options = shlex.split(worker)
    assert options[options.index("--nthreads") + 1] == "1"  # one notebook per worker at a time
    lifetime = _minutes(options[options.index("--lifetime") + 1])
    stagger = _minutes(options[options.index("--lifetime-stagger") + 1])
    hours, minutes, seconds = map(int, re.search(r"#SBATCH -t (\d+):(\d+):(\d+)", script).groups())
    walltime = hours * 60 + minutes + seconds / 60
    assert lifetime + stagger < walltime, (lifetime, stagger, walltime)
    # The snippet then lets the cluster follow the queue of runs.
    assert "adapt" in {node.func.attr for node in ast.walk(tree)
                       if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}


def test_the_kubernetes_snippet_parses_and_makes_single_threaded_workers():
    tree = ast.parse(_python_block("KubeCluster"))
    (call,) = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
               and isinstance(node.func, ast.Name) and node.func.id == "KubeCluster"]
    keywords = {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}
    command = keywords["worker_command"]
    assert command[:2] == ["dask", "worker"] and command[command.index("--nthreads") + 1] == "1"


def test_every_run_command_the_section_shows_parses():
    section = _section()
    commands = [line.split("#")[0].strip() for line in section.splitlines()
                if line.startswith("ipo-research run")]  # in the shell block
    commands += re.findall(r"`(ipo-research run [^`]+)`", section)  # in the prose
    assert len(commands) == 5, commands
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.command == "run", command
    scheduler = parser.parse_args(shlex.split(commands[1])[1:])
    assert (scheduler.executor, scheduler.scheduler) == ("dask", "tcp://10.0.0.5:8786")

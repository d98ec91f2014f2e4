"""Benchmark: ``ipo-research run`` against the plain way of running the same notebooks.

The plain way is what one would script without the runner: for every run of the pipeline, one
after another, papermill's command line (``-p`` for each parameter), then nbconvert's command
line twice (the full page, and the reviewer page with ``--no-input``). The runner does the same
executions in one process, in parallel, with both pages per run. Then the runner runs again
with nothing changed.

Bars (issue #6): the full run takes at most half the plain time on a 2-core machine, and a rerun
with nothing changed at most 5% of the full run. Bar (issue #13): building the report site
(navigation, front page, figures page, search index: ``report.site.build_site``, timed in this
process on the full run's output; ``ipo-research report`` is timed as well, with its start-up)
adds at most 10% to the full run. Everything is written to a temporary folder,
never to reports/. Stages whose notebook does not exist yet are left out (and listed), so the
benchmark replays whatever the pipeline has.

Bar (issue #15), with ``--executors``: the default run (forced) on a two-worker Dask LocalCluster
(``--executor dask --jobs 2``) takes at most 1.15x the local executor's time (``--jobs 2``),
as the median of ``--repeat`` rounds; a 48-run sweep (the profile stage for one network,
``--grid seed=1,...,48``) is timed under both executors and reported. The local executor is
also timed with ``--kernels fresh``: Dask workers start fresh kernels, so dask / local-fresh is
the executor's own cost, apart from the fork server's gain (issue #18).

Bar (issue #18), with ``--kernels``: the default run (forced) with kernels forked from the warm
fork server (``--kernels fork``) takes at most 0.2x the plain way measured in the same round;
the same run with ``--kernels fresh`` is timed and reported beside it, with each mode's start-up
cost per run (from papermill's timestamps in the executed notebooks: the notebook's start, which
precedes the kernel's, to its first code cell's start), as medians over the runs. ``--startup N``
alone measures that start-up cost on N starts per mode, one at a time, of a notebook whose
second cell makes the imports the pipeline's notebooks begin with (reported as well, to that
cell's end).

Usage::

    .venv/bin/python benchmarks/run_pipeline.py [--repeat N] [--jobs N] [--pipeline PATH]
    .venv/bin/python benchmarks/run_pipeline.py --executors [--repeat N]
    .venv/bin/python benchmarks/run_pipeline.py --kernels [--repeat N]
    .venv/bin/python benchmarks/run_pipeline.py --startup N
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from ipo_research.paths import PIPELINE_PATH, PROJECT_ROOT, project_path
from ipo_research.pipeline.runner import RunRequest, plan

FULL_BAR, RERUN_BAR, SITE_BAR = 0.50, 0.05, 0.10
DASK_BAR, SWEEP_RUNS = 1.15, 48
FORK_BAR = 0.20
BIN = Path(sys.executable).parent


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 when both bars are met, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="repetitions; medians are reported")
    parser.add_argument("--jobs", type=int, default=None, help="runner workers (default: cores)")
    parser.add_argument("--pipeline", default=str(PIPELINE_PATH), help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary output folder")
    parser.add_argument("--executors", action="store_true",
                        help="compare the Dask executor (2-worker LocalCluster) with the local one")
    parser.add_argument("--kernels", action="store_true",
                        help="compare forked and fresh kernels, each against the plain way")
    parser.add_argument("--startup", type=int, default=0, metavar="N",
                        help="only time N kernel start-ups per mode (kernel ready, then usual imports)")
    args = parser.parse_args(argv)
    if args.executors:
        return _executors(repeat=args.repeat)
    if args.kernels:
        return _kernels(repeat=args.repeat, pipeline=project_path(args.pipeline))
    if args.startup:
        return _startup(args.startup)
    work = Path(tempfile.mkdtemp(prefix="ipo-benchmark-"))
    try:
        pipeline = _available_pipeline(project_path(args.pipeline), work)
        times: dict[str, list[float]] = {"plain": [], "full": [], "rerun": [], "site": [], "report": []}
        _warm_up()
        for repeat in range(args.repeat):
            round_dir = work / f"round{repeat}"
            runs = plan(RunRequest(out_dir=str(round_dir / "plain"), pipeline_path=pipeline)).decisions
            times["plain"].append(_plain(runs, round_dir / "plain"))
            command = [str(BIN / "ipo-research"), "run", "--pipeline", str(pipeline),
                       "--out", str(round_dir / "runner")]
            if args.jobs:
                command += ["--jobs", str(args.jobs)]
            times["full"].append(_timed(command + ["--force"]))
            times["rerun"].append(_rerun(command, round_dir / "runner"))
            times["site"].append(_site(round_dir / "runner"))
            times["report"].append(_timed([str(BIN / "ipo-research"), "report", "--out",
                                           str(round_dir / "runner")]))
        _report(times, runs=len(runs), jobs=args.jobs or os.cpu_count(), repeat=args.repeat)
        full, plain, rerun, site = (statistics.median(times[k]) for k in ("full", "plain", "rerun", "site"))
        return 0 if full / plain <= FULL_BAR and rerun / full <= RERUN_BAR and site / full <= SITE_BAR else 1
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _available_pipeline(path: Path, work: Path) -> Path:
    """The pipeline itself, or a copy without the stages whose notebook is missing."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    present, missing = [], []
    for stage in raw["stages"]:
        notebook = path.parent / stage["notebook"]
        if notebook.is_file() and all(need in {s["name"] for s in present} for need in stage.get("needs", [])):
            present.append({**stage, "notebook": str(notebook.resolve())})
        else:
            missing.append(stage["name"])
    if not missing:
        return path
    print(f"left out (notebook not there yet, or needs one that is not): {', '.join(missing)}")
    if not present:
        raise SystemExit("no stage of the pipeline has its notebook yet; nothing to benchmark")
    copy = work / "pipeline.yaml"
    copy.write_text(yaml.safe_dump({**raw, "stages": present}, sort_keys=False), encoding="utf-8")
    return copy


def _warm_up() -> None:
    """Load the libraries once so neither side pays for a cold disk cache."""
    subprocess.run([sys.executable, "-c", "import papermill, nbconvert, pandas, ipykernel"],
                   check=True, cwd=PROJECT_ROOT)


def _plain(decisions, out: Path) -> float:
    """papermill's CLI then nbconvert's CLI (twice), one run after another; seconds taken."""
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for decision in decisions:
        run = decision.run
        executed = out / "notebooks" / f"{run.run_id}.ipynb"
        command = [str(BIN / "papermill"), str(run.notebook), str(executed), "--cwd",
                   str(PROJECT_ROOT), "-k", "python3", "--no-progress-bar"]
        for name, value in run.parameters.items():
            if isinstance(value, (list, dict)):
                command += ["-y", json.dumps({name: value})]
            else:
                command += ["-p", name, str(value)]
        _quiet(command, label=f"papermill {run.run_id}")
        for extra, name in (([], run.run_id + ".full"), (["--no-input"], run.run_id)):
            _quiet([str(BIN / "jupyter"), "nbconvert", "--to", "html", *extra, str(executed),
                    "--output-dir", str(out / "html"), "--output", name],
                   label=f"nbconvert {name}")
    return time.perf_counter() - started


def _quiet(command: list[str], *, label: str) -> None:
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  note: {label} exited {done.returncode} (timed all the same)")


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"  note: {' '.join(command[1:3])} exited {done.returncode}: "
              f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ''}")
    return seconds


def _rerun(command: list[str], out: Path, *, tries: int = 3) -> float:
    """Time a rerun that should find nothing to do; measure again if it did redo something.

    Others editing ``ipo_research/`` while the benchmark runs, or a failing notebook (always
    redone), make a rerun do real work; say so instead of reporting it as a no-op.
    """
    for _ in range(tries):
        before = _finished(out)
        seconds = _timed(command)
        after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]
        redone = {r["id"]: r.get("reasons") for r in after if before.get(r["id"]) != r.get("finished")}
        if not redone:
            return seconds
        print(f"  note: the rerun redid {len(redone)} run(s), e.g. {next(iter(redone.items()))}; "
              "measuring again")
    return seconds


def _site(out: Path) -> float:
    """Seconds ``build_site`` takes on a run's output (its pages already rendered)."""
    from ipo_research.report.site import build_site

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    build_site(out, manifest)
    return time.perf_counter() - started


def _finished(out: Path) -> dict[str, str | None]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {record["id"]: record.get("finished") for record in manifest["runs"]}


def _report(times: dict[str, list[float]], *, runs: int, jobs: int | None, repeat: int) -> None:
    plain, full, rerun, site, report = (statistics.median(times[k])
                                        for k in ("plain", "full", "rerun", "site", "report"))
    print(f"{runs} runs, {os.cpu_count()} cores, runner jobs {jobs}, {repeat} repetition(s), "
          "medians in seconds")
    print(f"  plain (papermill CLI + nbconvert CLI, one after another): {plain:8.2f}")
    print(f"  ipo-research run --force:                                 {full:8.2f}")
    print(f"  ipo-research run, nothing changed:                        {rerun:8.2f}")
    print(f"  report site build (build_site, in process):               {site:8.2f}")
    print(f"  ipo-research report (site rebuilt, with start-up):        {report:8.2f}")
    for label, ratio, bar in (("full / plain", full / plain, FULL_BAR),
                              ("rerun / full", rerun / full, RERUN_BAR),
                              ("site / full", site / full, SITE_BAR)):
        print(f"  {label}: {ratio:.3f}  (bar <= {bar:.2f}: {'met' if ratio <= bar else 'NOT met'})")


def _executors(*, repeat: int) -> int:
    """The default run and a 48-run sweep under each executor; exit 1 above the Dask bar."""
    work = Path(tempfile.mkdtemp(prefix="ipo-benchmark-executors-"))
    run = [str(BIN / "ipo-research"), "run", "--jobs", "2", "--force"]
    # Dask workers start fresh kernels (no fork server per worker), so the local executor is
    # timed with fresh kernels too: that ratio is the executor's own cost.
    executors = {"local": ["--executor", "local"], "local-fresh": ["--executor", "local", "--kernels", "fresh"],
                 "dask": ["--executor", "dask"]}
    sweep = ["profile", "-p", "group_value=cpd",
             "--grid", "seed=" + ",".join(str(seed) for seed in range(1, SWEEP_RUNS + 1))]
    times: dict[str, list[float]] = {f"{kind} {name}": [] for kind in ("default", "sweep")
                                     for name in executors}
    try:
        _warm_up()
        for round_number in range(repeat):
            for name, options in executors.items():
                out = work / f"{name}{round_number}"
                times[f"default {name}"].append(_timed([*run, "--out", str(out), *options]))
                times[f"sweep {name}"].append(_timed([*run, "--out", str(out), *sweep, *options]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, value in medians.items():
        print(f"{label:<20} {value:8.1f} s  (median of {repeat})")
    ratio = medians["default dask"] / medians["default local"]
    sweep_ratio = medians["sweep dask"] / medians["sweep local"]
    print(f"default run, dask / local: {ratio:.2f}  (bar: at most {DASK_BAR:.2f})")
    print(f"default run, dask / local with fresh kernels, as Dask workers start them: "
          f"{medians['default dask'] / medians['default local-fresh']:.2f}")
    print(f"{SWEEP_RUNS}-run sweep, dask / local: {sweep_ratio:.2f}")
    return 0 if ratio <= DASK_BAR else 1


def _kernels(*, repeat: int, pipeline: Path) -> int:
    """The default run, forced, with forked and with fresh kernels against the plain way."""
    work = Path(tempfile.mkdtemp(prefix="ipo-benchmark-kernels-"))
    times: dict[str, list[float]] = {"plain": [], "fork": [], "fresh": []}
    startup: dict[str, list[float]] = {"fork": [], "fresh": []}
    try:
        pipeline = _available_pipeline(pipeline, work)
        _warm_up()
        for round_number in range(repeat):
            round_dir = work / f"round{round_number}"
            runs = plan(RunRequest(out_dir=str(round_dir / "plain"), pipeline_path=pipeline)).decisions
            times["plain"].append(_plain(runs, round_dir / "plain"))
            for mode in ("fork", "fresh"):
                out = round_dir / mode
                times[mode].append(_timed([str(BIN / "ipo-research"), "run", "--force", "--pipeline",
                                           str(pipeline), "--out", str(out), "--kernels", mode]))
                startup[mode] += _startup_seconds(out / "notebooks")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    plain = statistics.median(times["plain"])
    print(f"{len(runs)} runs, {os.cpu_count()} cores, {repeat} round(s), medians in seconds")
    print(f"  plain (papermill CLI + nbconvert CLI, one after another): {plain:8.2f}")
    for mode in ("fork", "fresh"):
        full = statistics.median(times[mode])
        bar = f"  (bar <= {FORK_BAR:.2f}: {'met' if full / plain <= FORK_BAR else 'NOT met'})" \
            if mode == "fork" else ""
        print(f"  ipo-research run --force --kernels {mode:<5}: {full:8.2f}  ratio {full / plain:.3f}{bar}; "
              f"start-up per run {statistics.median(startup[mode]):.2f} s")
    return 0 if statistics.median(times["fork"]) / plain <= FORK_BAR else 1


# What the pipeline's notebooks import first (a forked kernel has them already).
_IMPORTS = ("import pandas, seaborn, statsmodels.formula.api\n"
            "from ipo_research.analysis import describe, outputs, plots\n"
            "from ipo_research.models.run import run_models")


def _startup_seconds(folder: Path, *, until: str = "start") -> list[float]:
    """Per executed notebook: seconds from papermill's start to its first code cell's start
    (``until="start"``) or to its last code cell's end (``until="end"``)."""
    from datetime import datetime

    seconds = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        begun = nb["metadata"]["papermill"]["start_time"]
        cells = [cell["metadata"]["papermill"] for cell in nb["cells"]
                 if cell["cell_type"] == "code" and cell["metadata"].get("papermill", {}).get("start_time")]
        if begun and cells:
            moment = cells[0]["start_time"] if until == "start" else cells[-1]["end_time"]
            seconds.append((datetime.fromisoformat(moment) - datetime.fromisoformat(begun)).total_seconds())
    return seconds


def _startup(count: int) -> int:
    """Start ``count`` kernels per mode, one at a time, on a two-cell notebook; print medians."""
    import nbformat

    from ipo_research.pipeline.execution import execute_notebook
    from ipo_research.pipeline.kernels import ForkKernelManager, stop_fork_server

    work = Path(tempfile.mkdtemp(prefix="ipo-benchmark-startup-"))
    try:
        notebook = work / "one_cell.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1"),
                                                        nbformat.v4.new_code_cell(_IMPORTS)]), notebook)
        execute_notebook(notebook, work / "warm" / "fork.ipynb", {}, kernel_manager=ForkKernelManager)
        for mode, manager in (("fork", ForkKernelManager), ("fresh", None)):
            for number in range(count):
                execute_notebook(notebook, work / mode / f"{number}.ipynb", {}, kernel_manager=manager)
            seconds = _startup_seconds(work / mode)
            imported = _startup_seconds(work / mode, until="end")
            warm = "; the zygote warmed up beforehand" if mode == "fork" else ""
            print(f"--kernels {mode:<5}: start-up (kernel ready to first cell) median "
                  f"{statistics.median(seconds):.3f} s (min {min(seconds):.3f}, max {max(seconds):.3f}); "
                  f"with a notebook's usual imports {statistics.median(imported):.3f} s "
                  f"({count} starts{warm})")
    finally:
        stop_fork_server()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

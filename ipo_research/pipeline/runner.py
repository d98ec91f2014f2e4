"""The batch runner behind ``ipo-research run`` and ``ipo-research status``.

One process plans every run of ``notebooks/pipeline.yaml`` (parameters resolved and checked
before any kernel starts), decides which runs are out of date by content hash (see
:mod:`ipo_research.pipeline.manifest`), then executes them on a pool of worker threads, each driving its
own kernel process (:mod:`ipo_research.pipeline.execution`), in dependency order with independent runs
in parallel. Each finished run is rendered to its two pages (:mod:`ipo_research.report.pages`) and
recorded in ``OUT/manifest.json`` at once, so an interrupted run loses only what was running.
A failed run does not stop the others; the runs that need it are skipped with the reason, and
the command ends with a summary and exit code 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from ipo_research.exceptions import ConfigError
from ipo_research.files import remove_temporaries, sha256_file
from ipo_research.paths import (PACKAGE_DIR, PIPELINE_PATH, REPORTS_DIR, portable_path, project_path,
                                relative_to_root)
from ipo_research.pipeline.manifest import (
    RunKey, input_files, package_source_hash, provenance, read_manifest, stale_reasons, write_manifest,
)
from ipo_research.pipeline.environment import drift_warning
from ipo_research.pipeline.plan import (DEFAULT_KERNEL_START_TIMEOUT, Pipeline, Run, load_pipeline,
                                       parse_assignments, plan_runs)
from ipo_research.pipeline.preflight import check_parameters_files, preflight

__all__ = ["RunRequest", "RunResult", "Decision", "Plan", "LocalExecutor", "plan", "run_pipeline", "pipeline_status",
           "request_from_args", "run_command", "status_command"]

# Command-line options and the notebook parameter each one sets.
OPTION_PARAMETERS = {"data": "data_path", "codebook": "codebook_path", "models": "models_path",
                     "layout": "layout"}


@dataclass(frozen=True)
class RunRequest:
    """What a user asked for: the command line's ``run``/``status`` options as data.

    Attributes
    ----------
    stages : tuple of str
        Stages to run, plus what they need; empty means all.
    out_dir : str
        Output folder, as given (relative paths are relative to the project root).
    options : dict
        Parameter values from ``--data/--codebook/--models/--layout``, by parameter name.
    overrides : dict of str to str
        Raw ``-p NAME=VALUE`` values.
    force : bool
        Redo every run.
    jobs : int or None
        Worker threads; None means the number of cores.
    pipeline_path : str or Path
        The pipeline file.
    package_dir : str or Path
        The package whose sources every run depends on.
    executor : str or None
        ``"local"`` (threads on this machine) or ``"dask"``
        (:mod:`ipo_research.pipeline.dask_executor`); None means the pipeline file's
        ``executor``, else ``"local"``.
    scheduler : str or None
        A running Dask scheduler's address; None means the pipeline file's ``scheduler``
        (with the dask executor), else a LocalCluster for the run.
    grid : dict of str to str
        Raw ``--grid NAME=V1,V2,...`` values: the named stages run once per combination.
    kernels : {"fork", "fresh"} or None
        How kernels start (:mod:`ipo_research.pipeline.kernels`); None: forked where possible.
    cell_timeout : int or None
        Seconds any cell may run, for every run; None keeps each stage's ``timeout`` from the
        pipeline file (:data:`~ipo_research.pipeline.plan.DEFAULT_CELL_TIMEOUT` without one).
    kernel_start_timeout : int
        Seconds a kernel may take to start.
    """

    stages: tuple[str, ...] = ()
    out_dir: str = "reports"
    options: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    force: bool = False
    jobs: int | None = None
    pipeline_path: str | Path = PIPELINE_PATH
    package_dir: str | Path = PACKAGE_DIR
    executor: str | None = None
    scheduler: str | None = None
    grid: dict[str, str] = field(default_factory=dict)
    kernels: str | None = None
    cell_timeout: int | None = None
    kernel_start_timeout: int = DEFAULT_KERNEL_START_TIMEOUT

    @property
    def out_path(self) -> Path:
        """OUT as an absolute path."""
        return project_path(self.out_dir)

    @property
    def out_parameter(self) -> str:
        """OUT as notebooks receive it: relative to the project root when inside it."""
        return portable_path(self.out_path)


@dataclass(frozen=True)
class Decision:
    """Whether one run is redone, and why.

    Attributes
    ----------
    run : Run
    key : RunKey
    reasons : tuple of str
        Empty when the run is up to date.
    previous : dict or None
        Its record in the last manifest.
    """

    run: Run
    key: RunKey
    reasons: tuple[str, ...]
    previous: dict[str, Any] | None = None

    @property
    def redo(self) -> bool:
        """Whether the run must execute."""
        return bool(self.reasons)


@dataclass
class Plan:
    """Every run of a request, decided, before anything executes.

    Attributes
    ----------
    pipeline : Pipeline
    decisions : list of Decision
        One per run, in run order.
    previous : dict
        The last manifest (empty if none).
    notebooks : dict
        Declared parameters and sha256 by notebook, cached in the manifest so a no-op rerun
        need not import papermill.
    """

    pipeline: Pipeline
    decisions: list[Decision]
    previous: dict[str, Any]
    notebooks: dict[str, Any]


def plan(request: RunRequest) -> Plan:
    """Resolve, check and decide every run of ``request`` without executing anything.

    Parameters
    ----------
    request : RunRequest

    Returns
    -------
    Plan

    Raises
    ------
    ConfigError
        Before any kernel starts and before anything is written: a bad stage, parameter or
        pipeline file, or a file a run will read that is missing or broken
        (:mod:`ipo_research.pipeline.preflight`).
    """
    # The files the user named first: a broken one is reported in a second, before the
    # notebooks' parameters are read.
    check_parameters_files(request.options, out_path=request.out_path)
    _check_timeouts(request)
    pipeline = load_pipeline(request.pipeline_path)
    previous = read_manifest(request.out_path)
    notebooks: dict[str, Any] = {}
    runs = plan_runs(pipeline, stages=request.stages, out=request.out_parameter,
                     options=request.options, overrides=request.overrides, grid=request.grid,
                     declared=_declared_cache(previous, notebooks))
    if request.cell_timeout is not None:  # the command line's, over every stage's own
        runs = [replace(run, timeout=request.cell_timeout) for run in runs]
    preflight(runs, out_path=request.out_path)
    package = package_source_hash(request.package_dir)
    records = {record.get("id"): record for record in previous.get("runs", [])}
    decisions: list[Decision] = []
    for run in runs:
        upstream = {d.run.run_id: d for d in decisions if d.run.run_id in run.needs}
        inputs = input_files(run.parameters, patterns=pipeline.inputs, out_dir=request.out_path)
        key = RunKey(notebook=sha256_file(run.notebook), parameters=run.parameters,
                     inputs={shown: sha256_file(path) for shown, path in inputs.items()},
                     package=package, upstream={rid: d.key.digest for rid, d in upstream.items()})
        record = records.get(run.run_id)
        reasons = ["forced (--force)"] if request.force else stale_reasons(
            key, record, outputs_present=_outputs_present(record, request.out_path))
        reasons += [f"upstream {rid} reruns" for rid, d in upstream.items()
                    if d.redo and not any(rid in reason for reason in reasons)]
        decisions.append(Decision(run=run, key=key, reasons=tuple(reasons), previous=record))
    return Plan(pipeline=pipeline, decisions=decisions, previous=previous, notebooks=notebooks)


def _check_timeouts(request: RunRequest) -> None:
    for flag, value in (("--cell-timeout", request.cell_timeout),
                        ("--kernel-start-timeout", request.kernel_start_timeout)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{flag} {value}: expected a whole number of seconds, at least 1.")


def _declared_cache(previous: dict[str, Any], notebooks: dict[str, Any]):
    """Declared parameters by notebook, reusing the manifest's copy while the notebook is unchanged.

    Reading them needs papermill, whose import alone costs more than a whole no-op rerun.
    """
    from ipo_research.pipeline.parameters import Parameter

    cached = previous.get("notebooks", {})

    def declared(notebook: Path) -> dict[str, Parameter]:
        shown, digest = portable_path(notebook), sha256_file(notebook)
        entry = cached.get(shown)
        if entry and entry.get("sha256") == digest:
            parameters = {name: Parameter(**info) for name, info in entry["parameters"].items()}
        else:
            from ipo_research.pipeline.parameters import declared_parameters

            parameters = declared_parameters(notebook)
        notebooks[shown] = {"sha256": digest,
                            "parameters": {name: asdict(p) for name, p in parameters.items()}}
        return parameters

    return declared


def _outputs_present(record: dict[str, Any] | None, out_path: Path) -> bool:
    if not record:
        return False
    outputs = [record.get("output"), *(record.get("html") or {}).values()]
    return all(name and (out_path / name).is_file() for name in outputs)


def pipeline_status(request: RunRequest) -> list[Decision]:
    """What ``run`` would redo, and why, without running anything.

    Parameters
    ----------
    request : RunRequest

    Returns
    -------
    list of Decision
        One per run, in run order.
    """
    return plan(request).decisions


@dataclass(frozen=True)
class RunResult:
    """What :func:`run_pipeline` did.

    Attributes
    ----------
    manifest : dict
        As written to ``OUT/manifest.json``.
    runs : list of dict
        The records of this invocation's runs (executed, reused or skipped), in run order.
    """

    manifest: dict[str, Any]
    runs: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        """Whether every run of this invocation succeeded or was up to date."""
        return all(record["status"] == "ok" for record in self.runs)


def run_pipeline(request: RunRequest, *, progress: TextIO | None = None) -> RunResult:
    """Run what is out of date, render it, and write the manifest and the index page.

    The whole run holds the lock on OUT (:mod:`ipo_research.pipeline.lock`): a second run on
    the same OUT stops at once with :class:`~ipo_research.pipeline.lock.OutputLockedError`.

    Parameters
    ----------
    request : RunRequest
    progress : text stream, optional
        Where one line per run start and end goes; ``sys.stderr`` by default.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> result = run_pipeline(RunRequest(stages=("landscape",)))  # doctest: +SKIP
    >>> [run["status"] for run in result.runs]  # doctest: +SKIP
    ['ok', 'ok']
    """
    from ipo_research.pipeline.lock import OutputLock

    plan(request)  # a usage mistake stops the command before OUT is created or locked
    with OutputLock(request.out_path, notes=progress or sys.stderr):
        return _run_locked(request, progress=progress)  # planned again: the manifest is ours now


def _run_locked(request: RunRequest, *, progress: TextIO | None) -> RunResult:
    from ipo_research.report.site import build_site

    started_clock, started = time.perf_counter(), _now()
    current = plan(request)
    out = request.out_path
    # Under the lock, any temporary file in OUT is a leftover of a killed run.
    remove_temporaries(out, recursive=True)
    reporter = _Progress(progress or sys.stderr, total=len(current.decisions))
    fixed = {"started": started, "pipeline": portable_path(current.pipeline.source),
             "notebooks": current.notebooks, **provenance()}
    records: dict[str, dict[str, Any]] = {}

    def save(final: bool = False) -> dict[str, Any]:
        manifest = _manifest(current, records, fixed, overrides=request.overrides,
                             seconds=time.perf_counter() - started_clock)
        write_manifest(out, manifest)
        if final:
            build_site(out, manifest)
        return manifest

    with _executor(request, current.pipeline, notes=progress or sys.stderr) as executor:
        fixed["executor"], fixed["kernels"] = executor.describe(), getattr(executor, "kernels", "fresh")
        executor.prepare(current.decisions, current.pipeline.inputs)
        for record in _execute(current.decisions, request, reporter, executor):
            records[record["id"]] = record
            save()
    manifest = save(final=True)
    reporter.summary(current.decisions, records, seconds=manifest["seconds"])
    return RunResult(manifest=manifest, runs=[records[d.run.run_id] for d in current.decisions])


def _execute(decisions: list[Decision], request: RunRequest, reporter: "_Progress",
             executor: Any):
    """Yield each run's record as it finishes, up-to-date runs first."""
    status: dict[str, str] = {}
    pending = []
    for decision in decisions:
        if decision.redo:
            pending.append(decision)
            continue
        status[decision.run.run_id] = "ok"
        reporter.line(decision.run.run_id, "up to date")
        yield decision.previous
    # Longest first among runs ready together (by their last duration; unknown ones first,
    # ties in pipeline order), so the workers tend to finish together.
    pending.sort(key=lambda d: -((d.previous or {}).get("duration_s") or float("inf")))
    jobs = executor.slots
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="ipo-run") as pool:
        running: dict[Future, Decision] = {}
        while pending or running:
            for decision in list(pending):
                needs = decision.run.needs
                blocked = [need for need in needs if status.get(need) in ("failed", "skipped")]
                if blocked:
                    pending.remove(decision)
                    status[decision.run.run_id] = "skipped"
                    record = _skipped_record(decision, blocked)
                    reporter.line(decision.run.run_id, "skipped", record["error"], quiet=True)
                    yield record
                elif len(running) < jobs and all(status.get(need) == "ok" for need in needs):
                    pending.remove(decision)
                    reporter.line(decision.run.run_id, "start", "; ".join(decision.reasons))
                    running[pool.submit(_run_one, decision, request, executor)] = decision
            if not running:
                continue
            try:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                _interrupt(running)
                raise
            for future in done:
                decision = running.pop(future)
                record = future.result()
                status[decision.run.run_id] = record["status"]
                # A failure's error is shown once, in the summary.
                reporter.line(decision.run.run_id, record["status"], seconds=record["duration_s"])
                yield record


def _interrupt(running: dict[Future, Decision]) -> None:
    """On Ctrl-C: stop the kernels so the workers end now; the manifest keeps finished runs."""
    from ipo_research.pipeline.execution import stop_all_kernels

    for future in running:
        future.cancel()
    stop_all_kernels()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class LocalExecutor:
    """Runs notebooks in kernels on this machine, ``jobs`` at a time (the default executor).

    Parameters
    ----------
    jobs : int
        Runs in parallel.
    kernels : {"fresh", "fork"}
        Fresh kernels, or kernels forked from a warm fork server (:mod:`~ipo_research.pipeline.kernels`),
        stopped when the executor's ``with`` block ends.
    start_timeout : float
        Seconds a kernel may take to start.
    """

    name = "local"

    def __init__(self, jobs: int, kernels: str = "fresh", *,
                 start_timeout: float = DEFAULT_KERNEL_START_TIMEOUT) -> None:
        self.slots, self.kernels = max(1, jobs), kernels
        self.start_timeout = start_timeout

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.kernels == "fork":
            from ipo_research.pipeline.kernels import stop_fork_server

            stop_fork_server()

    def describe(self) -> dict[str, Any]:
        """The executor as the manifest records it."""
        return {"name": self.name, "jobs": self.slots, "kernel_start_timeout_s": self.start_timeout}

    def prepare(self, decisions: list[Decision], inputs: tuple[str, ...]) -> None:
        """Nothing to learn: kernels here read OUT directly."""

    def execute(self, decision: Decision, request: RunRequest) -> dict[str, Any]:
        """Execute one run's notebook into OUT; the execution fields of its record."""
        from ipo_research.pipeline.execution import execute_notebook

        run = decision.run
        if run.sweep and isinstance(run.parameters.get("out_dir"), str):
            project_path(run.parameters["out_dir"]).mkdir(parents=True, exist_ok=True)
        manager = None
        if self.kernels == "fork":
            from ipo_research.pipeline.kernels import ForkKernelManager

            manager = ForkKernelManager
        result = execute_notebook(run.notebook, request.out_path / f"notebooks/{run.run_id}.ipynb",
                                  run.parameters, timeout=run.timeout, kernel_manager=manager,
                                  start_timeout=self.start_timeout)
        return {"status": result.status, "attempts": result.attempts, "kernel": result.kernel,
                "error": result.error.describe() if result.error else None,
                "error_detail": result.error.evalue if result.error else None,
                "failed_cell": result.error.cell if result.error else None, "worker": "local"}


def _executor(request: RunRequest, pipeline: Pipeline, *, notes: TextIO) -> Any:
    """The executor ``request`` asks for (not yet started: use it as a context manager).

    The command line's ``--executor`` and ``--scheduler`` win over the pipeline file's
    ``executor`` and ``scheduler``; the file's scheduler serves only its dask executor.
    """
    from ipo_research.pipeline.kernel_mode import resolve_kernels

    name = request.executor or pipeline.executor or "local"
    kernels, note = resolve_kernels(request.kernels, executor=name)
    if note:
        print(f"ipo-research run: {note}", file=notes, flush=True)
    if name == "local":
        if request.scheduler:
            raise ConfigError(f"--scheduler {request.scheduler}: a scheduler is for "
                              "--executor dask. Add --executor dask, or drop --scheduler.")
        return LocalExecutor(request.jobs or _cores(), kernels=kernels,
                             start_timeout=request.kernel_start_timeout)
    if name == "dask":
        from ipo_research.pipeline.dask_executor import DaskExecutor

        return DaskExecutor(request.scheduler or pipeline.scheduler, workers=request.jobs or _cores(),
                            start_timeout=request.kernel_start_timeout)
    raise ConfigError(f"--executor {name}: unknown executor. Use local or dask.")


def _run_one(decision: Decision, request: RunRequest, executor: Any) -> dict[str, Any]:
    """Execute one run and render its pages; never raises, failures go into the record."""
    from ipo_research.report.pages import render_pages

    run, out = decision.run, request.out_path
    output = f"notebooks/{run.run_id}.ipynb"
    record = _base_record(decision)
    started = time.perf_counter()
    step = "executing the notebook"
    try:
        record.update(executor.execute(decision, request))
        data = _data_record(run.parameters)
        record["data"] = data
        if (out / output).is_file():
            step = "rendering the pages"
            record["html"] = render_pages(out / output, out_dir=out, run_id=run.run_id,
                                          banner=_banner(run.parameters) if data else None,
                                          codebook=_codebook(run.parameters))
    except Exception as failure:  # noqa: BLE001 - one broken run must not stop the others
        record.update(status="failed",
                      error=f"{step} failed: {type(failure).__name__}: {failure}")
    record.update(duration_s=round(time.perf_counter() - started, 3), finished=_now())
    return record


def _base_record(decision: Decision) -> dict[str, Any]:
    run = decision.run
    return {
        "id": run.run_id, "stage": run.stage, "notebook": portable_path(run.notebook),
        "parameters": run.parameters, "output": f"notebooks/{run.run_id}.ipynb", "html": {},
        "status": "failed", "duration_s": None, "attempts": 0, "error": None,
        "error_detail": None, "failed_cell": None, "finished": None, "data": None, "worker": None,
        "cell_timeout_s": run.timeout, "reasons": list(decision.reasons), "key": decision.key.digest,
        "hashes": decision.key.to_dict(), **({"sweep": run.sweep} if run.sweep else {}),
    }


def _skipped_record(decision: Decision, blocked: list[str]) -> dict[str, Any]:
    record = _base_record(decision)
    record.update(status="skipped", output=None, finished=_now(),
                  error=f"skipped: needs {', '.join(blocked)}, which did not succeed")
    return record


def _data_record(parameters: dict[str, Any]) -> dict[str, Any] | None:
    from ipo_research.survey.source import is_synthetic

    data_path = parameters.get("data_path")
    if not isinstance(data_path, str) or not project_path(data_path).is_file():
        return None
    return {"path": data_path, "synthetic": is_synthetic(data_path)}


def _codebook(parameters: dict[str, Any]):
    """The codebook a run names, for labels on its pages; None when it cannot be read."""
    from ipo_research.exceptions import IpoResearchError
    from ipo_research.survey.codebook import load_codebook

    path = parameters.get("codebook_path")
    try:
        return load_codebook(path) if isinstance(path, str) and project_path(path).is_file() else None
    except IpoResearchError:
        return None


def _banner(parameters: dict[str, Any]) -> str:
    from ipo_research.report.banner import data_banner

    return data_banner(parameters["data_path"]).data


def _manifest(current: Plan, records: dict[str, dict[str, Any]], fixed: dict[str, Any], *,
              overrides: dict[str, str], seconds: float) -> dict[str, Any]:
    """Records of this plan's runs, in run order, plus earlier records of runs not planned.

    An earlier run of a planned stage is dropped (its fan-out grid changed, e.g. a level left
    the codebook) unless ``-p`` pinned the stage's fan-out to one value this time, the stage is
    swept this time (``--grid``), or the earlier run belongs to a sweep.
    """
    planned_ids = {d.run.run_id for d in current.decisions}
    swept = {d.run.stage for d in current.decisions if d.run.sweep}
    dropped = {d.run.stage for d in current.decisions
               if not set(current.pipeline.stage(d.run.stage).fan_out) & set(overrides)} - swept
    order = {name: position for position, name in enumerate(current.pipeline.names)}
    kept = [record for record in current.previous.get("runs", [])
            if record.get("stage") in order
            and (record.get("stage") not in dropped or record.get("sweep"))
            and record.get("id") not in planned_ids]
    planned = [records[d.run.run_id] for d in current.decisions if d.run.run_id in records]
    # Stage order first; within a stage, the earlier manifest's order, new runs after.
    before = {record.get("id"): i for i, record in enumerate(current.previous.get("runs", []))}
    runs = sorted(kept + planned, key=lambda record: (order[record["stage"]],
                                                      before.get(record["id"], len(before))))
    inputs = {path: digest for record in runs
              for path, digest in (record.get("hashes") or {}).get("inputs", {}).items()}
    package = next(iter({d.key.package for d in current.decisions}), None)
    return {**fixed, "seconds": round(seconds, 3), "package_source": package,
            "inputs": dict(sorted(inputs.items())), "runs": runs}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Progress:
    """One line per run event on a stream, safe to call from any thread."""

    def __init__(self, stream: TextIO, *, total: int) -> None:
        self.stream, self.total, self.finished = stream, total, 0
        self.lock = threading.Lock()

    def line(self, run_id: str, event: str, detail: str = "", *, seconds: float | None = None,
             quiet: bool = False) -> None:
        """One line for a run's event; a ``quiet`` event (a skipped run) is only counted."""
        with self.lock:
            width = len(str(self.total))
            count = " " * (2 * width + 3)
            if event != "start":
                self.finished += 1
                count = f"[{self.finished:>{width}}/{self.total}]"
            if quiet:
                return
            took = f" {seconds:.1f}s" if seconds is not None else ""
            print(f"{count} {event:<10} {run_id}{took}" + (f"  ({detail})" if detail else ""),
                  file=self.stream, flush=True)

    def summary(self, decisions: list[Decision], records: dict[str, dict[str, Any]], *,
                seconds: float) -> None:
        statuses = [records[d.run.run_id]["status"] for d in decisions]
        reused = sum(not d.redo for d in decisions)
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in ("ok", "failed", "skipped")
                           if statuses.count(s))
        lines = [f"ipo-research run: {counts or 'nothing to do'} ({reused} up to date) "
                 f"in {seconds:.1f}s"]
        skipped: dict[tuple[str, ...], int] = {}
        for decision in decisions:
            record = records[decision.run.run_id]
            if record["status"] == "skipped":
                blocked = tuple(need for need in decision.run.needs
                                if records.get(need, {}).get("status") != "ok")
                skipped[blocked] = skipped.get(blocked, 0) + 1
            elif record["status"] != "ok":
                page = (record.get("html") or {}).get("full")
                # The whole error, every line of it (a models file lists all its problems),
                # the lines after the first indented under the run.
                error = (record.get("error") or "").strip().replace("\n", "\n" + " " * 6)
                lines.append(f"  {record['status'].upper():<8} {record['stage']:<12} "
                             f"{record['id']}: {error}" + (f"  (see {page})" if page else ""))
        # Skipped dependents in one line per cause, not one per run.
        lines += [f"  {count} run{'s' if count > 1 else ''} skipped: "
                  f"{'they need' if count > 1 else 'it needs'} {', '.join(blocked)}"
                  for blocked, count in skipped.items()]
        with self.lock:
            print("\n".join(lines), file=self.stream, flush=True)


def request_from_args(args: argparse.Namespace) -> RunRequest:
    """Turn parsed ``run``/``status`` options into a :class:`RunRequest`."""
    options = {parameter: getattr(args, option) for option, parameter in OPTION_PARAMETERS.items()
               if getattr(args, option, None) is not None}
    return RunRequest(
        stages=tuple(getattr(args, "stages", ()) or ()),
        out_dir=args.out or relative_to_root(REPORTS_DIR),
        options=options,
        overrides=parse_assignments(getattr(args, "parameter", []) or []),
        force=bool(getattr(args, "force", False)),
        jobs=getattr(args, "jobs", None),
        pipeline_path=getattr(args, "pipeline", None) or PIPELINE_PATH,
        executor=getattr(args, "executor", None),
        scheduler=getattr(args, "scheduler", None),
        grid=parse_assignments(getattr(args, "grid", []) or []),
        kernels=getattr(args, "kernels", None),
        cell_timeout=getattr(args, "cell_timeout", None),
        kernel_start_timeout=getattr(args, "kernel_start_timeout", None) or DEFAULT_KERNEL_START_TIMEOUT,
    )


def run_command(args: argparse.Namespace) -> int:
    """``ipo-research run``: returns 0 when every run succeeded, 1 otherwise."""
    _warn_if_not_locked()
    return 0 if run_pipeline(request_from_args(args)).ok else 1


def status_command(args: argparse.Namespace) -> int:
    """``ipo-research status``: print per run whether it is up to date, and why not.

    A warning on standard error names every package installed at another version than the
    dependency lock's (see :func:`ipo_research.pipeline.environment.drift_warning`).
    """
    _warn_if_not_locked()
    decisions = pipeline_status(request_from_args(args))
    width = max((len(d.run.run_id) for d in decisions), default=0)
    for decision in decisions:
        state = "would run: " + "; ".join(decision.reasons) if decision.redo else "up to date"
        print(f"{decision.run.run_id:<{width}}  {state}")
    return 0


def _warn_if_not_locked() -> None:
    warning = drift_warning()
    if warning:
        print(warning, file=sys.stderr, flush=True)

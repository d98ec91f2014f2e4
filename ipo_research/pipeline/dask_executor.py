"""``ipo-research run --executor dask``: the runner's runs on a Dask cluster.

The runner (:mod:`ipo_research.pipeline.runner`) keeps its plan, its order, its failure
isolation, its pages and its manifest; only the execution of one notebook moves to a worker.
Each run becomes one task (:class:`ipo_research.pipeline.worker.Task`) carrying the bytes of
everything it reads: its notebook, the files its parameters name, the pipeline's ``inputs`` and
the files its upstream runs wrote under OUT. The worker sends back the files the run wrote, and
this process alone writes them into OUT, atomically, before the run's pages are rendered.

Without a scheduler address a :class:`distributed.LocalCluster` of process workers with one
thread each (one notebook per worker at a time, no dashboard) lives for the length of the run.
With an address the client connects to that scheduler and leaves it running.

Before any run, every worker must report the client's package version and source hash and an
importable ipykernel; otherwise :class:`~ipo_research.exceptions.ConfigError` names the worker.
A kernel failure on a worker (dead kernel, kernel start timeout, cell timeout) is retried on
another worker, at most :data:`RETRIES` times; a lost worker's task is rescheduled by Dask
(a LocalCluster allows it :data:`RETRIES` times; a cluster of your own keeps its
``distributed.scheduler.allowed-failures``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ipo_research.exceptions import ConfigError
from ipo_research.files import atomic_write_bytes
from ipo_research.paths import portable_path, relative_to_root
from ipo_research.pipeline.manifest import input_files
from ipo_research.pipeline.worker import InfrastructureError, Task, run_task, worker_identity

__all__ = ["RETRIES", "MAX_TASK_BYTES", "DaskExecutor"]

#: Retries of a run whose kernel failed, each on another worker when there is one.
RETRIES = 2
#: Largest sum of input files one task may carry (bytes); see docs/design.md.
MAX_TASK_BYTES = int(os.environ.get("IPO_RESEARCH_MAX_TASK_BYTES", 256 * 2**20))
# Folders and files under OUT that are the client's own, never a run's input.
_NOT_INPUTS = ("notebooks", "manifest.json")


class DaskExecutor:
    """Runs notebooks on Dask workers; use as a context manager around the runs.

    Parameters
    ----------
    scheduler : str, optional
        A running scheduler's address (``tcp://host:8786``); None starts a LocalCluster.
    workers : int
        Workers of the LocalCluster (ignored with ``scheduler``).
    start_timeout : float, default 60
        Seconds a kernel may take to start on a worker.
    connect_timeout : float, default 60
        Seconds to wait for the scheduler and for its first worker.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, *, workers: int = 2,
                 start_timeout: float = 60.0, connect_timeout: float = 60.0) -> None:
        self.scheduler, self.workers = scheduler, max(1, workers)
        self.start_timeout, self.connect_timeout = start_timeout, connect_timeout
        self.client: Any = None
        self.cluster: Any = None
        self.inputs: tuple[str, ...] = ()
        self.needs: dict[str, tuple[str, ...]] = {}
        self.written: dict[str, list[str] | None] = {}

    # -- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> "DaskExecutor":
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            with dask.config.set({"distributed.scheduler.allowed-failures": RETRIES}):
                # No dashboard; the scheduler's HTTP endpoints (health, metrics) still start,
                # on a free port rather than 8787, which another cluster may hold.
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            scheduler_kwargs={"dashboard_address": ":0"},
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
            except OSError as error:
                raise ConfigError(
                    f"--scheduler {self.scheduler}: cannot reach the scheduler ({error}). Start "
                    "it (dask scheduler) or fix the address, e.g. tcp://127.0.0.1:8786."
                ) from error
        try:
            self.check_workers()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:  # only a cluster we started; never someone's scheduler
            self.cluster.close()
        self.client = self.cluster = None

    @property
    def slots(self) -> int:
        """Runs in flight at once: the workers' threads."""
        return max(1, sum(self.client.nthreads().values()))

    def describe(self) -> dict[str, Any]:
        """The executor as the manifest records it."""
        return {"name": self.name, "scheduler": self.scheduler or "LocalCluster",
                "workers": sorted(self.client.nthreads()),
                "kernel_start_timeout_s": self.start_timeout}

    def check_workers(self) -> None:
        """Stop unless every worker runs this package version and sources and has a kernel.

        Raises
        ------
        ConfigError
            No worker joined in time, or a worker differs; the message names the worker and
            the difference.
        """
        try:
            self.client.wait_for_workers(1, timeout=self.connect_timeout)
        except TimeoutError as error:
            raise ConfigError(f"--scheduler {self.scheduler}: no worker joined within "
                              f"{self.connect_timeout:.0f} s. Start one (dask worker ADDRESS).") from error
        mine = worker_identity()
        problems = []
        for address, theirs in sorted(self.client.run(worker_identity).items()):
            if theirs["kernel"]:
                problems.append(f"worker {address}: {theirs['kernel']}")
            for field, what in (("version", "ipo_research version"),
                                ("package", "ipo_research source hash")):
                if theirs[field] != mine[field]:
                    problems.append(f"worker {address}: {what} {theirs[field]} differs from this "
                                    f"machine's {mine[field]}")
        if problems:
            raise ConfigError("the Dask workers cannot run this pipeline: " + "; ".join(problems)
                              + ". Install the same ipo-research on every worker (make setup "
                              "from the same commit) and restart them.")

    # -- runs -------------------------------------------------------------------------------

    def prepare(self, decisions: list[Any], inputs: tuple[str, ...]) -> None:
        """Learn the plan: each run's upstream runs, and the files up-to-date runs wrote."""
        self.inputs = inputs
        self.needs = {d.run.run_id: d.run.needs for d in decisions}
        for decision in decisions:
            if not decision.redo:
                self.written[decision.run.run_id] = (decision.previous or {}).get("files")

    def execute(self, decision: Any, request: Any) -> dict[str, Any]:
        """Run one notebook on a worker and write what it wrote into OUT.

        Parameters
        ----------
        decision : ipo_research.pipeline.runner.Decision
        request : ipo_research.pipeline.runner.RunRequest

        Returns
        -------
        dict
            The execution's fields of the run's manifest record (``status``, ``attempts``,
            ``error``, ``error_detail``, ``failed_cell``, ``worker``, ``files``).
        """
        from distributed.scheduler import KilledWorker

        run, out = decision.run, request.out_path
        task = self._task(decision, request)
        tried: list[str] = []
        attempts = 0
        while True:
            final = attempts >= RETRIES
            others = [w for w in self.client.nthreads() if w not in tried]
            future = self.client.submit(run_task, replace(task, final=final), pure=False,
                                        key=f"ipo-run-{run.run_id}-{attempts}",
                                        workers=others or None, allow_other_workers=True)
            try:
                result = future.result()
            except InfrastructureError as failure:
                attempts += 1
                tried.append(failure.worker)
                continue
            except KilledWorker as failure:
                return {"status": "failed", "attempts": attempts + 1, "worker": None,
                        "error": f"kernel: KilledWorker: workers died running it ({failure})",
                        "error_detail": str(failure), "failed_cell": None, "files": []}
            finally:
                future.release()
            break
        for name, data in result["files"].items():
            atomic_write_bytes(out / name, data)
        files = sorted(name for name in result["files"] if not name.startswith("notebooks/"))
        self.written[run.run_id] = files
        error = result["error"]
        described = None
        if error:
            from ipo_research.pipeline.execution import CellError

            described = CellError(**error)
        return {"status": result["status"], "attempts": attempts + result["attempts"],
                "error": described.describe() if described else None,
                "error_detail": described.evalue if described else None,
                "failed_cell": described.cell if described else None,
                "worker": result["worker"], "files": files}

    def _task(self, decision: Any, request: Any) -> Task:
        run, out = decision.run, request.out_path
        files = {shown: path.read_bytes() for shown, path in
                 input_files(run.parameters, patterns=self.inputs).items()}
        for name in self._upstream_files(run.run_id, out):
            files[portable_path(out / name)] = (out / name).read_bytes()
        size = sum(map(len, files.values()))
        if size > MAX_TASK_BYTES:
            largest = sorted(files, key=lambda shown: -len(files[shown]))[:3]
            raise ConfigError(
                f"run {run.run_id}: its inputs hold {size / 2**20:.0f} MiB, more than a Dask task "
                f"carries ({MAX_TASK_BYTES / 2**20:.0f} MiB; largest: {', '.join(largest)}). Run "
                "it with --executor local, or raise IPO_RESEARCH_MAX_TASK_BYTES (docs/design.md)."
            )
        output = out / "notebooks" / f"{run.run_id}.ipynb"
        return Task(run_id=run.run_id, notebook=portable_path(run.notebook),
                    notebook_bytes=Path(run.notebook).read_bytes(), parameters=run.parameters,
                    out=request.out_parameter, files=files,
                    shown=(relative_to_root(run.notebook), relative_to_root(output)),
                    timeout=run.timeout, start_timeout=self.start_timeout)

    def _upstream_files(self, run_id: str, out: Path) -> list[str]:
        """Files under OUT (relative to it) written by the runs ``run_id`` needs, directly or not.

        An upstream run reused from a run that did not record its files (the local executor
        does not) makes every file under OUT but notebooks and the manifest an input.
        """
        ancestors, pending = set(), list(self.needs.get(run_id, ()))
        while pending:
            need = pending.pop()
            if need not in ancestors:
                ancestors.add(need)
                pending.extend(self.needs.get(need, ()))
        names: set[str] = set()
        for ancestor in ancestors:
            written = self.written.get(ancestor)
            if written is None:
                return sorted(path.relative_to(out).as_posix() for path in out.rglob("*")
                              if path.is_file() and path.suffix not in (".html", ".tmp")
                              and path.relative_to(out).parts[0] not in _NOT_INPUTS
                              and not path.name.startswith("."))
            names.update(written)
        return sorted(name for name in names if (out / name).is_file())

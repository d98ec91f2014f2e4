"""What a Dask worker does for one run: execute its notebook in a private folder, send back files.

No filesystem is shared with the client. A :class:`Task` carries everything the run reads (the
notebook, its parameters and the bytes of its input files, upstream outputs included); the
worker writes them into a private temporary folder laid out like the project (relative paths
under ``root/``, absolute ones under ``abs/``), starts the kernel there with that folder as the
project root (``IPO_RESEARCH_ROOT``), and returns every file the run wrote under OUT as bytes.
The client alone writes OUT (:mod:`ipo_research.pipeline.dask_executor`).

A failing cell is a result. A kernel that dies, fails to start or times out raises
:class:`InfrastructureError`, unless the task is its run's last attempt, so the client can try
another worker; the last attempt returns the failure, marked in the notebook, as a result.
"""

from __future__ import annotations

import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Task", "InfrastructureError", "run_task", "worker_identity"]

class InfrastructureError(RuntimeError):
    """The kernel died, did not start or timed out: worth retrying on another worker.

    Parameters
    ----------
    message : str
    worker : str
        The worker's address, so the retry can go elsewhere.
    """

    def __init__(self, message: str, worker: str = "") -> None:
        super().__init__(message)
        self.worker = worker

    def __reduce__(self):  # travels from the worker to the client by pickle
        return type(self), (str(self), self.worker)


@dataclass(frozen=True)
class Task:
    """One run, with everything it reads.

    Attributes
    ----------
    run_id : str
    notebook : str
        The notebook's path as the run's parameters see it (relative to the project root, or
        absolute).
    notebook_bytes : bytes
    parameters : dict
    out : str
        OUT as notebooks receive it.
    files : dict of str to bytes
        Input files by path (relative to the project root, or absolute), upstream outputs under
        OUT included.
    shown : (str, str)
        The notebook's and the executed copy's paths as the copy's metadata records them.
    timeout : float or None
        Seconds a cell may run.
    start_timeout : float
        Seconds a kernel may take to start.
    final : bool
        The run's last attempt: a kernel failure is returned as a result instead of raised.
    """

    run_id: str
    notebook: str
    notebook_bytes: bytes
    parameters: dict[str, Any]
    out: str
    files: dict[str, bytes] = field(default_factory=dict)
    shown: tuple[str, str] = ("", "")
    timeout: float | None = None
    start_timeout: float = 60.0
    final: bool = False


def _local(sandbox: Path, path: str) -> Path:
    """Where ``path`` (relative to the project root, or absolute) lives in the private folder."""
    given = Path(path)
    return sandbox / "abs" / given.relative_to(given.anchor) if given.is_absolute() \
        else sandbox / "root" / given


def run_task(task: Task) -> dict[str, Any]:
    """Execute ``task`` in a private folder and return its result and the files it wrote.

    Parameters
    ----------
    task : Task

    Returns
    -------
    dict
        ``status``, ``attempts``, ``error`` (a :class:`~ipo_research.pipeline.execution.CellError`
        as a dict, or None), ``files`` (path relative to OUT to bytes: every file the run wrote
        or changed under OUT, its executed notebook included), ``worker`` and ``seconds``.

    Raises
    ------
    InfrastructureError
        The kernel failed and ``task.final`` is false.
    """
    from ipo_research.pipeline.execution import execute_notebook

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ipo-task-") as folder:
        sandbox = Path(folder)
        root = sandbox / "root"
        root.mkdir()
        for shown, data in task.files.items():
            target = _local(sandbox, shown)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        notebook = _local(sandbox, task.notebook)
        notebook.parent.mkdir(parents=True, exist_ok=True)
        notebook.write_bytes(task.notebook_bytes)
        out = _local(sandbox, task.out)
        out.mkdir(parents=True, exist_ok=True)
        if isinstance(task.parameters.get("out_dir"), str):  # a sweep's own folder of OUT
            _local(sandbox, task.parameters["out_dir"]).mkdir(parents=True, exist_ok=True)
        before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
        parameters = {name: str(_local(sandbox, value))
                      if isinstance(value, str) and Path(value).is_absolute() else value
                      for name, value in task.parameters.items()}
        result = execute_notebook(
            notebook, out / "notebooks" / f"{task.run_id}.ipynb", parameters,
            timeout=task.timeout, retries=0, cwd=root, env={"IPO_RESEARCH_ROOT": str(root)},
            shown=task.shown, start_timeout=task.start_timeout,
            replacements=((str(sandbox / "abs"), ""), (f"{root}/", "")))
        if result.kernel_failure and not task.final:
            raise InfrastructureError(f"{task.run_id} on {_worker_name()}: "
                                      f"{result.error.describe()}", _worker_name())
        files = {path.relative_to(out).as_posix(): path.read_bytes()
                 for path in sorted(out.rglob("*"))
                 if path.is_file() and before.get(path) != path.read_bytes()}
    return {"status": result.status, "attempts": result.attempts,
            "error": asdict(result.error) if result.error else None, "files": files,
            "worker": _worker_name(), "seconds": round(time.perf_counter() - started, 3)}


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return socket.gethostname()


def worker_identity() -> dict[str, Any]:
    """What a worker must share with the client: package version and sources, a kernel.

    Returns
    -------
    dict
        ``version`` (``ipo_research.__version__``), ``package`` (the source hash of
        :func:`~ipo_research.pipeline.manifest.package_source_hash`) and ``kernel`` (None when
        ipykernel can be imported, else why not).
    """
    import importlib.util

    import ipo_research
    from ipo_research.pipeline.manifest import package_source_hash

    kernel = None if importlib.util.find_spec("ipykernel_launcher") else "ipykernel is not installed"
    return {"version": ipo_research.__version__, "package": package_source_hash(),
            "kernel": kernel}

"""Executing one notebook: papermill's API, a private IPC kernel, one retry.

Every kernel runs the interpreter of the process that starts it (``sys.executable``), whatever
``PATH`` or the user's kernelspecs say, and talks to it over IPC sockets in a private temporary
folder, so kernels started in parallel cannot collide on TCP ports. Kernels start in the project
root; notebooks resolve paths with :func:`ipo_research.paths.project_path`, so they would work
from any folder.

A failing cell does not raise: the executed notebook is still written, with papermill's marker
at the failing cell, and :class:`ExecutionResult` says which cell failed and why. A kernel that
dies or a cell that times out is retried once (by default) with a fresh kernel. The first
attempt may use another kernel manager (``kernel_manager``: the forked kernels of
:mod:`ipo_research.pipeline.kernels`); a retry always starts a fresh kernel.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from ipo_research.files import atomic_write_text, temporary_name
from ipo_research.paths import PROJECT_ROOT, relative_to_root

__all__ = ["CellError", "ExecutionResult", "IpcKernelManager", "execute_notebook", "stop_all_kernels"]

_KERNEL_NAME = "python3"
_socket_folder: Path | None = None
_socket_lock = threading.Lock()
_live_kernels: "weakref.WeakSet[IpcKernelManager]" = weakref.WeakSet()
_stopping = threading.Event()


@dataclass(frozen=True)
class CellError:
    """Where and how a notebook failed.

    Attributes
    ----------
    cell : int or None
        Execution count of the failing cell (``In [n]``), None if unknown.
    ename : str
        The exception class, or ``DeadKernelError`` / ``CellTimeoutError``.
    evalue : str
        The exception message.
    """

    cell: int | None
    ename: str
    evalue: str

    def describe(self) -> str:
        """The whole error for summaries: ``In [4]: ValueError: bad value``, then any more lines.

        A message that lists several problems (a broken models file) keeps every one of them.
        """
        where = f"In [{self.cell}]" if self.cell is not None else "kernel"
        return f"{where}: {self.ename}: {self.evalue.strip()}".rstrip(": ")


@dataclass(frozen=True)
class ExecutionResult:
    """The outcome of :func:`execute_notebook`.

    Attributes
    ----------
    status : str
        ``"ok"`` or ``"failed"``.
    seconds : float
        Wall time of all attempts.
    attempts : int
        1, or 2 when the kernel died or timed out and the run was retried.
    error : CellError or None
    kernel_failure : bool
        The error is the kernel's (it died, did not start or a cell timed out), not a cell's.
    kernel : str
        How the last attempt's kernel started: ``"fresh"``, or ``"fork"`` (``kernel_manager``).
    """

    status: str
    seconds: float
    attempts: int
    error: CellError | None = None
    kernel_failure: bool = False
    kernel: str = "fresh"


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that starts this interpreter's ipykernel over IPC sockets.

    Each instance gets its own connection file and socket names in a private temporary folder,
    so parallel starts never race for the same ports or paths.
    """

    #: Variables added to the kernel's environment (a subclass sets them, see execute_notebook).
    extra_env: dict[str, str] = {}

    def __init__(self, **kwargs: Any) -> None:
        stem = _sockets() / f"kernel-{uuid.uuid4().hex[:16]}"
        kwargs.update(transport="ipc", ip=f"{stem}-ipc", connection_file=f"{stem}.json")
        super().__init__(**kwargs)
        _live_kernels.add(self)

    @property
    def kernel_spec(self) -> KernelSpec:
        # Ignore installed kernelspecs: the kernel must be the runner's own Python.
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipo-research)", language="python",
            )
        return self._kernel_spec

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        # The kernel's own stdout/stderr carry start-up chatter and, after a timeout, shutdown
        # tracebacks; cell outputs travel over the sockets, so keep the terminal quiet.
        kw.update(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self.extra_env:
            kw["env"] = {**(kw.get("env") or os.environ), **self.extra_env}
        await super()._async_launch_kernel(kernel_cmd, **kw)


def _sockets() -> Path:
    global _socket_folder
    with _socket_lock:
        if _socket_folder is None:
            _socket_folder = Path(tempfile.mkdtemp(prefix="ipo-kernels-"))
            atexit.register(shutil.rmtree, _socket_folder, ignore_errors=True)
        return _socket_folder


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any],
    *,
    timeout: float | None = None,
    retries: int = 1,
    cwd: str | Path = PROJECT_ROOT,
    env: dict[str, str] | None = None,
    shown: tuple[str, str] | None = None,
    replacements: tuple[tuple[str, str], ...] = (),
    start_timeout: float = 60.0,
    kernel_manager: type[IpcKernelManager] | None = None,
) -> ExecutionResult:
    """Execute ``notebook`` with ``parameters`` and write the executed copy to ``output``.

    Parameters
    ----------
    notebook : str or Path
        The notebook to run.
    output : str or Path
        Where the executed notebook goes; written atomically, also when a cell fails.
    parameters : dict
        Values papermill injects after the ``parameters`` cell.
    timeout : float, optional
        Seconds a cell may run; None means no limit.
    retries : int
        How often to retry when the kernel dies or a cell times out.
    cwd : str or Path
        The kernel's working directory.
    env : dict of str to str, optional
        Variables added to the kernel's environment.
    shown : (str, str), optional
        The notebook's and the output's paths as the executed copy's metadata records them;
        by default both relative to the project root.
    replacements : tuple of (str, str)
        Texts replaced in the executed copy before it is written (besides the project root),
        e.g. a private folder's path by the path it stands for.
    start_timeout : float, default 60
        Seconds a kernel may take to start; a slower start counts as a kernel failure.
    kernel_manager : IpcKernelManager subclass, optional
        The first attempt's kernel manager (e.g.
        :class:`~ipo_research.pipeline.kernels.ForkKernelManager`); retries use a fresh kernel.

    Returns
    -------
    ExecutionResult

    Examples
    --------
    >>> result = execute_notebook("notebooks/01_clean.ipynb", "reports/notebooks/01_clean.ipynb",
    ...                           {"out_dir": "reports"})  # doctest: +SKIP
    >>> result.status  # doctest: +SKIP
    'ok'
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # papermill's logger also carries nbclient's messages ("Kernel died ..."); the result and
    # the runner's summary report them once, attributed to the run.
    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fresh = (type("EnvIpcKernelManager", (IpcKernelManager,), {"extra_env": dict(env)})
             if env else IpcKernelManager)
    attempts, error, kernel_failure = 0, None, False
    while True:
        attempts += 1
        manager = kernel_manager if kernel_manager and attempts == 1 else fresh
        partial = temporary_name(output)
        try:
            papermill.execute_notebook(
                str(notebook), str(partial), parameters=parameters, kernel_name=_KERNEL_NAME,
                progress_bar=False, log_output=False, execution_timeout=timeout,
                kernel_manager_class=manager, start_timeout=start_timeout,
                resources={"metadata": {"path": str(cwd)}},
            )
            error = None
        except PapermillExecutionError as failure:
            error = CellError(failure.exec_count, failure.ename, str(failure.evalue))
        except Exception as failure:  # noqa: BLE001 - only kernel deaths and timeouts are retried
            if not _is_kernel_failure(failure):
                partial.unlink(missing_ok=True)
                raise
            if attempts <= retries and not _stopping.is_set():
                partial.unlink(missing_ok=True)
                continue
            error, kernel_failure = _mark_kernel_failure(partial, failure), True
        break
    _finish(partial, output, notebook, shown=shown, replacements=replacements)
    return ExecutionResult(status="ok" if error is None else "failed",
                           seconds=time.perf_counter() - started, attempts=attempts, error=error,
                           kernel_failure=kernel_failure,
                           kernel="fresh" if manager is fresh else "fork")


def stop_all_kernels() -> int:
    """Kill every kernel this process started and allow no more retries (on Ctrl-C).

    The executions using them end at once with a dead kernel, so the worker threads finish
    and the command can exit instead of waiting for every running notebook.

    Returns
    -------
    int
        How many kernel processes were killed.
    """
    _stopping.set()
    killed = 0
    for manager in list(_live_kernels):
        process = getattr(manager.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            killed += 1
    return killed


def _is_kernel_failure(failure: Exception) -> bool:
    from nbclient.exceptions import DeadKernelError

    if isinstance(failure, (DeadKernelError, TimeoutError)):
        return True
    return isinstance(failure, RuntimeError) and "kernel" in str(failure).lower()


def _mark_kernel_failure(partial: Path, failure: Exception) -> CellError:
    """Put the kernel failure into the cell that was running, the way papermill marks errors."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    ename = type(failure).__name__
    evalue = str(failure).strip() or "the kernel stopped"
    if not partial.is_file():
        return CellError(None, ename, evalue)
    nb = nbformat.read(partial, as_version=4)
    started = [cell for cell in nb.cells if cell.cell_type == "code"
               and cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if not started:
        return CellError(None, ename, evalue)
    running = started[-1]
    running.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[]))
    running.metadata.papermill.update(exception=True, status="failed")
    try:
        raise_for_execution_errors(nb, str(partial))
    except PapermillExecutionError as marked:
        return CellError(marked.exec_count, ename, evalue)
    return CellError(running.get("execution_count"), ename, evalue)


def _stable_cell_ids(cells: list[dict]) -> None:
    """Give the cells papermill adds fixed ids, so pages built from a rerun are byte-identical."""
    for position, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:
            cell["id"] = f"papermill-error-{position}"


def _finish(partial: Path, output: Path, notebook: str | Path, *,
            shown: tuple[str, str] | None = None,
            replacements: tuple[tuple[str, str], ...] = ()) -> None:
    """Move the executed notebook into place, without this machine's paths in it."""
    if not partial.is_file():
        return
    try:
        content = json.loads(partial.read_text(encoding="utf-8"))
        recorded = content.get("metadata", {}).get("papermill", {})
        recorded["input_path"], recorded["output_path"] = shown or (
            relative_to_root(notebook), relative_to_root(output))
        _stable_cell_ids(content.get("cells", []))
        text = json.dumps(content, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        # Tracebacks name files by absolute path; show them relative to the project root.
        for old, new in replacements:
            text = text.replace(old, new)
        atomic_write_text(output, text.replace(f"{PROJECT_ROOT}/", ""))
    finally:
        partial.unlink(missing_ok=True)

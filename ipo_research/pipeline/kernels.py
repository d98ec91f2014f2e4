"""Kernels forked from a warm fork server (``--kernels fork``), for jupyter_client and papermill.

A fresh kernel spends about a second and a half starting Python and ipykernel, then its
notebook spends seconds more importing pandas, statsmodels, seaborn and the package. The fork
server (:mod:`ipo_research.pipeline.forkserver`, "zygote") pays for those imports once per
runner; each notebook then gets a child forked from it that becomes an ordinary ipykernel on
its own connection file, over IPC sockets like
:class:`~ipo_research.pipeline.execution.IpcKernelManager`'s kernels, so papermill and nbclient
talk to it as to any kernel.

Where it plugs in: jupyter_client starts a kernel through its *provisioner*
(:class:`ForkProvisioner`, a :class:`~jupyter_client.provisioning.LocalProvisioner` whose
``launch_kernel`` asks the zygote to fork instead of running ``Popen``); everything else (the
connection file, ports, shutdown, interrupts, kills) is jupyter_client's own code. Provisioners
are normally found by name through a package entry point, which would make a working checkout
depend on its installed metadata; instead :class:`ForkKernelManager` (a subclass of
``IpcKernelManager``, passed to papermill as ``kernel_manager_class``) gives each kernel a
``ForkProvisioner`` directly, before jupyter_client would look one up.

Lifetimes: one zygote per runner process (:func:`fork_server`), started on the first fork and
stopped by :func:`stop_fork_server` (the local executor does so when a run ends, and at exit);
closing its input pipe makes it kill its children and exit, which also happens when the runner
is killed. A zygote that died is started again on the next fork. A forked kernel is watched
through a pidfd (it is the zygote's child, not ours); a child that dies is a dead kernel, which
:func:`~ipo_research.pipeline.execution.execute_notebook` retries with a fresh kernel.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
import uuid
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from ipo_research.exceptions import IpoResearchError
from ipo_research.paths import PROJECT_ROOT
from ipo_research.pipeline.execution import IpcKernelManager
from ipo_research.pipeline.forkserver import MARKER

__all__ = ["ForkServerError", "ForkedProcess", "ForkServer", "ForkProvisioner",
           "ForkKernelManager", "fork_server", "stop_fork_server"]
#: Seconds the zygote may take to import its modules.
WARM_UP_TIMEOUT = 120.0


class ForkServerError(IpoResearchError, RuntimeError):
    """The kernel fork server could not start or fork; the run retries with a fresh kernel."""


class ForkedProcess:
    """A forked kernel as jupyter_client's provisioner sees a ``Popen``: poll, wait, signals.

    Parameters
    ----------
    pid : int
        The kernel's pid (a child of the zygote, leader of its own process group).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # ended (and reaped) already
            self._fd, self.returncode = None, 1

    def poll(self) -> int | None:
        """None while the kernel runs; then 1 (its exit status is the zygote's to collect)."""
        if self.returncode is None and self._fd is not None:
            if select.select([self._fd], [], [], 0)[0]:
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Block until the kernel ends; ``subprocess.TimeoutExpired`` after ``timeout`` seconds."""
        if self.returncode is None and self._fd is not None:
            if not select.select([self._fd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            self._ended()
        return self.returncode or 0

    def send_signal(self, number: int) -> None:
        """Signal the kernel (through its pidfd: never another process that reused the pid)."""
        if self.poll() is None and self._fd is not None:
            try:
                signal.pidfd_send_signal(self._fd, number)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """SIGKILL the kernel and its process group."""
        if self.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)

    def _ended(self) -> None:
        self.returncode = 1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)


class ForkServer:
    """The runner's side of one zygote: start it, ask it to fork, stop it.

    Thread-safe: forks are asked for one at a time (each takes milliseconds).

    Parameters
    ----------
    module : str
        The zygote's module, run with ``python -m``.
    """

    def __init__(self, module: str = "ipo_research.pipeline.forkserver") -> None:
        self.module = module
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.broken: str | None = None
        self._lock = threading.Lock()

    def fork(self, *, connection_file: str, cwd: str, env: dict[str, str]) -> int:
        """Fork a kernel on ``connection_file``; its pid.

        A zygote that is not running (never started, or died) is started first, once. After
        two failures in a row the server is given up: later forks fail at once, and their
        runs start fresh kernels without paying for another warm-up.

        Raises
        ------
        ForkServerError
            The zygote did not start or could not fork.
        """
        request = json.dumps({"connection_file": connection_file, "cwd": cwd, "env": env})
        with self._lock:
            if self.broken:
                raise ForkServerError(self.broken)
            try:
                return self._fork_once(request)
            except (OSError, ValueError, ForkServerError):
                self._stop()  # dead or broken: start it again, once
            try:
                return self._fork_once(request)
            except (OSError, ValueError, ForkServerError) as error:
                self._stop()
                self.broken = f"the kernel fork server failed twice: {error}"
                raise ForkServerError(self.broken) from error

    def close(self) -> None:
        """Stop the zygote; it kills the kernels it forked."""
        with self._lock:
            self._stop()

    def _fork_once(self, request: str) -> int:
        if self.process is None or self.process.poll() is not None:
            self._start()
        self._send(request)
        reply = self._read(timeout=30.0)
        if "pid" not in reply:
            raise ForkServerError(f"the kernel fork server could not fork: {reply.get('error')}")
        return int(reply["pid"])

    def _start(self) -> None:
        self.starts += 1
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module], cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, MARKER: str(os.getpid())})
        reply = self._read(timeout=WARM_UP_TIMEOUT)
        if not reply.get("ready"):
            raise ForkServerError(f"the kernel fork server did not start: {reply.get('error')}")

    def _send(self, line: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(line.encode("utf-8") + b"\n")
        self.process.stdin.flush()

    def _read(self, *, timeout: float) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], timeout)[0]:
            raise ForkServerError(f"no answer from the kernel fork server within {timeout:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            raise ForkServerError("the kernel fork server exited")
        return json.loads(line)

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


_server: ForkServer | None = None
_server_lock = threading.Lock()


def fork_server() -> ForkServer:
    """This process's fork server (created on first use; its zygote starts on the first fork)."""
    global _server
    with _server_lock:
        if _server is None:
            _server = ForkServer()
            atexit.register(stop_fork_server)
        return _server


def stop_fork_server() -> None:
    """Stop this process's zygote, if any, and the kernels it forked."""
    with _server_lock:
        server = _server
    if server is not None:
        server.close()


class ForkProvisioner(LocalProvisioner):
    """A local provisioner whose kernels are forked from the zygote instead of started."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork a kernel on the manager's connection file (``cmd`` is not run)."""
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        pid = fork_server().fork(connection_file=self.parent.connection_file, cwd=cwd, env=env)
        self.process = ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


class ForkKernelManager(IpcKernelManager):
    """An :class:`~ipo_research.pipeline.execution.IpcKernelManager` whose kernel is forked."""

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id,
                                               kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)



"""The fork server ("zygote"): a warm process that forks one ipykernel per notebook.

Run as ``python -m ipo_research.pipeline.forkserver`` by :mod:`ipo_research.pipeline.kernels`,
never by hand. It sets the BLAS/OpenMP thread-count variables (:data:`THREAD_VARIABLES`) to 1
before anything imports numpy, so no thread pool exists when it forks, then imports the heavy
modules once (:data:`WARM_MODULES`: numpy, pandas, scipy, statsmodels, matplotlib with the Agg
backend, seaborn, ipykernel and the package's modules notebooks use) and refuses to serve if any
of them left a thread running (a lock held by another thread across ``fork`` would stay held in
the child forever).

Protocol: one JSON line per request on standard input, ``{"connection_file", "cwd", "env"}``,
answered by one JSON line on standard output, ``{"pid": N}`` or ``{"error": "..."}``; the first
line it writes is ``{"ready": true}`` (or ``{"error": ...}``) once warm. Requests come one at a
time. End of input (the runner closed the pipe, exited or was killed) makes it kill every child
it forked and exit, so nothing outlives the runner. It reaps its children as they end.

Each child, at once: its own process group (``setpgid``, done by both sides so that the group
exists before the pid is reported; the zygote runs in a session of its own, so no terminal
reaches the kernels and ``setsid`` is not needed), ``PR_SET_PDEATHSIG`` so it dies with the
zygote, the signal handlers a fresh Python has, ``/dev/null`` for its standard streams (as
fresh kernels have), the environment the kernel manager gives it (``JPY_PARENT_PID`` naming the
zygote, for ipykernel's parent poller), the working folder it asks for, fresh random
state (numpy's legacy global generator reseeded from ``os.urandom``, ``random.seed()``), then it
becomes an ordinary :class:`ipykernel.kernelapp.IPKernelApp` on its own connection file, with
what libraries decide at import from whether they run in a kernel decided as in one:
matplotlib's inline backend, pandas' ``display.max_columns`` (20, not the terminal's width). The zygote itself never runs
notebook code: a notebook cannot leave state in it.

One difference from a fresh kernel remains: the BLAS thread pools were sized at import, in the
zygote, so a forked kernel's numpy runs its linear algebra on one thread (the runner runs
``--jobs`` kernels side by side anyway).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import select
import signal
import sys
import threading

__all__ = ["THREAD_VARIABLES", "WARM_MODULES", "INLINE_BACKEND", "MARKER", "serve"]

#: Thread-count variables set to 1 before numpy loads, so no BLAS/OpenMP pool exists at fork.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
#: Imported once in the zygote; everything a notebook of the pipeline imports that is slow.
WARM_MODULES = (
    "numpy", "pandas", "scipy.stats", "scipy.optimize", "statsmodels.api",
    "statsmodels.formula.api", "matplotlib.pyplot", "seaborn", "ipykernel.kernelapp",
    "ipo_research.analysis.describe", "ipo_research.analysis.plots", "ipo_research.analysis.outputs",
    "ipo_research.models.run", "ipo_research.models.plots", "ipo_research.survey.cleaned",
    "ipo_research.survey.exports", "ipo_research.report.banner",
    "ipo_research.pipeline.parameters",
)
#: The backend ipykernel gives a fresh kernel (through ``MPLBACKEND``).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Variable naming the runner's pid in the zygote's environment (and so in its children's).
MARKER = "IPO_RESEARCH_FORKSERVER"

_PR_SET_PDEATHSIG = 1


def _warm_up() -> str | None:
    """Import :data:`WARM_MODULES`; an error message when the zygote must not fork, else None."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    for name in WARM_MODULES:
        importlib.import_module(name)
    extra = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    if extra:
        return f"threads running after the imports ({', '.join(extra)}); forking is unsafe"
    return None


def serve(stdin: int = 0, stdout: int = 1) -> None:
    """Warm up, then fork a kernel per request until ``stdin`` ends; kill the children then.

    Parameters
    ----------
    stdin, stdout : int
        File descriptors of the request and reply pipes.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    try:
        problem = _warm_up()
    except Exception as error:  # noqa: BLE001 - reported to the runner, which starts fresh kernels
        problem = f"warm-up import failed: {type(error).__name__}: {error}"
    _reply(stdout, {"error": problem} if problem else {"ready": True})
    if problem:
        return
    # Leave the module search path as a fresh kernel finds it (ipykernel adds "" back).
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    children: set[int] = set()
    buffer = b""
    try:
        while True:
            readable, _, _ = select.select([stdin], [], [], 0.5)
            _reap(children)
            if not readable:
                continue
            chunk = os.read(stdin, 65536)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    request = json.loads(line)
                except ValueError:
                    _reply(stdout, {"error": f"not a JSON request: {line[:80]!r}"})
                    continue
                _reply(stdout, _fork(request, children, stdin=stdin, stdout=stdout))
    finally:
        _kill(children)


def _fork(request: dict, children: set[int], *, stdin: int, stdout: int) -> dict:
    try:
        pid = os.fork()
    except OSError as error:
        return {"error": f"fork failed: {error}"}
    if pid == 0:  # the child: never returns to the loop
        code = 1
        try:
            os.setpgid(0, 0)
            _become_kernel(request, zygote=os.getppid(), pipes=(stdin, stdout))
            code = 0
        finally:
            os._exit(code)
    try:
        os.setpgid(pid, pid)
    except OSError:  # the child did it first, or already ended
        pass
    children.add(pid)
    return {"pid": pid}


def _become_kernel(request: dict, *, zygote: int, pipes: tuple[int, int]) -> None:
    """Turn this forked child into an ipykernel on ``request["connection_file"]``."""
    _die_with(zygote)
    # The handlers a fresh Python starts with (it ignores SIGPIPE, as the zygote does).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for fd in {devnull, *pipes} - {0, 1, 2}:
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(zygote)  # ipykernel's parent poller watches the zygote
    os.chdir(request["cwd"])
    _reseed()
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"]]
    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    _inline_backend()
    _pandas_in_a_kernel()
    app.start()


def _die_with(zygote: int) -> None:
    """``PR_SET_PDEATHSIG``: the kernel gets SIGKILL when the zygote ends (Linux)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != zygote:  # the zygote ended before prctl took effect
        os._exit(1)


def _reseed() -> None:
    """Fresh random state: the children would otherwise all share the zygote's."""
    import numpy as np

    random.seed()
    np.random.seed(int.from_bytes(os.urandom(4), "little"))


def _inline_backend() -> None:
    """matplotlib's inline backend, as ipykernel sets it for a fresh kernel."""
    import matplotlib
    import matplotlib.pyplot as plt

    os.environ["MPLBACKEND"] = INLINE_BACKEND
    matplotlib.rcParams["backend"] = INLINE_BACKEND
    plt.switch_backend(INLINE_BACKEND)


def _pandas_in_a_kernel() -> None:
    """pandas' ``display.max_columns`` as pandas sets it when imported in a kernel.

    pandas decides it at import: 0 (fit the terminal's width) outside IPython, 20 in a kernel.
    The zygote imported it outside, so the default is set again, registered default included
    (``pd.reset_option`` must give a notebook what it gives in a fresh kernel).
    """
    from pandas._config import config

    key, in_a_kernel = "display.max_columns", 20
    registered = getattr(config, "_registered_options", {}).get(key)
    if registered is not None and hasattr(registered, "_replace"):
        config._registered_options[key] = registered._replace(defval=in_a_kernel)
    config.set_option(key, in_a_kernel)


def _reap(children: set[int]) -> None:
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _kill(children: set[int]) -> None:
    for pid in children:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _reply(stdout: int, message: dict) -> None:
    os.write(stdout, json.dumps(message).encode("utf-8") + b"\n")


if __name__ == "__main__":
    serve()

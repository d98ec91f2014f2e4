"""Which kernels a run starts: ``--kernels fork`` (the default where it works) or ``fresh``.

Kept apart from :mod:`ipo_research.pipeline.kernels` so that deciding costs no import of
jupyter_client (a rerun with nothing to do never needs it).
"""

from __future__ import annotations

import os
import sys

from ipo_research.exceptions import ConfigError

__all__ = ["KERNEL_MODES", "fork_unavailable", "resolve_kernels"]

#: The values of ``--kernels``.
KERNEL_MODES = ("fork", "fresh")


def fork_unavailable() -> str | None:
    """Why ``--kernels fork`` cannot work here (None when it can).

    Forking needs ``os.fork`` that works and Linux's ``os.pidfd_open`` (to watch a kernel that
    is the zygote's child, not ours).

    Examples
    --------
    >>> fork_unavailable() is None  # on Linux  # doctest: +SKIP
    True
    """
    if not hasattr(os, "fork") or not hasattr(os, "pidfd_open"):
        return f"os.fork or os.pidfd_open is missing on {sys.platform}"
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
    except OSError as error:
        return f"os.fork fails: {error}"
    return None


def resolve_kernels(requested: str | None, *, executor: str = "local") -> tuple[str, str | None]:
    """The kernel mode a run uses, and a one-line note when it is not the one asked for.

    Parameters
    ----------
    requested : {"fork", "fresh"} or None
        ``--kernels``; None means the default, ``fork`` where it works.
    executor : str
        ``"local"`` or ``"dask"``; Dask workers always start fresh kernels.

    Returns
    -------
    (str, str or None)

    Raises
    ------
    ConfigError
        ``requested`` is not one of :data:`KERNEL_MODES`.
    """
    if requested not in (None, *KERNEL_MODES):
        raise ConfigError(f"--kernels {requested}: unknown kernel mode. Use fork or fresh.")
    if requested == "fresh":
        return "fresh", None
    if executor != "local":
        note = ("note: --kernels fork is for --executor local; Dask workers start fresh kernels"
                if requested == "fork" else None)
        return "fresh", note
    problem = fork_unavailable()
    if problem:
        return "fresh", f"note: forked kernels are not available here ({problem}); using fresh kernels"
    return "fork", None

"""One ``run`` per output folder: the lock on OUT.

``ipo-research run`` holds an exclusive lock on ``OUT/.ipo-research.lock`` (the ``filelock``
package, an ``flock`` on POSIX) from before it reads the manifest until it has written the
index page. Beside it, ``OUT/.ipo-research.lock.json`` says who holds it: process id and start
time. A second ``run`` on the same OUT does not wait: it stops at once with
:class:`OutputLockedError` (exit 2) naming that process. The operating system releases the lock
of a process that dies, even by SIGKILL, so a lock is never stuck; the holder file it leaves is
noticed by the next run, which takes over and says so. ``status`` only reads, and takes no lock.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from ipo_research.exceptions import ConfigError
from ipo_research.files import atomic_write_text
from ipo_research.paths import relative_to_root

__all__ = ["LOCK_NAME", "HOLDER_NAME", "OutputLockedError", "OutputLock"]

LOCK_NAME = ".ipo-research.lock"
HOLDER_NAME = ".ipo-research.lock.json"


class OutputLockedError(ConfigError):
    """Another ``ipo-research run`` is writing to the same output folder."""


class OutputLock:
    """The exclusive lock of one output folder, as a context manager.

    Parameters
    ----------
    out_dir : str or Path
        OUT; created if missing.
    notes : text stream, optional
        Where the note about a lock taken over from a dead run goes.

    Examples
    --------
    >>> with OutputLock("reports"):  # doctest: +SKIP
    ...     run_everything()
    """

    def __init__(self, out_dir: str | Path, *, notes: TextIO | None = None) -> None:
        from filelock import FileLock

        self.out = Path(out_dir)
        self.notes = notes
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(self.out / LOCK_NAME, timeout=0)
        self.taken_over: dict | None = None

    def __enter__(self) -> "OutputLock":
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = _read_holder(self.out / HOLDER_NAME)
            who = (f"process {holder.get('pid', '?')}, started {holder.get('started', '?')}"
                   if holder else "a process that has not said who it is yet")
            raise OutputLockedError(
                f"{relative_to_root(self.out)}: another ipo-research run is writing to this output "
                f"folder ({who}). Wait for it to finish, or pass another --out."
            ) from None
        previous = _read_holder(self.out / HOLDER_NAME)
        if previous and previous.get("pid") != os.getpid():
            # We hold the lock, so whoever wrote this file no longer runs (the OS released its
            # lock when it died): say so, then take over.
            self.taken_over = previous
            if self.notes is not None:
                print(f"note: {relative_to_root(self.out)} was locked by process "
                      f"{previous.get('pid', '?')} (started {previous.get('started', '?')}), which "
                      "is no longer running; taking the lock over and resuming from what it finished.",
                      file=self.notes, flush=True)
        holder = {"pid": os.getpid(),
                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        atomic_write_text(self.out / HOLDER_NAME, json.dumps(holder, sort_keys=True) + "\n")
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            (self.out / HOLDER_NAME).unlink(missing_ok=True)
        finally:
            self._lock.release()


def _read_holder(path: Path) -> dict | None:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None

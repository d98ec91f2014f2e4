"""Files the package reads, writes and hashes.

Reading YAML: :func:`read_yaml` parses a settings file and turns a syntax error into one line
that names the file, the line and the column, for the caller's own error class.

Atomic writes: write to a temporary name beside the target, then rename.

A reader never sees a half-written file: the target either keeps its old content or gets the
whole new one, because ``os.replace`` within one folder is atomic. An interrupted run may leave
temporary files behind; they are hidden, named ``.<stem>.<random>.tmp<suffix>`` (the suffix kept
so tools that check it, like papermill, accept the file), and :func:`remove_temporaries` clears
them at the start of the next run.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "TEMPORARY_SUFFIX",
    "temporary_name",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "remove_temporaries",
    "sha256_file",
    "read_yaml",
]

TEMPORARY_SUFFIX = ".tmp"


def temporary_name(path: str | Path) -> Path:
    """A fresh hidden temporary path in the folder of ``path``.

    Parameters
    ----------
    path : str or Path
        The file that will eventually be written.

    Returns
    -------
    Path
        ``.<stem>.<random>.tmp<suffix>`` beside ``path``; unique per call, so parallel writers
        of the same target never share a temporary file.

    Examples
    --------
    >>> name = temporary_name("reports/index.html").name
    >>> name.startswith(".index.") and name.endswith(".tmp.html")
    True
    """
    path = Path(path)
    return path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}{TEMPORARY_SUFFIX}{path.suffix}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``path``.

    If the block raises, the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or Path
        The target file. Its folder is created if missing.

    Yields
    ------
    Path
        Where to write.

    Examples
    --------
    >>> with atomic_path(tmp / "table.csv") as partial:  # doctest: +SKIP
    ...     frame.to_csv(partial)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = temporary_name(path)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``.

    Parameters
    ----------
    path : str or Path
    data : bytes

    Returns
    -------
    Path
    """
    with atomic_path(path) as partial:
        with open(partial, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` atomically and return ``path``.

    Parameters
    ----------
    path : str or Path
    text : str

    Returns
    -------
    Path
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


def remove_temporaries(folder: str | Path, *, recursive: bool = False) -> list[Path]:
    """Delete temporary files an interrupted write left in ``folder``.

    Parameters
    ----------
    folder : str or Path
        Where to look; a missing folder is fine.
    recursive : bool
        Also look in subfolders.

    Returns
    -------
    list of Path
        The files removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    pattern = f".*{TEMPORARY_SUFFIX}*"
    pattern = f"**/{pattern}" if recursive else pattern
    removed = []
    for leftover in sorted(folder.glob(pattern)):
        if leftover.is_file():
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed

def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes.

    Not cached on purpose: a cache keyed on size and modification time misses an edit made
    within the file system's timestamp resolution, and the files hashed here are small.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_yaml(path: str | Path, *, shown: str, error: type[Exception]) -> Any:
    """Parse the YAML file at ``path``; a syntax error raises ``error`` naming line and column.

    Parameters
    ----------
    path : str or Path
        An existing file.
    shown : str
        The file as messages name it.
    error : type of Exception
        The class to raise, e.g. :class:`ipo_research.exceptions.ModelSpecError`.

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    error
        ``"{shown}: line L, column C: {problem}. Fix the YAML syntax there."`` for a syntax
        error, or a shorter message for a file that is not UTF-8 text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "bad.yaml"
    >>> _ = bad.write_text("models:\\n  - id: a\\n    family: [ols\\n")
    >>> read_yaml(bad, shown="bad.yaml", error=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: bad.yaml: line 4, column 1: expected ',' or ']', but got '<stream end>'. Fix the YAML syntax there.
    """
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as failure:
        raise error(f"{shown}: not UTF-8 text (byte {failure.start}). Save the file as UTF-8.") from None
    except yaml.YAMLError as failure:
        mark = getattr(failure, "problem_mark", None) or getattr(failure, "context_mark", None)
        problem = getattr(failure, "problem", None) or str(failure).splitlines()[0]
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise error(f"{shown}: {where}{problem}. Fix the YAML syntax there.") from None

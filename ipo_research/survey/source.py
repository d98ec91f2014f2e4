"""Where a data file came from: a synthetic export or a real one, decided by provenance.

A synthetic export carries a **marker** that travels with it: a sidecar file beside it named
``<file name>.synthetic.json`` (e.g. ``s200.csv.synthetic.json`` next to ``s200.csv``), written
by ``ipo-research synth``. It records what made the file and the file's sha256::

    {"generator": "ipo-research synth", "marker": 1, "n": 75, "seed": 2016,
     "file": "ipo_survey_2016_synthetic.csv", "sha256": "..."}

A file counts as synthetic only when its marker is there and its sha256 still matches: where the
file lives does not matter (a file under ``data/synthetic/`` without a marker is treated as
real), and a synthetic export edited by hand is no longer called synthetic. Copy or move the
file together with its marker.

The clean stage records the origin of ``responses.parquet`` in a ``source.json`` beside it
(the raw export's path, hash, whether it is synthetic and its marker), so every later stage,
the banner and the manifest can tell synthetic data from confidential responses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ipo_research.files import atomic_write_text, sha256_file
from ipo_research.paths import project_path, relative_to_root

__all__ = ["SOURCE_RECORD_NAME", "MARKER_SUFFIX", "MARKER_VERSION", "marker_path", "write_marker",
           "read_marker", "synthetic_marker", "is_synthetic", "original_source"]

SOURCE_RECORD_NAME = "source.json"
MARKER_SUFFIX = ".synthetic.json"
MARKER_VERSION = 1
_GENERATOR = "ipo-research synth"


def marker_path(data_path: str | Path) -> Path:
    """The sidecar that marks ``data_path`` as synthetic: ``<file name>.synthetic.json`` beside it.

    Examples
    --------
    >>> marker_path("elsewhere/s200.csv").as_posix().endswith("elsewhere/s200.csv.synthetic.json")
    True
    """
    path = project_path(data_path)
    return path.with_name(path.name + MARKER_SUFFIX)


def write_marker(data_path: str | Path, *, seed: int, n: int) -> Path:
    """Mark the file at ``data_path`` as synthetic, with its generator's settings and its hash.

    Parameters
    ----------
    data_path : str or Path
        A file just written by the generator.
    seed, n : int
        The generator's seed and number of organizations.

    Returns
    -------
    Path
        The marker written. The same file, seed and ``n`` always give the same bytes.
    """
    path = project_path(data_path)
    record = {"generator": _GENERATOR, "marker": MARKER_VERSION, "file": path.name,
              "n": int(n), "seed": int(seed), "sha256": sha256_file(path)}
    return atomic_write_text(marker_path(path), json.dumps(record, indent=2, sort_keys=True) + "\n")


def read_marker(data_path: str | Path) -> dict[str, Any] | None:
    """The marker beside ``data_path`` as written, or None when there is none or it is unreadable."""
    sidecar = marker_path(data_path)
    if not sidecar.is_file():
        return None
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    return record if isinstance(record, dict) else None


def synthetic_marker(data_path: str | Path) -> dict[str, Any] | None:
    """The marker of ``data_path`` when it proves the file synthetic, else None.

    Parameters
    ----------
    data_path : str or Path
        A raw export.

    Returns
    -------
    dict or None
        The marker, when it names the generator and the file's current sha256.
    """
    path = project_path(data_path)
    record = read_marker(path)
    if record is None or record.get("generator") != _GENERATOR or not path.is_file():
        return None
    return record if record.get("sha256") == sha256_file(path) else None


def is_synthetic(data_path: str | Path) -> bool:
    """Whether ``data_path`` holds a synthetic export or data cleaned from one.

    Parameters
    ----------
    data_path : str or Path
        A raw export, or a cleaned ``responses.parquet`` with its ``source.json`` beside it.

    Returns
    -------
    bool
        True for a raw export whose marker (see the module docstring) matches it, and for
        cleaned data whose source record (written by the clean stage) says it came from one.

    Examples
    --------
    >>> is_synthetic("data/synthetic/ipo_survey_2016_synthetic.csv")
    True
    """
    resolved = project_path(data_path)
    record = resolved.parent / SOURCE_RECORD_NAME
    if resolved.suffix == ".parquet" and record.is_file():
        return bool(json.loads(record.read_text(encoding="utf-8")).get("synthetic", False))
    return synthetic_marker(resolved) is not None


def original_source(data_path: str | Path) -> str:
    """The raw export ``data_path`` was cleaned from, as shown to a reader.

    Parameters
    ----------
    data_path : str or Path
        A raw export, or a cleaned ``responses.parquet`` with its ``source.json`` beside it.

    Returns
    -------
    str
        The source recorded in ``source.json``, else ``data_path`` relative to the project root.
    """
    resolved = project_path(data_path)
    record = resolved.parent / SOURCE_RECORD_NAME
    if resolved.suffix == ".parquet" and record.is_file():
        return str(json.loads(record.read_text(encoding="utf-8")).get("source", resolved.name))
    return relative_to_root(resolved)

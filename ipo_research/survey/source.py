"""Where a data file came from: the synthetic export or a real one.

The clean stage records the origin of ``responses.parquet`` in a ``source.json`` beside it
(the raw export's path, hash and whether it is synthetic), so every later stage, the banner
and the manifest can tell synthetic data from confidential responses.
"""

from __future__ import annotations

import json
from pathlib import Path

from ipo_research.paths import DATA_DIR, project_path, relative_to_root

__all__ = ["SOURCE_RECORD_NAME", "SYNTHETIC_DIR", "is_synthetic", "original_source"]

SYNTHETIC_DIR = DATA_DIR / "synthetic"
SOURCE_RECORD_NAME = "source.json"


def is_synthetic(data_path: str | Path) -> bool:
    """Whether ``data_path`` holds the synthetic export or data cleaned from it.

    Parameters
    ----------
    data_path : str or Path
        A raw export, or a cleaned ``responses.parquet`` with its ``source.json`` beside it.

    Returns
    -------
    bool
        True for files under ``data/synthetic/`` and for cleaned data whose source record
        (written by the clean stage beside ``responses.parquet``) says it came from there.
    """
    resolved = project_path(data_path).resolve()
    if resolved.is_relative_to(SYNTHETIC_DIR.resolve()):
        return True
    record = resolved.parent / SOURCE_RECORD_NAME
    if resolved.suffix == ".parquet" and record.is_file():
        return bool(json.loads(record.read_text(encoding="utf-8")).get("synthetic", False))
    return False


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

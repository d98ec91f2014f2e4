"""Where things are. The one module that knows the project's layout.

Every path the package, its notebooks and its command line use is relative to the project
root, which is the folder holding ``pyproject.toml`` above this package. Relative paths given
by a user are resolved against the project root, so notebooks behave the same whichever folder
their kernel starts in.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "PACKAGE_DIR",
    "DATA_DIR",
    "NOTEBOOKS_DIR",
    "REPORTS_DIR",
    "CODEBOOK_PATH",
    "SYNTHETIC_EXPORT_PATH",
    "EXTERNAL_DIR",
    "MODELS_PATH",
    "PIPELINE_PATH",
    "project_path",
    "relative_to_root",
    "portable_path",
]

PACKAGE_DIR = Path(__file__).resolve().parent
# A kernel the Dask executor starts on a worker runs in a private copy of the run's inputs;
# IPO_RESEARCH_ROOT (set only by ipo_research.pipeline.worker) makes that copy its project root.
PROJECT_ROOT = Path(os.environ.get("IPO_RESEARCH_ROOT") or PACKAGE_DIR.parent)
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
EXTERNAL_DIR = DATA_DIR / "external"
CODEBOOK_PATH = DATA_DIR / "codebook.yaml"
SYNTHETIC_EXPORT_PATH = DATA_DIR / "synthetic" / "ipo_survey_2016_synthetic.csv"
MODELS_PATH = NOTEBOOKS_DIR / "models.yaml"
PIPELINE_PATH = NOTEBOOKS_DIR / "pipeline.yaml"


def project_path(path: str | Path) -> Path:
    """Resolve ``path`` against the project root unless it is already absolute.

    Parameters
    ----------
    path : str or Path
        A path as a user or a notebook parameter gives it, e.g. ``"data/codebook.yaml"``.

    Returns
    -------
    Path
        The absolute path.

    Examples
    --------
    >>> project_path("data/codebook.yaml") == CODEBOOK_PATH
    True
    """
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def relative_to_root(path: str | Path) -> str:
    """Show ``path`` relative to the project root when it lies inside it.

    Used wherever a path is written to an output (manifests, logs, pages), so that no output
    names the machine it was made on.

    Parameters
    ----------
    path : str or Path
        Any path.

    Returns
    -------
    str
        POSIX-style path relative to the root, or the file name alone when it lies outside.
    """
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return resolved.name


def portable_path(path: str | Path) -> str:
    """Show ``path`` relative to the project root when it lies inside it, else in full.

    Unlike :func:`relative_to_root`, a path outside the project keeps its folders: use it where
    the path must still lead to the file (run parameters, manifest keys), not for display.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        POSIX-style path.

    Examples
    --------
    >>> portable_path(PROJECT_ROOT / "reports")
    'reports'
    """
    resolved = Path(path).resolve()
    if resolved.is_relative_to(PROJECT_ROOT):
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    return str(resolved)

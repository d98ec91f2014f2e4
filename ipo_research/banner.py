"""The data banner: every page says which data it was built from.

Pages built from the shipped synthetic export must say so plainly, at the top, so no reader
mistakes planted effects for findings. Pages built from a real export say they hold
confidential responses. A cleaned ``responses.parquet`` knows its origin through the
``source.json`` the clean stage writes beside it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from ipo_research.paths import DATA_DIR, project_path, relative_to_root

__all__ = ["SOURCE_RECORD_NAME", "SYNTHETIC_DIR", "is_synthetic", "banner_html", "data_banner"]

SYNTHETIC_DIR = DATA_DIR / "synthetic"
SOURCE_RECORD_NAME = "source.json"

_STYLE = ("padding:0.8em 1em;margin:0.5em 0 1em 0;border-radius:4px;font-weight:600;"
          "border:2px solid {border};background:{background};color:#1a1a1a")


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


def banner_html(*, synthetic: bool, source: str) -> str:
    """The banner as an HTML fragment.

    Parameters
    ----------
    synthetic : bool
        Whether the page shows synthetic data.
    source : str
        Name of the data file, as shown to the reader (relative to the project root).

    Returns
    -------
    str

    Examples
    --------
    >>> "SYNTHETIC DATA" in banner_html(synthetic=True, source="data/synthetic/x.csv")
    True
    """
    shown = html.escape(source)
    if synthetic:
        style = _STYLE.format(border="#b35806", background="#fee0b6")
        text = ("SYNTHETIC DATA: this page shows the synthetic stand-in export "
                f"(<code>{shown}</code>), generated with planted effects. "
                "It does not show the survey's responses; no number here is a finding.")
    else:
        style = _STYLE.format(border="#2d004b", background="#d8daeb")
        text = (f"CONFIDENTIAL: this page is built from the survey export <code>{shown}</code>. "
                "Do not share it beyond the research team.")
    return f'<div class="ipo-data-banner" style="{style}">{text}</div>'


def data_banner(data_path: str | Path):
    """The banner for a notebook page, ready to display.

    Parameters
    ----------
    data_path : str or Path
        The data the notebook reads.

    Returns
    -------
    IPython.display.HTML
        Displayed as the cell's output; rendered pages keep it.
    """
    from IPython.display import HTML

    source = _original_source(data_path)
    return HTML(banner_html(synthetic=is_synthetic(data_path), source=source))


def _original_source(data_path: str | Path) -> str:
    resolved = project_path(data_path)
    record = resolved.parent / SOURCE_RECORD_NAME
    if resolved.suffix == ".parquet" and record.is_file():
        return str(json.loads(record.read_text(encoding="utf-8")).get("source", resolved.name))
    return relative_to_root(resolved)

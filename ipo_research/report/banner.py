"""The data banner: every page says which data it was built from.

Pages built from the shipped synthetic export must say so plainly, at the top, so no reader
mistakes planted effects for findings. Pages built from a real export say they hold
confidential responses. Where the data came from is :mod:`ipo_research.survey.source`'s
concern; this module only shows it.
"""

from __future__ import annotations

import html
from pathlib import Path

from ipo_research.survey.source import is_synthetic, original_source

__all__ = ["banner_html", "data_banner"]


_STYLE = ("padding:0.8em 1em;margin:0.5em 0 1em 0;border-radius:4px;font-weight:600;"
          "border:2px solid {border};background:{background};color:#1a1a1a")


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

    source = original_source(data_path)
    return HTML(banner_html(synthetic=is_synthetic(data_path), source=source))

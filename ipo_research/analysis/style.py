"""The one look of the report.

Colours are colour-blind safe: categories use the Okabe-Ito palette; ordered scales (likert
answers) use ColorBrewer's PuOr, a diverging scheme ColorBrewer marks as colour-blind safe,
with a grey midpoint. Fonts are matplotlib's bundled DejaVu Sans, so figures look the same on
every machine.

Saving figures and tables is :mod:`ipo_research.analysis.outputs`' job; the SVG id salt it uses is here
because it is part of the style (SVG files keep their ids stable with it).
"""

from __future__ import annotations

import matplotlib as mpl

from ipo_research.exceptions import ConfigError

__all__ = [
    "OKABE_ITO",
    "ACCENT",
    "MUTED",
    "SUPPRESSED_COLOUR",
    "FIGURE_DPI",
    "likert_colours",
    "apply_style",
    "SVG_SALT",
]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour
# vision deficiency. Black is left out: it reads as text.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
ACCENT = OKABE_ITO[0]
MUTED = "#8c8c8c"
SUPPRESSED_COLOUR = "#ffffff"
FIGURE_DPI = 150
SVG_SALT = "ipo-research"
_PUOR = {
    3: ("#f1a340", "#d9d9d9", "#998ec3"),
    4: ("#e66101", "#fdb863", "#b2abd2", "#5e3c99"),
    5: ("#e66101", "#fdb863", "#d9d9d9", "#b2abd2", "#5e3c99"),
    7: ("#b35806", "#f1a340", "#fee0b6", "#d9d9d9", "#d8daeb", "#998ec3", "#542788"),
}


def likert_colours(n_levels: int) -> tuple[str, ...]:
    """Colours for an ordered scale of ``n_levels`` answers, lowest first.

    Examples
    --------
    >>> likert_colours(5)[2]
    '#d9d9d9'
    """
    if n_levels not in _PUOR:
        raise ConfigError(f"likert_colours: scales of {sorted(_PUOR)} levels are supported, "
                          f"got {n_levels}; add a ColorBrewer PuOr scheme for it.")
    return _PUOR[n_levels]


def apply_style() -> None:
    """Set the report's matplotlib and seaborn style (call once, at the top of a notebook)."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=list(OKABE_ITO),
                  font="DejaVu Sans")
    mpl.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": FIGURE_DPI,
        "savefig.bbox": "tight",
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "svg.hashsalt": SVG_SALT,
        "svg.fonttype": "path",
    })

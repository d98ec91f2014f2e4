"""How answer text is compared: one normal form for every matcher.

Cleaning matches answers to levels and options, and the layouts match export headers to
questions; both compare text in the form :func:`normalize_texts` gives, so a header and an
answer that a person would call the same are the same.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["normalize_texts"]

_ODD_CHARACTERS = "[\t\n\r\u00a0\u2018\u2019\u02bc`\u201c\u201d]|  "


def normalize_texts(values: pd.Series) -> pd.Series:
    """Text as answers are compared: trimmed, spaces collapsed, straight quotes, lower case.

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    pandas.Series of string

    Examples
    --------
    >>> normalize_texts(pd.Series(["  People’s   Action "])).tolist()
    ["people's action"]
    """
    text = values.astype("string")
    normalized = text.str.strip().str.lower()
    # Regex replacement is the slow part: only the few values that need it get it.
    odd = normalized.str.contains(_ODD_CHARACTERS, regex=True).fillna(False).astype(bool)
    if odd.any():
        normalized[odd] = (
            text[odd]
            .str.replace("[\u2018\u2019\u02bc`]", "'", regex=True)
            .str.replace("[\u201c\u201d]", '"', regex=True)
            .str.replace(r"\s+", " ", regex=True)
            .str.strip()
            .str.lower()
        )
    return normalized

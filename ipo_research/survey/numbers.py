"""Numbers typed by people: "$1.2M", "250,000", "45k", "about 40", "~40", "10-20".

:func:`parse_numbers` reads a whole column at once. Plain numbers ("250000", "-3.5") go through
a fast path and carry no rule; every other readable spelling is parsed by one regular
expression (vectorised with ``Series.str.extract``) and named by the rule(s) that read it, so
the cleaning log can say what was changed:

==========================  ===================================================
rule                        example
==========================  ===================================================
``approximate``             "about 40", "~40", "500+" (the number itself is kept)
``currency``                "$250000", "250000 USD"
``thousands_separator``     "250,000"
``magnitude_suffix``        "45k", "$1.2M", "2 million", "1bn"
``percent_sign``            "45%" (only for percent questions; stored as 45)
``range_midpoint``          "10-20", "10 to 20", "$10k-$20k" (stored as the midpoint)
``unparseable_number``      anything else; the value is missing
==========================  ===================================================

Several rules are joined with "+" in the order of the table, e.g. ``currency+magnitude_suffix``.

Examples
--------
>>> import pandas as pd
>>> parsed = parse_numbers(pd.Series(["$1.2M", "250,000", "10-20", "12"]))
>>> parsed["value"].tolist()
[1200000.0, 250000.0, 15.0, 12.0]
>>> parsed["rule"].tolist()
['currency+magnitude_suffix', 'thousands_separator', 'range_midpoint', <NA>]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["NUMBER_RULES", "UNPARSEABLE", "parse_numbers"]

UNPARSEABLE = "unparseable_number"
NUMBER_RULES = (
    "approximate", "currency", "thousands_separator", "magnitude_suffix",
    "percent_sign", "range_midpoint", UNPARSEABLE,
)

_PLAIN = r"[-+]?(?:\d+(?:\.\d+)?|\.\d+)"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_SUFFIX = r"thousand|million|billion|mil|mm|bn|k|m|b"
_CURRENCY = r"\$|usd\s*"
_BOUND = (rf"(?P<curN>{_CURRENCY})?\s*(?P<numN>{_DIGITS})\s*"
          rf"(?P<sufN>{_SUFFIX})?\.?\s*(?P<pctN>%|percent)?")
_PATTERN = (
    r"^(?P<approx>about|approx\.?|approximately|around|roughly|nearly|almost|circa|ca\.|"
    r"est\.|estimated|~|≈)?\s*(?P<sign>[-−])?\s*"
    + _BOUND.replace("N>", "1>")
    + r"(?:\s*(?:-|–|—|to)\s*" + _BOUND.replace("N>", "2>") + r")?"
    + r"\s*(?P<plus>\+)?\s*(?P<trail>usd|dollars)?\s*$"
)
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mil": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
}


def parse_numbers(values: pd.Series, *, percent: bool = False) -> pd.DataFrame:
    """Read numbers from text, vectorised, naming the rule that read each one.

    Parameters
    ----------
    values : pandas.Series
        Text answers; missing or blank entries give a missing value and no rule.
    percent : bool, default False
        Whether the question is in percent: then "45%" reads as 45. For other questions a
        percent sign makes the answer unparseable (it is not the unit asked for).

    Returns
    -------
    pandas.DataFrame
        Same index as ``values``; ``value`` (Float64) and ``rule`` (string: NA for a plain
        number or a blank, else the rules of the module table joined by "+").

    Examples
    --------
    >>> parse_numbers(pd.Series(["45%"]), percent=True)["value"].tolist()
    [45.0]
    """
    text = values.astype("string").str.strip()
    result = pd.DataFrame({
        "value": pd.Series(pd.NA, index=values.index, dtype="Float64"),
        "rule": pd.Series(pd.NA, index=values.index, dtype="string"),
    })
    answered = text.notna() & (text != "")
    plain = answered & text.str.fullmatch(_PLAIN).fillna(False).astype(bool)
    result.loc[plain, "value"] = pd.to_numeric(text[plain]).astype("Float64")
    messy = answered & ~plain
    if messy.any():
        parsed = _parse_messy(text[messy].str.replace("\u00a0", " ", regex=False), percent=percent)
        result.loc[messy, "value"] = parsed["value"]
        result.loc[messy, "rule"] = parsed["rule"]
    return result


def _parse_messy(text: pd.Series, *, percent: bool) -> pd.DataFrame:
    parts = text.str.extract(_PATTERN, flags=re.IGNORECASE)
    low = _bound_value(parts["num1"], parts["suf1"].fillna(parts["suf2"]))
    high = _bound_value(parts["num2"], parts["suf2"])
    sign = np.where(parts["sign"].notna(), -1.0, 1.0)
    is_range = parts["num2"].notna()
    value = pd.Series(np.where(is_range, (low + high) / 2, low) * sign, index=text.index, dtype="Float64")
    has_percent = parts["pct1"].notna() | parts["pct2"].notna()
    flags = {
        "approximate": parts["approx"].notna() | parts["plus"].notna(),
        "currency": parts["cur1"].notna() | parts["cur2"].notna() | parts["trail"].notna(),
        "thousands_separator": (parts["num1"].str.contains(",", regex=False).fillna(False).astype(bool)
                                | parts["num2"].str.contains(",", regex=False).fillna(False).astype(bool)),
        "magnitude_suffix": parts["suf1"].notna() | parts["suf2"].notna(),
        "percent_sign": has_percent,
        "range_midpoint": is_range,
    }
    rule = pd.Series("", index=text.index, dtype="string")
    for name, flag in flags.items():
        rule = rule.where(~flag, rule + "+" + name)
    rule = rule.str.lstrip("+").replace("", pd.NA)
    failed = parts["num1"].isna() | (has_percent & (not percent))
    value[failed] = pd.NA
    rule[failed] = UNPARSEABLE
    return pd.DataFrame({"value": value, "rule": rule})


def _bound_value(digits: pd.Series, suffix: pd.Series) -> np.ndarray:
    number = pd.to_numeric(digits.str.replace(",", "", regex=False), errors="coerce")
    multiplier = suffix.str.lower().map(_MULTIPLIERS).fillna(1.0)
    return (number * multiplier).to_numpy(dtype=float, na_value=np.nan)

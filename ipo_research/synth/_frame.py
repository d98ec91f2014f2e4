"""Turn the generator's arrays into the truth frame, with the cleaned types of docs/design.md.

Private to :mod:`ipo_research.synth.generator`. A question the generator has no model for (one added to
the codebook later) gets a plain draw for its type, so any codebook yields a complete frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.synth._words import STATE_WEIGHTS

__all__ = ["values_to_frame", "STATE_CODES"]

STATE_CODES = tuple(sorted(STATE_WEIGHTS))


def values_to_frame(codebook, values: dict, rng: np.random.Generator, *, n: int) -> pd.DataFrame:
    """One column per cleaned column of ``codebook`` (multi: one per option), in codebook order."""
    columns: dict[str, pd.Series | pd.arrays.ExtensionArray] = {}
    for question in codebook.questions:
        for column in question.columns:
            raw = values.get(column)
            if raw is None:
                raw = _plain_draw(question, rng, n)
            columns[column] = _typed(question, _within_range(question, raw))
    return pd.DataFrame(columns)


def _within_range(question, raw):
    # The truth holds plausible answers only; impossible ones are planted in the export.
    if question.type not in ("integer", "numeric") or not question.range:
        return raw
    low, high = question.range
    return np.clip(np.asarray(raw, dtype=float), -np.inf if low is None else low,
                   np.inf if high is None else high)


def _typed(question, raw):
    kind = question.type
    if question.type == "multi" or kind == "boolean":
        return pd.array(list(raw), dtype="boolean")
    if kind in ("id", "text"):
        return pd.array(list(raw), dtype="string")
    if kind == "single":
        return pd.Categorical(raw, categories=list(question.level_codes))
    if kind == "state":
        return pd.Categorical(raw, categories=list(STATE_CODES))
    if kind in ("likert", "integer"):
        return pd.array(np.asarray(raw, dtype=np.int64), dtype="Int64")
    if kind == "numeric":
        return pd.array(np.asarray(raw, dtype=float), dtype="Float64")
    if kind == "date":
        return pd.to_datetime(raw)
    raise ValueError(f"question '{question.id}': no synthetic values for type {kind!r}")


def _plain_draw(question, rng, n):
    kind = question.type
    if kind == "multi":
        return rng.random(n) < 0.3
    if kind == "boolean":
        return rng.random(n) < 0.5
    if kind in ("id", "text"):
        return np.full(n, None, dtype=object)
    if kind in ("single", "likert"):
        return np.array(question.level_codes, dtype=object)[rng.integers(0, len(question.levels), n)]
    if kind == "state":
        return np.array(STATE_CODES, dtype=object)[rng.integers(0, len(STATE_CODES), n)]
    if kind == "integer":
        return rng.poisson(20, n)
    if kind == "numeric":
        return np.round(np.exp(rng.normal(3.0, 1.0, n)), 1)
    return np.datetime64("2016-11-15") + rng.integers(0, 25, n).astype("timedelta64[D]")

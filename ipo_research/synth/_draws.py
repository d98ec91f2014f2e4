"""Vectorised random draws shared by the synthetic-survey generator.

Private to :mod:`ipo_research.synth.generator`: categorical draws with per-row probabilities, quota
allocation, and the logistic link used for trait-driven chances.
"""

from __future__ import annotations

import numpy as np

__all__ = ["logistic", "pick", "quota_draw", "weights_for"]


def quota_draw(rng: np.random.Generator, codes: tuple, shares: dict, n: int) -> np.ndarray:
    """Exactly-proportional allocation of ``codes`` to ``n`` rows (largest remainder), shuffled."""
    weights = np.array([shares.get(code, 0.0) for code in codes], dtype=float)
    expected = weights / weights.sum() * n
    counts = np.floor(expected).astype(int)
    # Largest remainders first; ties go to the earlier code, so the allocation is deterministic.
    order = np.argsort(-(expected - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.array(codes, dtype=object), counts))


def pick(rng: np.random.Generator, codes: tuple, probabilities, n: int | None = None) -> np.ndarray:
    """One code per row, from (n, k) row probabilities or (k,) probabilities shared by ``n`` rows."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.ndim == 1:
        probabilities = np.broadcast_to(probabilities, (n, len(codes)))
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    chosen = (rng.random((len(cumulative), 1)) > cumulative[:, :-1]).sum(axis=1)
    return np.array(codes, dtype=object)[chosen]


def weights_for(codes: tuple, table: dict, default: float) -> np.ndarray:
    """Weights of ``codes`` from ``table``; codes the generator does not know get ``default``."""
    return np.array([table.get(code, default) for code in codes], dtype=float)


def logistic(x):
    """The logistic function, for probabilities driven by traits."""
    return 1.0 / (1.0 + np.exp(-x))

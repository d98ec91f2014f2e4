"""Benchmark: specification-curve inference, 64 specifications x 500 null draws on 75 rows.

Bar (issue #14): at most 60 s on two cores. The baseline, measured in the same run, is the
straightforward way: statsmodels' ``OLS(...).fit(cov_type="HC3")`` for every specification in
every draw, one process, on a sample of the draws, scaled to all of them. The package's way is
:func:`ipo_research.robustness.curve.curve_inference` with its process pool (``--jobs``).

Usage::

    .venv/bin/python benchmarks/specification_curve.py [--jobs 2] [--draws 500] [--specs 64]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ipo_research.robustness.curve import Design, curve_inference, specification_curve

BAR_SECONDS = 60.0


def synthetic_designs(n_specs: int, *, n_rows: int = 75, seed: int = 1):
    """``n_specs`` designs on the same 75 rows: a term, 6 optional controls (every subset up to
    ``n_specs``) and HC3 or nonrobust covariances."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_rows)
    controls = rng.normal(size=(n_rows, 6))
    y = 0.3 * x + controls @ np.linspace(0.1, 0.6, 6) + rng.normal(size=n_rows)
    designs, rows = [], []
    for spec_id in range(1, n_specs + 1):
        mask = [(spec_id - 1) >> bit & 1 for bit in range(6)]
        X = np.column_stack([np.ones(n_rows), x, controls[:, np.flatnonzero(mask)]])
        cov_type = "HC3" if spec_id % 2 else "nonrobust"
        designs.append(Design(spec_id, y, X, 1, np.arange(n_rows), cov_type))
        rows.append({"spec_id": spec_id, "outcome": "y", "controls": str(mask), "missing": "complete_case",
                     "outliers": "none", "index": "as_answered", "cov_type": cov_type})
    return pd.DataFrame(rows), designs


def statsmodels_seconds(designs, estimates, *, draws: int, n_rows: int) -> float:
    start = time.perf_counter()
    for draw in range(draws):
        rng = np.random.default_rng([7, draw])
        picked = rng.integers(0, n_rows, n_rows)
        for design, estimate in zip(designs, estimates):
            y = (design.y - estimate * design.X[:, 1])[picked]
            sm.OLS(y, design.X[picked]).fit(cov_type=design.cov_type, use_t=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--specs", type=int, default=64)
    parser.add_argument("--baseline-draws", type=int, default=25,
                        help="draws timed for the statsmodels baseline, scaled to --draws")
    arguments = parser.parse_args()
    table, designs = synthetic_designs(arguments.specs)
    curve = specification_curve(table, designs)
    start = time.perf_counter()
    curve_inference(curve, designs, draws=arguments.draws, seed=2016, n_rows=75, jobs=arguments.jobs)
    ours = time.perf_counter() - start
    sample = min(arguments.baseline_draws, arguments.draws)
    baseline = statsmodels_seconds(designs, curve["estimate"].to_numpy(), draws=sample, n_rows=75)
    baseline *= arguments.draws / sample
    print(f"{arguments.specs} specifications x {arguments.draws} draws on 75 rows, jobs={arguments.jobs}")
    print(f"  curve_inference:           {ours:7.1f} s   (bar {BAR_SECONDS:.0f} s: "
          f"{'met' if ours <= BAR_SECONDS else 'NOT met'})")
    print(f"  statsmodels, one process:  {baseline:7.1f} s   (from {sample} draws, scaled)")
    print(f"  ratio baseline / ours:     {baseline / ours:7.1f}")


if __name__ == "__main__":
    main()

"""Coverage of the default capacity model's 95% intervals on the synthetic design (slow).

Run with ``.venv/bin/python -m pytest -m slow tests/test_models_coverage.py`` (`make
test-all` and CI run every slow test; about a minute on a loaded 2-core machine). The design is the
default ``capacity_ols`` spec's complete-case design on the shipped synthetic export, after its
level merges: 55 organizations in 27 states, the smallest retained level held by 6. Outcomes
are drawn from the planted coefficients (``index_scale`` in planted_effects.yaml) with a state
effect shared by the organizations of one state (which the state-level regressor
dem_margin_2016 does not absorb) and errors whose spread grows with the budget. Every
coefficient's CR2 / Bell-McCaffrey interval must cover its planted value in 93-97% of the
replicates.

The design is fixed, so the CR2 weights and degrees of freedom are computed once
(:func:`ipo_research.models.sandwich.cr2_weights`) and the replicates are vectorised; the first
replicate is also fitted through the models stage (``fit_complete_case``) and must give the
same intervals, so the simulation checks the intervals the pages report.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.models.fit import fit_complete_case
from ipo_research.models.sandwich import cr2_weights

REPLICATES = 10000  # Monte Carlo SE of a 95% coverage: 0.22 points
SEED = 20161108
STATE_SD, NOISE_SD = 0.2, 0.25


@pytest.mark.slow
def test_capacity_intervals_cover_the_planted_coefficients_at_93_to_97_percent(planted_capacity_design):
    spec, fit, X, planted = planted_capacity_design
    beta = planted.reindex(X.columns)
    assert beta.notna().all(), "every retained term has a planted value"
    states = fit.data[spec.cluster].astype(str).to_numpy()
    assert spec.cov_type == "CR2" and len(set(states)) >= 20
    smallest = min(min(int(X[c].sum()), len(X) - int(X[c].sum())) for c in X.columns if "[T." in c)
    assert smallest >= spec.min_level_size

    rng = np.random.default_rng(SEED)
    state_codes = pd.factorize(states)[0]
    budget = X["np.log1p(annual_budget)"].to_numpy()
    spread = NOISE_SD * np.exp(0.3 * (budget - budget.mean()) / budget.std())
    design = X.to_numpy()
    outcomes = (design @ beta.to_numpy()
                + rng.normal(scale=STATE_SD, size=(REPLICATES, state_codes.max() + 1))[:, state_codes]
                + spread * rng.normal(size=(REPLICATES, len(design))))

    U, df = cr2_weights(design, states)
    estimates = np.linalg.lstsq(design, outcomes.T, rcond=None)[0].T          # (R, k)
    residuals = outcomes - estimates @ design.T                               # (R, n)
    scores = np.einsum("ngk,rn->rgk", U, residuals)                           # (R, G, k)
    std_error = np.sqrt((scores ** 2).sum(axis=1))                            # (R, k)
    half = stats.t.ppf(0.975, df) * std_error
    low, high = estimates - half, estimates + half

    first = fit.data.assign(**{spec.outcome: outcomes[0]})
    reported = fit_complete_case(first, spec).coefficients.set_index("term").loc[X.columns]
    assert reported["conf_low"].to_numpy() == pytest.approx(low[0], rel=1e-8, abs=1e-10)
    assert reported["conf_high"].to_numpy() == pytest.approx(high[0], rel=1e-8, abs=1e-10)

    truth = beta.to_numpy()
    coverage = pd.Series(((low <= truth) & (truth <= high)).mean(axis=0), index=X.columns)
    outside = coverage[(coverage < 0.93) | (coverage > 0.97)]
    assert outside.empty, f"coverage outside 93-97%:\n{outside.round(4)}\nall:\n{coverage.round(4)}"

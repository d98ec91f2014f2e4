"""Coverage of the default capacity model's 95% intervals on the synthetic design (slow).

Run with ``.venv/bin/python -m pytest -m slow tests/test_models_coverage.py`` (about half a
minute on one core; `make test-slow` runs every slow test). The design is the default
``capacity_ols`` spec's complete-case design on the shipped synthetic export, after its level
merges: 55 organizations in 27 states, the smallest retained level held by 6. Outcomes are
drawn from the planted coefficients (``index_scale`` in planted_effects.yaml) with a state
effect shared by the organizations of one state (which the state-level regressor
dem_margin_2016 cannot absorb) and errors whose spread grows with the budget; each replicate is
fitted exactly as the models stage does (CR2 with Bell-McCaffrey df). Every coefficient's
interval must cover its planted value in 93-97% of the replicates.
"""

import numpy as np
import pandas as pd
import pytest
import yaml

from ipo_research.analysis.context import add_state_context
from ipo_research.analysis.indices import add_indices
from ipo_research.models.fit import design_matrices, fit_complete_case, model_frame
from ipo_research.models.specs import load_model_specs
from ipo_research.paths import DATA_DIR, SYNTHETIC_EXPORT_PATH
from ipo_research.survey.cleaned import load_responses
from ipo_research.survey.codebook import load_codebook

REPLICATES = 2000
SEED = 20161108


@pytest.mark.slow
def test_capacity_intervals_cover_the_planted_coefficients_at_93_to_97_percent():
    codebook = load_codebook()
    spec = next(spec for spec in load_model_specs("notebooks/models.yaml") if spec.id == "capacity_ols")
    scored = add_indices(add_state_context(load_responses(SYNTHETIC_EXPORT_PATH, codebook)), codebook)
    fit = fit_complete_case(model_frame(scored, spec, key=codebook.key), spec)
    _, X = design_matrices(fit.data, spec)
    planted = pd.Series(yaml.safe_load((DATA_DIR / "synthetic" / "planted_effects.yaml")
                                       .read_text(encoding="utf-8"))["index_scale"], dtype=float)
    beta = planted.reindex(X.columns)
    assert beta.notna().all(), "every retained term has a planted value"
    states = fit.data[spec.cluster].astype(str).to_numpy()
    assert spec.cov_type == "CR2" and len(set(states)) >= 20
    smallest = min(int(X[column].sum()) for column in X.columns if "[T." in column)
    assert smallest >= spec.min_level_size

    rng = np.random.default_rng(SEED)
    state_codes = pd.factorize(states)[0]
    budget = X["np.log1p(annual_budget)"].to_numpy()
    spread = 0.25 * np.exp(0.3 * (budget - budget.mean()) / budget.std())
    mean = X.to_numpy() @ beta.to_numpy()
    covered = np.zeros(len(beta))
    frame = fit.data.copy()
    for _ in range(REPLICATES):
        state_effect = rng.normal(scale=0.2, size=state_codes.max() + 1)[state_codes]
        frame[spec.outcome] = mean + state_effect + spread * rng.normal(size=len(mean))
        table = fit_complete_case(frame, spec).coefficients.set_index("term").loc[X.columns]
        covered += ((table["conf_low"] <= beta) & (beta <= table["conf_high"])).to_numpy()
    coverage = pd.Series(covered / REPLICATES, index=X.columns)
    outside = coverage[(coverage < 0.93) | (coverage > 0.97)]
    assert outside.empty, f"coverage outside 93-97%:\n{outside.round(3)}\nall:\n{coverage.round(3)}"

"""Planted truth: the capacity model recovers the effects planted in the synthetic survey.

The truth is read from data/synthetic/planted_effects.yaml (``index_scale``: what OLS of the
electoral_capacity index on the capacity model's terms converges to), never typed here.
"""

import pandas as pd
import pytest
import yaml

from ipo_research.survey.codebook import load_codebook
from ipo_research.analysis.context import add_state_context
from ipo_research.analysis.indices import add_indices
from ipo_research.survey.cleaned import load_responses
from ipo_research.models.specs import load_model_specs
from ipo_research.models.fit import fit_complete_case, model_frame
from ipo_research.paths import DATA_DIR, SYNTHETIC_EXPORT_PATH
from ipo_research.synth.generator import synthesize_truth

HEADLINE_TERMS = ("np.log1p(annual_budget)", "member_funding_share", "I(2016 - year_founded)")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def planted():
    effects = yaml.safe_load((DATA_DIR / "synthetic" / "planted_effects.yaml").read_text(encoding="utf-8"))
    return pd.Series(effects["index_scale"], dtype=float)


@pytest.fixture(scope="module")
def capacity_spec():
    return next(spec for spec in load_model_specs("notebooks/models.yaml") if spec.id == "capacity_ols")


def _fit(responses, codebook, spec):
    scored = add_indices(add_state_context(responses), codebook)
    return fit_complete_case(model_frame(scored, spec, key=codebook.key), spec).coefficients.set_index("term")


def test_planted_effects_are_keyed_by_the_capacity_model_terms(codebook, planted, capacity_spec):
    responses = load_responses(SYNTHETIC_EXPORT_PATH, codebook)
    merged = {f"[T.{level}]" for _, level, _ in capacity_spec.merge_levels}
    assert merged  # the default spec merges the rare levels (models.yaml)
    kept = {term for term in planted.index if not any(term.endswith(tag) for tag in merged)}
    assert set(_fit(responses, codebook, capacity_spec).index) == kept


def test_capacity_intervals_on_the_synthetic_export_cover_the_planted_effects(codebook, planted, capacity_spec):
    table = _fit(load_responses(SYNTHETIC_EXPORT_PATH, codebook), codebook, capacity_spec)
    truth = planted.reindex(table.index)
    covered = (table["conf_low"] <= truth) & (truth <= table["conf_high"])
    missed = table.index[~covered].tolist()
    # With exact 95% coverage, P(3 or more of 16 intervals miss) = 4.3%: allow at most 2 misses,
    # and none among the headline traits the survey asks about.
    assert len(missed) <= 2, f"intervals missing the planted value: {missed}"
    assert not set(missed) & set(HEADLINE_TERMS), f"headline terms missed: {missed}"


def test_capacity_estimates_on_a_large_synthetic_sample_land_on_the_planted_effects(codebook, planted,
                                                                                      capacity_spec):
    table = _fit(synthesize_truth(codebook, n=20_000, seed=7), codebook, capacity_spec)
    distance = (table["estimate"] - planted.reindex(table.index)).abs()
    # Within 4 standard errors for every term, and within 0.02 for the budget slope.
    far = distance[distance > 4 * table["std_error"]]
    assert far.empty, f"estimates far from the planted values: {far.to_dict()}"
    assert distance["np.log1p(annual_budget)"] < 0.02

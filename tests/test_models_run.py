"""Running every spec: seeds per spec, optional context, and the sentences built from fits."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

from ipo_research.paths import PROJECT_ROOT
from ipo_research.survey.codebook import codebook_from_dict
from ipo_research.models.narrative import findings_sentence, mice_sentence, sample_sentence, warnings_summary
from ipo_research.models.run import prepare_responses, run_models, spec_seed
from ipo_research.models.specs import ModelSpec


def _responses(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    frame = pd.DataFrame({"rid": [f"r{i:02d}" for i in range(n)], "x": x,
                          "y": 1 + x + rng.normal(size=n)})
    frame.loc[rng.uniform(size=n) < 0.2, "x"] = np.nan
    return frame


def _spec(spec_id, **fields):
    return ModelSpec(id=spec_id, title=spec_id, family="ols", formula="y ~ x", cov_type="HC3", **fields)


def test_a_spec_gets_the_same_draws_whatever_the_order_of_the_specs():
    data = _responses()
    boot, other = _spec("boot", bootstrap=30), _spec("mi", missing="mice", imputations=3)
    first = run_models(data, [boot, other], key="rid", seed=5)
    swapped = run_models(data, [other, boot], key="rid", seed=5)
    assert first.bootstrap.equals(swapped.bootstrap)
    assert first.mice_comparison.equals(swapped.mice_comparison)
    assert spec_seed(5, "boot") != spec_seed(5, "mi")


def test_a_mice_spec_without_enough_complete_rows_is_fitted_alone():
    data = _responses()
    data["z"] = np.where(np.arange(40) % 2 == 0, np.nan, 1.0)
    data.loc[data.index[1::2], "x"] = np.nan  # no row has both x and z
    spec = ModelSpec(id="mi", title="MI", family="ols", formula="y ~ x + z", cov_type="HC3", missing="mice",
                     imputations=3)
    # With no row observing both x and z, the chained equations start from a rank-deficient
    # design (z's observed rows carry x's mean only): statsmodels says so, on purpose here.
    with pytest.warns(SingularMatrixWarning, match="rank-deficient"):
        run = run_models(data, [spec], key="rid", seed=1)
    assert run.mice_comparison.empty
    assert run.model_fit.loc[0, "n_obs"] == 40


def test_prepare_responses_skips_the_state_context_without_a_state_column_and_adds_indices():
    codebook = codebook_from_dict({
        "survey": {"id": "s", "key": "rid"}, "sections": [{"id": "m", "title": "M"}],
        "questions": [{"id": "rid", "section": "m", "type": "id"},
                      {"id": "a", "section": "m", "type": "numeric"},
                      {"id": "b", "section": "m", "type": "numeric"}],
        "indices": [{"id": "ab", "items": ["a", "b"], "min_items": 2}],
    })
    data = pd.DataFrame({"rid": ["r1", "r2"], "a": [1.0, 3.0], "b": [2.0, 6.0]})
    prepared, note = prepare_responses(data, codebook, context_path="data/external/state_context_2016.csv")
    assert prepared["ab"].astype(float).tolist() == pytest.approx([-0.7071068, 0.7071068])
    assert "dem_margin_2016" not in prepared.columns
    assert note == ("2 rows; no state context (no context file given or no state column); "
                    "indices computed from the codebook: `ab`.")


def test_prepare_responses_joins_the_state_context_by_state():
    codebook = codebook_from_dict({
        "survey": {"id": "s", "key": "rid"}, "sections": [{"id": "m", "title": "M"}],
        "questions": [{"id": "rid", "section": "m", "type": "id"}, {"id": "state", "section": "m", "type": "state"}],
    })
    data = pd.DataFrame({"rid": ["r1", "r2"], "state": ["TX", "CA"]})
    prepared, _ = prepare_responses(data, codebook, context_path="data/external/state_context_2016.csv")
    context = pd.read_csv(PROJECT_ROOT / "data/external/state_context_2016.csv").set_index("state")
    assert prepared["dem_margin_2016"].tolist() == context.loc[["TX", "CA"], "dem_margin_2016"].tolist()
    # Certified results (pscl): Texas went to Trump by about 9 points, California to Clinton by about 30.
    assert prepared["dem_margin_2016"].tolist() == pytest.approx([-9.0, 30.0], abs=0.2)


def test_sample_sentence_quotes_the_fit_numbers():
    statistics = {"n_obs": 55, "n_dropped": 20, "n_params": 16, "obs_per_parameter": 55 / 16,
                  "missing": "complete_case", "family": "ols", "r_squared": 0.7412}
    assert sample_sentence(statistics, unit="organization") == (
        "Fitted on 55 organizations (20 left out for a missing answer), 16 parameters, "
        "3.4 organizations per parameter; R² = 0.74.")


def test_findings_sentence_reports_every_slope_with_its_interval_and_adjusted_p_never_a_verdict():
    coefficients = pd.DataFrame({"term": ["Intercept", "x", "z", "1/2"], "estimate": [1.0, 0.5, 0.1, -1.0],
                                 "conf_low": [0.5, 0.2, -0.3, -2.0], "conf_high": [1.5, 0.8, 0.5, -0.1],
                                 "p_adjusted": [np.nan, 0.0004, 0.62, np.nan]})
    sentence = findings_sentence(coefficients, family="ols")
    assert sentence.startswith(
        "Estimates on the outcome scale with 95% intervals and Holm-adjusted p-values across the "
        "model's 2 slopes: `x` +0.500 [0.200, 0.800], adjusted p < 0.001; `z` +0.100 [-0.300, 0.500], "
        "adjusted p = 0.620.")
    assert "cannot tell" not in sentence and "Intercept" not in sentence and "1/2" not in sentence


def test_joint_sentence_reports_the_block_statistic_and_its_test():
    from ipo_research.models.narrative import joint_sentence

    joint = pd.DataFrame({"model": ["m"], "block": ["budget_and_staff"],
                          "terms": ["np.log1p(annual_budget) + np.log1p(staff_fte)"], "test": ["chi2"],
                          "df_num": [2], "df_denom": [np.nan], "statistic": [48.48], "p_value": [3e-11],
                          "p_adjusted": [3e-11]})
    assert joint_sentence(joint) == (
        "Jointly tested blocks: `budget_and_staff` (`np.log1p(annual_budget) + np.log1p(staff_fte)`): "
        "Wald chi2(2) = 48.5, p < 0.001.")


def test_mice_sentence_names_the_term_that_moves_most_in_standard_errors():
    comparison = pd.DataFrame({"term": ["x", "z"], "cc_estimate": [1.0, 0.2], "cc_std_error": [0.5, 0.1],
                               "cc_n_obs": [50, 50], "mice_estimate": [1.1, 0.4], "mice_std_error": [0.4, 0.1],
                               "mice_n_obs": [70, 70], "fmi": [0.1, 0.3]})
    assert mice_sentence(comparison) == (
        "Imputation uses 70 rather than 50 rows. The largest move is in `z`: 0.200 (complete cases) "
        "against 0.400 (imputed), 2.0 complete-case standard errors; the fraction of missing "
        "information ranges from 0.10 to 0.30.")


def test_warnings_summary_says_when_every_model_is_large_enough():
    assert warnings_summary([]) == "Every model has at least 10 observations per parameter."
    assert warnings_summary(["Model m: thin."]).endswith("\n- Model m: thin.")


def test_a_model_that_did_not_converge_is_flagged_in_its_summary():
    from ipo_research.models.narrative import model_summary
    from ipo_research.models.fit import fit_complete_case

    separated = pd.DataFrame({"x": [0.0, 1, 2, 3, 4, 5, 6, 7], "y": [0.0, 0, 0, 0, 1, 1, 1, 1]})
    spec = ModelSpec(id="sep", title="Separated", family="logit", formula="y ~ x", cov_type="nonrobust")
    fit = fit_complete_case(separated, spec)
    assert fit.statistics["converged"] is False
    assert any("Perfect separation" in note for note in fit.notes)
    assert "the fit did not converge" in model_summary(spec, fit.statistics, fit.coefficients)


def test_sentences_name_terms_in_the_codebook_words_when_given_one():
    from ipo_research.survey.codebook import load_codebook

    codebook = load_codebook()
    network = codebook.question("primary_network").label_of("pico")
    terms = ["np.log1p(annual_budget)", "C(primary_network, Treatment('unaffiliated'))[T.pico]", "x"]
    coefficients = pd.DataFrame({"term": terms, "estimate": [0.5, -0.4, 0.3],
                                 "conf_low": [0.2, -0.7, 0.1], "conf_high": [0.8, -0.1, 0.6],
                                 "p_adjusted": [0.01, 0.0004, 0.2]})
    # Codebook words are escaped for Markdown (they render as typed); unknown terms stay code.
    assert findings_sentence(coefficients, family="ols", codebook=codebook) == (
        "Estimates on the outcome scale with 95% intervals and Holm-adjusted p-values across the "
        "model's 3 slopes: Annual budget \\(log\\) +0.500 [0.200, 0.800], adjusted p = 0.010; "
        f"Primary network\\: {network} -0.400 [-0.700, -0.100], adjusted p < 0.001; "
        "`x` +0.300 [0.100, 0.600], adjusted p = 0.200. Read the size and the width of each interval: "
        "an interval that spans zero and large values is uninformative, not evidence of no association.")
    comparison = pd.DataFrame({"term": ["I(2016 - year_founded)", "x"], "cc_estimate": [0.2, 1.0],
                               "cc_std_error": [0.1, 0.5], "cc_n_obs": [50, 50],
                               "mice_estimate": [0.4, 1.1], "mice_std_error": [0.1, 0.4],
                               "mice_n_obs": [70, 70], "fmi": [0.3, 0.1]})
    assert "The largest move is in Years since founding: 0.200" in mice_sentence(comparison, codebook=codebook)
    assert "The largest move is in `I(2016 - year_founded)`: 0.200" in mice_sentence(comparison)


def test_run_models_passes_auxiliary_columns_to_the_imputation_and_names_the_bootstrap():
    data = _responses(n=60, seed=3)
    rng = np.random.default_rng(4)
    data["a"] = data["x"].fillna(0) + rng.normal(scale=0.1, size=60)
    mice = ModelSpec(id="mi", title="MI", family="ols", formula="y ~ x", cov_type="HC2", missing="mice",
                     imputations=3, auxiliary=("a",))
    run = run_models(data, [mice, _spec("boot", bootstrap=40)], key="rid", seed=2)
    assert "auxiliary variable(s) in the imputation model only: a." in run.fits[0].notes
    assert run.fits[0].coefficients["term"].tolist() == ["Intercept", "x"]
    assert set(run.bootstrap["boot_method"]) == {"wild_t"}
    assert (run.bootstrap["replicates_used"] == 40).all()

"""Tidy tables, the side-by-side regression table and deterministic writing."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.analysis.outputs import save_table, save_text
from ipo_research.models.run import save_model_run
from ipo_research.models.run import run_models
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import TIDY_COLUMNS, fit_complete_case
from ipo_research.models.tables import (FIT_COLUMNS, coefficients_table, label_terms, model_fit_table,
                                 regression_table, regression_table_latex, regression_table_markdown)
from ipo_research.survey.codebook import load_codebook


def _coefficients():
    return pd.DataFrame({
        "model": ["a", "a", "b", "b"], "term": ["Intercept", "x", "Intercept", "z_1"],
        "estimate": [1.0, 0.25, -2.0, 1.5], "std_error": [0.5, 0.125, 1.0, 0.75],
    })


def _fit_table():
    return pd.DataFrame({"model": ["a", "b"], "n_obs": [70, 64], "r_squared": [0.4, np.nan],
                         "pseudo_r_squared": [np.nan, 0.125], "cov_type": ["HC3", "HC0"]})


def test_regression_table_puts_standard_errors_under_estimates_and_fit_rows_last():
    table = regression_table(_coefficients(), _fit_table())
    assert table.index.tolist() == ["Intercept", "", "x", "", "z_1", "", "N", "R²", "Pseudo R²", "Covariance"]
    assert table["a"].tolist() == ["1.000", "(0.500)", "0.250", "(0.125)", "", "", "70", "0.400", "", "HC3"]
    assert table["b"].tolist() == ["-2.000", "(1.000)", "", "", "1.500", "(0.750)", "64", "", "0.125", "HC0"]


def test_regression_table_markdown_is_a_pipe_table():
    table = regression_table(_coefficients().query("model == 'a'"), _fit_table().query("model == 'a'"), digits=2)
    assert regression_table_markdown(table) == (
        "|  | a |\n|:---|---:|\n| Intercept | 1.00 |\n|  | (0.50) |\n| x | 0.25 |\n|  | (0.12) |\n"
        "| N | 70 |\n| R² | 0.40 |\n| Pseudo R² |  |\n| Covariance | HC3 |\n")


def test_regression_table_latex_escapes_underscores_and_writes_r_squared_in_math():
    latex = regression_table_latex(regression_table(_coefficients(), _fit_table()), caption="Models")
    assert r"z\_1 & " in latex
    assert "$R^2$ & 0.400" in latex
    assert r"\toprule" in latex and r"\caption{Models}" in latex


def _fits():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"x": rng.normal(size=30)})
    data["y"] = 2 * data["x"] + rng.normal(size=30)
    data.loc[0, "x"] = np.nan
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC3")
    return data, spec, [fit_complete_case(data, spec)]


def test_tidy_tables_have_the_contract_columns():
    _, _, fits = _fits()
    table = coefficients_table(fits)
    assert table.columns.tolist() == [*TIDY_COLUMNS, "interval", "penalty"]
    assert table[["interval", "penalty"]].drop_duplicates().values.tolist() == [["wald", "none"]]
    assert TIDY_COLUMNS == ["model", "term", "estimate", "std_error", "statistic", "df", "p_value",
                            "p_adjusted", "conf_low", "conf_high"]
    fit_table = model_fit_table(fits)
    assert fit_table.columns.tolist() == FIT_COLUMNS
    assert fit_table.loc[0, ["n_obs", "n_dropped"]].tolist() == [29, 1]


def test_mice_comparison_pairs_complete_case_and_imputed_rows_by_term():
    data, spec, (complete,) = _fits()
    imputed_spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC3", missing="mice",
                             imputations=3)
    run = run_models(data.assign(rid=[f"r{i}" for i in range(30)]), [imputed_spec], key="rid", seed=1)
    table = run.mice_comparison
    assert table["term"].tolist() == ["Intercept", "x"]
    assert table.loc[1, "cc_estimate"] == pytest.approx(complete.coefficients.loc[1, "estimate"])
    assert table.loc[1, "mice_estimate"] == pytest.approx(run.coefficients.loc[1, "estimate"])
    assert table[["cc_n_obs", "mice_n_obs"]].iloc[0].tolist() == [29, 30]


def test_write_table_rounds_to_six_significant_digits_with_unix_line_ends(tmp_path):
    path = save_table(pd.DataFrame({"term": ["x"], "estimate": [1 / 3]}), "t", tmp_path)
    assert path.read_bytes() == b"term,estimate\nx,0.333333\n"
    assert [p.name for p in (tmp_path / "tables").iterdir()] == ["t.csv"]  # no temporary file left behind


def test_a_models_run_writes_byte_identical_tables_twice(tmp_path):
    data, spec, _ = _fits()
    boot = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC3", bootstrap=50)
    data = data.assign(rid=[f"r{i}" for i in range(30)])
    first = {p.name: p.read_bytes() for p in save_model_run(run_models(data, [boot], key="rid", seed=4), tmp_path / "a")}
    again = {p.name: p.read_bytes() for p in save_model_run(run_models(data, [boot], key="rid", seed=4), tmp_path / "b")}
    assert first == again
    assert {"coefficients.csv", "model_fit.csv", "regression_table.md", "regression_table.tex",
            "coefficients_bootstrap.csv", "influential_observations.csv", "model_vif.csv"} == set(first)


def test_write_text_writes_utf8(tmp_path):
    assert save_text("R²\n", "t.md", tmp_path).read_bytes() == "R²\n".encode("utf-8")


_RAW_TERMS = ["Intercept", "C(primary_network, Treatment('unaffiliated'))[T.pico]",
              "C(jurisdiction_level)[T.state]", "np.log1p(annual_budget)", "I(2016 - year_founded)",
              "legal_entities__c4", "electoral_capacity", "dem_margin_2016", "a/b"]


def test_label_terms_writes_model_terms_in_the_codebook_words_and_leaves_the_input_alone():
    codebook = load_codebook()
    table = pd.DataFrame({"model": ["m"] * len(_RAW_TERMS), "term": _RAW_TERMS,
                          "estimate": np.arange(len(_RAW_TERMS), dtype=float)})
    labelled = label_terms(table, codebook)
    network = codebook.question("primary_network").label_of("pico")
    level = codebook.question("jurisdiction_level").label_of("state")
    entity = codebook.question("legal_entities").label_of("c4")
    capacity = next(index.title for index in codebook.indices if index.id == "electoral_capacity")
    assert labelled["term"].tolist() == [
        "Intercept", f"Primary network: {network}", f"Jurisdiction level: {level}",
        "Annual budget (log)", "Years since founding", f"Legal entities: {entity}", capacity,
        "2016 Democratic margin in the state (points)", "a/b"]
    assert network != "pico" and capacity != "electoral_capacity"  # the codebook's words, not ids
    assert table["term"].tolist() == _RAW_TERMS  # the tidy table (and its CSV) keeps the raw names
    assert labelled["estimate"].tolist() == table["estimate"].tolist()
    assert labelled.columns.tolist() == table.columns.tolist()


def test_a_regression_table_of_labelled_terms_reads_in_words_and_keeps_the_numbers():
    codebook = load_codebook()
    coefficients = pd.DataFrame({"model": ["a", "a", "a"],
                                 "term": ["Intercept", "np.log1p(annual_budget)", "I(2016 - year_founded)"],
                                 "estimate": [1.0, 0.5, -0.25], "std_error": [0.5, 0.125, 0.0625]})
    raw = regression_table(coefficients, _fit_table().query("model == 'a'"))
    shown = regression_table(label_terms(coefficients, codebook), _fit_table().query("model == 'a'"))
    assert shown.index.tolist()[:6] == ["Intercept", "", "Annual budget (log)", "", "Years since founding", ""]
    assert shown["a"].tolist() == raw["a"].tolist()

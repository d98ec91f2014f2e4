"""A survey that is not about IPOs runs through clean and models end to end.

Uses the food bank fixture (tests/fixtures/models/): its own codebook, export and models file,
no state column. Runs ``ipo-research run clean models --data ... --codebook ... --models ...
--out ...`` and checks the tidy tables against an in-process fit of the same data.
"""

import pandas as pd
import pytest

from ipo_research.cli import main
from ipo_research.survey.codebook import load_codebook
from ipo_research.survey.cleaned import load_responses
from ipo_research.models.run import prepare_responses, run_models
from ipo_research.models.specs import load_model_specs
from ipo_research.paths import PROJECT_ROOT, relative_to_root

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "models"
DATA, CODEBOOK, MODELS = (FIXTURE / "food_bank.csv", FIXTURE / "food_bank_codebook.yaml",
                          FIXTURE / "food_bank_models.yaml")


# One xdist worker runs the module, so the pipeline run below happens once, not once per worker.
pytestmark = pytest.mark.xdist_group("food_bank_run")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("food_bank_run")
    code = main(["run", "clean", "models", "--data", relative_to_root(DATA), "--codebook",
                 relative_to_root(CODEBOOK), "--models", relative_to_root(MODELS), "--out", str(out),
                 "--jobs", "1"])
    assert code == 0, f"the run failed; see {out}/notebooks"
    return out


def test_the_run_writes_the_tidy_tables_for_every_model(out_dir):
    coefficients = pd.read_csv(out_dir / "tables" / "coefficients.csv")
    fit = pd.read_csv(out_dir / "tables" / "model_fit.csv")
    assert coefficients.columns.tolist() == ["model", "term", "estimate", "std_error", "statistic",
                                             "df", "p_value", "p_adjusted", "conf_low", "conf_high",
                                             "interval", "penalty"]
    assert fit["model"].tolist() == ["reach_ols", "reach_mice", "demand_logit", "served_poisson"]
    assert (out_dir / "tables" / "regression_table.tex").is_file()
    assert (out_dir / "tables" / "coefficients_mice_comparison.csv").is_file()


def test_the_run_estimates_equal_an_in_process_fit_of_the_same_export(out_dir):
    codebook = load_codebook(CODEBOOK)
    responses, _ = prepare_responses(load_responses(DATA, codebook), codebook, context_path="")
    expected = run_models(responses, load_model_specs(MODELS), key=codebook.key, seed=2016).coefficients
    written = pd.read_csv(out_dir / "tables" / "coefficients.csv")
    assert written["term"].tolist() == expected["term"].tolist()
    assert written["estimate"].to_numpy() == pytest.approx(expected["estimate"].to_numpy(), rel=1e-5)


def test_no_contact_e_mail_reaches_a_models_table(out_dir):
    text = "".join(path.read_text(encoding="utf-8") for path in (out_dir / "tables").iterdir())
    assert "@example.org" not in text

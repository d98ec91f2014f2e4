"""Shared fixtures: the default run's tables, computed once per test session in-process.

``write_default_tables`` does what the clean and models notebooks (and the cells of the
landscape and strengths notebooks that publish the key shares) do with their default
parameters (the synthetic export, the codebook, ``notebooks/models.yaml``, seed 2016), through
the package's public functions, without starting a kernel: about 15 seconds instead of the
minutes a pipeline run takes on two cores. The golden and determinism tests share its output
through the session fixture ``default_run_dir``; they carry ``xdist_group("default_run")`` so
``make test`` (``--dist loadgroup``) runs them on one worker and computes it once.
"""

import json
import sys
from pathlib import Path

import pytest
from hypothesis import settings

DEFAULT_SEED = 2016

# Property tests check values, not speed: on a shared two-core machine a slow example must not
# fail a test (hypothesis' default 200 ms deadline did, under load).
settings.register_profile("ipo", deadline=None)
settings.load_profile("ipo")


def write_default_tables(out_dir: str | Path) -> Path:
    """Clean the synthetic export and fit the default models into ``out_dir``, like the default run.

    Writes ``out_dir/data`` (responses.parquet, quarantine.csv, cleaning_log.csv, source.json)
    and ``out_dir/tables``: coefficients.csv, model_fit.csv and the other model tables, and the
    key descriptive shares (primary network, legal entities, strengths ratings).
    Returns ``out_dir``.
    """
    from ipo_research.analysis.context import STATE_CONTEXT_PATH
    from ipo_research.models.run import prepare_responses, run_models, save_model_run
    from ipo_research.models.specs import load_model_specs
    from ipo_research.paths import SYNTHETIC_EXPORT_PATH
    from ipo_research.survey.cleaned import load_responses, write_clean_outputs
    from ipo_research.survey.cleaning import clean_responses
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.exports import read_export

    out_dir = Path(out_dir)
    codebook = load_codebook()
    cleaned = clean_responses(read_export(SYNTHETIC_EXPORT_PATH, codebook), codebook)
    written = write_clean_outputs(cleaned, out_dir, source_path=SYNTHETIC_EXPORT_PATH)
    # As notebooks/04_models.ipynb does it: context, indices, specs checked against the columns.
    responses, _ = prepare_responses(load_responses(written["responses"], codebook), codebook,
                                     context_path=str(STATE_CONTEXT_PATH))
    run = run_models(responses, load_model_specs(columns=responses.columns), key=codebook.key,
                     seed=DEFAULT_SEED)
    save_model_run(run, out_dir)
    _write_key_shares(load_responses(written["responses"], codebook), codebook, out_dir)
    return out_dir


def _write_key_shares(responses, codebook, out_dir: Path) -> None:
    """The key descriptive shares, as notebooks/02_landscape and 03_strengths publish them."""
    from ipo_research.analysis import describe, disclosure, outputs

    threshold = 3  # the notebooks' default disclosure_threshold
    networks = describe.frequency_table(responses, codebook.question("primary_network"))
    outputs.save_table(disclosure.publish_frequencies(networks, threshold=threshold),
                       "landscape_primary_network", out_dir)
    entities = describe.multi_summary(responses, codebook.question("legal_entities"))
    outputs.save_table(disclosure.publish_multi(entities, threshold=threshold),
                       "landscape_legal_entities", out_dir)
    items = [question for question in codebook.questions_in("strengths", types=("likert",))
             if question.id != "rating_overall_electoral"]
    ratings = describe.likert_summary(responses, items)
    outputs.save_table(disclosure.publish_likert(ratings, threshold=threshold), "strengths_ratings", out_dir)


@pytest.fixture(scope="session")
def default_run_dir(tmp_path_factory) -> Path:
    """The output folder of one in-process default run (see :func:`write_default_tables`)."""
    return write_default_tables(tmp_path_factory.mktemp("default_run"))


if __name__ == "__main__":
    # `python tests/conftest.py OUT`: the same run in a fresh interpreter (the determinism test).
    write_default_tables(sys.argv[1])


# The committed notebooks carry the outputs of the default run: a site built from them is the
# site `make report` builds, without executing anything (about 20 seconds, once per session on
# the worker of xdist_group("site")).
SITE_RUNS = [
    ("01_clean", "clean"), ("02_landscape", "landscape"), ("03_strengths", "strengths"),
    ("04_models", "models"), ("05_growth", "growth"), ("06_profile__group_value=cpd", "profile"),
]


def build_committed_site(out_dir: str | Path) -> tuple[Path, dict]:
    """Build the report site into ``out_dir`` from the committed notebooks; return OUT and the manifest."""
    import shutil

    from ipo_research.paths import PROJECT_ROOT
    from ipo_research.report.pages import page_paths
    from ipo_research.report.site import build_site

    out = Path(out_dir)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    runs = []
    for run_id, stage in SITE_RUNS:
        notebook = run_id.split("__")[0]
        shutil.copyfile(PROJECT_ROOT / "notebooks" / f"{notebook}.ipynb", out / "notebooks" / f"{run_id}.ipynb")
        parameters = {"codebook_path": "data/codebook.yaml"}
        if stage == "profile":
            parameters.update(group_by="primary_network", group_value="cpd")
        runs.append({"id": run_id, "stage": stage, "status": "ok", "parameters": parameters,
                     "output": f"notebooks/{run_id}.ipynb", "html": page_paths(run_id),
                     "duration_s": 1.0, "error": None,
                     "data": {"path": "data/synthetic/ipo_survey_2016_synthetic.csv", "synthetic": True}})
    manifest = {"pipeline": "notebooks/pipeline.yaml", "started": "2026-12-01T00:00:00+00:00",
                "seconds": 6.0, "git": {"commit": "0123456789abcdef", "dirty": False},
                "versions": {}, "inputs": {}, "runs": runs}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    build_site(out, manifest)
    return out, manifest


@pytest.fixture(scope="session")
def committed_site(tmp_path_factory):
    """OUT and manifest of a site built from the committed notebooks."""
    return build_committed_site(tmp_path_factory.mktemp("site") / "out")


@pytest.fixture(scope="session")
def planted_capacity_design():
    """The default ``capacity_ols`` design on the shipped synthetic export, with its planted slopes.

    Returns ``(spec, fit, X, planted)``: the spec, its complete-case fit (after the level
    merges), the design matrix of the fitted rows, and the planted coefficients on the index
    scale (``planted_effects.yaml``) as a Series by term name. The coverage simulations of the
    model-based intervals and of the wild bootstrap draw their outcomes from it.
    """
    import pandas as pd
    import yaml

    from ipo_research.analysis.context import add_state_context
    from ipo_research.analysis.indices import add_indices
    from ipo_research.models.fit import design_matrices, fit_complete_case, model_frame
    from ipo_research.models.specs import load_model_specs
    from ipo_research.paths import DATA_DIR, SYNTHETIC_EXPORT_PATH
    from ipo_research.survey.cleaned import load_responses
    from ipo_research.survey.codebook import load_codebook

    codebook = load_codebook()
    spec = next(spec for spec in load_model_specs("notebooks/models.yaml") if spec.id == "capacity_ols")
    scored = add_indices(add_state_context(load_responses(SYNTHETIC_EXPORT_PATH, codebook)), codebook)
    fit = fit_complete_case(model_frame(scored, spec, key=codebook.key), spec)
    _, X = design_matrices(fit.data, spec)
    planted = pd.Series(yaml.safe_load((DATA_DIR / "synthetic" / "planted_effects.yaml")
                                       .read_text(encoding="utf-8"))["index_scale"], dtype=float)
    return spec, fit, X, planted

"""A synthetic Qualtrics export of the IPO survey, with planted effects and planted mess.

The real responses are confidential. This module generates a stand-in from the codebook: the
"truth" (every organization's answers, in the cleaned types of docs/design.md) and the raw export a
Qualtrics download would give (label text, three header rows, metadata columns) with the mess
real exports carry. Distributions and effects are documented in ``data/synthetic/README.md``;
the planted capacity-model coefficients are in ``data/synthetic/planted_effects.yaml``.

Randomness comes only from ``seed``: the same codebook, ``n`` and ``seed`` give the same bytes.

Examples
--------
>>> from ipo_research.survey.codebook import load_codebook
>>> from ipo_research.synth.generator import synthesize_truth
>>> truth = synthesize_truth(load_codebook(), n=10, seed=1)
>>> len(truth)
10
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ipo_research.synth._export import metadata_columns, render_answers
from ipo_research.synth._mess import Mess
from ipo_research.synth._qsf import survey_file
from ipo_research.synth._rows import add_duplicates, assemble_export
from ipo_research.synth._truth import (
    CAPACITY_FORMULA, ITEM_NOISE_SD, ITEM_SCALES, LATENT_BETA, LATENT_NOISE_SD, capacity_values,
    generate_truth, random_streams,
)
from ipo_research.files import atomic_write_text
from ipo_research.exceptions import ConfigError
from ipo_research.analysis.indices import compute_index
from ipo_research.paths import DATA_DIR, project_path, relative_to_root
from ipo_research.survey.source import write_marker

__all__ = [
    "CAPACITY_FORMULA",
    "LATENT_BETA",
    "SyntheticSurvey",
    "synthesize",
    "synthesize_truth",
    "synthesize_export",
    "write_synthetic_export",
    "write_synthetic_qsf",
    "write_mess_log",
    "planted_effects",
    "write_planted_effects",
]

_CAPACITY_INDEX = "electoral_capacity"


@dataclass(frozen=True)
class SyntheticSurvey:
    """A synthetic survey: its truth, its raw export and the log of planted mess.

    Attributes
    ----------
    truth : DataFrame
        One row per organization, cleaned types, before any mess or missingness.
    export : DataFrame
        The raw export: columns are the row-1 export tags, the first two rows are header rows 2
        (question text) and 3 (ImportId JSON), then one row of strings per response.
    mess : DataFrame
        One row per planted change: ``row`` (1-based data row of the export), ``org_id``,
        ``column`` (export tag), ``question``, ``kind``, ``clean``, ``raw``, ``detail``,
        ``repeats`` (duplicates: the row of the first submission).
    """

    truth: pd.DataFrame
    export: pd.DataFrame
    mess: pd.DataFrame


def synthesize(codebook, *, n: int = 75, seed: int = 2016) -> SyntheticSurvey:
    """Generate a synthetic survey of ``n`` organizations.

    Parameters
    ----------
    codebook : Codebook
        The instrument; question ids, levels, options and export headers come from it.
    n : int, default 75
        Number of organizations (the export has a few more rows: duplicate submissions).
    seed : int, default 2016
        Seed of every random draw.

    Returns
    -------
    SyntheticSurvey

    Examples
    --------
    >>> survey = synthesize(load_codebook(), n=20, seed=3)  # doctest: +SKIP
    >>> survey.export.shape[0] - 2 > 20                        # doctest: +SKIP
    True
    """
    _check_arguments(n, seed)
    rngs = random_streams(seed)
    truth, _ = generate_truth(codebook, n=n, rngs=rngs)
    cells = render_answers(codebook, truth)
    meta = metadata_columns(rngs["metadata"], truth[codebook.key].to_numpy(dtype=object))
    partial, impossible, duplicates = max(1, round(0.03 * n)), max(1, round(n / 150)), max(1, round(n / 75))
    mess = Mess(codebook, truth, cells, meta, rngs["mess"])
    mess.plant_all(partial=partial, impossible=impossible)
    sources = mess.special(partial + 2 * impossible, duplicates)
    repeated = add_duplicates(codebook, truth, cells, meta, sources=sources, rng=rngs["duplicates"])
    log = pd.concat([mess.log(), repeated], ignore_index=True)
    export, log = assemble_export(codebook, cells, meta, log)
    return SyntheticSurvey(truth=truth, export=export, mess=log)


def synthesize_truth(codebook, *, n: int = 75, seed: int = 2016) -> pd.DataFrame:
    """The clean values of :func:`synthesize` alone (faster: no export is rendered).

    Parameters
    ----------
    codebook : Codebook
    n : int, default 75
    seed : int, default 2016

    Returns
    -------
    DataFrame
        One row per organization, one column per cleaned column of the codebook.

    Examples
    --------
    >>> synthesize_truth(load_codebook(), n=5, seed=1)["members"].dtype  # doctest: +SKIP
    Int64Dtype()
    """
    _check_arguments(n, seed)
    truth, _ = generate_truth(codebook, n=n, rngs=random_streams(seed))
    return truth


def synthesize_export(codebook, *, n: int = 75, seed: int = 2016) -> pd.DataFrame:
    """The raw export of :func:`synthesize`: header rows 2-3 first, then the responses, as strings.

    Parameters
    ----------
    codebook : Codebook
    n : int, default 75
    seed : int, default 2016

    Returns
    -------
    DataFrame
        Columns are the export tags (header row 1).

    Examples
    --------
    >>> synthesize_export(load_codebook(), n=5, seed=1).iloc[1, 0]  # doctest: +SKIP
    '{"ImportId":"startDate","timeZone":"America/New_York"}'
    """
    return synthesize(codebook, n=n, seed=seed).export


def write_synthetic_export(path, *, codebook, n: int = 75, seed: int = 2016, force: bool = False) -> Path:
    """Write the synthetic export as a Qualtrics CSV (UTF-8, ``\\n`` line endings), and its marker.

    The marker (``<file name>.synthetic.json`` beside the CSV, see
    :mod:`ipo_research.survey.source`) records ``n``, ``seed`` and the CSV's sha256, so the file
    is known to be synthetic wherever it is later copied with its marker.

    Parameters
    ----------
    path : str or Path
        CSV to write; relative paths are resolved against the project root.
    codebook : Codebook
    n : int, default 75
    seed : int, default 2016
    force : bool, default False
        Replace an existing file; without it an existing file is left as it is.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ConfigError
        ``path`` exists and ``force`` is False, or ``path`` lies under ``data/raw/``.

    Examples
    --------
    >>> write_synthetic_export("data/synthetic/ipo_survey_2016_synthetic.csv",
    ...                        codebook=load_codebook(), force=True)  # doctest: +SKIP
    """
    target = project_path(path)
    if target.exists() and not force:
        raise ConfigError(f"{relative_to_root(target)} already exists; it was left unchanged. "
                          "Pass --force to replace it, or choose another --out path.")
    export = synthesize_export(codebook, n=n, seed=seed)
    # Minimal quoting, as a Qualtrics download: fields with commas, quotes or line breaks only.
    written = _write_text(target, export.to_csv(index=False, lineterminator="\n"))
    write_marker(written, seed=seed, n=n)
    return written


def write_synthetic_qsf(path, *, codebook) -> Path:
    """Write the synthetic survey's Qualtrics survey file (``.qsf``), generated from the codebook.

    Drafting a codebook from it and the synthetic export (``ipo-research codebook draft``) gives
    back the codebook's questions; see :mod:`ipo_research.synth._qsf` for how each question is
    written.

    Parameters
    ----------
    path : str or Path
        The ``.qsf`` to write; relative paths are resolved against the project root.
    codebook : Codebook

    Returns
    -------
    Path
        The file written.
    """
    return _write_text(path, survey_file(codebook))


def write_mess_log(path, *, codebook, n: int = 75, seed: int = 2016) -> Path:
    """Write the log of planted mess of :func:`synthesize` as CSV (the export's answer key).

    Parameters
    ----------
    path : str or Path
    codebook : Codebook
    n : int, default 75
    seed : int, default 2016

    Returns
    -------
    Path

    Examples
    --------
    >>> write_mess_log("data/synthetic/mess_log.csv", codebook=load_codebook())  # doctest: +SKIP
    """
    log = synthesize(codebook, n=n, seed=seed).mess
    return _write_text(path, log.to_csv(index=False, lineterminator="\n"))


def planted_effects(codebook, *, n: int = 1_000_000, seed: int = 1108) -> dict:
    """The planted capacity-model coefficients, on the latent and on the index scale.

    The index-scale coefficients are what OLS of the ``electoral_capacity`` index (mean of
    z-scores of the log1p items) on the model's terms converges to. They depend on the
    population spread of the items, so they are estimated by a large simulation: ``n``
    organizations drawn with ``seed``, the index computed by the ``mean_z`` rule, OLS fitted.

    Parameters
    ----------
    codebook : Codebook
    n : int, default 1,000,000
        Size of the simulated population (Monte Carlo error about 0.001).
    seed : int, default 1108

    Returns
    -------
    dict
        ``latent`` (term -> beta), ``index_scale`` (term -> coefficient), ``index_scale_analytic``
        (beta / sd(L + e), ignoring the rounding of counts) and the settings of the simulation.

    Examples
    --------
    >>> planted_effects(load_codebook(), n=50_000)["index_scale"]["legal_entities__c4"]  # doctest: +SKIP
    0.37...
    """
    import statsmodels.formula.api as smf

    frame = _capacity_frame(codebook, n=n, seed=seed)
    # dem_margin_2016 has a true coefficient of 0 and is independent of the rest: leave it out.
    formula = CAPACITY_FORMULA.replace(" + dem_margin_2016", "")
    fitted = smf.ols(formula, frame).fit()
    spread = float(np.sqrt(frame["_capacity"].var() + ITEM_NOISE_SD**2))
    index_scale = {term: round(float(fitted.params.get(term, 0.0)), 4) for term in LATENT_BETA}
    analytic = {term: round(beta / spread, 4) for term, beta in LATENT_BETA.items() if term != "Intercept"}
    return {
        "formula": CAPACITY_FORMULA,
        "latent": dict(LATENT_BETA),
        "latent_noise_sd": LATENT_NOISE_SD,
        "item_noise_sd": ITEM_NOISE_SD,
        "items": {item: {"middle": round(float(m), 4), "scale": s} for item, (m, s) in ITEM_SCALES.items()},
        "index_scale": index_scale,
        "index_scale_analytic": analytic,
        "sd_latent_plus_item_noise": round(spread, 4),
        "simulation": {"n": n, "seed": seed, "method": "OLS of the mean_z index on the model terms"},
    }


def write_planted_effects(path, *, codebook, n: int = 1_000_000, seed: int = 1108) -> Path:
    """Write :func:`planted_effects` as YAML.

    Parameters
    ----------
    path : str or Path
    codebook : Codebook
    n : int, default 1,000,000
    seed : int, default 1108

    Returns
    -------
    Path

    Examples
    --------
    >>> write_planted_effects("data/synthetic/planted_effects.yaml", codebook=load_codebook())  # doctest: +SKIP
    """
    effects = planted_effects(codebook, n=n, seed=seed)
    header = ("# Planted effects of the synthetic IPO export (see README.md in this folder).\n"
              "# Written by ipo_research.synth.generator.write_planted_effects; do not edit by hand.\n")
    body = yaml.safe_dump(effects, sort_keys=False, allow_unicode=True, width=100)
    return _write_text(path, header + body)


def _capacity_frame(codebook, *, n, seed):
    values, latent = capacity_values(codebook, n=n, rngs=random_streams(seed))
    index = codebook.index(_CAPACITY_INDEX)
    frame = pd.DataFrame({column: values[column] for column in (
        *index.items, "annual_budget", "member_funding_share", "year_founded", "primary_network",
        "jurisdiction_level", "legal_entities__c4", "legal_entities__pac")})
    frame["legal_entities__c4"] = frame["legal_entities__c4"].astype(float)
    frame["legal_entities__pac"] = frame["legal_entities__pac"].astype(float)
    frame[_CAPACITY_INDEX] = compute_index(frame, index).astype(float)
    frame["_capacity"] = latent["capacity"]
    return frame


def _check_arguments(n, seed):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"synth: n must be a positive whole number of organizations, got {n!r}. "
                          "Pass e.g. --n 75.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"synth: seed must be a whole number >= 0, got {seed!r}. Pass e.g. --seed 2016.")


def _write_text(path, text: str) -> Path:
    target = project_path(path)
    raw_dir = DATA_DIR / "raw"
    if target.resolve().is_relative_to(raw_dir.resolve()):
        raise ConfigError(f"synth: refusing to write {relative_to_root(target)}: data/raw holds raw exports, "
                          "which are never written. Choose another --out path.")
    return atomic_write_text(target, text)  # readers never see a half-written file

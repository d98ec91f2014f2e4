"""Running every model spec on a survey: fits, comparisons, bootstrap and diagnostics.

:func:`run_models` is what the models notebook calls: for each spec it fits the spec with its
own missing-data strategy; for a ``mice`` spec it also fits the complete cases, for the
side-by-side comparison; for ``bootstrap: R`` it adds bootstrap intervals (wild bootstrap-t for
ols, pairs otherwise: :mod:`ipo_research.models.bootstrap`); for a complete-case fit it computes
VIFs, joint Wald tests, average marginal effects (binary and count families,
:mod:`ipo_research.models.margins`) and, for ordinal logits, Brant's proportional-odds test
(:mod:`ipo_research.models.proportional_odds`), and for OLS the residuals and the most
influential respondents. :func:`save_model_run` writes the run's tables. Every random stream is derived
from ``seed`` and the spec id, so adding or reordering specs does not change another spec's
numbers.

Examples
--------
>>> run = run_models(responses, specs, key="org_id", seed=2016)  # doctest: +SKIP
>>> run.coefficients.columns[:3].tolist()  # doctest: +SKIP
['model', 'term', 'estimate']
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipo_research.models.bootstrap import bootstrap_model
from ipo_research.models.diagnostics import (influential_observations, residuals_table,
                                      sample_size_message, variance_inflation)
from ipo_research.exceptions import DataError
from ipo_research.models.imputation import auxiliary_frame, fit_mice
from ipo_research.models.margins import marginal_effects
from ipo_research.models.proportional_odds import proportional_odds_table
from ipo_research.models.specs import ModelSpec
from ipo_research.models.fit import ModelFit, fit_complete_case, model_frame
from ipo_research.models.wald import joint_tests
from ipo_research.analysis.outputs import save_table, save_text
from ipo_research.models.tables import (bootstrap_table, coefficients_table, mice_comparison_table,
                                 model_fit_table, regression_table, regression_table_latex,
                                 regression_table_markdown)

__all__ = ["ModelRun", "spec_seed", "prepare_responses", "run_models", "save_model_run"]


@dataclass
class ModelRun:
    """Everything the models stage shows and writes.

    Attributes
    ----------
    fits : list of ModelFit
        One per spec, with the spec's own missing-data strategy.
    coefficients, model_fit : DataFrame
        The tidy tables (``coefficients.csv``, ``model_fit.csv``).
    mice_comparison : DataFrame
        Complete-case against imputed estimates of every ``mice`` spec.
    bootstrap : DataFrame
        Model-based and bootstrap intervals of every spec with ``bootstrap`` > 0.
    vif, influential : DataFrame
        VIFs of complete-case fits; most influential respondents of OLS fits.
    joint : DataFrame
        Joint Wald tests of the factor blocks and named blocks of complete-case fits
        (:func:`ipo_research.models.wald.joint_tests`).
    marginal_effects : DataFrame
        Average marginal effects of complete-case binary and count fits
        (:func:`ipo_research.models.margins.marginal_effects`).
    proportional_odds : DataFrame
        Brant's test of every complete-case ordinal logit
        (:func:`ipo_research.models.proportional_odds.proportional_odds_table`).
    residuals : dict of str to DataFrame
        Residuals against fitted values of each complete-case OLS fit, by model id.
    messages : list of str
        Small-sample warnings, in spec order.
    seed : int or None
        The run's seed.
    seeds : dict of str to int
        The seed each spec with random draws (``mice`` or ``bootstrap``) used, by model id:
        :func:`spec_seed` of ``seed`` and the id.
    """

    fits: list[ModelFit]
    coefficients: pd.DataFrame
    model_fit: pd.DataFrame
    mice_comparison: pd.DataFrame
    bootstrap: pd.DataFrame
    vif: pd.DataFrame
    influential: pd.DataFrame
    joint: pd.DataFrame = field(default_factory=pd.DataFrame)
    marginal_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    proportional_odds: pd.DataFrame = field(default_factory=pd.DataFrame)
    residuals: dict[str, pd.DataFrame] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    seed: int | None = None
    seeds: dict[str, int] = field(default_factory=dict)


def prepare_responses(responses: pd.DataFrame, codebook, *, context_path: str = "",
                      state_column: str = "state") -> tuple[pd.DataFrame, str]:
    """Add the optional state context and every codebook index to cleaned responses.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
    context_path : str, default ""
        State context table joined by ``state_column``; an empty string, or responses
        without that column, leave the context out (surveys that are not about states).
    state_column : str, default "state"

    Returns
    -------
    responses : DataFrame
        With context columns (when joined) and one column per index.
    note : str
        One sentence saying what was added, for the reader.
    """
    from ipo_research.analysis.indices import add_indices

    added = []
    if context_path and state_column in responses.columns:
        from ipo_research.analysis.context import CONTEXT_COLUMNS, add_state_context

        responses = add_state_context(responses, context_path, state_column=state_column)
        added.append(f"state context ({', '.join(CONTEXT_COLUMNS)}) joined by `{state_column}`")
    else:
        added.append("no state context (no context file given or no state column)")
    responses = add_indices(responses, codebook)
    names = ", ".join(f"`{index.id}`" for index in codebook.indices) or "none"
    added.append(f"indices computed from the codebook: {names}")
    return responses, f"{len(responses)} rows; " + "; ".join(added) + "."


def spec_seed(seed: int, spec_id: str) -> int:
    """A seed for one spec, derived from the run's seed and the spec id.

    Parameters
    ----------
    seed : int
    spec_id : str

    Returns
    -------
    int

    Examples
    --------
    >>> spec_seed(2016, "m") == spec_seed(2016, "m") != spec_seed(2017, "m")
    True
    """
    sequence = np.random.SeedSequence([seed, zlib.crc32(spec_id.encode("utf-8"))])
    return int(sequence.generate_state(1)[0])


def run_models(responses: pd.DataFrame, specs: list[ModelSpec], *, key: str | None = None,
               seed: int = 2016, top_influential: int = 5) -> ModelRun:
    """Fit every spec and gather the tables, comparisons and diagnostics.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses with indices and any context columns already added.
    specs : list of ModelSpec
    key : str, optional
        The survey key; diagnostics name respondents by it.
    seed : int, default 2016
        Root of every random draw (imputation, bootstrap).
    top_influential : int, default 5
        Respondents listed per OLS model by Cook's distance.

    Returns
    -------
    ModelRun
    """
    fits, comparisons, boots, vifs, influential, joint, residuals = [], [], [], [], [], [], {}
    margins, proportional = [], []
    key_name = key or "id"
    for spec in specs:
        frame = model_frame(responses, spec, key=key)
        if spec.missing == "mice":
            fit = fit_mice(frame, spec, seed=spec_seed(seed, spec.id),
                           auxiliary=auxiliary_frame(responses, spec, key=key))
            complete = _complete_or_none(frame, spec)
            if complete is not None:
                comparisons.append(mice_comparison_table(complete, fit))
        else:
            fit = complete = fit_complete_case(frame, spec)
        fits.append(fit)
        if spec.bootstrap and complete is not None:
            intervals = bootstrap_model(complete.data, spec, seed=spec_seed(seed, spec.id))
            boots.append(bootstrap_table(complete, intervals))
        if spec.missing == "complete_case":
            vifs.append(variance_inflation(complete))
            joint.append(joint_tests(complete))
            margins.append(marginal_effects(complete))
            proportional.append(proportional_odds_table(complete))
            if spec.family == "ols":
                residuals[spec.id] = residuals_table(complete, key=key_name)
                influential.append(influential_observations(complete, key=key_name, top=top_influential))
    model_fit = model_fit_table(fits)
    messages = [message for message in map(sample_size_message, model_fit.to_dict("records")) if message]
    return ModelRun(
        fits=fits, coefficients=coefficients_table(fits), model_fit=model_fit,
        mice_comparison=_concat(comparisons), bootstrap=_concat(boots), vif=_concat(vifs),
        influential=_concat(influential), joint=_concat(joint), marginal_effects=_concat(margins),
        proportional_odds=_concat(proportional), residuals=residuals, messages=messages,
        seed=seed, seeds={spec.id: spec_seed(seed, spec.id) for spec in specs
                          if spec.missing == "mice" or spec.bootstrap},
    )


def _complete_or_none(frame: pd.DataFrame, spec: ModelSpec) -> ModelFit | None:
    # A mice spec may have too few complete rows for a complete-case fit; it is then shown alone.
    try:
        return fit_complete_case(frame, spec)
    except DataError:
        return None


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def save_model_run(run, out_dir: str | Path, *, digits: int = 3) -> list[Path]:
    """Save the tables of a models run under ``OUT/tables``.

    Parameters
    ----------
    run : ModelRun
    out_dir : str or Path
        The run's output folder (``reports`` by default).
    digits : int, default 3
        Decimals of the regression table.

    Returns
    -------
    list of Path
        ``coefficients.csv``, ``model_fit.csv``, ``regression_table.md`` and ``.tex``, and
        when there is something to show ``coefficients_mice_comparison.csv``,
        ``coefficients_bootstrap.csv``, ``model_vif.csv``, ``influential_observations.csv``,
        ``joint_tests.csv``, ``coefficients_marginal_effects.csv``, ``model_proportional_odds.csv``.
    """
    written = [save_table(run.coefficients, "coefficients", out_dir),
               save_table(run.model_fit, "model_fit", out_dir)]
    side_by_side = regression_table(run.coefficients, run.model_fit, digits=digits)
    written.append(save_text(regression_table_markdown(side_by_side), "regression_table.md", out_dir))
    written.append(save_text(regression_table_latex(side_by_side, caption="Regression models"),
                             "regression_table.tex", out_dir))
    optional = {"coefficients_mice_comparison": run.mice_comparison,
                "coefficients_bootstrap": run.bootstrap,
                "model_vif": run.vif, "influential_observations": run.influential,
                "joint_tests": run.joint,
                "coefficients_marginal_effects": run.marginal_effects,
                "model_proportional_odds": run.proportional_odds}
    for name, table in optional.items():
        if not table.empty:
            written.append(save_table(table, name, out_dir))
    return written

"""The robustness stage in one call: curve, inference, sensitivity and power, and their files.

Notebook ``07_robustness`` calls :func:`run_robustness` and :func:`save_robustness`; the pieces
live in :mod:`~ipo_research.robustness.curve`, :mod:`~ipo_research.robustness.sensitivity` and
:mod:`~ipo_research.robustness.power`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from ipo_research.analysis.outputs import save_table
from ipo_research.models.fit import fit_complete_case, model_frame
from ipo_research.robustness.curve import build_designs, curve_inference, specification_curve, warning_notes
from ipo_research.robustness.power import power_table, simulated_power
from ipo_research.robustness.sensitivity import sensitivity_table

__all__ = ["RobustnessRun", "run_robustness", "synthetic_draw", "save_robustness"]


@dataclass
class RobustnessRun:
    """Everything the robustness stage shows and writes.

    Attributes
    ----------
    curve : DataFrame
        ``specification_curve.csv``: one row per specification.
    inference : DataFrame
        ``specification_inference.csv``: median estimate, share significant, Stouffer Z.
    sensitivity : DataFrame
        ``sensitivity.csv``: one row per sensitivity term and ``k``.
    power : DataFrame
        ``power.csv``: minimum detectable effect of every term of every complete-case model.
    power_simulation : DataFrame
        ``power_simulation.csv``: simulated power of the power terms (empty without replicates).
    notes : list of str
        Warnings the statistics raised along the way, counted by kind (shown on the page).
    """

    curve: pd.DataFrame
    inference: pd.DataFrame
    sensitivity: pd.DataFrame
    power: pd.DataFrame
    power_simulation: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _prepared_draw(generate, codebook, context_path: str, n: int, seed: int) -> pd.DataFrame:
    from ipo_research.models.run import prepare_responses

    responses, _ = prepare_responses(generate(codebook, n=n, seed=seed), codebook, context_path=context_path)
    return responses


def synthetic_draw(generate, codebook, *, n: int, context_path: str = ""):
    """A ``draw(seed)`` for :func:`~ipo_research.robustness.power.simulated_power`.

    ``generate(codebook, n=..., seed=...)`` returns cleaned responses (the synthetic
    generator's ``synthesize_truth``); each draw adds the state context and the indices.
    """
    return partial(_prepared_draw, generate, codebook, context_path, n)


def run_robustness(responses: pd.DataFrame, multiverse, specs, *, codebook, seed: int,
                   jobs: int = 1, draw=None) -> RobustnessRun:
    """Run the whole stage.

    Parameters
    ----------
    responses : DataFrame
        Prepared responses (state context and indices added).
    multiverse : Multiverse
    specs : list of ModelSpec
        The models file's specs.
    codebook : Codebook
    seed : int
        Seed of the imputations, the null draws and the simulated surveys.
    jobs : int, default 1
        Worker processes of the curve's inference.
    draw : callable, optional
        ``draw(seed)`` for the power simulation (see :func:`synthetic_draw`); without it, or with
        ``power.replicates`` 0, no simulation.
    """
    table, designs = build_designs(responses, multiverse, indices=codebook.indices,
                                   key=codebook.key, seed=seed)
    curve = specification_curve(table, designs)
    inference = curve_inference(curve, designs, draws=multiverse.draws, seed=seed,
                                n_rows=len(responses), jobs=jobs)
    fits = {spec.id: fit_complete_case(model_frame(responses, spec, key=codebook.key), spec)
            for spec in specs if spec.missing == "complete_case"}
    sensitivity = pd.concat(
        [sensitivity_table(fits[item.model].result, item.term, item.benchmark, model=item.model)
         for item in multiverse.sensitivity], ignore_index=True) if multiverse.sensitivity else pd.DataFrame()
    power = power_table(list(fits.values()))
    simulations = []
    notes = list(table.attrs.get("notes", []))  # what the curve's imputations warned about
    if draw is not None and multiverse.power_replicates:
        by_id = {spec.id: spec for spec in specs}
        # Simulated surveys can be degenerate (a level nobody chose); their warnings are counted.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for item in multiverse.power:
                simulations.append(simulated_power(draw, by_id[item.model], item.term,
                                                   replicates=multiverse.power_replicates, seed=seed,
                                                   key=codebook.key))
        notes += warning_notes(caught, where="the power simulation")
    return RobustnessRun(curve=curve, inference=inference, sensitivity=sensitivity, power=power,
                         power_simulation=pd.DataFrame(simulations), notes=notes)


def save_robustness(run: RobustnessRun, out_dir: str | Path) -> list[Path]:
    """Write the stage's tables under ``OUT/tables``; returns the paths written."""
    written = [save_table(run.curve, "specification_curve", out_dir),
               save_table(run.inference, "specification_inference", out_dir),
               save_table(run.sensitivity, "sensitivity", out_dir),
               save_table(run.power, "power", out_dir)]
    if len(run.power_simulation):
        written.append(save_table(run.power_simulation, "power_simulation", out_dir))
    return written

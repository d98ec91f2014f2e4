"""Sentences about fitted models for the reader of the models notebook.

Every number quoted in the notebook's prose comes from here, built from the fitted tables, so
text and tables cannot disagree. Functions return Markdown strings; the notebook displays them.

Examples
--------
>>> fit = {"model": "m", "family": "ols", "cov_type": "HC3", "missing": "complete_case",
...        "n_obs": 70, "n_dropped": 5, "n_params": 4, "obs_per_parameter": 17.5,
...        "small_sample_warning": False, "r_squared": 0.31, "pseudo_r_squared": float("nan")}
>>> sample_sentence(fit, unit="organization").startswith("Fitted on 70 organizations")
True
"""

from __future__ import annotations

import pandas as pd

from ipo_research.models.specs import ModelSpec
from ipo_research.models.tables import display_term

__all__ = ["sample_sentence", "findings_sentence", "mice_sentence", "bootstrap_sentence",
           "model_summary", "run_summary", "robustness_summary", "reliability_sentence",
           "warnings_summary"]

_FAMILY_NAMES = {"ols": "linear regression (OLS)", "logit": "logistic regression",
                 "probit": "probit regression", "ordinal_logit": "ordinal logistic regression",
                 "poisson": "Poisson regression", "negbin": "negative binomial regression"}
_SCALE = {"logit": "log-odds", "probit": "probit index", "ordinal_logit": "log-odds",
          "poisson": "log count", "negbin": "log count", "ols": "outcome"}


def sample_sentence(statistics: dict, *, unit: str = "respondent") -> str:
    """How many respondents a model rests on, how many it lost, and how it fits.

    Parameters
    ----------
    statistics : dict
        A row of ``model_fit``.
    unit : str, default "respondent"
        What one row is (the codebook's ``survey.unit``).

    Returns
    -------
    str
    """
    left_out = (f"missing predictor values imputed, {statistics['n_dropped']} left out for a missing outcome"
                if statistics["missing"] == "mice"
                else f"{statistics['n_dropped']} left out for a missing answer")
    per = (f"{unit}s with the rarer outcome" if statistics["family"] in ("logit", "probit")
           else f"{unit}s")
    text = (f"Fitted on {statistics['n_obs']} {unit}s ({left_out}), "
            f"{statistics['n_params']} parameters, "
            f"{statistics['obs_per_parameter']:.1f} {per} per parameter")
    if pd.notna(statistics.get("r_squared")):
        text += f"; R² = {statistics['r_squared']:.2f}"
    elif pd.notna(statistics.get("pseudo_r_squared")):
        text += f"; McFadden pseudo-R² = {statistics['pseudo_r_squared']:.2f}"
    return text + "."


def findings_sentence(coefficients: pd.DataFrame, *, family: str, level: float = 0.95,
                      codebook=None) -> str:
    """Which terms have intervals that exclude zero, with their estimates.

    Parameters
    ----------
    coefficients : DataFrame
        Tidy rows of one model.
    family : str
        The model family, to name the scale of the estimates.
    level : float, default 0.95
        Level of the intervals in the table (for the wording).
    codebook : Codebook, optional
        Names the terms in the codebook's words (:func:`~ipo_research.models.tables.display_term`);
        without it, as the formula names them, in code type.

    Returns
    -------
    str
    """
    slopes = coefficients[~coefficients["term"].str.contains(r"^Intercept$|^alpha$|/", regex=True)]
    clear = slopes[(slopes["conf_low"] > 0) | (slopes["conf_high"] < 0)]
    scale = _SCALE.get(family, "outcome")
    if clear.empty:
        return (f"No term's {level:.0%} interval excludes zero: with this many observations the "
                "data cannot tell these associations apart from none.")
    listed = "; ".join(
        f"{_term(row.term, codebook)} {row.estimate:+.3f} [{row.conf_low:.3f}, {row.conf_high:.3f}]"
        for row in clear.itertuples()
    )
    verb = "has its" if len(clear) == 1 else "have"
    noun = "interval" if len(clear) == 1 else "intervals"
    return (f"{len(clear)} of {len(slopes)} terms {verb} {level:.0%} {noun} excluding zero "
            f"(estimates on the {scale} scale): {listed}.")


def mice_sentence(comparison: pd.DataFrame, *, codebook=None) -> str:
    """How far multiple imputation moves the estimates of one model from complete cases.

    Parameters
    ----------
    comparison : DataFrame
        Rows of ``coefficients_mice_comparison`` for one model.
    codebook : Codebook, optional
        Names the term in the codebook's words (see :func:`findings_sentence`).

    Returns
    -------
    str
    """
    shift = (comparison["mice_estimate"] - comparison["cc_estimate"]).abs() / comparison["cc_std_error"]
    largest = comparison.loc[shift.idxmax()]
    return (f"Imputation uses {int(largest['mice_n_obs'])} rather than {int(largest['cc_n_obs'])} "
            f"rows. The largest move is in {_term(largest['term'], codebook)}: {largest['cc_estimate']:.3f} "
            f"(complete cases) against {largest['mice_estimate']:.3f} (imputed), "
            f"{shift.max():.1f} complete-case standard errors; the fraction of missing information "
            f"ranges from {comparison['fmi'].min():.2f} to {comparison['fmi'].max():.2f}.")


def bootstrap_sentence(table: pd.DataFrame) -> str:
    """How the bootstrap intervals of one model compare with the model-based ones.

    Parameters
    ----------
    table : DataFrame
        Rows of ``coefficients_bootstrap`` for one model.

    Returns
    -------
    str
    """
    width_ratio = ((table["boot_conf_high"] - table["boot_conf_low"])
                   / (table["conf_high"] - table["conf_low"]))
    return (f"{int(table['replicates_used'].iloc[0])} of {int(table['replicates'].iloc[0])} "
            "bootstrap replicates were usable; bootstrap intervals are "
            f"{width_ratio.min():.2f} to {width_ratio.max():.2f} times as wide as the model-based ones.")


def model_summary(spec: ModelSpec, statistics: dict, coefficients: pd.DataFrame, *,
                  unit: str = "respondent", codebook=None) -> str:
    """A short Markdown paragraph on one model: what it asks, what it finds, how sure.

    Parameters
    ----------
    spec : ModelSpec
    statistics : dict
        The model's row of ``model_fit``.
    coefficients : DataFrame
        The model's tidy rows.
    unit : str, default "respondent"
    codebook : Codebook, optional
        Names the terms in the codebook's words (see :func:`findings_sentence`).

    Returns
    -------
    str
    """
    family = _FAMILY_NAMES.get(spec.family, spec.family)
    lines = [f"**{spec.title}** (`{spec.id}`, {family}, {spec.cov_type} standard errors)."]
    if spec.question:
        lines.append(f"*Question:* {spec.question}")
    lines.append(sample_sentence(statistics, unit=unit))
    lines.append(findings_sentence(coefficients, family=spec.family, codebook=codebook))
    if statistics["small_sample_warning"]:
        lines.append(f"**Caution:** fewer than 10 {unit}s per parameter; treat the estimates as fragile.")
    if not statistics.get("converged", True):
        lines.append("**Caution:** the fit did not converge (see the notes below); do not read its estimates.")
    return " ".join(lines)


def run_summary(run, *, unit: str = "respondent", codebook=None) -> str:
    """One paragraph per model of a run (:func:`model_summary`), as Markdown.

    Parameters
    ----------
    run : ipo_research.models.run.ModelRun
    unit : str, default "respondent"
    codebook : Codebook, optional
        Names the terms in the codebook's words (see :func:`findings_sentence`).

    Returns
    -------
    str
    """
    paragraphs = []
    for fit in run.fits:
        paragraphs.append(model_summary(fit.spec, fit.statistics, fit.coefficients, unit=unit,
                                        codebook=codebook))
        paragraphs += [f"<small>Note: {note}</small>" for note in fit.notes]
    return "\n\n".join(paragraphs)


def robustness_summary(run, *, codebook=None) -> str:
    """What multiple imputation and the bootstrap change, model by model, as Markdown.

    Parameters
    ----------
    run : ipo_research.models.run.ModelRun
    codebook : Codebook, optional
        Names the terms in the codebook's words (see :func:`findings_sentence`).

    Returns
    -------
    str
    """
    lines = []
    if not run.mice_comparison.empty:
        for model, rows in run.mice_comparison.groupby("model", sort=False):
            lines.append(f"**{model}**, complete cases against imputed: {mice_sentence(rows, codebook=codebook)}")
    if not run.bootstrap.empty:
        for model, rows in run.bootstrap.groupby("model", sort=False):
            lines.append(f"**{model}**, bootstrap: {bootstrap_sentence(rows)}")
    return "\n\n".join(lines) or "No model asked for multiple imputation or the bootstrap."


def _term(term: str, codebook) -> str:
    """A term for a sentence: the codebook's words, or the formula's name in code type."""
    shown = display_term(str(term), codebook) if codebook is not None else str(term)
    return f"`{term}`" if shown == str(term) else shown


def reliability_sentence(table: pd.DataFrame) -> str:
    """Cronbach's alpha of each index in words.

    Parameters
    ----------
    table : DataFrame
        From :func:`ipo_research.analysis.indices.reliability_table`.

    Returns
    -------
    str
    """
    if table.empty:
        return "The codebook defines no index."
    parts = [
        f"`{row.index}`: alpha = {row.alpha:.2f} (95% CI {row.conf_low:.2f} to {row.conf_high:.2f}; "
        f"{row.n_items} items, {row.n_obs} complete respondents)"
        for row in table.itertuples()
    ]
    return "Internal consistency of the indices, " + "; ".join(parts) + "."


def warnings_summary(messages: list[str]) -> str:
    """The small-sample warnings as a Markdown list (or a sentence saying there are none).

    Parameters
    ----------
    messages : list of str

    Returns
    -------
    str
    """
    if not messages:
        return "Every model has at least 10 observations per parameter."
    return "**Warning: small samples.**\n\n" + "\n".join(f"- {message}" for message in messages)

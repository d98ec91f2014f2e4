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

from ipo_research.models.fit import is_slope
from ipo_research.models.specs import ModelSpec
from ipo_research.models.tables import display_term, display_terms, term_label
from ipo_research.survey.escaping import escape_markdown, markdown_code

__all__ = ["sample_sentence", "findings_sentence", "p_text", "joint_sentence", "mice_sentence",
           "marginal_effects_sentence", "proportional_odds_sentence",
           "bootstrap_sentence", "model_summary", "run_summary", "robustness_summary", "seeds_sentence",
           "reliability_sentence",
           "warnings_summary"]

_FAMILY_NAMES = {"ols": "linear regression (OLS)", "logit": "logistic regression",
                 "probit": "probit regression", "ordinal_logit": "ordinal logistic regression",
                 "poisson": "Poisson regression", "negbin": "negative binomial regression"}
_ERRORS = {"HC2": "HC2 standard errors with Bell-McCaffrey degrees of freedom",
           "CR2": "CR2 standard errors robust to clusters, Bell-McCaffrey degrees of freedom"}
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
    """Every slope with its magnitude, interval and Holm-adjusted p-value; never a yes/no.

    Parameters
    ----------
    coefficients : DataFrame
        Tidy rows of one model (with ``p_adjusted``).
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
    slopes = coefficients[coefficients["term"].map(is_slope)]
    scale = _SCALE.get(family, "outcome")
    listed = "; ".join(
        f"{_term(row.term, codebook)} {row.estimate:+.3f} [{row.conf_low:.3f}, {row.conf_high:.3f}], "
        f"adjusted {p_text(row.p_adjusted)}"
        for row in slopes.itertuples()
    )
    return (f"Estimates on the {scale} scale with {level:.0%} intervals and Holm-adjusted p-values "
            f"across the model's {len(slopes)} slopes: {listed}. Read the size and the width of each "
            "interval: an interval that spans zero and large values is uninformative, not evidence "
            "of no association.")


def p_text(value) -> str:
    """A p-value for a sentence: ``p < 0.001`` or ``p = 0.043``.

    Examples
    --------
    >>> p_text(0.00004), p_text(0.0432)
    ('p < 0.001', 'p = 0.043')
    """
    if value is None or pd.isna(value):
        return "p not computed"
    return "p < 0.001" if float(value) < 0.001 else f"p = {float(value):.3f}"


def joint_sentence(joint: pd.DataFrame, *, codebook=None) -> str:
    """The joint Wald tests of one model's blocks, in words.

    Parameters
    ----------
    joint : DataFrame
        Rows of ``joint_tests`` for one model.
    codebook : Codebook, optional
        Names the block's terms in the codebook's words.

    Returns
    -------
    str
        Empty when the model has no block.
    """
    if joint.empty:
        return ""
    parts = []
    for row in joint.itertuples():
        reference = (f"F({row.df_num}, {row.df_denom:g}) = {row.statistic:.2f}" if row.test == "F"
                     else f"Wald chi2({row.df_num}) = {row.statistic:.1f}")
        terms = (escape_markdown(display_terms(row.terms, codebook)) if codebook is not None
                 else markdown_code(row.terms))
        parts.append(f"{markdown_code(row.block)} ({terms}): {reference}, {p_text(row.p_value)}"
                     + (f", Holm-adjusted across the model's {len(joint)} blocks {p_text(row.p_adjusted)}"
                        if len(joint) > 1 else ""))
    return "Jointly tested blocks: " + "; ".join(parts) + "."


def marginal_effects_sentence(table: pd.DataFrame, *, level: float = 0.95, codebook=None) -> str:
    """One model's average marginal effects in words: size and interval of each, never a yes/no.

    Parameters
    ----------
    table : DataFrame
        Rows of ``coefficients_marginal_effects`` for one model.
    level : float, default 0.95
    codebook : Codebook, optional
        Names the terms in the codebook's words.

    Returns
    -------
    str
        Empty when the table is.

    Examples
    --------
    >>> rows = pd.DataFrame({"term": ["x"], "kind": ["derivative"], "scale": ["percentage points"],
    ...                      "estimate": [35.94], "conf_low": [29.6], "conf_high": [42.3]})
    >>> marginal_effects_sentence(rows)
    'Average marginal effects in percentage points with 95% delta-method intervals: `x` +35.9 [29.6, 42.3] per unit.'
    """
    if table.empty:
        return ""
    parts = [f"{_term(row.term, codebook)} {row.estimate:+.1f} [{row.conf_low:.1f}, {row.conf_high:.1f}] "
             + ("from 0 to 1" if row.kind != "derivative" else "per unit")
             for row in table.itertuples()]
    scale = table["scale"].iloc[0]
    words = "expected counts" if scale == "count" else scale
    return (f"Average marginal effects in {words} with {level:.0%} delta-method "
            f"intervals: {'; '.join(parts)}.")


def proportional_odds_sentence(table: pd.DataFrame, *, codebook=None) -> str:
    """Brant's proportional-odds test of one ordinal model in words.

    Parameters
    ----------
    table : DataFrame
        Rows of ``model_proportional_odds`` for one model (the omnibus row first).
    codebook : Codebook, optional

    Returns
    -------
    str
        Empty when the table is.

    Examples
    --------
    >>> rows = pd.DataFrame({"term": ["all predictors", "x"], "chi2": [10.8, 4.0], "df": [9, 3],
    ...                      "p_value": [0.292, 0.26]})
    >>> "all predictors chi2(9) = 10.8, p = 0.292; by predictor, `x` chi2(3) = 4.0, p = 0.260." in (
    ...     proportional_odds_sentence(rows))
    True
    """
    if table.empty:
        return ""
    omnibus, terms = table.iloc[0], table.iloc[1:]
    listed = "; ".join(f"{_term(row.term, codebook)} chi2({row.df}) = {row.chi2:.1f}, {p_text(row.p_value)}"
                       for row in terms.itertuples())
    return ("Proportional odds (Brant's Wald test comparing the slopes of one binary logit per "
            f"threshold): all predictors chi2({omnibus['df']}) = {omnibus['chi2']:.1f}, "
            f"{p_text(omnibus['p_value'])}; by predictor, {listed}. A small p-value means that "
            "predictor's association differs across the scale, so its single ordinal coefficient "
            "averages unlike effects.")


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
    """Which bootstrap one model used, how many replicates, and how its intervals compare.

    Parameters
    ----------
    table : DataFrame
        Rows of ``coefficients_bootstrap`` for one model.

    Returns
    -------
    str

    Examples
    --------
    >>> rows = pd.DataFrame({"boot_method": "wild_t", "boot_weights": "rademacher",
    ...                      "replicates_used": 500, "replicates": 500, "conf_low": [0.0, 1.0],
    ...                      "conf_high": [1.0, 2.0], "boot_conf_low": [0.0, 0.9], "boot_conf_high": [1.2, 2.0]})
    >>> bootstrap_sentence(rows)  # doctest: +NORMALIZE_WHITESPACE
    'Restricted wild bootstrap-t (Rademacher weights, intervals by test inversion): 500 of 500
    replicates used; bootstrap intervals are 1.10 to 1.20 times as wide as the model-based ones.'
    """
    width_ratio = ((table["boot_conf_high"] - table["boot_conf_low"])
                   / (table["conf_high"] - table["conf_low"]))
    first = table.iloc[0]
    method = str(first.get("boot_method", "pairs_percentile"))
    if method.startswith("wild"):
        weights = str(first.get("boot_weights", "")).capitalize()
        kind = "wild cluster bootstrap-t" if method == "wild_cluster_t" else "wild bootstrap-t"
        described = f"Restricted {kind} ({weights} weights, intervals by test inversion)"
    else:
        described = "Pairs bootstrap (percentile intervals)"
    return (f"{described}: {int(first['replicates_used'])} of {int(first['replicates'])} "
            "replicates used; bootstrap intervals are "
            f"{width_ratio.min():.2f} to {width_ratio.max():.2f} times as wide as the model-based ones.")


def model_summary(spec: ModelSpec, statistics: dict, coefficients: pd.DataFrame, *,
                  unit: str = "respondent", joint: pd.DataFrame | None = None, codebook=None,
                  margins: pd.DataFrame | None = None,
                  proportional_odds: pd.DataFrame | None = None) -> str:
    """A short Markdown paragraph on one model: what it asks, what it finds, how sure.

    Parameters
    ----------
    spec : ModelSpec
    statistics : dict
        The model's row of ``model_fit``.
    coefficients : DataFrame
        The model's tidy rows.
    unit : str, default "respondent"
    joint : DataFrame, optional
        The model's rows of ``joint_tests``; reported after the slopes.
    codebook : Codebook, optional
        Names the terms in the codebook's words (see :func:`findings_sentence`).
    margins : DataFrame, optional
        The model's rows of ``coefficients_marginal_effects`` (:func:`marginal_effects_sentence`).
    proportional_odds : DataFrame, optional
        The model's rows of ``model_proportional_odds`` (:func:`proportional_odds_sentence`).

    Returns
    -------
    str
    """
    family = _FAMILY_NAMES.get(spec.family, spec.family)
    errors = _ERRORS.get(spec.cov_type, f"{spec.cov_type} standard errors")
    if spec.penalty == "firth":
        family = "Firth-penalized " + family
        errors = ("standard errors from the penalized information, profile penalized-likelihood "
                  "intervals and likelihood-ratio p-values")
    if spec.cluster:
        errors = errors.replace("clusters", f"clusters of {markdown_code(spec.cluster)}")
    lines = [f"**{escape_markdown(spec.title)}** ({markdown_code(spec.id)}, {family}, {errors})."]
    if spec.question:
        lines.append(f"*Question:* {escape_markdown(spec.question)}")
    lines.append(sample_sentence(statistics, unit=unit))
    lines.append(findings_sentence(coefficients, family=spec.family, codebook=codebook))
    if joint is not None and not joint.empty:
        lines.append(joint_sentence(joint, codebook=codebook))
    for table, sentence in ((margins, marginal_effects_sentence), (proportional_odds, proportional_odds_sentence)):
        if table is not None and not table.empty:
            lines.append(sentence(table, codebook=codebook))
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
        rows = {name: (table[table["model"] == fit.spec.id] if not table.empty else None)
                for name, table in (("joint", run.joint), ("margins", run.marginal_effects),
                                    ("proportional_odds", run.proportional_odds))}
        paragraphs.append(model_summary(fit.spec, fit.statistics, fit.coefficients, unit=unit,
                                        codebook=codebook, **rows))
        paragraphs += [f"<small>Note: {escape_markdown(note)}</small>" for note in fit.notes]
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
            lines.append(f"**{escape_markdown(model)}**, complete cases against imputed: "
                         f"{mice_sentence(rows, codebook=codebook)}")
    if not run.bootstrap.empty:
        for model, rows in run.bootstrap.groupby("model", sort=False):
            lines.append(f"**{escape_markdown(model)}**, bootstrap: {bootstrap_sentence(rows)}")
    if lines and run.seeds:
        lines.append(seeds_sentence(run.seed, run.seeds))
    return "\n\n".join(lines) or "No model asked for multiple imputation or the bootstrap."


def seeds_sentence(seed: int | None, seeds: dict[str, int]) -> str:
    """How each model's random draws derive from the run's seed, in words.

    Parameters
    ----------
    seed : int or None
        The run's ``seed`` parameter.
    seeds : dict of str to int
        The derived seed of each model with random draws, by model id.

    Returns
    -------
    str

    Examples
    --------
    >>> seeds_sentence(2016, {"m": 12}).endswith("unchanged: `m` 12.")
    True
    """
    listing = ", ".join(f"{markdown_code(model)} {value}" for model, value in seeds.items())
    return ("Random draws: each model draws from its own seed, derived from the run's `seed` "
            f"({seed}) and the model id as numpy `SeedSequence([seed, crc32(model id)])`, so adding "
            f"or reordering models leaves the others' numbers unchanged: {listing}.")


def _term(term: str, codebook) -> str:
    """A term for a sentence: the codebook's words, or the formula's short name in code type."""
    shown = display_term(str(term), codebook) if codebook is not None else str(term)
    if shown == str(term):
        return markdown_code(term_label(str(term)))
    return escape_markdown(shown)


def reliability_sentence(table: pd.DataFrame) -> str:
    """Standardized Cronbach's alpha of each index in words (the raw alpha beside it).

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
        f"{markdown_code(row.index)}: standardized alpha = {row.alpha:.2f} (95% CI {row.conf_low:.2f} to "
        f"{row.conf_high:.2f}; {row.n_items} items, {row.n_obs} complete respondents"
        + (f"; {row.raw_alpha:.2f} on the unstandardized items" if "raw_alpha" in table else "") + ")"
        for row in table.itertuples()
    ]
    return ("Internal consistency of the indices, standardized to match the mean of z-scores "
            "they are built from, " + "; ".join(parts) + ".")


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

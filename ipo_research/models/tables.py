"""Model tables: tidy coefficient and fit tables, and the side-by-side regression table.

Everything here takes fitted models or tidy tables and returns DataFrames or text; nothing
touches a file (:mod:`ipo_research.analysis.outputs` writes them).

Examples
--------
>>> coefs = pd.DataFrame({"model": ["m"], "term": ["x"], "estimate": [0.5], "std_error": [0.1]})
>>> fit = pd.DataFrame({"model": ["m"], "n_obs": [70], "r_squared": [0.25],
...                     "pseudo_r_squared": [float("nan")], "cov_type": ["HC3"]})
>>> regression_table(coefs, fit).loc["x", "m"]
'0.500'
"""

from __future__ import annotations

import re

import pandas as pd

from ipo_research.analysis.context import CONTEXT_LABELS
from ipo_research.models.fit import TIDY_COLUMNS, ModelFit

__all__ = [
    "FIT_COLUMNS",
    "coefficients_table",
    "model_fit_table",
    "mice_comparison_table",
    "bootstrap_table",
    "term_label",
    "display_term",
    "label_terms",
    "display_terms",
    "regression_table",
    "regression_table_markdown",
    "regression_table_latex",
]

FIT_COLUMNS = [
    "model", "family", "cov_type", "missing", "n_obs", "n_dropped", "n_params",
    "obs_per_parameter", "small_sample_warning", "r_squared", "adj_r_squared",
    "pseudo_r_squared", "aic", "bic", "log_likelihood", "converged",
]
_STANDARD_ERROR_ROW = ""  # label of the row under an estimate that holds its standard error


def coefficients_table(fits: list[ModelFit]) -> pd.DataFrame:
    """Tidy coefficients of several fits, one row per model and term.

    Parameters
    ----------
    fits : list of ModelFit

    Returns
    -------
    DataFrame
        :data:`~ipo_research.models.fit.TIDY_COLUMNS`, then ``interval`` (``wald``: estimate
        plus or minus a normal or t quantile times the standard error; ``profile``: profile
        penalized likelihood) and ``penalty`` (``none`` or ``firth``).
    """
    frames = [fit.coefficients[TIDY_COLUMNS].assign(
        interval="profile" if fit.spec.penalty == "firth" else "wald", penalty=fit.spec.penalty)
        for fit in fits]
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=[*TIDY_COLUMNS, "interval", "penalty"]))


def model_fit_table(fits: list[ModelFit]) -> pd.DataFrame:
    """One row of fit statistics per model (:data:`FIT_COLUMNS`)."""
    return pd.DataFrame([fit.statistics for fit in fits], columns=FIT_COLUMNS)


def mice_comparison_table(complete_case: ModelFit, imputed: ModelFit) -> pd.DataFrame:
    """Complete-case and multiply imputed estimates of one spec, side by side.

    Parameters
    ----------
    complete_case : ModelFit
    imputed : ModelFit
        The same spec fitted with ``missing: mice``.

    Returns
    -------
    DataFrame
        ``model, term, cc_estimate, cc_std_error, cc_n_obs, mice_estimate, mice_std_error,
        mice_n_obs, fmi`` (``fmi``: fraction of missing information).
    """
    left = complete_case.coefficients.set_index("term")[["estimate", "std_error"]].add_prefix("cc_")
    right = imputed.coefficients.set_index("term")[["estimate", "std_error", "fmi"]]
    right = right.rename(columns={"estimate": "mice_estimate", "std_error": "mice_std_error"})
    table = left.join(right, how="outer", sort=False).reindex(_ordered_union([left.index, right.index]))
    table.insert(2, "cc_n_obs", complete_case.statistics["n_obs"])
    table.insert(5, "mice_n_obs", imputed.statistics["n_obs"])
    return table.rename_axis("term").reset_index().assign(model=complete_case.spec.id)[
        ["model", "term", "cc_estimate", "cc_std_error", "cc_n_obs", "mice_estimate",
         "mice_std_error", "mice_n_obs", "fmi"]]


def bootstrap_table(fit: ModelFit, intervals: pd.DataFrame) -> pd.DataFrame:
    """Model-based and bootstrap intervals of one fit, side by side.

    Parameters
    ----------
    fit : ModelFit
    intervals : DataFrame
        From :func:`ipo_research.models.bootstrap.bootstrap_model`.

    Returns
    -------
    DataFrame
        ``model, term, estimate, std_error, conf_low, conf_high``, then the bootstrap's
        columns (:data:`ipo_research.models.bootstrap.BOOTSTRAP_COLUMNS`: ``boot_method``,
        ``boot_weights``, ``boot_std_error``, ``boot_conf_low``, ``boot_conf_high``,
        ``boot_p_value``, ``replicates_used``, ``replicates``).
    """
    model_based = fit.coefficients[["model", "term", "estimate", "std_error", "conf_low", "conf_high"]]
    return model_based.merge(intervals, on=["model", "term"], how="left")


_CATEGORICAL_TERM = re.compile(r"^C\((?P<column>[^,)]+)(?:,[^)]*\))?\)?\[T\.(?P<level>.+)\]$")


def term_label(term: str) -> str:
    """A short label for a statsmodels term: ``C(network, Treatment('x'))[T.cpd]`` -> ``network = cpd``.

    Parameters
    ----------
    term : str

    Returns
    -------
    str
        Other terms are returned unchanged.

    Examples
    --------
    >>> term_label("C(primary_network, Treatment('unaffiliated'))[T.wfp]")
    'primary_network = wfp'
    >>> term_label("C(jurisdiction_level)[T.state]")
    'jurisdiction_level = state'
    """
    match = _CATEGORICAL_TERM.match(term)
    return f"{match['column'].strip()} = {match['level']}" if match else term


_FUNCTION_TERM = re.compile(r"^np\.(?P<function>log1p|log|sqrt)\((?P<column>\w+)\)$")
_YEARS_SINCE_TERM = re.compile(r"^I\(\s*\d{4}\s*-\s*(?P<column>\w+)\s*\)$")
_SHORT_TERM = re.compile(r"^(?P<column>\w+) = (?P<level>.+)$")
_FUNCTION_WORD = {"log1p": "log", "log": "log", "sqrt": "square root"}


def display_term(term: str, codebook) -> str:
    """A statsmodels term in the codebook's words, for tables a reader sees.

    ``C(primary_network, Treatment('unaffiliated'))[T.pico]`` -> ``Primary network: <label of
    pico>``; ``np.log1p(annual_budget)`` -> ``Annual budget (log)``; ``I(2016 - year_founded)``
    -> ``Years since founding``; ``legal_entities__c4`` -> ``Legal entities: <label of c4>``;
    an index column -> its title; a state context column (``dem_margin_2016``) -> its label in
    :data:`~ipo_research.analysis.context.CONTEXT_LABELS`. Text that is no term (or names no column the codebook knows)
    is returned unchanged, so the function is safe on any table cell. The tidy CSVs keep the
    raw names; only displayed tables use this.

    Parameters
    ----------
    term : str
    codebook : Codebook

    Returns
    -------
    str
    """
    term = term.strip()
    for pattern in (_CATEGORICAL_TERM, _SHORT_TERM):
        match = pattern.match(term)
        if match and _knows(codebook, match["column"].strip()):
            column = match["column"].strip()
            return f"{_column_words(column, codebook)}: {_level_words(column, match['level'], codebook)}"
    match = _FUNCTION_TERM.match(term)
    if match and _knows(codebook, match["column"]):
        return f"{_column_words(match['column'], codebook)} ({_FUNCTION_WORD[match['function']]})"
    match = _YEARS_SINCE_TERM.match(term)
    if match and match["column"].startswith("year_") and _knows(codebook, match["column"]):
        event = match["column"].removeprefix("year_").replace("_", " ")
        return f"Years since {event[:-2] + 'ing' if event.endswith('ed') else event}"
    if "__" in term and _knows(codebook, term.split("__")[0]):
        question, code = term.split("__", 1)
        return f"{_column_words(question, codebook)}: {codebook.question(question).label_of(code)}"
    if _knows(codebook, term):
        return _column_words(term, codebook)
    return CONTEXT_LABELS.get(term, term)


def label_terms(table: pd.DataFrame, codebook, *, column: str = "term") -> pd.DataFrame:
    """A copy of a tidy table with its ``term`` column in the codebook's words, for display.

    A cell naming several terms (``a + b``, the ``terms`` of ``joint_tests``) is labelled term
    by term.

    Parameters
    ----------
    table : DataFrame
        A tidy model table (``coefficients``, ``mice_comparison``, ``bootstrap``, ``vif``).
    codebook : Codebook
    column : str, default "term"

    Returns
    -------
    DataFrame
        The written CSVs keep the raw names; this is for the page only. A table without the
        column (an empty table of a run that has nothing to show) is returned as a copy.
    """
    labelled = table.copy()
    if column not in labelled.columns:
        return labelled
    labelled[column] = [display_terms(str(term), codebook) for term in labelled[column]]
    return labelled


def display_terms(terms: str, codebook) -> str:
    """:func:`display_term` on each part of ``"a + b + c"`` (a joint test's block of terms).

    Examples
    --------
    >>> from ipo_research.survey.codebook import load_codebook
    >>> display_terms("np.log1p(annual_budget) + x", load_codebook())
    'Annual budget (log) + x'
    """
    return " + ".join(display_term(part, codebook) for part in terms.split(" + "))


def _knows(codebook, column: str) -> bool:
    return codebook.has_question(column) or any(index.id == column for index in codebook.indices)


def _column_words(column: str, codebook) -> str:
    for index in codebook.indices:
        if index.id == column and index.title:
            return index.title
    return column.replace("_", " ").strip().capitalize()


def _level_words(column: str, level: str, codebook) -> str:
    return codebook.question(column).label_of(level) if codebook.has_question(column) else level


def regression_table(coefficients: pd.DataFrame, model_fit: pd.DataFrame, *,
                     digits: int = 3) -> pd.DataFrame:
    """The side-by-side regression table: estimates over standard errors, one column per model.

    Parameters
    ----------
    coefficients : DataFrame
        Tidy coefficients (``model, term, estimate, std_error``).
    model_fit : DataFrame
        Fit statistics (``model, n_obs, r_squared, pseudo_r_squared, cov_type``).
    digits : int, default 3
        Decimals shown.

    Returns
    -------
    DataFrame of str
        Index: each term, followed by an unnamed row with its standard error in parentheses;
        then ``N``, ``R²``, ``Pseudo R²`` and ``Covariance``. Columns: the model ids in order.
        Empty cells where a model lacks a term.
    """
    models = list(dict.fromkeys(coefficients["model"]))
    terms = _ordered_union([coefficients.loc[coefficients["model"] == m, "term"] for m in models])
    cells = coefficients.set_index(["model", "term"])
    fit = model_fit.set_index("model")
    rows, labels = [], []
    for term in terms:
        estimate_row, error_row = [], []
        for model in models:
            present = (model, term) in cells.index
            estimate_row.append(f"{cells.at[(model, term), 'estimate']:.{digits}f}" if present else "")
            error_row.append(f"({cells.at[(model, term), 'std_error']:.{digits}f})" if present else "")
        rows += [estimate_row, error_row]
        labels += [term_label(term), _STANDARD_ERROR_ROW]
    rows.append([f"{int(fit.at[m, 'n_obs'])}" for m in models])
    rows.append([_number(fit.at[m, "r_squared"], digits) for m in models])
    rows.append([_number(fit.at[m, "pseudo_r_squared"], digits) for m in models])
    rows.append([str(fit.at[m, "cov_type"]) for m in models])
    labels += ["N", "R²", "Pseudo R²", "Covariance"]
    return pd.DataFrame(rows, index=pd.Index(labels, name="term"), columns=models)


def _number(value, digits: int) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.{digits}f}"


def _ordered_union(groups) -> list:
    return list(dict.fromkeys(item for group in groups for item in group))


def regression_table_markdown(table: pd.DataFrame) -> str:
    """A regression table as a GitHub-flavoured Markdown pipe table.

    Parameters
    ----------
    table : DataFrame of str
        From :func:`regression_table`.

    Returns
    -------
    str
        Ends with a newline.
    """
    header = ["", *map(str, table.columns)]
    lines = [_markdown_row(header), "|" + "|".join([":---"] + ["---:"] * len(table.columns)) + "|"]
    for label, values in zip(table.index, table.to_numpy()):
        lines.append(_markdown_row([str(label), *map(str, values)]))
    return "\n".join(lines) + "\n"


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def regression_table_latex(table: pd.DataFrame, *, caption: str = "") -> str:
    """A regression table as a LaTeX ``tabular`` (booktabs rules), special characters escaped.

    Parameters
    ----------
    table : DataFrame of str
        From :func:`regression_table`.
    caption : str, optional
        Adds a ``table`` environment with this caption.

    Returns
    -------
    str
    """
    shown = table.rename(index={"R²": "$R^2$", "Pseudo R²": "Pseudo $R^2$"}).rename_axis(None)
    styler = shown.style.format(escape="latex").format_index(escape="latex", axis=1)
    styler = styler.format_index(lambda label: label if label.startswith(("$", "Pseudo $"))
                                 else _latex_escape(label), axis=0)
    column_format = "l" + "c" * len(table.columns)
    latex = styler.to_latex(hrules=True, column_format=column_format, caption=caption or None,
                            position="htbp" if caption else None)
    return latex


def _latex_escape(text: str) -> str:
    replacements = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(replacements.get(character, character) for character in str(text))

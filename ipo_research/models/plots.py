"""Model plots: coefficients with their intervals, residuals against fitted values.

Data in, Axes out: the functions draw on the Axes they are given (or a new one) and never
save or show a figure.

Examples
--------
>>> import pandas as pd
>>> coefs = pd.DataFrame({"model": ["m", "m"], "term": ["Intercept", "x"], "estimate": [1.0, 0.5],
...                       "conf_low": [0.5, 0.1], "conf_high": [1.5, 0.9]})
>>> ax = coefficient_plot(coefs)
>>> [label.get_text() for label in ax.get_yticklabels()]
['x']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ipo_research.models.tables import display_term, term_label

__all__ = ["coefficient_plot", "residuals_vs_fitted"]

def coefficient_plot(coefficients: pd.DataFrame, *, ax=None, drop_terms=("Intercept",),
                     title: str | None = None, codebook=None):
    """Point estimates with confidence intervals, one row per term, one colour per model.

    Parameters
    ----------
    coefficients : DataFrame
        Tidy rows with ``model, term, estimate, conf_low, conf_high``.
    ax : matplotlib Axes, optional
        Drawn on; a new figure is made when omitted.
    drop_terms : iterable of str, default ("Intercept",)
        Terms left out (intercepts and thresholds live on another scale).
    title : str, optional
    codebook : Codebook, optional
        Labels the terms in the codebook's words (:func:`~ipo_research.models.tables.display_term`);
        without it, the short statsmodels label.

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt

    shown = coefficients[~coefficients["term"].isin(list(drop_terms))]
    terms = list(dict.fromkeys(shown["term"]))
    models = list(dict.fromkeys(shown["model"]))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(terms) + 1.5))
    offsets = np.linspace(-0.2, 0.2, len(models)) if len(models) > 1 else [0.0]
    position = {term: len(terms) - 1 - i for i, term in enumerate(terms)}
    for offset, model in zip(offsets, models):
        rows = shown[shown["model"] == model]
        y = np.array([position[term] for term in rows["term"]]) + offset
        ax.errorbar(rows["estimate"], y,
                    xerr=[rows["estimate"] - rows["conf_low"], rows["conf_high"] - rows["estimate"]],
                    fmt="o", capsize=3, label=model)
    ax.axvline(0, color="grey", linewidth=0.8, linestyle="--")
    labels = [display_term(term, codebook) if codebook is not None else term_label(term) for term in terms]
    ax.set_yticks([position[term] for term in terms], labels=labels)
    ax.set_xlabel("Estimate with 95% confidence interval")
    if len(models) > 1:
        ax.legend(title="Model", loc="best")
    if title:
        ax.set_title(title)
    return ax


def residuals_vs_fitted(residuals: pd.DataFrame, *, ax=None, key: str = "id", label_top: int = 3,
                        title: str | None = None):
    """Residuals against fitted values, with a lowess curve and the largest residuals labelled.

    Parameters
    ----------
    residuals : DataFrame
        ``fitted``, ``residual`` and the id column ``key``
        (:func:`ipo_research.models.diagnostics.residuals_table`).
    ax : matplotlib Axes, optional
    key : str, default "id"
        Column with respondent ids used as labels (never names).
    label_top : int, default 3
        How many of the largest absolute residuals to label.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    import matplotlib.pyplot as plt
    from statsmodels.nonparametric.smoothers_lowess import lowess

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(residuals["fitted"], residuals["residual"], s=18, alpha=0.7)
    ax.axhline(0, color="grey", linewidth=0.8, linestyle="--")
    if len(residuals) > 3:
        smooth = lowess(residuals["residual"], residuals["fitted"], frac=2 / 3)
        ax.plot(smooth[:, 0], smooth[:, 1], color="C1", linewidth=1.5)
    largest = residuals.assign(size=residuals["residual"].abs()).nlargest(label_top, "size")
    for _, row in largest.iterrows():
        ax.annotate(str(row[key]), (row["fitted"], row["residual"]), fontsize=8,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("Fitted value")
    ax.set_ylabel("Residual")
    if title:
        ax.set_title(title)
    return ax

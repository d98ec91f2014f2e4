"""Figures of the robustness stage: the specification curve and the sensitivity contours.

Data in, Figure out: the functions never save or show (``analysis.outputs.figure_output`` does).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.robustness.multiverse import CHOICE_COLUMNS

__all__ = ["specification_curve_plot", "sensitivity_contour_plot"]


def specification_curve_plot(curve: pd.DataFrame, *, label: str = "estimate", title: str | None = None):
    """The figure of Simonsohn et al.: sorted estimates with 95% intervals above, choices below.

    Parameters
    ----------
    curve : DataFrame
        :data:`ipo_research.robustness.curve.CURVE_COLUMNS` rows.
    label : str
        What the estimates are of (y-axis label).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Top: estimates sorted, significant ones (p < 0.05) filled, others open, intervals
        ``estimate ± t(0.975, n - 1) * SE`` as a band. Bottom: one row per choice value, a mark
        where a specification uses it.
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    ordered = curve.sort_values(["estimate", "spec_id"]).reset_index(drop=True)
    rows = [(column, value) for column in CHOICE_COLUMNS
            for value in pd.unique(curve[column]) if curve[column].nunique() > 1]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 3.2 + 0.22 * len(rows)), sharex=True,
                                      gridspec_kw={"height_ratios": [3, max(1.2, 0.22 * len(rows))]})
    x = np.arange(len(ordered))
    half = stats.t.ppf(0.975, np.maximum(ordered["n_obs"] - 1, 1)) * ordered["std_error"]
    top.fill_between(x, ordered["estimate"] - half, ordered["estimate"] + half, color="0.85", step="mid",
                     label="95% interval")
    significant = ordered["significant"].to_numpy(bool)
    top.scatter(x[significant], ordered["estimate"][significant], s=10, color="C0", label="p < 0.05", zorder=3)
    top.scatter(x[~significant], ordered["estimate"][~significant], s=10, facecolors="none",
                edgecolors="C3", label="p ≥ 0.05", zorder=3)
    top.axhline(0, color="0.3", linestyle="--", linewidth=0.8)
    top.axhline(ordered["estimate"].median(), color="C0", linewidth=0.8, alpha=0.6, label="median")
    top.set_ylabel(label)
    top.legend(loc="upper left", fontsize=8, frameon=False, ncol=4)
    if title:
        top.set_title(title)
    for position, (column, value) in enumerate(rows):
        used = (ordered[column] == value).to_numpy()
        bottom.scatter(x[used], np.full(used.sum(), position), marker="|", s=30,
                       color=np.where(significant[used], "C0", "C3"))
    bottom.set_yticks(range(len(rows)), [f"{column}: {value}" for column, value in rows], fontsize=7)
    bottom.set_ylim(len(rows) - 0.5, -0.5)
    bottom.set_xlabel("specifications, sorted by estimate")
    fig.tight_layout()
    return fig


def sensitivity_contour_plot(table: pd.DataFrame, *, label: str | None = None, grid: int = 60):
    """Contours of the bias-adjusted estimate over confounder strengths, with benchmarks.

    Parameters
    ----------
    table : DataFrame
        One term's :func:`ipo_research.robustness.sensitivity.sensitivity_table`.
    label : str, optional
    grid : int, default 60

    Returns
    -------
    matplotlib.figure.Figure
        x: partial R2 of the confounder with the term, y: with the outcome; contour lines of the
        adjusted estimate (the zero line dashed red) and the ``k`` times benchmark points.
    """
    import matplotlib.pyplot as plt

    row = table.iloc[0]
    estimate, se, dof = row["estimate"], row["std_error"], row["dof"]
    top = max(0.5, float(table["r2dz_x"].max()) * 1.3, float(table["r2yz_dx"].max()) * 1.3)
    top = min(top, 0.95)
    r2d, r2y = np.meshgrid(np.linspace(0, top, grid), np.linspace(0, top, grid))
    bias = se * np.sqrt(r2y * r2d / (1 - r2d) * dof)
    adjusted = np.sign(estimate) * (abs(estimate) - bias)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    lines = ax.contour(r2d, r2y, adjusted, levels=8, colors="0.4", linewidths=0.8)
    ax.clabel(lines, fontsize=7, fmt="%.2g")
    ax.contour(r2d, r2y, adjusted, levels=[0], colors="C3", linestyles="--", linewidths=1.2)
    ax.scatter(table["r2dz_x"], table["r2yz_dx"], color="C3", marker="^", zorder=3)
    for _, bound in table.iterrows():
        ax.annotate(f"{bound['k']:g}x {row['benchmark']}\n({bound['adjusted_estimate']:.2g})",
                    (bound["r2dz_x"], bound["r2yz_dx"]), fontsize=7, xytext=(4, 4),
                    textcoords="offset points")
    ax.scatter([0], [0], color="k", marker="^")
    ax.annotate(f"unadjusted ({estimate:.2g})", (0, 0), fontsize=7, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel(f"partial R² of the confounder with {label or row['term']}")
    ax.set_ylabel("partial R² of the confounder with the outcome")
    ax.set_title(f"Sensitivity of {label or row['term']}: adjusted estimate", fontsize=10)
    fig.tight_layout()
    return fig

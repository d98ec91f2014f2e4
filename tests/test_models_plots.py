"""Model plots: data in, Axes out, nothing saved."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ipo_research.models.plots import coefficient_plot, residuals_vs_fitted  # noqa: E402
from ipo_research.models.tables import term_label  # noqa: E402


def _coefficients():
    return pd.DataFrame({
        "model": ["m", "m", "m"],
        "term": ["Intercept", "C(net, Treatment('none'))[T.cpd]", "x"],
        "estimate": [2.0, -0.5, 0.25], "conf_low": [1.0, -1.0, 0.0], "conf_high": [3.0, 0.0, 0.5],
    })


def test_coefficient_plot_draws_each_slope_with_its_interval_and_drops_the_intercept():
    ax = coefficient_plot(_coefficients())
    assert [label.get_text() for label in ax.get_yticklabels()] == ["net = cpd", "x"]
    container = ax.containers[0]
    x_values = container.lines[0].get_xdata()
    assert list(x_values) == pytest.approx([-0.5, 0.25])
    bars = container.lines[2][0].get_segments()
    assert [segment[:, 0].tolist() for segment in bars] == [[-1.0, 0.0], [0.0, 0.5]]
    plt.close(ax.figure)


def test_coefficient_plot_draws_on_the_axes_it_is_given():
    fig, ax = plt.subplots()
    assert coefficient_plot(_coefficients(), ax=ax) is ax
    plt.close(fig)


def test_residual_plot_labels_the_largest_residuals_by_id():
    residuals = pd.DataFrame({"org_id": ["a", "b", "c", "d", "e"], "fitted": np.arange(5.0),
                              "residual": [0.1, -3.0, 0.2, 2.0, -0.1]})
    ax = residuals_vs_fitted(residuals, key="org_id", label_top=2)
    assert sorted(text.get_text() for text in ax.texts) == ["b", "d"]
    plt.close(ax.figure)


def test_term_label_leaves_other_terms_alone():
    assert term_label("np.log1p(annual_budget)") == "np.log1p(annual_budget)"
    assert term_label("C(region)[T.east]") == "region = east"


def test_coefficient_plot_labels_terms_in_the_codebook_words_when_given_one():
    from ipo_research.survey.codebook import load_codebook

    codebook = load_codebook()
    coefficients = pd.DataFrame({
        "model": ["m"] * 4,
        "term": ["Intercept", "C(primary_network, Treatment('unaffiliated'))[T.cpd]",
                 "np.log1p(annual_budget)", "I(2016 - year_founded)"],
        "estimate": [2.0, -0.5, 0.25, 0.125], "conf_low": [1.0, -1.0, 0.0, 0.0],
        "conf_high": [3.0, 0.0, 0.5, 0.25],
    })
    ax = coefficient_plot(coefficients, codebook=codebook)
    network = codebook.question("primary_network").label_of("cpd")
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        f"Primary network: {network}", "Annual budget (log)", "Years since founding"]
    assert list(ax.containers[0].lines[0].get_xdata()) == pytest.approx([-0.5, 0.25, 0.125])
    plt.close(ax.figure)

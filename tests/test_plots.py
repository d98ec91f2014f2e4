"""Plot functions: they draw what the table says, keep withheld values out, and never save."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from ipo_research.exceptions import DataError
from ipo_research.analysis.outputs import save_figure
from ipo_research.analysis.plots import distribution_plot, likert_bars, ranked_bars, share_heatmap
from ipo_research.analysis.style import likert_colours


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


LIKERT = pd.DataFrame({
    "label": ["Field", "Data", "Policy"],
    "low": [0.1, 0.5, 0.2],
    "middle": [0.2, 0.3, 0.2],
    "high": [0.7, 0.2, 0.6],
})


def _bar_geometry(ax):
    return [(round(p.get_x(), 6), round(p.get_width(), 6), round(p.get_y() + p.get_height() / 2, 6))
            for p in ax.patches]


def test_likert_bars_sort_items_by_net_rating_best_on_top():
    ax = likert_bars(LIKERT, shares=["low", "middle", "high"], labels=["Weak", "Adequate", "Strong"])
    # Net: Field 0.6, Policy 0.4, Data -0.3; the top tick has the largest y.
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Data", "Policy", "Field"]


def test_likert_bars_diverge_from_zero_with_the_middle_split_evenly():
    ax = likert_bars(LIKERT.iloc[[0]], shares=["low", "middle", "high"], labels=["W", "A", "S"])
    low, middle, high = _bar_geometry(ax)
    assert low[:2] == (pytest.approx(-0.2), pytest.approx(0.1))        # low then half the middle
    assert middle[:2] == (pytest.approx(-0.1), pytest.approx(0.2))
    assert high[:2] == (pytest.approx(0.1), pytest.approx(0.7))


def test_likert_bars_use_the_colour_blind_safe_scale():
    ax = likert_bars(LIKERT, shares=["low", "middle", "high"], labels=["W", "A", "S"])
    legend_colours = [matplotlib.colors.to_hex(h.get_facecolor()) for h in ax.get_legend().legend_handles]
    assert legend_colours == list(likert_colours(3))


def test_likert_bars_draw_no_bar_for_a_withheld_item():
    table = LIKERT.astype(object)
    table.loc[1, ["low", "middle"]] = ["<3", "c"]
    ax = likert_bars(table, shares=["low", "middle", "high"], labels=["W", "A", "S"])
    data_widths = [p.get_width() for p in ax.patches if round(p.get_y() + p.get_height() / 2) == 0]
    assert sum(data_widths) == 0
    assert any("withheld" in t.get_text() for t in ax.texts)


def test_likert_bars_need_one_label_per_share_column():
    with pytest.raises(DataError, match="labels"):
        likert_bars(LIKERT, shares=["low", "middle", "high"], labels=["W", "S"])


def test_ranked_bars_put_the_largest_share_on_top_with_its_interval():
    table = pd.DataFrame({"label": ["A", "B", "C"], "share": [0.2, 0.6, 0.4],
                          "ci_low": [0.1, 0.5, 0.3], "ci_high": [0.3, 0.7, 0.5]})
    ax = ranked_bars(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "C", "B"]
    assert sorted(round(p.get_width(), 6) for p in ax.patches) == [0.2, 0.4, 0.6]
    whiskers = ax.collections[0].get_segments()
    assert [tuple(segment[:, 0]) for segment in whiskers][-1] == pytest.approx((0.5, 0.7))


def test_ranked_bars_show_a_withheld_share_without_a_bar():
    table = pd.DataFrame({"label": ["A", "B"], "share": [0.6, "c"], "ci_low": [0.5, "c"],
                          "ci_high": [0.7, "c"]})
    ax = ranked_bars(table)
    assert sorted(round(p.get_width(), 6) for p in ax.patches) == [0.0, 0.6]
    assert any("withheld" in t.get_text() for t in ax.texts)


def test_distribution_plot_labels_boxes_with_n_and_withholds_tiny_columns():
    frame = pd.DataFrame({"budget": [1e4 * (k + 1) for k in range(9)] + [None],
                          "rare": [1.0] * 8 + [None, None]})
    ax = distribution_plot(frame, columns={"budget": "Budget", "rare": "Rare"}, log_scale=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Budget (n=9)" in labels
    assert any(label.startswith("Rare (withheld") for label in labels)
    assert ax.get_xscale() == "log"


def test_share_heatmap_writes_marks_in_withheld_cells():
    table = pd.DataFrame({"cpd": [0.5, "<3"], "wfp": [0.25, "c"]}, index=["Field", "Data"],
                         dtype=object)
    ax = share_heatmap(table)
    assert sorted(t.get_text() for t in ax.texts) == sorted(["50%", "25%", "<3", "c"])


def test_saving_a_figure_twice_gives_identical_bytes(tmp_path):
    ax = ranked_bars(pd.DataFrame({"label": ["A"], "share": [0.5], "ci_low": [0.3], "ci_high": [0.7]}))
    first = [path.read_bytes() for path in save_figure(ax.figure, "ranked", tmp_path)]
    second = [path.read_bytes() for path in save_figure(ax.figure, "ranked", tmp_path)]
    assert first == second
    assert (tmp_path / "figures" / "ranked.png").is_file() and (tmp_path / "figures" / "ranked.svg").is_file()
    assert b"<dc:date>" not in second[1]


def test_a_figure_name_must_say_what_it_shows_in_lower_case():
    from ipo_research.exceptions import ConfigError

    fig, _ = plt.subplots()
    with pytest.raises(ConfigError, match="lower-case"):
        save_figure(fig, "Figure 1", "reports")


def test_saved_tables_round_floats_even_in_columns_mixed_with_marks(tmp_path):
    from ipo_research.analysis.outputs import save_table

    table = pd.DataFrame({"share": [1 / 3, "c"], "count": [5, "<3"], "mean": [2 / 3, 0.5]})
    path = save_table(table, "mixed", tmp_path)
    assert path.read_text() == "share,count,mean\n0.333333,5,0.666667\nc,<3,0.5\n"


def test_a_log_axis_reads_200k_and_1m_not_scientific_notation():
    frame = pd.DataFrame({"budget": [150_000.0, 250_000, 400_000, 600_000, 800_000, 1e6, 1.5e6,
                                     2.5e6, 4e6, 5e6]})
    ax = distribution_plot(frame, columns={"budget": "Budget"}, log_scale=True)
    ax.figure.canvas.draw()
    shown = [tick.get_text() for tick in ax.get_xticklabels() if tick.get_text()]
    assert {"200k", "500k", "1M", "2M"} <= set(shown)
    assert not any("10^" in text or "times" in text for text in shown)

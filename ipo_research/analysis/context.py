"""Public state context: 2016 presidential results, turnout and Census region by state.

The table ``data/external/state_context_2016.csv`` (built by
``data/external/build_state_context.py``, sources in ``data/external/README.md``) is joined
to the responses by the two-letter ``state`` code, so notebooks and models can use the
political climate an organization works in, e.g. ``dem_margin_2016``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ipo_research.exceptions import DataError, ReadError
from ipo_research.paths import EXTERNAL_DIR, project_path, relative_to_root

__all__ = ["STATE_CONTEXT_PATH", "CONTEXT_COLUMNS", "CONTEXT_LABELS", "read_state_context", "add_state_context"]

STATE_CONTEXT_PATH = EXTERNAL_DIR / "state_context_2016.csv"
CONTEXT_COLUMNS = (
    "state_name", "census_region", "census_division", "clinton_share_2016", "trump_share_2016",
    "other_share_2016", "dem_margin_2016", "winner_2016", "electoral_votes_2016",
    "turnout_2016", "swing_state_2016",
)
# How a reader sees each context column (the codebook does not describe them).
CONTEXT_LABELS = {
    "state_name": "State",
    "census_region": "Census region",
    "census_division": "Census division",
    "clinton_share_2016": "Clinton's 2016 share of the state's vote (%)",
    "trump_share_2016": "Trump's 2016 share of the state's vote (%)",
    "other_share_2016": "Other candidates' 2016 share of the state's vote (%)",
    "dem_margin_2016": "2016 Democratic margin in the state (points)",
    "winner_2016": "2016 winner of the state",
    "electoral_votes_2016": "State's 2016 electoral votes",
    "turnout_2016": "2016 turnout in the state (%)",
    "swing_state_2016": "Swing state in 2016",
}
_REGIONS = ("Northeast", "Midwest", "South", "West")
_DTYPES = {
    "state": "string", "state_name": "string", "census_division": "string",
    "clinton_share_2016": "Float64", "trump_share_2016": "Float64", "other_share_2016": "Float64",
    "dem_margin_2016": "Float64", "winner_2016": "string", "electoral_votes_2016": "Int64",
    "turnout_2016": "Float64", "swing_state_2016": "boolean",
}


def read_state_context(path: str | Path = STATE_CONTEXT_PATH) -> pd.DataFrame:
    """Read the state context table.

    Parameters
    ----------
    path : str or Path, default ``data/external/state_context_2016.csv``
        Relative paths are resolved against the project root.

    Returns
    -------
    DataFrame
        One row per state (51), ``state`` first; ``census_region`` is a Categorical in the
        Census order Northeast, Midwest, South, West.

    Raises
    ------
    ReadError
        When the file is missing or lacks a column.

    Examples
    --------
    >>> read_state_context().set_index("state").loc["CA", "winner_2016"]
    'Clinton'
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise ReadError(f"{shown}: state context table not found. Rebuild it with "
                        "`.venv/bin/python data/external/build_state_context.py`.")
    table = pd.read_csv(resolved, dtype=_DTYPES)
    missing = [column for column in ("state", *CONTEXT_COLUMNS) if column not in table.columns]
    if missing:
        raise ReadError(f"{shown}: missing column(s) {', '.join(missing)}. Rebuild the file "
                        "with data/external/build_state_context.py.")
    table["census_region"] = pd.Categorical(table["census_region"], categories=_REGIONS)
    return table


def add_state_context(responses: pd.DataFrame, path: str | Path = STATE_CONTEXT_PATH, *,
                      state_column: str = "state") -> pd.DataFrame:
    """Join the state context to the responses by state.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses with a two-letter ``state`` column (missing states are allowed and
        get missing context).
    path : str or Path, default ``data/external/state_context_2016.csv``
        The state context table.
    state_column : str, default "state"
        Column holding the USPS code.

    Returns
    -------
    DataFrame
        ``responses`` with the columns of :data:`CONTEXT_COLUMNS` added, same rows in the same
        order and index. Columns the responses already have are replaced.

    Raises
    ------
    DataError
        When ``state_column`` is absent or holds a code the table does not know.

    Examples
    --------
    >>> frame = pd.DataFrame({"state": ["TX", "CA"]})
    >>> add_state_context(frame)["dem_margin_2016"].tolist()
    [-9.0, 30.1]
    """
    if state_column not in responses.columns:
        raise DataError(f"responses: no column '{state_column}' to join the state context on. "
                        "Pass state_column= with the column holding two-letter state codes.")
    context = read_state_context(path).set_index("state")
    codes = responses[state_column].astype("string")
    unknown = sorted(set(codes.dropna()) - set(context.index))
    if unknown:
        raise DataError(f"responses, column '{state_column}': unknown state code(s) "
                        f"{', '.join(unknown)}; use two-letter USPS codes (e.g. NY, DC).")
    joined = context.reindex(codes.to_numpy()).reset_index(drop=True)
    joined.index = responses.index
    kept = responses.drop(columns=[c for c in CONTEXT_COLUMNS if c in responses.columns])
    return pd.concat([kept, joined[list(CONTEXT_COLUMNS)]], axis=1)

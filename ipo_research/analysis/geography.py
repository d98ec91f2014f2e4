"""The landscape's geography tables, published together so that none gives another away.

Organizations by state, by Census region, by who carried their state in 2016, by level of
work, and level of work by region all count the same organizations grouped by state (a region
and a 2016 winner are sets of states, from the public state context table). Each is suppressed
on its own, declared as sums of the state x level cross-classification
(:mod:`ipo_research.analysis.cells`), then suppressed together
(:func:`ipo_research.analysis.linked.suppress_linked`): without that, the Midwest total less
the Midwest states shown pins the two withheld ones.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ipo_research.analysis import describe, disclosure
from ipo_research.analysis.cells import domain_of, grid_cells, with_implied
from ipo_research.analysis.context import STATE_CONTEXT_PATH, read_state_context
from ipo_research.analysis.linked import (FREQUENCY_DEPENDENTS, Publication, publish_frequency,
                                          suppress_linked)
from ipo_research.analysis.tilemap import state_counts, tile_layout
from ipo_research.survey.codebook import Codebook

__all__ = ["GEOGRAPHY_TABLES", "publish_geography"]

GEOGRAPHY_TABLES = ("landscape_states", "landscape_census_regions", "landscape_state_winner_2016",
                    "landscape_jurisdiction_level", "landscape_jurisdiction_by_region")


def publish_geography(responses: pd.DataFrame, codebook: Codebook, *,
                      context_path: str | Path = STATE_CONTEXT_PATH,
                      threshold: int = 3) -> dict[str, Publication]:
    """The geography tables of the landscape, suppressed together.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses with the state context joined (``census_region``, ``winner_2016``).
    codebook : Codebook
        Gives the levels of ``jurisdiction_level``.
    context_path : str or Path
        The public state context table (which states make a region, who carried each).
    threshold : int, default 3

    Returns
    -------
    dict of str to Publication
        Keyed by the names in :data:`GEOGRAPHY_TABLES`, in that order.
    """
    context = read_state_context(context_path)
    states = tuple(tile_layout()["state"])
    level = codebook.question("jurisdiction_level")
    levels = tuple(str(item.code) for item in level.levels)
    domains = {"state": domain_of(states), "jurisdiction_level": domain_of(levels)}
    n = len(responses)
    regions_of = _groups_of(context, "census_region")
    winners_of = _groups_of(context, "winner_2016")
    every_state = {"state": states}
    every_level = {"jurisdiction_level": levels}

    by_state = disclosure.suppress_counts(state_counts(responses).to_frame("organizations"),
                                          threshold=threshold, totals="columns")
    by_state_cells = grid_cells(by_state, key="state", respondents=n, domains=domains,
                                rows={**{code: {"state": (code,)} for code in states},
                                      disclosure.TOTAL_LABEL: every_state},
                                columns={"organizations": {}})

    publications = {"landscape_states": Publication(by_state, by_state_cells, index=True)}
    for name, column, groups in (("landscape_census_regions", "census_region", regions_of),
                                 ("landscape_state_winner_2016", "winner_2016", winners_of)):
        counts = describe.category_table(responses[column])
        table = disclosure.publish_frequencies(counts, threshold=threshold)
        cells = grid_cells(table, key="code", respondents=n, domains=domains,
                           rows={code: {"state": groups[code]} for code in table["code"]},
                           columns={"count": {}}, dependents={"count": FREQUENCY_DEPENDENTS})
        publications[name] = Publication(table, with_implied(
            cells, column="count", value=int(counts["count"].sum()),
            where={"state": tuple(state for code in table["code"] for state in groups[code])}))

    publications["landscape_jurisdiction_level"] = publish_frequency(responses, level,
                                                                     threshold=threshold)

    crosstab = describe.crosstab(responses, level, by="census_region")
    table = disclosure.suppress_counts(crosstab, threshold=threshold)
    region_states = tuple(state for code in crosstab.columns for state in regions_of[str(code)])
    cells = grid_cells(
        table, key=crosstab.index.name, respondents=n, domains=domains,
        rows={**{code: {"jurisdiction_level": (code,)} for code in levels},
              disclosure.TOTAL_LABEL: every_level},
        columns={**{str(code): {"state": regions_of[str(code)]} for code in crosstab.columns},
                 disclosure.TOTAL_LABEL: {"state": region_states}})
    publications["landscape_jurisdiction_by_region"] = Publication(table, cells, index=True)
    return suppress_linked(publications, threshold=threshold)


def _groups_of(context: pd.DataFrame, column: str) -> dict[str, tuple[str, ...]]:
    # Each value of a state-level column (a region, a 2016 winner) and the states it holds.
    groups: dict[str, tuple[str, ...]] = {}
    for state, value in zip(context["state"], context[column].astype(object)):
        if pd.notna(value):
            groups[str(value)] = (*groups.get(str(value), ()), str(state))
    return groups

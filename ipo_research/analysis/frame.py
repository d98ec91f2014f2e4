"""The sampling frame: whom the survey describes, response rates, and raking weights.

A survey of about 75 organizations describes the organizations that answered. Whether it says
anything about all Independent Political Organizations depends on a frame: how many
organizations there were to ask, by network and state. When the user has one, a CSV with one
row per cell of the frame::

    primary_network,state,organizations
    cpd,OH,6
    wfp,NY,4

(every column but ``organizations`` is a question of the codebook, its values the codebook's
codes), this module gives:

- :func:`response_rates`: AAPOR's Response Rate 1 by the frame's first column and overall,
  ``RR1 = I / N`` with ``I`` the organizations in the cleaned responses and ``N`` the frame's
  organizations. RR1 is the most conservative AAPOR rate: every organization of the frame
  counts as eligible, and partial or quarantined answers count as non-response.
- :func:`rake_weights`: weights that make the responders' margins match the frame's, by
  iterative proportional fitting (raking). The maintained survey-weighting libraries do not
  fit this project's pins (``balance`` needs numpy below 2; ``samplics`` is archived), and
  raking on two or three margins is a short, well-known algorithm, checked in the tests
  against margins it must reproduce.
- :func:`design_statement`: the sentence a page opens with. Without a frame it says plainly
  that the analysis describes the responders, not the population of organizations.
- :func:`models_target_statement`: the same for the models page, whose slopes and intervals
  have a target of their own (associations among responders, model-based intervals).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ipo_research.analysis.context import read_state_context
from ipo_research.analysis.disclosure import suppress_table
from ipo_research.exceptions import DataError, ReadError
from ipo_research.paths import project_path, relative_to_root
from ipo_research.survey.codebook import Codebook

__all__ = ["COUNT_COLUMN", "SamplingFrame", "Design", "read_frame", "response_rates", "rake_weights",
           "weighted_shares", "add_weighted_shares", "design_statement", "models_target_statement",
           "describe_design"]

COUNT_COLUMN = "organizations"
_RAKING_TOLERANCE = 1e-10
_RAKING_ITERATIONS = 1000


@dataclass(frozen=True)
class SamplingFrame:
    """Counts of the organizations there were to survey.

    Attributes
    ----------
    counts : DataFrame
        One row per cell: the margin columns (codebook codes as text) and ``organizations``.
    margins : tuple of str
        The margin columns, questions of the codebook; the first one is what response rates
        are reported by.
    source : str
        The file, relative to the project root, for messages and captions.
    """

    counts: pd.DataFrame
    margins: tuple[str, ...]
    source: str

    @property
    def total(self) -> int:
        """Organizations in the frame."""
        return int(self.counts[COUNT_COLUMN].sum())

    def margin_totals(self, margin: str) -> pd.Series:
        """Organizations by the codes of one margin, summed over the others."""
        return self.counts.groupby(margin, sort=False)[COUNT_COLUMN].sum()


@dataclass(frozen=True)
class Design:
    """What a page says about whom its numbers describe (see :func:`describe_design`).

    Attributes
    ----------
    frame : SamplingFrame or None
    rates : DataFrame or None
        Published response rates (:func:`response_rates`); None without a frame.
    weights : Series or None
        Raking weights, one per response; None without a frame.
    statement : str
        Markdown: :func:`design_statement`.
    """

    frame: SamplingFrame | None
    rates: pd.DataFrame | None
    weights: pd.Series | None
    statement: str


def read_frame(path: str | Path, codebook: Codebook) -> SamplingFrame:
    """Read and check a frame file.

    Parameters
    ----------
    path : str or Path
        CSV with an ``organizations`` column and one or more columns named after codebook
        questions (single-choice or state questions), relative to the project root or absolute.
    codebook : Codebook
        Gives the questions and their codes.

    Returns
    -------
    SamplingFrame

    Raises
    ------
    ReadError
        When the file is missing or has no ``organizations`` column or no margin column.
    DataError
        When a column is not a codebook question, or a row holds an unknown code or a count that
        is not a whole number of at least 1; the message names the file, row, column and value.
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise ReadError(f"{shown}: frame file not found. Give the CSV of organizations by network "
                        "and state (see docs/design.md, 'Sampling frame'), or leave frame_path empty.")
    table = pd.read_csv(resolved, dtype=str, keep_default_na=False)
    margins = tuple(column for column in table.columns if column != COUNT_COLUMN)
    if COUNT_COLUMN not in table.columns or not margins:
        raise ReadError(f"{shown}: a frame needs an '{COUNT_COLUMN}' column and at least one column "
                        f"named after a codebook question (e.g. primary_network); it has "
                        f"{', '.join(table.columns) or 'no columns'}.")
    problems = []
    for column in margins:
        if not codebook.has_question(column) or codebook.question(column).type not in ("single", "state"):
            problems.append(f"{shown}: column '{column}' is not a single-choice or state question of "
                            "the codebook. Name the columns after the questions whose codes they hold.")
            continue
        known = _codes(codebook, column)
        for row, value in enumerate(table[column], start=2):
            if value not in known:
                problems.append(f"{shown}, row {row}, column {column}: '{value}' is not one of the "
                                f"codebook's codes ({', '.join(sorted(known))}).")
    counts = pd.to_numeric(table[COUNT_COLUMN], errors="coerce")
    for row, (value, number) in enumerate(zip(table[COUNT_COLUMN], counts), start=2):
        if not (np.isfinite(number) and number >= 1 and float(number).is_integer()):
            problems.append(f"{shown}, row {row}, column {COUNT_COLUMN}: '{value}' is not a whole "
                            "number of organizations of at least 1. Leave out cells with none.")
    duplicated = table.duplicated(list(margins), keep=False)
    if duplicated.any():
        first = int(np.flatnonzero(duplicated.to_numpy())[0]) + 2
        problems.append(f"{shown}, row {first}: the same cell appears more than once; give each "
                        "combination of " + ", ".join(margins) + " one row.")
    if problems:
        raise DataError("\n".join(problems))
    table[COUNT_COLUMN] = counts.astype(int)
    return SamplingFrame(counts=table.reset_index(drop=True), margins=margins, source=shown)


def _codes(codebook: Codebook, question_id: str) -> set[str]:
    question = codebook.question(question_id)
    if question.type == "state":
        return set(read_state_context()["state"].astype(str))
    return {str(code) for code in question.level_codes}


def _responders(responses: pd.DataFrame, frame: SamplingFrame) -> pd.DataFrame:
    missing = [column for column in frame.margins if column not in responses.columns]
    if missing:
        raise DataError(f"responses: no column(s) {', '.join(missing)}, which the frame "
                        f"{frame.source} counts organizations by.")
    return responses[list(frame.margins)].astype("string")


def response_rates(responses: pd.DataFrame, frame: SamplingFrame, codebook: Codebook, *,
                   threshold: int = 3) -> pd.DataFrame:
    """AAPOR Response Rate 1 by the frame's first margin and overall, ready to publish.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    frame : SamplingFrame
    codebook : Codebook
        For the labels of the first margin's codes.
    threshold : int, default 3
        Response counts from 1 to ``threshold - 1`` are withheld, and so is their rate (the
        frame count times the rate would give the count back).

    Returns
    -------
    DataFrame
        Columns ``code, label, frame_organizations, responses, rr1``; the last row is
        ``code == "all"``. Responders whose answer to the margin is missing or outside the frame
        count only in that row.
    """
    by = frame.margins[0]
    answered = _responders(responses, frame)[by]
    frame_counts = frame.margin_totals(by)
    question = codebook.question(by)
    rows = [{"code": code, "label": question.label_of(code), "frame_organizations": int(total),
             "responses": int((answered == code).sum())} for code, total in frame_counts.items()]
    table = pd.DataFrame(rows, columns=["code", "label", "frame_organizations", "responses"])
    table["rr1"] = table["responses"] / table["frame_organizations"]
    published = suppress_table(table, counts=["responses"], threshold=threshold, totals="columns",
                               dependents={"responses": ["rr1"]})
    overall = {"code": "all", "label": "All organizations in the frame",
               "frame_organizations": frame.total, "responses": len(responses),
               "rr1": len(responses) / frame.total}
    return pd.concat([published, pd.DataFrame([overall])], ignore_index=True)


def rake_weights(responses: pd.DataFrame, frame: SamplingFrame) -> pd.Series:
    """Raking weights: the responders' weighted margins equal the frame's.

    Iterative proportional fitting over the frame's margins (each margin's totals summed over
    the other margins), starting from weight 1, until every margin's weighted counts are within
    1e-10 times the frame's total of its own.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses, holding every margin column.
    frame : SamplingFrame

    Returns
    -------
    Series
        One weight per response, same index; they sum to the frame's organizations. A responder
        who left a margin question unanswered has no weight (missing): weighted estimates leave
        them out, and :func:`design_statement` says how many.

    Raises
    ------
    DataError
        When a responder's margin value is outside the frame, or a frame cell of a margin has
        no responder (no weight can reach it), or the margins cannot be matched.
    """
    everyone = _responders(responses, frame)
    complete = everyone.notna().all(axis=1).to_numpy()
    answered = everyone[complete]
    totals = {column: frame.margin_totals(column) for column in frame.margins}
    for column, targets in totals.items():
        outside = ~answered[column].isin(targets.index)
        if outside.any():
            position = int(np.flatnonzero(outside.to_numpy())[0])
            raise DataError(f"responses, row {answered.index[position]}, column {column}: "
                            f"{answered[column].iloc[position]!r} is not in the frame {frame.source}; "
                            "raking needs every responder in a cell of the frame. Add the cell, or "
                            "leave frame_path empty for unweighted estimates.")
        empty = sorted(set(targets.index) - set(answered[column]))
        if empty:
            raise DataError(f"{frame.source}: no responder has {column} = {', '.join(empty)}, so "
                            "no weight can stand for those organizations. Merge them with a "
                            "neighbouring value in the frame file.")
    # Each margin as integer codes into its totals, so a round is a few bincounts.
    margins = [(pd.Categorical(answered[column], categories=targets.index).codes,
                targets.to_numpy(dtype=float)) for column, targets in totals.items()]
    weights = np.ones(len(answered))
    for _ in range(_RAKING_ITERATIONS):
        for codes, targets in margins:
            weights = weights * (targets / np.bincount(codes, weights, minlength=len(targets)))[codes]
        gap = max(np.abs(np.bincount(codes, weights, minlength=len(targets)) - targets).max()
                  for codes, targets in margins)
        if gap < _RAKING_TOLERANCE * frame.total:
            full = np.full(len(responses), np.nan)
            full[complete] = weights
            return pd.Series(full, index=responses.index, name="weight")
    raise DataError(f"{frame.source}: raking did not match the frame's margins in "
                    f"{_RAKING_ITERATIONS} rounds; the responders' cells cannot reach them. "
                    "Merge sparse cells in the frame file.")


def weighted_shares(values: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Unweighted and weighted shares of each answer, side by side.

    Parameters
    ----------
    values : Series
        One answer per response (missing answers are left out of both shares).
    weights : Series
        Raking weights, same index.

    Returns
    -------
    DataFrame
        Index: the answers; columns ``share`` (unweighted) and ``weighted_share``.
    """
    answered = values.notna()
    kept, kept_weights = values[answered].astype("string"), weights[answered]
    share = kept.value_counts(normalize=True, sort=False)
    weighted = kept_weights.groupby(kept.to_numpy()).sum() / kept_weights.sum()
    return pd.DataFrame({"share": share, "weighted_share": weighted.reindex(share.index)})


def design_statement(frame: SamplingFrame | None, rates: pd.DataFrame | None = None, *,
                     unit: str = "organization", unweighted: int = 0) -> str:
    """The sentence a landscape or models page opens with: what its numbers describe.

    Parameters
    ----------
    frame : SamplingFrame or None
        None when the user gave no frame.
    rates : DataFrame, optional
        From :func:`response_rates`; its overall row gives the response rate.
    unit : str, default "organization"
        What the survey counts (the codebook's ``survey.unit``), singular.
    unweighted : int, default 0
        Responders without a weight (a margin question unanswered).

    Returns
    -------
    str
        Markdown.
    """
    units = f"{unit}s"
    if frame is None:
        return (f"**Whom these numbers describe.** They describe the {units} that answered the "
                f"survey, not every such {unit} in the country: no sampling frame was given, so "
                "there is no response rate and no weighting, and intervals speak to how the "
                f"answers would vary among similar responders. Give a frame (`frame_path`: {units} "
                "by network and state) for response rates and raking weights.")
    sentence = (f"**Whom these numbers describe.** The frame `{frame.source}` counts "
                f"{frame.total} {units} by " + " and ".join(f"`{m}`" for m in frame.margins) + ".")
    if rates is not None:
        overall = rates.loc[rates["code"] == "all"].iloc[0]
        sentence += (f" {int(overall['responses'])} answered: AAPOR Response Rate 1 of "
                     f"{float(overall['rr1']):.0%}, counting every {unit} in the frame as eligible.")
    sentence += (" Weighted estimates (raked to the frame's margins) stand beside the unweighted "
                 "ones; they describe the frame only as far as those who answered resemble, within "
                 "each margin, those who did not.")
    if unweighted:
        questions = " or ".join(f"`{margin}`" for margin in frame.margins)
        who = "1 responder left" if unweighted == 1 else f"{unweighted} responders left"
        verb = "is" if unweighted == 1 else "are"
        sentence += f" {who} {questions} unanswered and {verb} left out of the weighted estimates."
    return sentence


def models_target_statement(unit: str = "organization") -> str:
    """The sentence the models page opens with: what a slope and its interval estimate.

    Regressions on the responders estimate associations among them. Their intervals are
    model-based: they describe how a slope would vary over samples of similar units drawn from
    the process that produced the answers (a superpopulation target), which is a different
    question from how far the responders stand from every unit of a frame. The page says so,
    because a reader of "capacity goes with winning" will otherwise hear a causal claim about
    every such unit.

    Parameters
    ----------
    unit : str, default "organization"
        What the survey counts (the codebook's ``survey.unit``), singular.

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> models_target_statement("organization").startswith("**What the models estimate.**")
    True
    """
    units = f"{unit}s"
    return (f"**What the models estimate.** Each slope is an association among the {units} that "
            f"answered the survey, holding the model's other predictors fixed: not the effect of "
            f"changing a trait, and not a fact about every {unit} in the country. Its interval is "
            f"model-based: it says how the slope would vary over samples of similar {units} "
            "(a superpopulation view). How far the responders stand from all such "
            f"{units} is a different question, which needs a sampling frame: the landscape page "
            "takes one (`frame_path`) for response rates and weighted shares; the models are "
            "fitted unweighted.")


def add_weighted_shares(published: pd.DataFrame, values: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """A published frequency table with a ``weighted_share`` column beside its unweighted ``share``.

    Parameters
    ----------
    published : DataFrame
        A published frequency table (``code``, ``count``, ``share``...), its withheld counts
        marked.
    values : Series
        The answers the table counts, one per response.
    weights : Series
        Raking weights, same index.

    Returns
    -------
    DataFrame
        A copy with ``weighted_share`` last (the intervals are the unweighted share's);
        withheld (``"c"``) where the count is withheld, since a weighted share and the public
        weights could give the count back.
    """
    shares = weighted_shares(values, weights)["weighted_share"]
    table = published.copy()
    shown = table["count"].map(lambda count: not isinstance(count, str))
    weighted = table["code"].astype(str).map(shares).astype(object)
    weighted[~shown] = "c"
    table["weighted_share"] = weighted  # last: the interval columns belong to the unweighted share
    return table


def describe_design(responses: pd.DataFrame, codebook: Codebook, frame_path: str | Path = "", *,
                    threshold: int = 3) -> Design:
    """Whom a page's numbers describe: the statement, and with a frame its rates and weights.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
    frame_path : str or Path, default ""
        The frame file; empty for none.
    threshold : int, default 3
        Disclosure threshold of the response-rate table.

    Returns
    -------
    Design
    """
    unit = codebook.survey.get("unit", "organization")
    if not str(frame_path).strip():
        return Design(None, None, None, design_statement(None, unit=unit))
    frame = read_frame(frame_path, codebook)
    rates = response_rates(responses, frame, codebook, threshold=threshold)
    weights = rake_weights(responses, frame)
    statement = design_statement(frame, rates, unit=unit, unweighted=int(weights.isna().sum()))
    return Design(frame, rates, weights, statement)

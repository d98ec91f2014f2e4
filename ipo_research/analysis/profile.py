"""A profile of one group (e.g. one national network) against every other organization.

``notebooks/06_profile.ipynb`` runs once per level of ``primary_network``. Groups are small,
so the page first decides whether the group can be reported at all
(:func:`ipo_research.analysis.disclosure.reportable_group`): when it has fewer organizations than the
disclosure threshold, or leaves fewer than that outside it, every section of the page shows
a note instead of numbers. Otherwise each section compares the group with all others in a
published (suppressed) table, with Fisher tests.

The pages are read together: every page's size table and level-of-work table, with the
landscape's counts by network and its geography tables, give the whole network x level table
and its margins. :func:`publish_linked` therefore builds those tables for every group at once,
declares their cells (:mod:`ipo_research.analysis.cells`) and suppresses them together with
the landscape's tables held as published
(:func:`ipo_research.analysis.linked.suppress_linked`); each page computes the same result and
saves its own part, and the joint audit of the run checks them all together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import pandas as pd

from ipo_research.analysis import describe, disclosure, geography, linked, narrative, outputs, plots
from ipo_research.analysis.cells import domain_of, grid_cells
from ipo_research.analysis.context import STATE_CONTEXT_PATH, add_state_context
from ipo_research.analysis.linked import Publication
from ipo_research.exceptions import ConfigError, DataError
from ipo_research.survey.codebook import Codebook, Question
from ipo_research.survey.escaping import escape_markdown

__all__ = [
    "REST_LABEL",
    "Profile",
    "build_profile",
    "profile_intro",
    "group_size_table",
    "crosstab_table",
    "merged_levels",
    "publish_linked",
    "landscape_publications",
    "save_linked",
    "linked_table",
    "show_linked",
    "shares_table",
    "numeric_table",
    "save_table",
    "show_table",
    "show_shares_figure",
    "differences_sentence",
]

_NOT_LINKED = ("_Not shown: read with the other profile pages and the landscape, this table "
               "would give withheld counts away whatever else is withheld._")
# The column of everyone outside the group (as describe.group_vs_rest names it).
REST_LABEL = "All others"
_NOT_REPORTED = ("_Not reported: the group has too few organizations to show numbers without "
                 "risking identifying them._")


@dataclass(frozen=True)
class Profile:
    """What a profile page compares.

    Attributes
    ----------
    group_by, group_value : str
        The grouping question and the group's code.
    group_label : str
        The group's label from the codebook.
    threshold : int
        The disclosure threshold.
    reportable : bool
        Whether the page may show numbers.
    groups : Series
        Group label or "All others" per organization.
    """

    group_by: str
    group_value: str
    group_label: str
    threshold: int
    reportable: bool
    groups: pd.Series


def build_profile(responses: pd.DataFrame, codebook, *, group_by: str, group_value: str,
                  threshold: int = 3) -> Profile:
    """Decide what a profile page of ``group_value`` may show.

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
    group_by : str
        A single question, e.g. ``primary_network``.
    group_value : str
        One of its level codes, e.g. ``cpd``.
    threshold : int, default 3

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        When ``group_by`` is not a single question or ``group_value`` not one of its levels.
    """
    question = codebook.question(group_by)
    if question.type != "single":
        raise ConfigError(f"parameter group_by={group_by!r}: profiles group by a single-choice "
                          f"question, not a {question.type} one (e.g. primary_network).")
    codes = [str(code) for code in question.level_codes]
    if str(group_value) not in codes:
        raise ConfigError(f"parameter group_value={group_value!r}: not a level of {group_by}; "
                          f"use one of {', '.join(codes)}.")
    decision = disclosure.reportable_group(responses[group_by], value=group_value,
                                           threshold=threshold)
    label = question.label_of(group_value)
    groups = describe.group_vs_rest(responses, column=group_by, value=group_value, label=label,
                                    rest_label=REST_LABEL)
    return Profile(group_by=group_by, group_value=str(group_value), group_label=label,
                   threshold=threshold, reportable=decision["reportable"], groups=groups)


def profile_intro(profile: Profile) -> str:
    """The opening sentence of the page, as Markdown (no numbers when not reportable)."""
    if not profile.reportable:
        return (f"**Too few organizations to report.** Fewer than {profile.threshold} "
                f"organizations in this survey gave *{escape_markdown(profile.group_label)}* as their answer "
                f"(or too few gave another answer), so this page shows no numbers: with so few, "
                "any figure could identify an organization. The other profile pages and the "
                "landscape notebook include these organizations in their totals.")
    return (f"This page compares organizations whose {profile.group_by.replace('_', ' ')} is "
            f"*{escape_markdown(profile.group_label)}* with all other organizations in the survey. Each table "
            f"hides counts below {profile.threshold} (see the note under each table).")


def group_size_table(profile: Profile) -> pd.DataFrame:
    """Organizations in the group and outside it, published."""
    if not profile.reportable:
        return pd.DataFrame()
    counts = profile.groups.value_counts().reindex(profile.groups.cat.categories, fill_value=0)
    table = counts.rename("organizations").to_frame().rename_axis("group")
    return disclosure.suppress_counts(table, threshold=profile.threshold, totals="columns")


def crosstab_table(profile: Profile, responses: pd.DataFrame, question: Question, *,
                   merge: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Answers to a single question in the group and outside it, published, labelled.

    Parameters
    ----------
    profile : Profile
    responses : DataFrame
        Cleaned responses.
    question : Question
        A single-choice question; its levels are the rows.
    merge : dict of str to str, optional
        Levels counted in another level's row (code to code): ``{"multi_state": "state"}``
        shows one row "Statewide or several states".

    Returns
    -------
    DataFrame
        Rows labelled by level (and ``Total``), columns the group, ``All others`` and
        ``Total``; empty when the group is not reportable.

    Raises
    ------
    ConfigError
        When ``merge`` names a code that is not a level of ``question``.
    """
    if not profile.reportable:
        return pd.DataFrame()
    rows = merged_levels(question, merge)
    frame = responses.assign(_group=profile.groups.astype(object))
    table = pd.crosstab(frame[question.id].astype(object), frame["_group"])
    table = table.reindex(index=list(question.level_codes),
                          columns=list(profile.groups.cat.categories), fill_value=0)
    table.index = table.index.map(str)
    table = pd.DataFrame([table.loc[list(codes)].sum() for codes in rows.values()],
                         index=pd.Index(list(rows), name=question.id))
    table.columns.name = None
    return disclosure.suppress_counts(table, threshold=profile.threshold, totals="both")


def merged_levels(question: Question, merge: Mapping[str, str] | None = None) -> dict[str, tuple[str, ...]]:
    """The rows of :func:`crosstab_table`: each row's label and the level codes it counts.

    Examples
    --------
    >>> from ipo_research.survey.codebook import Level, Question
    >>> q = Question(id="level", section="s", type="single", text="Level",
    ...              levels=(Level("city", "City"), Level("state", "Statewide"),
    ...                      Level("multi_state", "Several states")))
    >>> merged_levels(q, {"multi_state": "state"})
    {'City': ('city',), 'Statewide or several states': ('state', 'multi_state')}
    """
    codes = [str(code) for code in question.level_codes]
    merge = {str(code): str(into) for code, into in (merge or {}).items()}
    unknown = [code for pair in merge.items() for code in pair if code not in codes]
    if unknown:
        raise ConfigError(f"merging levels of {question.id}: {', '.join(unknown)} is not one of "
                          f"its levels; use {', '.join(codes)}.")
    rows: dict[str, tuple[str, ...]] = {}
    for code in codes:
        if code in merge:
            continue
        members = (code, *(other for other in codes if merge.get(other) == code))
        labels = [question.label_of(member) for member in members]
        label = " or ".join([labels[0], *(text[:1].lower() + text[1:] for text in labels[1:])])
        rows[label] = members
    return rows


def publish_linked(responses: pd.DataFrame, codebook: Codebook, *, group_by: str,
                   question: str, merge: Mapping[str, str] | None = None, threshold: int = 3,
                   context_path: str | Path = STATE_CONTEXT_PATH) -> dict[str, Publication]:
    """Every group's size table and ``question`` table, suppressed together with the landscape's.

    A reader holds every profile page and the landscape at once: the pages' size tables add up
    to the landscape's counts by ``group_by``, and their ``question`` tables to its counts by
    level of work (and, through level of work by region, to its geography tables). So the
    tables of every reportable group are declared and suppressed together, with the
    landscape's tables (:func:`ipo_research.analysis.geography.publish_geography` and the
    frequency table ``landscape_<group_by>``) taking part as published: no count of theirs is
    withheld here. Every page computes the same result; each saves its own tables
    (:func:`save_linked`).

    Parameters
    ----------
    responses : DataFrame
        Cleaned responses.
    codebook : Codebook
    group_by : str
        The single question defining the groups, e.g. ``primary_network``.
    question : str
        A single question cross-tabulated by group, e.g. ``jurisdiction_level``.
    merge : dict of str to str, optional
        Levels of ``question`` shown in another level's row (see :func:`crosstab_table`).
    threshold : int, default 3
    context_path : str or Path
        The public state context table (as the landscape uses it).

    Returns
    -------
    dict of str to Publication
        ``profile_<group>_size`` and ``profile_<group>_<question>`` of every reportable group,
        in codebook order. When no count of the ``question`` tables left to withhold can
        protect a cell (the landscape withholds a level total the pages would give back), the
        ``question`` tables are left out: :func:`show_linked` then says they are not shown.

    Raises
    ------
    DataError
        When even the size tables alone cannot be protected.
    """
    grouping, asked = codebook.question(group_by), codebook.question(question)
    groups = tuple(str(code) for code in grouping.level_codes)
    domains = {group_by: domain_of(groups),
               question: domain_of(str(code) for code in asked.level_codes)}
    n = len(responses)
    fixed = landscape_publications(responses, codebook, group_by=group_by, threshold=threshold,
                                   context_path=context_path)
    rows = merged_levels(asked, merge)
    every_level = tuple(code for codes in rows.values() for code in codes)
    publications = {}
    for group in groups:
        profile = build_profile(responses, codebook, group_by=group_by, group_value=group,
                                threshold=threshold)
        if not profile.reportable:
            continue
        columns = {profile.group_label: {group_by: (group,)},
                   REST_LABEL: {group_by: tuple(other for other in groups if other != group)},
                   disclosure.TOTAL_LABEL: {group_by: groups}}
        sizes = group_size_table(profile)
        publications[f"profile_{group}_size"] = Publication(sizes, grid_cells(
            sizes, key=sizes.index.name, respondents=n, domains=domains, rows=columns,
            columns={"organizations": {}}), index=True)
        table = crosstab_table(profile, responses, asked, merge=merge)
        publications[f"profile_{group}_{question}"] = Publication(table, grid_cells(
            table, key=question, respondents=n, domains=domains,
            rows={**{label: {question: codes} for label, codes in rows.items()},
                  disclosure.TOTAL_LABEL: {question: every_level}},
            columns=columns), index=True)
    try:
        suppressed = linked.suppress_linked({**fixed, **publications}, threshold=threshold,
                                            fixed=tuple(fixed))
    except DataError:
        # No count of the level tables left to withhold protects a cell the landscape's
        # tables and the pages pin together: publish the pages without their level tables
        # (fewer tables only widen every range); the pages say so.
        publications = {name: item for name, item in publications.items()
                        if name.endswith("_size")}
        suppressed = linked.suppress_linked({**fixed, **publications}, threshold=threshold,
                                            fixed=tuple(fixed))
    return {name: suppressed[name] for name in publications}


def landscape_publications(responses: pd.DataFrame, codebook: Codebook, *, group_by: str,
                           threshold: int = 3,
                           context_path: str | Path = STATE_CONTEXT_PATH) -> dict[str, Publication]:
    """The landscape's tables the profile tables link to, as the landscape publishes them.

    Its geography tables (:func:`ipo_research.analysis.geography.publish_geography`) and its
    frequency table of ``group_by`` (``landscape_<group_by>``,
    :func:`ipo_research.analysis.linked.publish_frequency`).

    Returns
    -------
    dict of str to Publication
    """
    tables = dict(geography.publish_geography(add_state_context(responses, context_path), codebook,
                                              context_path=context_path, threshold=threshold))
    tables[f"landscape_{group_by}"] = linked.publish_frequency(
        responses, codebook.question(group_by), threshold=threshold)
    return tables


def save_linked(profile: Profile, publications: Mapping[str, Publication], out_dir: str | Path):
    """Save this page's tables of :func:`publish_linked`, each with its cells sidecar.

    Returns
    -------
    list of Path
        The CSVs written (none for a group too small to report).
    """
    prefix = f"profile_{profile.group_value}_"
    return linked.save_publications({name: item for name, item in publications.items()
                                     if name.startswith(prefix)}, out_dir)


def linked_table(profile: Profile, publications: Mapping[str, Publication], part: str) -> pd.DataFrame:
    """This page's published table ``part`` (``"size"``, a question id) of :func:`publish_linked`.

    Empty for a group too small to report, like the other tables of its page, and when the
    table is not published (see :func:`publish_linked`).
    """
    name = f"profile_{profile.group_value}_{part}"
    if not profile.reportable or name not in publications:
        return pd.DataFrame()
    return publications[name].table


def show_linked(profile: Profile, publications: Mapping[str, Publication], part: str):
    """:func:`show_table` of :func:`linked_table`, or a note when the table is not published."""
    from IPython.display import Markdown

    if profile.reportable and f"profile_{profile.group_value}_{part}" not in publications:
        return Markdown(_NOT_LINKED)
    return show_table(profile, linked_table(profile, publications, part))


def shares_table(profile: Profile, responses: pd.DataFrame, *, questions=None, multi=None,
                 seed: int = 2016) -> pd.DataFrame:
    """Share rating high (likert ``questions``) or choosing each option (``multi``), by group.

    Returns the published wide table of :func:`ipo_research.analysis.disclosure.publish_by_group`
    with Fisher test p-values.
    """
    if not profile.reportable:
        return pd.DataFrame()
    if multi is not None:
        long = describe.multi_by_group(responses, multi, groups=profile.groups)
    else:
        long = describe.likert_by_group(responses, questions, groups=profile.groups)
    return disclosure.publish_by_group(long, threshold=profile.threshold,
                                       p_values=describe.group_tests(long, seed=seed))


def numeric_table(profile: Profile, responses: pd.DataFrame, questions) -> pd.DataFrame:
    """Medians and quartiles of numeric questions in the group and outside it, published."""
    if not profile.reportable:
        return pd.DataFrame()
    parts = []
    for group in profile.groups.cat.categories:
        members = responses[(profile.groups.astype(object) == group).to_numpy()]
        summary = describe.numeric_summary(members, questions)
        published = disclosure.publish_numeric(summary, threshold=profile.threshold)
        parts.append(published.assign(group=group)[["label", "unit", "group", "n", "q1", "median", "q3"]])
    return pd.concat(parts, ignore_index=True)


def save_table(profile: Profile, table: pd.DataFrame, name: str, out_dir: str):
    """Save a published profile table under OUT/tables, unless the group is not reportable.

    Returns
    -------
    Path or None
        The CSV written, or None for a group too small to report (nothing is written).
    """
    if not profile.reportable:
        return None
    return outputs.save_table(table, name, out_dir, index=not isinstance(table.index, pd.RangeIndex))


def show_table(profile: Profile, table: pd.DataFrame, *, kind: str = "counts"):
    """A published profile table formatted for the page, or the not-reported note.

    Parameters
    ----------
    profile : Profile
    table : DataFrame
        From :func:`group_size_table`, :func:`crosstab_table` (``kind="counts"``),
        :func:`shares_table` (``"shares"``) or :func:`numeric_table` (``"numeric"``).
    kind : {"counts", "shares", "numeric"}
    """
    from IPython.display import Markdown

    if not profile.reportable:
        return Markdown(_NOT_REPORTED)
    if kind == "shares":
        return narrative.present_by_group(table)
    if kind == "numeric":
        shown = table.copy()
        is_money = (shown["unit"] == "USD").to_numpy()
        for column in ("q1", "median", "q3"):
            shown[column] = [narrative.money(value) if money else narrative.number(value, digits=1)
                             for value, money in zip(shown[column], is_money)]
        return narrative.format_table(shown, drop=("unit",),
                                      rename={"label": "Question", "group": "Group",
                                              "n": "Answering", "q1": "25th percentile",
                                              "median": "Median", "q3": "75th percentile"})
    return narrative.format_table(table)


def show_shares_figure(profile: Profile, table: pd.DataFrame, *, name: str, out_dir: str,
                       title: str):
    """A heatmap of a :func:`shares_table`, saved under OUT/figures, or the not-reported note."""
    from IPython.display import Markdown

    if not profile.reportable:
        return Markdown(_NOT_REPORTED)
    ax = plots.share_heatmap(table.drop(columns=["p_value", "p_adjusted"], errors="ignore"), title=title)
    return outputs.figure_output(ax.figure, name, out_dir)


def differences_sentence(profile: Profile, tables: list[pd.DataFrame]) -> str:
    """Which compared items differ between the group and all others, as Markdown."""
    if not profile.reportable:
        return _NOT_REPORTED
    combined = pd.concat([table[["p_value"]] for table in tables])
    return narrative.group_difference_sentence(
        combined, groups_word=f"{escape_markdown(profile.group_label)} and all other organizations")

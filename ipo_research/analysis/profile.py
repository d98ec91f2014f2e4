"""A profile of one group (e.g. one national network) against every other organization.

``notebooks/06_profile.ipynb`` runs once per level of ``primary_network``. Groups are small,
so the page first decides whether the group can be reported at all
(:func:`ipo_research.analysis.disclosure.reportable_group`): when it has fewer organizations than the
disclosure threshold, or leaves fewer than that outside it, every section of the page shows
a note instead of numbers. Otherwise each section compares the group with all others in a
published (suppressed) table, with Fisher tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ipo_research.analysis import describe, disclosure, narrative, outputs, plots
from ipo_research.exceptions import ConfigError
from ipo_research.survey.escaping import escape_markdown

__all__ = [
    "Profile",
    "build_profile",
    "profile_intro",
    "group_size_table",
    "crosstab_table",
    "shares_table",
    "numeric_table",
    "save_table",
    "show_table",
    "show_shares_figure",
    "differences_sentence",
]

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
    groups = describe.group_vs_rest(responses, column=group_by, value=group_value, label=label)
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


def crosstab_table(profile: Profile, responses: pd.DataFrame, question) -> pd.DataFrame:
    """Answers to a single question in the group and outside it, published, labelled."""
    if not profile.reportable:
        return pd.DataFrame()
    frame = responses.assign(_group=profile.groups.astype(object))
    table = pd.crosstab(frame[question.id].astype(object), frame["_group"])
    table = table.reindex(index=list(question.level_codes),
                          columns=list(profile.groups.cat.categories), fill_value=0)
    table.index = pd.Index([question.label_of(code) for code in table.index], name=question.id)
    table.columns.name = None
    return disclosure.suppress_counts(table, threshold=profile.threshold, totals="both")


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

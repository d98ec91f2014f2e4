"""Checking a draft against the export it is for: which columns and questions find each other.

The draft is read back through :func:`ipo_research.survey.codebook.codebook_from_dict` and the
export through :func:`ipo_research.survey.exports.read_export`, the same code ``clean`` runs, so
what the check says is what cleaning will do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from ipo_research.exceptions import IpoResearchError
from ipo_research.survey.codebook import codebook_from_dict
from ipo_research.survey.draft.questions import contact_columns, stacked_answers
from ipo_research.survey.exports import read_export
from ipo_research.survey.text import normalize_texts

__all__ = ["ExportCheck", "check_against_export"]

_LEVELLED = ("single", "likert", "multi")
_NUMBERED = re.compile(r"^(\d+)(\.0+)?(\s*[-–—:.)]\s*.*)?$")
_SEPARATORS = re.compile(r"[,;|]")
_SHOWN_VALUES = 3


@dataclass
class ExportCheck:
    """What the export says about a draft.

    Attributes
    ----------
    unclaimed_columns : list of str
        Export columns no question claims (platform metadata excluded).
    metadata_columns : list of str
        Columns recognised as platform metadata.
    questions_without_column : list of str
        Drafted questions with no column in the export.
    contact_questions : list of str
        Text questions whose answers look like email addresses or phone numbers.
    unknown_answers : list of str
        Per question, answers that match no level or option (a few shown), for review.
    error : str or None
        Why the export could not be read with the draft, if it could not.
    """

    unclaimed_columns: list = field(default_factory=list)
    metadata_columns: list = field(default_factory=list)
    questions_without_column: list = field(default_factory=list)
    contact_questions: list = field(default_factory=list)
    unknown_answers: list = field(default_factory=list)
    error: str | None = None


def check_against_export(document: dict, export, *, layout: str | None = None) -> ExportCheck:
    """Match a drafted codebook to the export's columns and read the answers with it.

    Parameters
    ----------
    document : dict
        The drafted codebook mapping.
    export : str or Path
        The export.
    layout : str, optional
        Force the export layout.

    Returns
    -------
    ExportCheck
    """
    codebook = codebook_from_dict(document, source="draft")
    try:
        raw = read_export(export, codebook, layout=layout)
    except IpoResearchError as error:
        return ExportCheck(error=str(error))
    check = ExportCheck(unclaimed_columns=list(raw.unmapped_columns),
                        metadata_columns=list(raw.metadata_columns))
    check.questions_without_column = [q.id for q in codebook.questions if q.id not in raw.responses]
    texts = [q.id for q in codebook.questions if q.type == "text" and not q.pii and q.id in raw.responses]
    check.contact_questions = contact_columns(raw.responses[texts])
    check.unknown_answers = _unknown_answers(raw.responses, codebook)
    return check


def _unknown_answers(responses: pd.DataFrame, codebook) -> list[str]:
    # Answers of single, likert and multi questions that match no code, label, alias or missing
    # code. A quick look for the review list (cleaning itself logs them as unknown_label or
    # unknown_option): all texts are normalised in one call, then compared as sets.
    questions = [q for q in codebook.public_questions if q.type in _LEVELLED and q.id in responses]
    long = stacked_answers(responses[[q.id for q in questions]]).drop_duplicates()
    answers = {q.id: [] for q in questions}
    for column, answer in zip(long["column"], long["answer"]):
        answers[column].append(answer)
    spellings = {q.id: [s for level in (*q.levels, *q.options) for s in level.spellings]
                 + list(codebook.missing_codes_for(q.id)) for q in questions}
    flat = [text for q in questions for text in (*answers[q.id], *spellings[q.id])]
    normalized = iter(normalize_texts(pd.Series(flat, dtype="string")).tolist())
    found = []
    for question in questions:
        raw_answers = answers[question.id]
        norm_answers = [next(normalized) for _ in raw_answers]
        known = {next(normalized) for _ in spellings[question.id]}
        unknown = [raw for raw, norm in zip(raw_answers, norm_answers)
                   if not _known(norm, known, question)]
        if unknown:
            shown = ", ".join(f"'{value}'" for value in unknown[:_SHOWN_VALUES])
            more = f" and {len(unknown) - _SHOWN_VALUES} more" if len(unknown) > _SHOWN_VALUES else ""
            found.append(f"{question.id}: answers that match no level or option ({shown}{more}); "
                         "add them as aliases or levels")
    return found


def _known(answer: str, known: set, question) -> bool:
    if answer in known:
        return True
    if question.type == "likert":
        numbered = _NUMBERED.match(answer)
        return bool(numbered) and numbered[1] in known
    if question.type == "multi":
        rest = answer
        for spelling in sorted(known, key=len, reverse=True):
            rest = rest.replace(spelling, " ") if spelling else rest
        return _SEPARATORS.sub(" ", rest).strip() == ""
    return False

"""Export layouts: which platform wrote a file, and which column holds which question.

A reader (:mod:`ipo_research.survey.exports`) turns any file into a *grid* of raw text cells, header rows
included. This module detects the layout from the first rows, lists the header texts of each
column, maps them to codebook questions and assembles one row of raw answers per respondent.

Layouts
-------
``plain``
    One header row of question ids, ``source`` entries or question texts.
``qualtrics``
    Row 1 export tags (``Q5``, ``Q22_1``, ``Q9_6_TEXT``), row 2 question texts, row 3
    ``{"ImportId": "QID5"}`` (older exports: a bare ``QID5-1`` or ``QID1-TEXT``, which also
    matches as ``QID5_1`` and ``QID1_TEXT``). Any of them may match a ``source`` entry.
``surveymonkey``
    Row 1 question text (on the first column of a question only), row 2 the option or item
    of that column (``Response`` or ``Open-Ended Response`` for one-column questions).
``google_forms``
    One header row of question texts starting with ``Timestamp``; grid items read
    ``Question [Item]``; checkbox answers are joined by ", ".
``spss`` / ``stata``
    Variable names and variable labels (read with pyreadstat, value labels applied).

How headers map
---------------
A header maps to a question when, compared case-insensitively after trimming, it equals the
question's id, one of its ``source`` entries or its text. A column holding one option of a
multi question (SurveyMonkey, split Qualtrics or SPSS exports) maps through
``{question} - {option label}``, ``{id}__{code}`` or one of the option's own ``source`` headers
(``Q8_1``); the reader then joins the labels of the
chosen options with "; " into one raw column ``{id}``, so every layout reaches cleaning in the
same shape: one raw text column per question. A cell counts as "chosen" unless it is blank or
reads 0, false, no or "not selected"; a row with no option chosen is unanswered.
Platform metadata columns (dates, IP address, progress, recipient names...) are recognised
and kept apart; any other column is reported as unmapped, never silently dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ipo_research.survey.text import normalize_texts
from ipo_research.exceptions import ReadError

__all__ = [
    "LAYOUTS",
    "ColumnMapping",
    "detect_layout",
    "explain_layout",
    "header_row_count",
    "first_data_row",
    "column_headers",
    "map_columns",
    "assemble_responses",
    "metadata_frame",
    "is_metadata",
]

LAYOUTS = ("plain", "qualtrics", "surveymonkey", "google_forms", "spss", "stata")
_HEADER_ROWS = {"plain": 1, "qualtrics": 3, "surveymonkey": 2, "google_forms": 1, "spss": 2, "stata": 2}
# SPSS and Stata rows are cases, numbered from 1; text and Excel rows count their header rows.
_FIRST_DATA_ROW = {"plain": 2, "qualtrics": 4, "surveymonkey": 3, "google_forms": 2, "spss": 1, "stata": 1}
_SURVEYMONKEY_PLAIN_COLUMN = {"", "response", "open-ended response", "responses"}
_GRID_ITEM = re.compile(r"^(?P<stem>.+?)\s*\[(?P<item>[^\]]+)\]\s*$")
_OLD_IMPORT_ID = re.compile(r"^QID\d+(-[A-Za-z0-9]+)+$")
_NOT_CHOSEN = {"", "0", "0.0", "false", "no", "not selected", "unchecked", "nan"}
# Compared after removing everything but letters and digits: "IP Address" -> "ipaddress".
_METADATA = {
    # Qualtrics export tags, row-2 texts and ImportIds
    "startdate", "enddate", "status", "responsetype", "ipaddress", "progress", "duration",
    "durationinseconds", "finished", "recordeddate", "responseid", "recordid",
    "recipientlastname", "recipientfirstname", "recipientemail", "externalreference",
    "externaldatareference", "locationlatitude", "locationlongitude", "distributionchannel",
    "userlanguage", "qrecaptchascore", "qrelevantidduplicate", "qrelevantidduplicatescore",
    "qrelevantidfraudscore", "qrelevantidlaststartdate",
    # SurveyMonkey
    "respondentid", "collectorid", "emailaddress", "firstname", "lastname", "customdata1",
    # Google Forms
    "timestamp", "score",
}


@dataclass(frozen=True)
class ColumnMapping:
    """What one raw column holds.

    Attributes
    ----------
    position : int
        0-based position of the column in the file.
    header : str
        The column's header as messages show it.
    kind : str
        ``question``, ``option`` (one option of a multi question), ``metadata`` or ``unmapped``.
    question : str or None
        The question id, for ``question`` and ``option``.
    option : str or None
        The option code, for ``option``.
    label : str or None
        The option label, for ``option``.
    """

    position: int
    header: str
    kind: str
    question: str | None = None
    option: str | None = None
    label: str | None = None


def detect_layout(head: list[list[str]], *, suffix: str = ".csv") -> str:
    """Name the layout of an export from its file suffix and first (up to three) rows.

    Parameters
    ----------
    head : list of list of str
        The first rows of the grid, as text.
    suffix : str
        The file's suffix, lower-case (``.csv``, ``.xlsx``, ``.sav``, ``.dta``).

    Returns
    -------
    str
        One of :data:`LAYOUTS`; :func:`explain_layout` says why.

    Examples
    --------
    >>> detect_layout([["Timestamp", "Your garden"], ["2017-01-01", "North"]])
    'google_forms'
    >>> detect_layout([["respondent_id", "state"], ["R_1", "Ohio"]])
    'plain'
    """
    return explain_layout(head, suffix=suffix)[0]


def explain_layout(head: list[list[str]], *, suffix: str = ".csv") -> tuple[str, str]:
    """The layout of an export, as :func:`detect_layout` names it, and the signals that decided it.

    A platform layout needs more than one signal: a SurveyMonkey export is recognised by at least
    two of a "Respondent ID" column, a "Collector ID" column and a second header row reading
    "Response" / "Open-Ended Response"; a Qualtrics export by its row of ``{"ImportId": ...}``
    cells under a row of question texts; a Google Forms export by a first column "Timestamp"
    whose first answer reads as a date. Anything else is ``plain``.

    Parameters
    ----------
    head : list of list of str
    suffix : str

    Returns
    -------
    (str, str)
        The layout and a short reason, e.g. ``("plain", "one header row; no platform's signals")``.

    Examples
    --------
    >>> explain_layout([["Respondent ID", "Collector ID", "Q"], ["", "", "Response"]])[0]
    'surveymonkey'
    """
    if suffix in (".sav", ".zsav"):
        return "spss", f"the file is an SPSS {suffix} file"
    if suffix == ".dta":
        return "stata", "the file is a Stata .dta file"
    first = [_squash(cell) for cell in head[0]] if head else []
    second = [cell.strip().lower() for cell in head[1]] if len(head) > 1 else []
    import_ids = sum(cell.strip().startswith('{"ImportId"') or bool(_OLD_IMPORT_ID.match(cell.strip()))
                     for cell in head[2]) if len(head) > 2 else 0
    if import_ids:
        return "qualtrics", f'row 3 holds {import_ids} ImportId cell(s) under the question texts'
    monkey = [signal for signal, present in (
        ('a "Respondent ID" column', "respondentid" in first),
        ('a "Collector ID" column', "collectorid" in first),
        ('a second header row reading "Response"', bool({"response", "open-ended response"} & set(second))),
    ) if present]
    if len(monkey) >= 2:
        return "surveymonkey", " and ".join(monkey)
    if first and first[0] == "timestamp" and (len(head) < 2 or not head[1] or _looks_like_date(head[1][0])):
        return "google_forms", 'the first column is "Timestamp", holding dates'
    why = "one header row; no platform's signals"
    if monkey:
        why += f" (only {monkey[0]}, SurveyMonkey needs two signals)"
    return "plain", why


def _looks_like_date(cell: str) -> bool:
    return not cell.strip() or bool(re.match(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", cell))


def header_row_count(layout: str) -> int:
    """How many rows of the grid are headers in ``layout``."""
    return _HEADER_ROWS[layout]


def first_data_row(layout: str) -> int:
    """The row number (1-based, as messages show it) of the first response in ``layout``."""
    return _FIRST_DATA_ROW[layout]


def column_headers(head: list[list[str]], layout: str) -> list[list[str]]:
    """Candidate header texts of each column, the one shown in messages first.

    Parameters
    ----------
    head : list of list of str
        The header rows of the grid (:func:`header_row_count` of them).
    layout : str
        One of :data:`LAYOUTS`.

    Returns
    -------
    list of list of str
        One list per column.
    """
    width = len(head[0])
    if layout == "qualtrics":
        return [_qualtrics_headers(head[0][c], head[1][c], head[2][c]) for c in range(width)]
    if layout == "surveymonkey":
        return _surveymonkey_headers(head[0], head[1])
    if layout in ("spss", "stata"):
        return [[head[0][c], head[1][c]] for c in range(width)]
    headers = []
    for cell in head[0]:
        item = _GRID_ITEM.match(cell)
        headers.append([cell, f"{item['stem']} - {item['item']}"] if item else [cell])
    return headers


def map_columns(headers: list[list[str]], codebook, *, where: str) -> list[ColumnMapping]:
    """Map each column to a question, an option of a multi question, metadata or nothing.

    Parameters
    ----------
    headers : list of list of str
        From :func:`column_headers`.
    codebook : Codebook
    where : str
        The file, for messages.

    Returns
    -------
    list of ColumnMapping

    Raises
    ------
    ReadError
        When two columns carry the same header or map to the same question or option.
    """
    questions, options = _lookups(codebook)
    flat = pd.Series([text for column in headers for text in column], dtype="string")
    normalized = iter(normalize_texts(flat).fillna("").tolist())
    mappings = []
    for position, column in enumerate(headers):
        keys = [next(normalized) for _ in column]
        mappings.append(_map_one(position, column, keys, questions, options))
    _check_duplicates(mappings, where=where)
    return mappings


def assemble_responses(body: pd.DataFrame, mappings: list[ColumnMapping]) -> pd.DataFrame:
    """One raw text column per mapped question, option columns joined into labels.

    Parameters
    ----------
    body : pandas.DataFrame
        The grid without its header rows; columns are positions.
    mappings : list of ColumnMapping

    Returns
    -------
    pandas.DataFrame
        Columns are question ids in file order; values are raw text ("" when blank).
    """
    columns: dict[str, pd.Series] = {}
    for mapping in mappings:
        cells = body[mapping.position].reset_index(drop=True)
        if mapping.kind == "question":
            columns[mapping.question] = cells
        elif mapping.kind == "option":
            chosen = ~normalize_texts(cells).fillna("").isin(_NOT_CHOSEN)
            labels = pd.Series(np.where(chosen, f"{mapping.label}; ", ""), dtype="string")
            previous = columns.get(mapping.question)
            columns[mapping.question] = labels if previous is None else previous + labels
    for mapping in mappings:
        if mapping.kind == "option":
            columns[mapping.question] = columns[mapping.question].str.removesuffix("; ")
    return pd.DataFrame(columns, index=pd.RangeIndex(len(body)))


def metadata_frame(body: pd.DataFrame, mappings: list[ColumnMapping]) -> pd.DataFrame:
    """The platform metadata columns, named by their header."""
    kept = [mapping for mapping in mappings if mapping.kind == "metadata"]
    frame = pd.DataFrame({m.header: body[m.position].reset_index(drop=True) for m in kept})
    return frame.set_axis(pd.RangeIndex(len(body)))


def _map_one(position, column, keys, questions, options) -> ColumnMapping:
    header = column[0] if column[0].strip() else next((c for c in column if c.strip()), "")
    by_name, by_label = options
    for key in keys:
        if key in questions:
            return ColumnMapping(position, header, "question", question=questions[key])
        if key in by_name:
            return ColumnMapping(position, header, "option", *by_name[key])
    for key in keys:
        found = _split_option_header(key, questions, by_label)
        if found:
            return ColumnMapping(position, header, "option", *found)
    if is_metadata(column):
        return ColumnMapping(position, header, "metadata")
    return ColumnMapping(position, header, "unmapped")


def is_metadata(texts: list[str]) -> bool:
    """Whether a column's header texts name platform metadata (dates, IP address, progress...)."""
    return any(_squash(text) in _METADATA for text in texts if text)


def _split_option_header(key: str, questions: dict, by_label: dict):
    # "Question text - Option label": try every " - " from the right, since either side may
    # itself contain " - ".
    for match in reversed(list(re.finditer(" - ", key))):
        stem, label = key[: match.start()], key[match.end():]
        question = questions.get(stem)
        if question is not None and (question, label) in by_label:
            return by_label[(question, label)]
    return None


def _lookups(codebook) -> tuple[dict, tuple[dict, dict]]:
    # Normalised header -> question id; and, for option columns, "{id}__{code}" and
    # (question id, normalised label, code or alias) -> (question id, code, label).
    questions: dict[str, str] = {}
    by_text: dict[str, list[str]] = {}
    names, owners = [], []
    for question in codebook.questions:
        for name in (question.id, *question.source):
            names.append(name)
            owners.append(question.id)
        by_text.setdefault(question.text, []).append(question.id)
    for text, owners_of_text in by_text.items():
        if len(owners_of_text) == 1:  # a text shared by two questions identifies neither
            names.append(text)
            owners.append(owners_of_text[0])
    for key, owner in zip(normalize_texts(pd.Series(names, dtype="string")), owners):
        questions.setdefault(key, owner)
    by_name: dict[str, tuple] = {}
    by_label: dict[tuple, tuple] = {}
    # One normalisation for every option spelling and header (per-option calls are slow).
    entries, texts = [], []
    for question in codebook.questions:
        for option in question.options:
            found = (question.id, str(option.code), option.label)
            by_name[f"{question.id}__{option.code}".lower()] = found
            for kind, group in (("source", option.source),
                                ("label", (option.label, str(option.code), *option.aliases))):
                entries += [(kind, question.id, found)] * len(group)
                texts += list(group)
    for (kind, question_id, found), text in zip(entries, normalize_texts(pd.Series(texts, dtype="string"))):
        if kind == "source":
            by_name.setdefault(text, found)
        else:
            by_label.setdefault((question_id, text), found)
    return questions, (by_name, by_label)


def _check_duplicates(mappings: list[ColumnMapping], *, where: str) -> None:
    by_header: dict[str, ColumnMapping] = {}
    by_question: dict[str, list[ColumnMapping]] = {}
    for mapping in mappings:
        earlier = by_header.get(mapping.header) if mapping.header.strip() else None
        for other in by_question.get(mapping.question, []) if mapping.question else []:
            # Several option columns of one question are fine; anything else holds it twice.
            if mapping.kind != "option" or other.kind != "option" or other.option == mapping.option:
                earlier = earlier or other
        if earlier is not None:
            raise ReadError(
                f"{where}: duplicate headers: column {earlier.position + 1} '{earlier.header}' and "
                f"column {mapping.position + 1} '{mapping.header}' both hold "
                f"{_describe(mapping)}. Delete or rename one of the two columns."
            )
        by_header[mapping.header] = mapping
        if mapping.question:
            by_question.setdefault(mapping.question, []).append(mapping)


def _describe(mapping: ColumnMapping) -> str:
    if mapping.kind == "option":
        return f"option '{mapping.option}' of question '{mapping.question}'"
    if mapping.question is not None:
        return f"question '{mapping.question}'"
    return "the same header"


def _surveymonkey_headers(first: list[str], second: list[str]) -> list[list[str]]:
    headers, stem = [], ""
    for top, sub in zip(first, second):
        stem = top if top.strip() else stem
        if sub.strip().lower() in _SURVEYMONKEY_PLAIN_COLUMN:
            headers.append([stem])
        else:
            headers.append([f"{stem} - {sub}", sub])
    return headers


def _qualtrics_headers(tag: str, text: str, import_cell: str) -> list[str]:
    import_id = _import_id(import_cell)
    headers = [tag, import_id, text]
    if _OLD_IMPORT_ID.match(import_id.strip()):
        headers.append(import_id.strip().replace("-", "_"))
    return headers


def _import_id(cell: str) -> str:
    try:
        parsed = json.loads(cell)
    except (ValueError, TypeError):
        return cell
    return str(parsed.get("ImportId", cell)) if isinstance(parsed, dict) else cell


def _squash(text: str | None) -> str:
    # A short row (a header-only file, a truncated one) leaves missing cells as None.
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())

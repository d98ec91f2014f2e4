"""The pieces every draft shares: ids, the key question, privacy and unit guesses, kinds of scales.

A drafted question is a plain mapping in codebook-YAML form (``id, section, type, text,
source, ...``), so the draft is written exactly as :func:`ipo_research.survey.codebook.load_codebook`
reads it.
"""

from __future__ import annotations

import re

import pandas as pd

from ipo_research.survey.states import STATE_NAMES

__all__ = [
    "DEFAULT_MISSING_CODES",
    "KEY_ID",
    "KEY_HEADERS",
    "question_entry",
    "key_question",
    "snake_id",
    "unique_ids",
    "looks_like_pii",
    "unit_of",
    "code_of",
    "is_yes_no",
    "is_states",
    "is_scale",
    "contact_values",
    "contact_columns",
    "stacked_answers",
]

# "-99" is what Qualtrics numeric exports write for "seen but not answered".
DEFAULT_MISSING_CODES = ["N/A", "Don't know", "Prefer not to say", "-99"]
KEY_ID = "response_id"
# Respondent-id headers of Qualtrics (new and legacy exports), SurveyMonkey and SPSS files.
KEY_HEADERS = ["ResponseId", "_recordId", "Response ID", "ResponseID", "V1", "Respondent ID",
               "RespondentID"]
_PII_WORDS = re.compile(
    r"\b(names?|e-?mails?|phones?|telephone|mobile|cell ?phone|street|address|zip ?code|"
    r"postal ?code|birth ?date|date of birth|social security)\b", re.IGNORECASE)
_PERCENT = re.compile(r"\bpercent(age)?s?\b|%", re.IGNORECASE)
_DOLLARS = re.compile(r"\$|\bdollars?\b|\bUSD\b", re.IGNORECASE)
_SCALE_WORDS = re.compile(
    r"\b(agree|disagree|weak|strong|likely|unlikely|satisfied|dissatisfied|important|never|"
    r"rarely|sometimes|often|always|poor|fair|good|excellent|very|somewhat|neither|not at all|"
    r"extremely|moderately|slightly)\b", re.IGNORECASE)
_STATE_SPELLINGS = {name.lower() for name in STATE_NAMES.values()} | {code.lower() for code in STATE_NAMES} \
    | {"puerto rico", "pr"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
_FIELD_ORDER = ("id", "section", "type", "text", "source", "pii", "unit", "range", "levels", "options",
                "max_select", "missing", "note")


def question_entry(**fields) -> dict:
    """A question mapping with its fields in the codebook's order, empty ones left out."""
    return {name: fields[name] for name in _FIELD_ORDER
            if name in fields and fields[name] not in (None, [], (), False)}


def key_question(section: str, source=None) -> dict:
    """The respondent-id question every draft starts with (the survey's ``key``)."""
    return question_entry(id=KEY_ID, section=section, type="id",
                          text="Response ID (one per respondent)",
                          source=list(source or KEY_HEADERS))


def snake_id(text: str) -> str:
    """A snake-case question id from an export tag or a label.

    Examples
    --------
    >>> snake_id("Q9_6_TEXT")
    'q9_6_text'
    >>> snake_id("1a. Budget")
    'q_1a_budget'
    """
    squashed = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
    if not squashed:
        return "q"
    return squashed if squashed[0].isalpha() else f"q_{squashed}"


def unique_ids(questions: list[dict]) -> list[dict]:
    """Make ids unique in order: a repeated id gets ``_2``, ``_3``... (the first keeps it)."""
    seen: set[str] = set()
    for question in questions:
        base, number = question["id"], 1
        while question["id"] in seen:
            number += 1
            question["id"] = f"{base}_{number}"
        seen.add(question["id"])
    return questions


def looks_like_pii(text: str) -> bool:
    """Whether a question's wording asks for contact details (name, email, phone, address)."""
    return bool(_PII_WORDS.search(str(text)))


def unit_of(text: str) -> str | None:
    """``percent`` or ``USD`` when the wording says so, else ``None``."""
    if _PERCENT.search(str(text)):
        return "percent"
    if _DOLLARS.search(str(text)):
        return "USD"
    return None


def code_of(value) -> int | str:
    """A level code: whole numbers as int ("3", "3.0" -> 3), anything else as text."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and abs(number) < 1e15 else text


def is_yes_no(labels) -> bool:
    """Whether the answers are exactly a yes and a no."""
    return sorted(str(label).strip().lower() for label in labels) == ["no", "yes"]


def is_states(labels, *, at_least: int = 20) -> bool:
    """Whether (nearly) all answers are US states (names or USPS codes), ``at_least`` of them.

    A survey's list of choices needs 20 (a state question lists them all); the distinct answers
    of an export need only a few, all of them states.
    """
    labels = [str(label).strip().lower() for label in labels]
    known = sum(label in _STATE_SPELLINGS for label in labels)
    share = 0.9 if at_least >= 20 else 1.0
    return len(labels) >= at_least and known >= share * len(labels)


def is_scale(codes, labels) -> bool:
    """Whether levels read as an ordered rating scale: 3+ increasing whole-number codes, scale words."""
    if len(codes) < 3 or not all(isinstance(code, int) for code in codes):
        return False
    increasing = all(later > earlier for earlier, later in zip(codes, codes[1:]))
    worded = sum(bool(_SCALE_WORDS.search(str(label))) for label in labels)
    return increasing and worded >= len(labels) - 1


def contact_values(answers: pd.Series) -> bool:
    """Whether half or more of the (non-blank) answers look like email addresses or phone numbers."""
    return bool(contact_columns(answers.to_frame("answers")))


def contact_columns(frame: pd.DataFrame) -> list:
    """The columns of ``frame`` whose non-blank answers look like contact details (half or more).

    All columns are checked in one pass over their stacked answers.
    """
    long = stacked_answers(frame)
    if long.empty:
        return []
    answers = long["answer"]
    phone = answers.str.match(_PHONE.pattern) & answers.str.count(r"\d").ge(7) \
        & answers.str.contains(r"[-\s().]")
    contact = (answers.str.match(_EMAIL.pattern, case=False) | phone).astype(bool)
    share = contact.groupby(long["column"], sort=False).mean()
    return [column for column, value in share.items() if value >= 0.5]


def stacked_answers(frame: pd.DataFrame) -> pd.DataFrame:
    """``column, answer`` of every non-blank cell of ``frame``, answers trimmed, in column order."""
    long = frame.astype("string").melt(var_name="column", value_name="answer")
    long["answer"] = long["answer"].astype("string").fillna("").str.strip()
    return long[long["answer"] != ""].reset_index(drop=True)

"""Codebook questions from an export alone, or from an SPSS/Stata file's own metadata.

Without a survey file the draft reads each answer column's values (blanks and the default
missing codes left out) and takes the first rule that fits:

- every value a date -> ``date``; yes/no -> ``boolean``; US states -> ``state``;
- every value a number (currency, "45k", "about 40" included) -> ``integer`` when all are whole,
  else ``numeric``; "$" -> unit ``USD``, "%" -> ``percent``;
- a few repeated answers (at most 12 distinct, each used twice on average) -> ``single`` with
  those levels, in order of first appearance; answers joined by "," or ";" from a small set of
  parts -> ``multi`` with those parts, flagged for review (a label may contain a comma);
- anything else -> ``text`` (``pii`` when the wording or values look like contact details).

An SPSS ``.sav`` or Stata ``.dta`` file describes itself: variable labels become question texts,
value labels become levels (yes/no -> ``boolean``; an ordinal measure with whole-number codes ->
``likert``), user-missing values become ``missing`` answers, string variables ``text``, date
formats ``date`` and other numbers ``integer`` or ``numeric`` from their values.
"""

from __future__ import annotations

import re

import pandas as pd

from ipo_research.exceptions import ReadError
from ipo_research.paths import project_path, relative_to_root
from ipo_research.survey import layouts
from ipo_research.survey.draft.questions import (
    DEFAULT_MISSING_CODES, KEY_HEADERS, code_of, contact_values, is_states, is_yes_no, looks_like_pii,
    question_entry, snake_id, unit_of,
)
from ipo_research.survey.exports import ExportGrid
from ipo_research.survey.numbers import parse_numbers

__all__ = ["draft_from_grid", "draft_from_stat_file", "key_position"]

_DATE_LIKE = re.compile(r"^\d{1,4}[-/]\d{1,2}[-/]\d{1,4}")
_SPLIT = re.compile(r"\s*[,;]\s*")
_MAX_LEVELS = 12
_KEY_SQUASHED = {re.sub(r"[^a-z0-9]", "", header.lower()) for header in KEY_HEADERS}


def key_position(grid: ExportGrid) -> int | None:
    """The column holding the respondent id: a known id header, else the first all-unique column."""
    for position, texts in enumerate(grid.headers):
        if any(re.sub(r"[^a-z0-9]", "", text.lower()) in _KEY_SQUASHED for text in texts if text):
            return position
    for position in range(grid.body.shape[1]):
        values = grid.body[position].astype("string").str.strip()
        if values.ne("").all() and values.is_unique and not layouts.is_metadata(grid.headers[position]):
            return position
    return None


def draft_from_grid(grid: ExportGrid, section: str) -> tuple[list[dict], list[str]]:
    """Draft one question per answer column of an export, from its headers and values.

    Parameters
    ----------
    grid : ExportGrid
        From :func:`ipo_research.survey.exports.read_grid`.
    section : str
        Section id for every question.

    Returns
    -------
    questions : list of dict
    notes : list of str
        Decisions a person should check.
    """
    questions, notes = [], []
    key = key_position(grid)
    for position, texts in enumerate(grid.headers):
        if position == key or layouts.is_metadata(texts):
            continue
        tag = texts[0] if texts[0].strip() else next((t for t in texts if t.strip()), f"column {position + 1}")
        text = texts[-1] if len(texts) > 1 and texts[-1].strip() else tag
        if grid.layout == "qualtrics":
            text = texts[2] or tag
        source = list(dict.fromkeys(t for t in texts if t.strip()))
        entry, note = _infer(grid.body[position], snake_id(tag), section, text, source)
        questions.append(entry)
        if note:
            notes.append(f"{tag}: {note}")
    return questions, notes


def draft_from_stat_file(path, section: str) -> tuple[list[dict], list[str], list[str]]:
    """Draft questions from an SPSS or Stata file's variable and value labels.

    Returns
    -------
    questions : list of dict
    notes : list of str
    key_source : list of str
        Headers of the respondent-id variable (empty when none was recognised).
    """
    import pyreadstat

    resolved = project_path(path)
    shown = relative_to_root(resolved)
    reader = pyreadstat.read_sav if resolved.suffix.lower() in (".sav", ".zsav") else pyreadstat.read_dta
    try:
        data, meta = reader(str(resolved), user_missing=True)
    except Exception as error:  # pyreadstat raises its own ReadstatError for broken files
        raise ReadError(f"{shown}: not a readable SPSS/Stata file ({error}). Save it again.") from None
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    questions, notes, key_source = [], [], []
    for name in meta.column_names:
        text = labels.get(name) or name
        squashed = re.sub(r"[^a-z0-9]", "", name.lower())
        if squashed in _KEY_SQUASHED and not key_source:
            key_source = [name, text]
            continue
        if layouts.is_metadata([name, text]):
            continue
        source = list(dict.fromkeys([name, text]))
        value_labels = meta.variable_value_labels.get(name) or {}
        missing = _user_missing(meta, name, value_labels)
        if value_labels:
            entry = _labelled(name, section, text, source, value_labels, missing,
                              meta.variable_measure.get(name))
        else:
            kind = str(meta.original_variable_types.get(name, "")).upper()
            if kind.startswith(("DATE", "ADATE", "EDATE", "SDATE", "%TD", "%TC", "DATETIME")):
                entry = question_entry(id=snake_id(name), section=section, type="date", text=text,
                                       source=source)
            else:
                cells = data[name].astype(object).map(lambda v: "" if v is None or v != v else str(v))
                entry, note = _infer(cells, snake_id(name), section, text, source)
                if note:
                    notes.append(f"{name}: {note}")
            if missing:
                entry["missing"] = missing
        questions.append(entry)
    return questions, notes, key_source


def _labelled(name, section, text, source, value_labels, missing, measure) -> dict:
    levels = [{"code": code_of(code), "label": str(label)} for code, label in value_labels.items()
              if str(code_of(code)) not in missing]
    base = dict(id=snake_id(name), section=section, text=text, source=source, missing=missing)
    if is_yes_no([level["label"] for level in levels]):
        return question_entry(**base, type="boolean")
    whole = all(isinstance(level["code"], int) for level in levels)
    qtype = "likert" if measure == "ordinal" and whole and len(levels) >= 3 else "single"
    return question_entry(**base, type=qtype, levels=levels)


def _user_missing(meta, name, value_labels) -> list[str]:
    missing = []
    for value in (getattr(meta, "missing_user_values", {}) or {}).get(name, []):
        missing += [str(code_of(value)), *( [str(value_labels[value])] if value in value_labels else [])]
    for low_high in (getattr(meta, "missing_ranges", {}) or {}).get(name, []):
        if low_high.get("lo") == low_high.get("hi"):
            value = low_high["lo"]
            missing += [str(code_of(value)), *([str(value_labels[value])] if value in value_labels else [])]
    return list(dict.fromkeys(missing))


def _infer(cells: pd.Series, qid: str, section: str, text: str, source: list[str]) -> tuple[dict, str | None]:
    values = cells.astype("string").fillna("").str.strip()
    answered = values[(values != "") & ~values.str.lower().isin([c.lower() for c in DEFAULT_MISSING_CODES])]
    base = dict(id=qid, section=section, text=text, source=source)
    distinct = list(dict.fromkeys(answered.tolist()))
    if not distinct:
        return question_entry(**base, type="text", pii=looks_like_pii(text)), "no answers: drafted as text"
    if answered.str.match(_DATE_LIKE).all() and pd.to_datetime(answered, format="mixed", errors="coerce").notna().all():
        return question_entry(**base, type="date"), None
    if is_yes_no({value.lower() for value in distinct}) or set(v.lower() for v in distinct) <= {"yes", "no"}:
        return question_entry(**base, type="boolean"), None
    if is_states(distinct, at_least=3):
        return question_entry(**base, type="state"), None
    parsed = parse_numbers(answered, percent=answered.str.contains("%").any())
    if parsed["value"].notna().mean() >= 0.9 and not contact_values(answered):
        whole = (parsed["value"].dropna() % 1 == 0).all()
        unit = "USD" if answered.str.contains(r"\$").any() else "percent" if answered.str.contains("%").any() \
            else unit_of(text)
        return question_entry(**base, type="integer" if whole else "numeric", unit=unit), None
    if len(distinct) <= _MAX_LEVELS and len(answered) >= 2 * len(distinct):
        levels = [{"code": snake_id(value), "label": value} for value in distinct]
        if len({level["code"] for level in levels}) == len(levels):
            return question_entry(**base, type="single", levels=levels), \
                f"read as single with {len(levels)} levels from the answers: check the list and order"
    parts = answered.str.split(_SPLIT.pattern, regex=True).explode().str.strip()
    parts_distinct = list(dict.fromkeys(part for part in parts if part))
    if answered.str.contains(_SPLIT.pattern).any() and len(parts_distinct) <= _MAX_LEVELS * 2 \
            and len(parts) >= 2 * len(parts_distinct):
        options = [{"code": snake_id(part), "label": part} for part in parts_distinct]
        if len({option["code"] for option in options}) == len(options):
            return question_entry(**base, type="multi", options=options), \
                "possible select-all (answers joined by ',' or ';'): check the options"
    pii = looks_like_pii(text) or contact_values(answered)
    return question_entry(**base, type="text", pii=pii), None

"""Cleaning: raw text answers in, typed responses, a quarantine and a log out.

:func:`clean_responses` takes a :class:`~ipo_research.survey.exports.RawExport` (one raw text column per
question) and the codebook, and returns a :class:`CleaningResult`. It reads and writes no file.
Every column is cleaned at once: the distinct raw values are recoded once and mapped back onto
the rows, so the work grows with distinct answers, not with respondents, and every changed
cell is still logged.

The rules
---------
Matching
    A raw answer matches a level or option when it equals its code, label or an alias,
    compared case-insensitively after trimming and collapsing spaces (curly quotes count as
    straight ones). A label wins over another level's code, and both over aliases. A likert
    answer may also read "4 - Strong" (code and label must agree). States are read from
    USPS codes or full names (50 states, DC and Puerto Rico) and stored as the code.
Codes
    An export of codes (Qualtrics "numeric values", SPSS/Stata values without labels) matches
    through the levels' and options' codes: "20" reads as the level with code 20, "1,5" as
    options 1 and 5; a boolean question may list two ``levels`` (labelled yes and no) to give
    the codes its export uses (Qualtrics writes Yes 1, No 2). A select-all exported as one
    column per option (1 or blank) is joined by the reader (:mod:`ipo_research.survey.layouts`,
    options' ``source``) before cleaning sees it.
Missing
    Blank cells are missing. The codebook's global ``missing_codes`` and the question's own
    ``missing`` answers are set missing and logged as ``missing_code``.
Numbers
    Read by :func:`ipo_research.survey.numbers.parse_numbers`: "$1.2M", "250,000", "45k", "about 40",
    "10-20" (midpoint) are read and logged with their rule; "45%" is 45 for a percent
    question. An integer question rounds a fractional answer to the nearest whole number
    (logged ``rounded``).
One rule for bad values: set missing and log
    A value outside the question's ``range``, an unknown label, state or boolean, an
    unreadable number or date, or a multi answer with more options than ``max_select`` is
    set missing (for a multi answer: the whole answer) and logged with the rule
    ``out_of_range``, ``unknown_label``, ``unparseable_number``, ``invalid_date`` or
    ``max_select_exceeded``. An unknown option inside a multi answer is dropped, the known
    options kept, and logged as ``unknown_option``. The row itself is kept:
    :data:`ERROR_RULES` lists the rules that ``validate`` reports as problems.
Multi-select
    Split against the option list, never on every comma: at each position the longest code,
    label or alias that ends at a separator ("," ";" "|") or at the end is taken, so labels
    that contain commas survive. A blank answer means "none of these" (every option false,
    logged ``none_chosen``) when the respondent answered a later question, and stays missing
    (every option column missing) when they stopped before reaching it.
Whole-row quarantine (rows that cannot be trusted)
    An empty row; a blank key; a test or preview response (a metadata ``Status`` of
    "Survey Preview", "Survey Test" or "Spam"); and duplicate keys. Among responses sharing a
    key, the kept one is the most complete, then the one with the latest recorded date
    (metadata ``RecordedDate``, ``EndDate`` or ``Timestamp``), then the later row; the others
    are quarantined as "duplicate of row N". A row may carry several reasons.
Partial responses
    Kept. ``completeness`` is the share of the codebook's non-PII questions (the key
    excluded) that hold a value after cleaning.
PII
    Questions marked ``pii`` and platform metadata are never cleaned, logged or returned.
What is logged
    One row per changed cell: ``row, key, question, raw_value, clean_value, rule``, ordered by
    row, then codebook order. An exact code or label, a plain number, an ISO date and an
    unchanged text are stored without a log entry; so are the labels of a multi answer, which
    become one true/false per option. Rules of values read: ``label_variant`` (case or
    spacing), ``alias``, ``numbered_label``, ``boolean_variant`` (e.g. "y", "1"),
    ``state_name``, ``date_format``, ``trimmed_whitespace``, ``none_chosen`` and the number
    rules of :mod:`ipo_research.survey.numbers`; of values set missing: ``missing_code`` and
    :data:`ERROR_RULES`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ipo_research.exceptions import DataError
from ipo_research.survey.exports import RawExport
from ipo_research.survey.numbers import UNPARSEABLE, parse_numbers
from ipo_research.survey.states import STATE_NAMES
from ipo_research.survey.text import normalize_texts

__all__ = [
    "ERROR_RULES",
    "REASON_EMPTY",
    "REASON_NO_KEY",
    "REASON_TEST",
    "REASON_DUPLICATE",
    "LOG_COLUMNS",
    "QUARANTINE_COLUMNS",
    "STATES",
    "CleaningResult",
    "clean_responses",
    "cleaned_dtypes",
    "apply_cleaned_dtypes",
    "cleaning_summary",
    "quarantine_reasons",
    "recodes_by_rule",
    "missingness_by_question",
]

LOG_COLUMNS = ("row", "key", "question", "raw_value", "clean_value", "rule")
QUARANTINE_COLUMNS = ("source_row", "key", "reasons")
ERROR_RULES = (
    "out_of_range", "unknown_label", "unknown_option", UNPARSEABLE, "invalid_date",
    "max_select_exceeded",
)
REASON_EMPTY = "empty row (no answers)"
REASON_NO_KEY = "missing key"
REASON_TEST = "test or preview response"
REASON_DUPLICATE = "duplicate of row"
_TEST_STATUSES = {"survey preview", "survey test", "spam", "survey preview spam", "preview", "test"}
_TRUE = {"yes", "y", "true", "t", "1", "checked", "selected"}
_FALSE = {"no", "n", "false", "f", "0", "unchecked"}
_CANONICAL_BOOLEAN = {"yes", "no", "true", "false"}
_NUMBERED_LABEL = re.compile(r"^(\d+)\s*[-–—:.)]\s*(.+)$")
_SEPARATORS = ",;|"
_LARGEST_NUMBER = 1e15  # beyond exact float integers: no survey count is this large
# Survey platforms offer Puerto Rico in their state lists; it is read as a state too.
STATES = {**STATE_NAMES, "PR": "Puerto Rico"}
_STATE_ALIASES = {"washington dc": "DC", "washington d.c.": "DC", "d.c.": "DC"}


@dataclass(frozen=True)
class CleaningResult:
    """What cleaning made of an export.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per kept response, columns typed per docs/design.md (key first, then questions in
        codebook order, multi questions as ``{id}__{code}``), then ``completeness`` and
        ``source_row``. No PII.
    quarantine : pandas.DataFrame
        ``source_row, key, reasons`` of every row not kept.
    log : pandas.DataFrame
        ``row, key, question, raw_value, clean_value, rule`` of every changed cell.
    raw_rows : int
        Rows read; always ``len(responses) + len(quarantine)``.
    source : str
        The export, relative to the project root.
    layout : str
    unmapped_columns : list of str
        Raw headers that map to nothing (reported, not cleaned).
    absent_questions : list of str
        Non-PII questions of the codebook with no column in the export.
    """

    responses: pd.DataFrame
    quarantine: pd.DataFrame
    log: pd.DataFrame
    raw_rows: int
    source: str = ""
    layout: str = ""
    unmapped_columns: list = field(default_factory=list)
    absent_questions: list = field(default_factory=list)


def clean_responses(raw: RawExport, codebook) -> CleaningResult:
    """Clean an export against its codebook.

    Parameters
    ----------
    raw : RawExport
        From :func:`ipo_research.survey.exports.read_export` (or built by hand from a DataFrame of text).
    codebook : Codebook

    Returns
    -------
    CleaningResult

    Raises
    ------
    DataError
        If a row were lost (raw rows != cleaned + quarantined); this is a bug, never data.

    Examples
    --------
    >>> result = clean_responses(read_export("data/synthetic/ipo_survey_2016_synthetic.csv",
    ...                                      codebook))  # doctest: +SKIP
    >>> len(result.responses) + len(result.quarantine) == result.raw_rows  # doctest: +SKIP
    True
    """
    rows = np.asarray(raw.source_rows, dtype="int64")
    keys = _clean_key(raw, codebook)
    frame, logs = _clean_columns(raw, codebook)
    questions = [q for q in codebook.public_questions if q.id != codebook.key]
    answered = _answered(frame, questions)
    logs.append(_none_chosen(frame, raw, questions, answered))
    logs = [_with_row_and_key(log, rows, keys) for log in logs if len(log)]
    frame["completeness"] = _completeness(answered)
    frame["source_row"] = rows
    reasons = _quarantine_reasons(raw, frame, codebook)
    kept = reasons == ""
    result = CleaningResult(
        responses=frame[kept].reset_index(drop=True),
        quarantine=_quarantine_frame(frame[~kept], reasons[~kept], codebook.key),
        log=_log_frame(logs, codebook.question_ids),
        raw_rows=len(rows),
        source=raw.path,
        layout=raw.layout,
        unmapped_columns=list(raw.unmapped_columns),
        absent_questions=[q.id for q in codebook.public_questions if q.id not in raw.responses],
    )
    if len(result.responses) + len(result.quarantine) != result.raw_rows:
        raise DataError(
            f"{raw.path}: {result.raw_rows} rows read but {len(result.responses)} cleaned and "
            f"{len(result.quarantine)} quarantined. This is a bug in ipo-research; please report it."
        )
    return result


def cleaned_dtypes(codebook) -> dict[str, object]:
    """The dtype of every cleaned column, as docs/design.md fixes them.

    Parameters
    ----------
    codebook : Codebook

    Returns
    -------
    dict
        Column name -> pandas dtype, including ``completeness`` and ``source_row``.
    """
    dtypes: dict[str, object] = {}
    for question in codebook.public_questions:
        for name in question.columns:
            dtypes[name] = _dtype_of(question)
    dtypes["completeness"] = "Float64"
    dtypes["source_row"] = "int64"
    return dtypes


def apply_cleaned_dtypes(responses: pd.DataFrame, codebook) -> pd.DataFrame:
    """Cast the columns of ``responses`` to :func:`cleaned_dtypes` (others are left alone)."""
    dtypes = {name: dtype for name, dtype in cleaned_dtypes(codebook).items() if name in responses}
    return responses.astype(dtypes)


def cleaning_summary(result: CleaningResult) -> pd.DataFrame:
    """What cleaning did, in a few counts for a reader.

    Returns
    -------
    pandas.DataFrame
        ``measure, value``: rows read, kept and quarantined, values logged, median
        completeness, unmapped columns and questions the export lacks.
    """
    completeness = result.responses["completeness"]
    measures = {
        "rows read": result.raw_rows,
        "responses kept": len(result.responses),
        "rows quarantined": len(result.quarantine),
        "values recoded or set missing (logged)": len(result.log),
        "median completeness of kept responses": round(float(completeness.median()), 3)
        if len(completeness) else float("nan"),
        "unmapped columns": len(result.unmapped_columns),
        "codebook questions not in the export": len(result.absent_questions),
    }
    return pd.DataFrame({"measure": list(measures), "value": [str(value) for value in measures.values()]})


def quarantine_reasons(result: CleaningResult) -> pd.DataFrame:
    """Quarantined rows counted by kind of reason (a row with two reasons counts twice).

    Returns
    -------
    pandas.DataFrame
        ``reason, rows``, most frequent first.
    """
    reasons = result.quarantine["reasons"].str.split("; ").explode().dropna()
    kinds = reasons.str.replace(r"^duplicate of row \d+.*$", "duplicate key", regex=True)
    kinds = kinds.str.replace(r"\s*\(.*$", "", regex=True)
    counts = kinds.value_counts().rename_axis("reason").reset_index(name="rows")
    return counts.sort_values(["rows", "reason"], ascending=[False, True], ignore_index=True)


def recodes_by_rule(result: CleaningResult) -> pd.DataFrame:
    """Logged values counted by rule, with the questions each rule touched.

    Returns
    -------
    pandas.DataFrame
        ``rule, values, questions`` (questions as a comma-separated list), most frequent first.
    """
    log = result.log
    if log.empty:
        return pd.DataFrame({"rule": [], "values": [], "questions": []})
    grouped = log.groupby("rule", sort=True).agg(
        values=("question", "size"),
        questions=("question", lambda names: ", ".join(dict.fromkeys(names))),
    ).reset_index()
    return grouped.sort_values(["values", "rule"], ascending=[False, True], ignore_index=True)


def missingness_by_question(responses: pd.DataFrame, codebook) -> pd.DataFrame:
    """Share of kept responses that left each non-PII question unanswered.

    Returns
    -------
    pandas.DataFrame
        ``question, section, missing_share`` in codebook order.
    """
    records = []
    for question in codebook.public_questions:
        present = [name for name in question.columns if name in responses]
        answered = responses[present].notna().any(axis=1) if present else pd.Series(False)
        share = float(1 - answered.mean()) if len(responses) else float("nan")
        records.append({"question": question.id, "section": question.section, "missing_share": share})
    return pd.DataFrame(records)


# --- columns -------------------------------------------------------------------------------

def _clean_columns(raw: RawExport, codebook) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    length = len(raw.responses)
    columns, logs = {}, []
    for question in codebook.public_questions:
        if question.id not in raw.responses:
            columns.update(_empty_columns(question, length))
            continue
        values, log = _clean_column(raw.responses[question.id], question,
                                    codebook.missing_codes_for(question.id))
        columns.update({name: values[name] for name in values})
        logs.append(log)
    return pd.DataFrame(columns, index=pd.RangeIndex(length)), logs


def _none_chosen(frame: pd.DataFrame, raw: RawExport, questions, answered: np.ndarray) -> pd.DataFrame:
    # A select-all question left blank by a respondent who answered a later question means
    # "none of these"; left blank by one who stopped before it, it stays missing. Updates
    # ``frame`` and ``answered`` in place.
    answered_later = np.zeros_like(answered)
    answered_later[:, :-1] = np.logical_or.accumulate(answered[:, ::-1], axis=1)[:, ::-1][:, 1:]
    logs = []
    for position, question in enumerate(questions):
        if question.type != "multi" or question.id not in raw.responses:
            continue
        blank = raw.responses[question.id].fillna("").astype("string").str.strip().eq("").to_numpy()
        filled = blank & answered_later[:, position]
        frame.loc[filled, list(question.columns)] = False
        answered[filled, position] = True
        logs.append(pd.DataFrame({"question": question.id, "raw_value": "", "clean_value": "none",
                                  "rule": "none_chosen"}, index=np.flatnonzero(filled)))
    return pd.concat(logs) if logs else pd.DataFrame()


def _with_row_and_key(log: pd.DataFrame, rows: np.ndarray, keys: pd.Series) -> pd.DataFrame:
    log = log.copy()
    log.insert(0, "row", rows[log.index])
    log.insert(1, "key", keys.iloc[log.index].to_numpy())
    return log.reset_index(drop=True)


# --- one column --------------------------------------------------------------------------

def _clean_column(raw: pd.Series, question, missing_codes) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes, uniques = pd.factorize(raw.fillna("").astype("string"), use_na_sentinel=False)
    text = pd.Series(uniques, dtype="string")
    norm = normalize_texts(text)
    blank = norm.fillna("") == ""
    missing = ~blank & norm.isin(normalize_texts(pd.Series(missing_codes, dtype="string")))
    answered = ~blank & ~missing
    values = _empty_columns(question, len(text))
    clean_text = pd.Series(pd.NA, index=text.index, dtype="string")
    rule = pd.Series(pd.NA, index=text.index, dtype="string")
    rule[missing] = "missing_code"
    if answered.any():
        recoded, recoded_text, recoded_rule = _RECODERS[question.type](
            text[answered], norm[answered], question)
        for name in values:
            values[name][answered] = recoded[name]
        clean_text[answered] = recoded_text
        rule[answered] = recoded_rule
    take = np.asarray(codes)
    cleaned = pd.DataFrame({name: column.iloc[take].reset_index(drop=True)
                            for name, column in values.items()})
    logged = rule.notna().to_numpy()[take]
    logged_values = take[logged]
    log = pd.DataFrame({
        "question": question.id,
        "raw_value": text.iloc[logged_values].to_numpy(),
        "clean_value": clean_text.iloc[logged_values].to_numpy(),
        "rule": rule.iloc[logged_values].to_numpy(),
    }, index=np.flatnonzero(logged))
    return cleaned, log


def _recode_text(text, norm, question):
    stripped = text.str.strip()
    rule = pd.Series(np.where(stripped != text, "trimmed_whitespace", None), index=text.index,
                     dtype="string")
    return {question.id: stripped}, stripped, rule


def _recode_levels(text, norm, question):
    lookup, aliases = _spelling_lookup(question.levels)
    code = norm.map(lookup)
    exact = text.str.strip().isin([s for level in question.levels for s in (level.label, str(level.code))])
    rule = pd.Series(np.where(norm.isin(aliases), "alias", "label_variant"), index=text.index, dtype="string")
    if question.type == "likert":
        numbered = _numbered_likert(norm, question)
        rule = rule.where(code.notna() | numbered.isna(), "numbered_label")
        code = code.fillna(numbered)
    rule = rule.where(~exact, pd.NA).where(code.notna(), "unknown_label")
    if question.type == "likert":
        values = pd.to_numeric(code, errors="coerce").astype("Int64")
    else:
        values = pd.Series(pd.Categorical(code, categories=list(question.level_codes)), index=text.index)
    return {question.id: values}, values.astype("string"), rule


def _numbered_likert(norm: pd.Series, question) -> pd.Series:
    # "4 - strong" (code and label must agree) or a bare number such as "4.0".
    labels = dict(zip(question.level_codes,
                      normalize_texts(pd.Series([level.label for level in question.levels]))))
    parts = norm.str.extract(_NUMBERED_LABEL.pattern)
    number = pd.to_numeric(parts[0], errors="coerce")
    numbered = number.where(number.map(labels) == parts[1])
    numeric = pd.to_numeric(norm, errors="coerce")
    return numbered.fillna(numeric.where(numeric.isin(list(labels))))


def _recode_boolean(text, norm, question):
    values = pd.Series(pd.NA, index=text.index, dtype="boolean")
    values[norm.isin(_TRUE)] = True
    values[norm.isin(_FALSE)] = False
    if question.levels:  # the codes an export uses for yes and no (a numeric export's 1 and 2)
        lookup = {}
        for level in question.levels:
            truth = normalize_texts(pd.Series([level.label])).iloc[0] in _TRUE
            lookup.update(dict.fromkeys(normalize_texts(pd.Series(level.spellings)), truth))
        coded = norm.map(lookup)
        values = values.mask(coded.notna(), coded.astype("boolean"))
    rule = pd.Series(np.where(norm.isin(_CANONICAL_BOOLEAN), None, "boolean_variant"),
                     index=text.index, dtype="string").where(values.notna(), "unknown_label")
    return {question.id: values}, values.astype("string"), rule


def _recode_state(text, norm, question):
    lookup = {code.lower(): code for code in STATES}
    lookup.update({name.lower(): code for code, name in STATES.items()})
    lookup.update(_STATE_ALIASES)
    code = norm.map(lookup)
    is_code = norm.str.upper().isin(list(STATES))
    rule = pd.Series(np.where(is_code, "label_variant", "state_name"), index=text.index, dtype="string")
    rule = rule.mask(text.str.strip().isin(list(STATES)), pd.NA).where(code.notna(), "unknown_label")
    values = pd.Series(pd.Categorical(code, categories=sorted(STATES)), index=text.index)
    return {question.id: values}, code.astype("string"), rule


def _recode_number(text, norm, question):
    parsed = parse_numbers(text, percent=question.unit == "percent")
    value, rule = parsed["value"], parsed["rule"]
    if question.type == "integer":
        rounded = np.floor(value + 0.5)
        fractional = value.notna() & (rounded != value)
        rule = rule.mask(fractional, rule.fillna("").str.cat(pd.Series("rounded", index=rule.index), sep="+")
                         .str.lstrip("+"))
        value = rounded
    low, high = question.range or (None, None)
    outside = (value.abs() > _LARGEST_NUMBER).fillna(False)
    if low is not None:
        outside |= (value < low).fillna(False)
    if high is not None:
        outside |= (value > high).fillna(False)
    value = value.mask(outside)
    rule = rule.mask(outside, "out_of_range")
    shown = value.map(lambda number: pd.NA if pd.isna(number) else f"{number:.10g}").astype("string")
    dtype = "Int64" if question.type == "integer" else "Float64"
    return {question.id: value.astype(dtype)}, shown, rule


def _recode_date(text, norm, question):
    stripped = text.str.strip()
    iso = pd.to_datetime(stripped, format="ISO8601", errors="coerce")
    other = pd.to_datetime(stripped.where(iso.isna()), format="mixed", errors="coerce")
    values = iso.fillna(other).astype("datetime64[ns]")
    rule = pd.Series(np.where(iso.notna(), None, "date_format"), index=text.index,
                     dtype="string").where(values.notna(), "invalid_date")
    shown = values.dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00").astype("string")
    return {question.id: values}, shown, rule


def _recode_multi(text, norm, question):
    spellings = _option_spellings(question)
    chosen, unknown = zip(*(_split_options(answer, spellings) for answer in norm)) if len(norm) else ((), ())
    codes = [str(code) for code in question.option_codes]
    values = {
        f"{question.id}__{code}": pd.Series([code in picked for picked in chosen], index=text.index,
                                            dtype="boolean")
        for code in codes
    }
    too_many = pd.Series([question.max_select is not None and len(picked) > question.max_select
                          for picked in chosen], index=text.index)
    has_unknown = pd.Series([bool(tokens) for tokens in unknown], index=text.index)
    for column in values.values():
        column[too_many] = pd.NA
    shown = pd.Series(["; ".join(code for code in codes if code in picked) for picked in chosen],
                      index=text.index, dtype="string")
    rule = pd.Series(np.where(has_unknown, "unknown_option", None), index=text.index, dtype="string")
    rule = rule.mask(too_many, "max_select_exceeded")
    return values, shown.mask(too_many), rule


def _split_options(answer: str, spellings: list[tuple[str, str]]) -> tuple[set, list]:
    # Longest spelling first at each position, and only where it ends at a separator, so
    # "herbs, spices and flowers" is one option even though a comma sits inside it.
    chosen, unknown, position = set(), [], 0
    while position < len(answer):
        while position < len(answer) and (answer[position] in _SEPARATORS or answer[position] == " "):
            position += 1
        if position >= len(answer):
            break
        for spelling, code in spellings:
            end = position + len(spelling)
            if answer.startswith(spelling, position) and _ends_token(answer, end):
                chosen.add(code)
                position = end
                break
        else:
            end = min([answer.find(sep, position) for sep in _SEPARATORS if sep in answer[position:]]
                      or [len(answer)])
            unknown.append(answer[position:end].strip())
            position = end
    return chosen, unknown


def _ends_token(answer: str, end: int) -> bool:
    rest = answer[end:].lstrip(" ")
    return rest == "" or rest[0] in _SEPARATORS


def _option_spellings(question) -> list[tuple[str, str]]:
    ranked = _ranked_spellings(question.options)
    return [(spelling, str(code)) for spelling, code, _ in
            sorted(ranked, key=lambda item: (-len(item[0]), item[2]))]


def _spelling_lookup(levels) -> tuple[dict, set]:
    lookup: dict = {}
    for spelling, code, rank in sorted(_ranked_spellings(levels), key=lambda item: item[2]):
        lookup.setdefault(spelling, code)
    aliases = {spelling for spelling, _, rank in _ranked_spellings(levels) if rank == 2}
    return lookup, aliases - {spelling for spelling, _, rank in _ranked_spellings(levels) if rank < 2}


def _ranked_spellings(levels) -> list[tuple[str, object, int]]:
    # Exports hold labels: a label wins over another level's code, and both over aliases.
    spellings, codes, ranks = [], [], []
    for level in levels:
        for rank, group in enumerate(((level.label,), (str(level.code),), level.aliases)):
            spellings += list(group)
            codes += [level.code] * len(group)
            ranks += [rank] * len(group)
    normalized = normalize_texts(pd.Series(spellings, dtype="string"))
    return list(zip(normalized, codes, ranks))


_RECODERS = {
    "id": _recode_text, "text": _recode_text, "single": _recode_levels, "likert": _recode_levels,
    "boolean": _recode_boolean, "state": _recode_state, "integer": _recode_number,
    "numeric": _recode_number, "date": _recode_date, "multi": _recode_multi,
}


def _dtype_of(question):
    if question.type == "single":
        return pd.CategoricalDtype(list(question.level_codes))
    if question.type == "state":
        return pd.CategoricalDtype(sorted(STATES))
    return {
        "id": "string", "text": "string", "boolean": "boolean", "multi": "boolean",
        "likert": "Int64", "integer": "Int64", "numeric": "Float64", "date": "datetime64[ns]",
    }[question.type]


def _empty_columns(question, length: int) -> dict[str, pd.Series]:
    dtype = _dtype_of(question)
    return {name: pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=pd.RangeIndex(length),
                            dtype=dtype)
            for name in question.columns}


# --- rows ----------------------------------------------------------------------------------

def _clean_key(raw: RawExport, codebook) -> pd.Series:
    if codebook.key not in raw.responses:
        return pd.Series(pd.NA, index=pd.RangeIndex(len(raw.responses)), dtype="string")
    key = raw.responses[codebook.key].astype("string").str.strip().reset_index(drop=True)
    return key.mask(key == "")


def _answered(frame: pd.DataFrame, questions) -> np.ndarray:
    # rows x questions: whether the question holds a value (any option column, for multi).
    if not questions:
        return np.ones((len(frame), 1), dtype=bool)
    return np.column_stack([frame[list(q.columns)].notna().to_numpy().any(axis=1) for q in questions])


def _completeness(answered: np.ndarray) -> pd.Series:
    return pd.Series(answered.mean(axis=1).round(6), dtype="Float64")


def _quarantine_reasons(raw: RawExport, frame: pd.DataFrame, codebook) -> pd.Series:
    key = frame[codebook.key] if codebook.key in frame else pd.Series(pd.NA, index=frame.index)
    empty = pd.Series(_empty_rows(raw, key), index=frame.index)
    status = _metadata_column(raw.metadata, ("status", "responsetype"))
    reasons = pd.Series("", index=frame.index, dtype="string")
    reasons = _add_reason(reasons, empty.to_numpy(), REASON_EMPTY)
    reasons = _add_reason(reasons, (key.isna() & ~empty).to_numpy(),
                          f"{REASON_NO_KEY} (column '{codebook.key}' is blank)")
    if status is not None:
        is_test = normalize_texts(status).isin(_TEST_STATUSES).to_numpy()
        reasons = reasons.mask(is_test, reasons + "; " + REASON_TEST + " (Status = '" + status + "')")
        reasons = reasons.str.removeprefix("; ")
    duplicates = _duplicate_of(frame, key, reasons == "", _recorded_dates(raw.metadata, frame.index))
    reasons = reasons.mask(duplicates.notna(),
                           (reasons + "; " + REASON_DUPLICATE + " " + duplicates.astype("string")
                            + f" ({codebook.key} '" + key.astype("string") + "')").str.removeprefix("; "))
    return reasons.fillna("")


def _empty_rows(raw: RawExport, key: pd.Series) -> np.ndarray:
    # Only a row without a key can be empty: check those few rows, not the whole export.
    empty = key.isna().to_numpy().copy()
    candidates = np.flatnonzero(empty)
    if len(candidates):
        cells = pd.concat([raw.responses, raw.metadata], axis=1).iloc[candidates]
        blank = cells.fillna("").astype("string").apply(lambda column: column.str.strip() == "")
        empty[candidates] = blank.all(axis=1).to_numpy()
    return empty


def _add_reason(reasons: pd.Series, mask, reason: str) -> pd.Series:
    return reasons.mask(mask, (reasons + "; " + reason).str.removeprefix("; "))


def _duplicate_of(frame: pd.DataFrame, key: pd.Series, eligible: pd.Series,
                  recorded: pd.Series) -> pd.Series:
    # Kept: most complete, then latest recorded date, then the later row.
    candidates = pd.DataFrame({
        "key": key, "completeness": frame["completeness"], "recorded": recorded,
        "source_row": frame["source_row"],
    })[eligible.to_numpy() & key.notna().to_numpy()]
    ordered = candidates.sort_values(["key", "completeness", "recorded", "source_row"],
                                     ascending=[True, False, False, False], na_position="last",
                                     kind="mergesort")
    kept_row = ordered.groupby("key", sort=False)["source_row"].transform("first")
    duplicate_of = kept_row.where(kept_row != ordered["source_row"])
    return duplicate_of.reindex(frame.index).astype("Int64")


def _recorded_dates(metadata: pd.DataFrame, index: pd.Index) -> pd.Series:
    column = _metadata_column(metadata, ("recordeddate", "enddate", "timestamp"))
    if column is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    iso = pd.to_datetime(column, format="ISO8601", errors="coerce")
    other = pd.to_datetime(column.where(iso.isna()), format="mixed", errors="coerce")
    return iso.fillna(other).astype("datetime64[ns]").set_axis(index)


def _metadata_column(metadata: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    squashed = {re.sub(r"[^a-z0-9]", "", str(header).lower()): header for header in metadata.columns}
    for name in names:
        if name in squashed:
            return metadata[squashed[name]].astype("string").reset_index(drop=True)
    return None


def _quarantine_frame(rows: pd.DataFrame, reasons: pd.Series, key: str) -> pd.DataFrame:
    key_values = rows[key] if key in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
    frame = pd.DataFrame({"source_row": rows["source_row"], "key": key_values.astype("string"),
                          "reasons": reasons.astype("string")})
    return frame.sort_values("source_row", kind="mergesort", ignore_index=True)


def _log_frame(logs: list[pd.DataFrame], question_order: tuple[str, ...]) -> pd.DataFrame:
    if not logs:
        return pd.DataFrame({name: pd.Series(dtype="int64" if name == "row" else "string")
                             for name in LOG_COLUMNS})
    log = pd.concat(logs, ignore_index=True)
    position = log["question"].map({qid: i for i, qid in enumerate(question_order)})
    order = np.lexsort((position.to_numpy(), log["row"].to_numpy()))
    log = log.iloc[order].reset_index(drop=True)
    return log.astype({name: "string" for name in LOG_COLUMNS if name != "row"})

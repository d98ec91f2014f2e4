"""Validation: every way an export breaks its codebook, listed at once.

:func:`validate_export` reads and cleans an export in memory (nothing is written) and turns
what cleaning had to do into :class:`Problem` records, each naming the file, row, column and
value and saying how to fix it. It lists every problem, not just the first.

Errors (``validate`` exits 1 when there is one): a value cleaning had to set missing or
drop (the rules in :data:`ipo_research.survey.cleaning.ERROR_RULES`), a duplicate or blank key, an
unmapped column. Warnings (reported, exit 0): questions the export does not hold, test or
preview responses and empty rows, which cleaning quarantines as a matter of course.
Files that cannot be read at all raise :class:`~ipo_research.exceptions.ReadError` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipo_research.survey.cleaning import (
    ERROR_RULES, REASON_DUPLICATE, REASON_NO_KEY, CleaningResult, clean_responses,
)
from ipo_research.survey.exports import RawExport, read_export

__all__ = ["Problem", "validate_export", "problems_of", "format_problems", "has_errors"]

_FIXES = {
    "out_of_range": "correct the answer in the export, or widen the question's `range` in the codebook",
    "unknown_label": "correct the answer, or add it to the right level's `aliases` (or to `missing`)",
    "unknown_option": "correct the answer, or add it to the right option's `aliases`",
    "unparseable_number": "write a number such as 250000, $1.2M or 10-20",
    "invalid_date": "write the date as YYYY-MM-DD",
    "max_select_exceeded": "keep at most `max_select` options, or raise `max_select` in the codebook",
}
_MESSAGES = {
    "out_of_range": "outside the question's range",
    "unknown_label": "not a code, label or alias of the question",
    "unknown_option": "holds an option the question does not offer",
    "unparseable_number": "not a readable number",
    "invalid_date": "not a readable date",
    "max_select_exceeded": "more options chosen than the question allows",
}


@dataclass(frozen=True)
class Problem:
    """One way an export breaks its codebook.

    Attributes
    ----------
    file : str
        The export, relative to the project root.
    row : int or None
        Row in the raw file (as :attr:`RawExport.source_rows`), None for whole-file problems.
    column : str or None
        The raw header (with the question id in brackets when they differ).
    value : str or None
        The raw value.
    message : str
        What is wrong.
    fix : str
        How to fix it.
    severity : str
        ``error`` or ``warning``.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    severity: str = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        value = f" value {self.value!r}:" if self.value is not None else ""
        return f"{self.severity}: {', '.join(where)}:{value} {self.message}. Fix: {self.fix}."


def validate_export(path: str | Path, codebook, *, layout: str | None = None) -> list[Problem]:
    """List every problem of an export against its codebook.

    Parameters
    ----------
    path : str or Path
        The export (any layout :func:`ipo_research.survey.exports.read_export` reads).
    codebook : Codebook
    layout : str, optional
        Force the layout instead of detecting it.

    Returns
    -------
    list of Problem
        Whole-file problems first, then by row; empty when the export is clean.

    Raises
    ------
    ReadError
        When the file cannot be read at all.

    Examples
    --------
    >>> problems = validate_export("tests/fixtures/garden_plain.csv",
    ...                            load_codebook("tests/fixtures/garden_codebook.yaml"))  # doctest: +SKIP
    >>> has_errors(problems)  # doctest: +SKIP
    True
    """
    raw = read_export(path, codebook, layout=layout)
    return problems_of(raw, clean_responses(raw, codebook), codebook)


def problems_of(raw: RawExport, result: CleaningResult, codebook) -> list[Problem]:
    """The problems a cleaning result records (see :func:`validate_export`)."""
    file = raw.path
    problems = [
        Problem(file, None, f"'{header}'", None, "maps to no question of the codebook",
                "add the header to a question's `source` list, or delete the column")
        for header in raw.unmapped_columns
    ]
    problems += [
        Problem(file, None, f"'{qid}'", None, "no column of the export holds this question",
                "check the question's `source` list against the export's headers", "warning")
        for qid in result.absent_questions
    ]
    per_row = _quarantine_problems(raw, result, codebook) + _value_problems(raw, result, codebook)
    return problems + sorted(per_row, key=lambda problem: problem.row)


def has_errors(problems: list[Problem]) -> bool:
    """Whether any problem is an error (``validate`` then exits 1)."""
    return any(problem.severity == "error" for problem in problems)


def format_problems(problems: list[Problem], *, source: str) -> str:
    """Every problem on its own line, then a one-line summary.

    Parameters
    ----------
    problems : list of Problem
    source : str
        The export, for the summary line.

    Returns
    -------
    str
    """
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    verdict = "is valid" if not errors else "is not valid"
    summary = f"{source} {verdict}: {errors} error(s), {warnings} warning(s)."
    return "\n".join([*(str(problem) for problem in problems), summary])


def _quarantine_problems(raw: RawExport, result: CleaningResult, codebook) -> list[Problem]:
    column = f"'{raw.headers.get(codebook.key, codebook.key)}'"
    problems = []
    for row, key, reasons in result.quarantine.itertuples(index=False):
        for reason in str(reasons).split("; "):
            serious = reason.startswith((REASON_DUPLICATE, REASON_NO_KEY))
            fix = ("remove the extra submission, or keep it: clean keeps the most complete one"
                   if reason.startswith(REASON_DUPLICATE) else
                   "fill in the respondent id, or delete the row" if reason.startswith(REASON_NO_KEY) else
                   "nothing to do: clean quarantines the row")
            value = None if pd.isna(key) else str(key)
            problems.append(Problem(raw.path, int(row), column, value,
                                    f"row quarantined: {reason}", fix, "error" if serious else "warning"))
    return problems


def _value_problems(raw: RawExport, result: CleaningResult, codebook) -> list[Problem]:
    log = result.log[result.log["rule"].isin(ERROR_RULES)]
    problems = []
    for row, _key, question, raw_value, _clean, rule in log.itertuples(index=False):
        header = raw.headers.get(question, question)
        column = f"'{header}'" + (f" ({question})" if header != question else "")
        detail = _detail(codebook.question(question), rule)
        problems.append(Problem(raw.path, int(row), column, str(raw_value),
                                f"{_MESSAGES[rule]}{detail}; cleaning sets it missing", _FIXES[rule]))
    return problems


def _detail(question, rule: str) -> str:
    if rule == "out_of_range" and question.range:
        low, high = question.range
        return f" [{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if rule == "max_select_exceeded":
        return f" (at most {question.max_select})"
    if rule in ("unknown_label", "unknown_option"):
        known = [level.label for level in (*question.levels, *question.options)][:6]
        return f" (expected one of: {'; '.join(known)})" if known else ""
    return ""

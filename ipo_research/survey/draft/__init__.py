"""Drafting a codebook: from a Qualtrics survey file, an SPSS/Stata file or an export alone.

:func:`draft_codebook` returns a :class:`Draft`: a codebook mapping that
:func:`ipo_research.survey.codebook.codebook_from_dict` accepts, checked against the export
(:mod:`ipo_research.survey.draft.checking`), with the list of what a person should review.
:func:`draft_command` is ``ipo-research codebook draft``: it writes the YAML (never over an
existing file without ``force``), prints what it decided and returns 1 when an export column or
a drafted question is left unmatched.

Sources, best first: a ``.qsf`` with its export (:mod:`~ipo_research.survey.draft.from_qsf`);
an SPSS ``.sav`` or Stata ``.dta`` (its own labels); any export alone (types read from the
values, :mod:`~ipo_research.survey.draft.from_export`). Every draft starts with the respondent
id question ``response_id`` (the survey ``key``), marks contact-detail questions ``pii`` (by
wording and by content) and carries the default missing codes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ipo_research.paths import DATA_DIR, project_path, relative_to_root
from ipo_research.survey.draft.checking import ExportCheck, check_against_export
from ipo_research.survey.draft.from_export import draft_from_grid, draft_from_stat_file, key_position
from ipo_research.survey.draft.from_qsf import draft_from_qsf
from ipo_research.survey.draft.questions import (
    DEFAULT_MISSING_CODES, KEY_ID, key_question, snake_id, unique_ids,
)
from ipo_research.survey.draft.writing import check_writable, render_draft, write_draft
from ipo_research.survey.exports import read_grid
from ipo_research.survey.qsf import read_qsf

__all__ = ["Draft", "draft_codebook", "draft_command", "default_draft_path", "review_lines"]

_STAT_SUFFIXES = (".sav", ".zsav", ".dta")


@dataclass
class Draft:
    """A drafted codebook and what to review.

    Attributes
    ----------
    codebook : dict
        The codebook mapping (``survey``, ``missing_codes``, ``sections``, ``questions``).
    origin : str
        What it was drafted from.
    notes : list of str
        Decisions to check.
    not_drafted : list of str
        Survey questions of a type the draft does not map.
    check : ExportCheck
        The draft read against the export.
    """

    codebook: dict
    origin: str
    notes: list = field(default_factory=list)
    not_drafted: list = field(default_factory=list)
    check: ExportCheck = field(default_factory=ExportCheck)

    @property
    def unresolved(self) -> bool:
        """Whether a column or a question is left unmatched (or the export could not be read)."""
        check = self.check
        return bool(check.unclaimed_columns or check.questions_without_column or check.error)

    @property
    def pii(self) -> list[str]:
        """Ids of the questions marked ``pii``."""
        return [question["id"] for question in self.codebook["questions"] if question.get("pii")]


def draft_codebook(export, *, qsf=None, layout: str | None = None) -> Draft:
    """Draft a codebook for ``export``.

    Parameters
    ----------
    export : str or Path
        The response export (any supported layout); relative paths start at the project root.
    qsf : str or Path, optional
        The survey's Qualtrics ``.qsf`` file.
    layout : str, optional
        Force the export layout.

    Returns
    -------
    Draft

    Raises
    ------
    ReadError
        When the export or the survey file cannot be read.
    """
    export_shown = relative_to_root(project_path(export))
    notes: list[str] = []
    not_drafted: list[str] = []
    if qsf is not None:
        survey = read_qsf(qsf)
        drafted = draft_from_qsf(survey)
        sections, questions = drafted.sections, drafted.questions
        notes, not_drafted = drafted.notes, drafted.not_drafted
        title, key_source = survey.title, None
        origin = f"{survey.path} and {export_shown}"
    elif Path(str(export)).suffix.lower() in _STAT_SUFFIXES:
        sections = [{"id": "questions", "title": "Questions"}]
        questions, notes, key_source = draft_from_stat_file(export, "questions")
        title, origin = Path(str(export)).stem, export_shown
    else:
        grid = read_grid(export, layout=layout)
        sections = [{"id": "questions", "title": "Questions"}]
        questions, notes = draft_from_grid(grid, "questions")
        position = key_position(grid)
        key_source = None if position is None else list(dict.fromkeys(t for t in grid.headers[position] if t))
        title, origin = Path(str(export)).stem, export_shown
    questions = unique_ids([key_question(sections[0]["id"] if sections else "questions", key_source),
                            *questions])
    if not sections:
        sections = [{"id": "questions", "title": "Questions"}]
    document = {
        "survey": {"id": snake_id(title), "title": title, "unit": "respondent", "key": KEY_ID},
        "missing_codes": list(DEFAULT_MISSING_CODES),
        "sections": sections,
        "questions": questions,
    }
    check = check_against_export(document, export, layout=layout)
    for question in questions:
        if question["id"] in check.contact_questions:
            question["pii"] = True
    return Draft(codebook=document, origin=origin, notes=notes + check.unknown_answers,
                 not_drafted=not_drafted, check=check)


def default_draft_path(export) -> Path:
    """Where a draft goes without ``--out``: ``data/{export name}.codebook.yaml``."""
    return DATA_DIR / f"{Path(str(export)).stem}.codebook.yaml"


def draft_command(export, *, qsf=None, out=None, force: bool = False, layout: str | None = None,
                  echo=print) -> int:
    """``ipo-research codebook draft``: draft, write, report; 1 when anything is left unmatched.

    Parameters
    ----------
    export, qsf, layout
        As :func:`draft_codebook`.
    out : str or Path, optional
        The YAML to write (default :func:`default_draft_path`).
    force : bool
        Overwrite an existing file.
    echo : callable
        Where the report lines go.

    Returns
    -------
    int
        0 when every column and question found each other, 1 otherwise.

    Raises
    ------
    ConfigError
        When ``out`` exists and ``force`` is false (nothing is written).
    """
    target = check_writable(out if out is not None else default_draft_path(export), force=force)
    draft = draft_codebook(export, qsf=qsf, layout=layout)
    lines = review_lines(draft)
    written = write_draft(render_draft(draft.codebook, header=_header(draft, lines)), target, force=force)
    echo(f"wrote {relative_to_root(written)}, drafted from {draft.origin}")
    for line in lines:
        echo(line)
    return 1 if draft.unresolved else 0


def review_lines(draft: Draft) -> list[str]:
    """What the draft decided and what needs a person: the command's report and the YAML header."""
    questions = draft.codebook["questions"]
    counts = Counter(question["type"] for question in questions)
    check = draft.check
    lines = [f"{len(questions)} questions: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))]
    lines.append(f"key: {KEY_ID} (the respondent id); pii (never written to an output): "
                 + (", ".join(draft.pii) or "none"))
    if check.error:
        lines.append(f"could not read the export with the draft: {check.error}")
    lines += [f"not drafted: {item}" for item in draft.not_drafted]
    lines += [f"export column claimed by no question: {column}" for column in check.unclaimed_columns]
    lines += [f"question with no column in the export: {qid}" for qid in check.questions_without_column]
    if check.metadata_columns:
        lines.append(f"platform metadata columns (kept apart): {len(check.metadata_columns)}")
    lines += [f"check: {note}" for note in draft.notes]
    return lines


def _header(draft: Draft, lines: list[str]) -> list[str]:
    return [
        f"Codebook drafted by `ipo-research codebook draft` from {draft.origin}.",
        "Review before running: question ids, types, levels and their order, ranges, units,",
        "which questions are pii, and the lines below.",
        "",
        *lines,
    ]

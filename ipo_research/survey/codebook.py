"""The codebook: the one description of a survey instrument.

Cleaning, validation, value labels, plots and notebooks read question ids, types and levels
from a :class:`Codebook`; nothing survey-specific is hard-coded elsewhere. The schema is the one
in docs/design.md (every field in :data:`CODEBOOK_FIELDS`). :func:`load_codebook` reads a YAML
file and checks it, listing every mistake with the question it concerns and the rule it breaks.

Examples
--------
>>> from ipo_research.survey.codebook import load_codebook
>>> codebook = load_codebook("data/codebook.yaml")
>>> codebook.key
'org_id'
>>> codebook.question("primary_network").level_codes[:2]
('cpd', 'peoples_action')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from ipo_research.exceptions import CodebookError
from ipo_research.paths import CODEBOOK_PATH, project_path, relative_to_root
from ipo_research.files import read_yaml

__all__ = [
    "QUESTION_TYPES",
    "CODEBOOK_FIELDS",
    "INDEX_METHODS",
    "INDEX_TRANSFORMS",
    "Level",
    "Question",
    "Index",
    "Section",
    "Codebook",
    "load_codebook",
    "codebook_from_dict",
]

QUESTION_TYPES = (
    "id", "text", "boolean", "single", "multi", "likert",
    "integer", "numeric", "state", "date",
)
INDEX_METHODS = ("mean_z",)
INDEX_TRANSFORMS = ("log1p",)
_LEVELLED_TYPES = ("single", "likert")
_NUMBER_TYPES = ("integer", "numeric", "likert")
_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
# Every field the codebook accepts, by the object that holds it; docs/design.md documents each
# one and a test keeps the two lists equal. A field not listed here is reported, never ignored.
CODEBOOK_FIELDS = {
    "codebook": ("survey", "missing_codes", "sections", "questions", "indices"),
    "survey": ("id", "title", "unit", "key"),
    "section": ("id", "title"),
    "question": ("id", "section", "type", "text", "source", "pii", "unit", "range", "levels",
                 "options", "max_select", "missing", "note"),
    "level": ("code", "label", "aliases", "source"),
    "index": ("id", "title", "items", "transform", "method", "min_items"),
}


@dataclass(frozen=True)
class Level:
    """One answer a single, likert or multi question offers.

    Attributes
    ----------
    code : str or int
        The value stored after cleaning (int for likert).
    label : str
        The text a respondent saw.
    aliases : tuple of str
        Other spellings that mean this level.
    source : tuple of str
        Raw headers of the export column that holds this option alone (a select-all exported
        as one column per option, e.g. ``Q8_1``); options only.
    """

    code: str | int
    label: str
    aliases: tuple[str, ...] = ()
    source: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every text that matches this level: code, label and aliases."""
        return (str(self.code), self.label, *self.aliases)


@dataclass(frozen=True)
class Question:
    """One question of the instrument.

    Attributes
    ----------
    id : str
        Snake-case id; the cleaned column name (multi: the prefix of one column per option).
    section : str
        Id of the section the question belongs to.
    type : str
        One of :data:`QUESTION_TYPES`.
    text : str
        The question as the survey asked it.
    source : tuple of str
        Raw headers (export tag, question text or import id) that map to this question.
    pii : bool
        True for personally identifying answers: never written to an output.
    unit : str or None
        Unit of a number (``USD``, ``percent``, ``people``...).
    range : tuple or None
        Inclusive ``(low, high)`` bounds; ``None`` for an open end.
    levels : tuple of Level
        Answers of a single or likert question, in display and reference order; for a boolean
        question, optionally the two codes (labelled Yes and No) its export uses.
    options : tuple of Level
        Options of a multi question.
    max_select : int or None
        Most options a multi question allows.
    missing : tuple of str
        Missing codes for this question, on top of the codebook's global ones.
    """

    id: str
    section: str
    type: str
    text: str
    source: tuple[str, ...] = ()
    pii: bool = False
    unit: str | None = None
    range: tuple[float | None, float | None] | None = None
    levels: tuple[Level, ...] = ()
    options: tuple[Level, ...] = ()
    max_select: int | None = None
    missing: tuple[str, ...] = ()

    @property
    def level_codes(self) -> tuple:
        """Codes of the levels, in codebook order."""
        return tuple(level.code for level in self.levels)

    @property
    def option_codes(self) -> tuple:
        """Codes of the options of a multi question, in codebook order."""
        return tuple(option.code for option in self.options)

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names this question has after cleaning."""
        if self.type == "multi":
            return tuple(f"{self.id}__{code}" for code in self.option_codes)
        return (self.id,)

    def label_of(self, code: Any) -> str:
        """The label of a level or option code, or the code itself as text if unknown."""
        for level in (*self.levels, *self.options):
            if str(level.code) == str(code):
                return level.label
        return str(code)


@dataclass(frozen=True)
class Index:
    """A composite score computed from several questions.

    Attributes
    ----------
    id : str
        Name of the index column.
    items : tuple of str
        Question ids it combines.
    transform : dict
        Item id -> transform applied before standardising (``log1p``).
    method : str
        How items combine; ``mean_z`` is the mean of z-scores of answered items.
    min_items : int
        Fewest answered items for a respondent to get a score.
    """

    id: str
    items: tuple[str, ...]
    transform: dict[str, str] = field(default_factory=dict)
    method: str = "mean_z"
    min_items: int = 1
    title: str | None = None


@dataclass(frozen=True)
class Section:
    """A section of the instrument."""

    id: str
    title: str


@dataclass(frozen=True)
class Codebook:
    """A validated survey instrument.

    Attributes
    ----------
    survey : dict
        ``id``, ``title``, ``unit`` and ``key`` of the survey.
    missing_codes : tuple of str
        Answers that mean "no answer" for every question.
    sections : tuple of Section
    questions : tuple of Question
    indices : tuple of Index
    path : str or None
        Where it was read from, relative to the project root, for messages.
    """

    survey: dict
    missing_codes: tuple[str, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    indices: tuple[Index, ...] = ()
    path: str | None = None

    @property
    def key(self) -> str:
        """Id of the question that identifies a respondent."""
        return self.survey["key"]

    @property
    def title(self) -> str:
        """Title of the survey."""
        return self.survey.get("title", self.survey["id"])

    @property
    def question_ids(self) -> tuple[str, ...]:
        """Ids of every question, in codebook order."""
        return tuple(question.id for question in self.questions)

    @property
    def pii_ids(self) -> tuple[str, ...]:
        """Ids of the questions marked ``pii``."""
        return tuple(question.id for question in self.questions if question.pii)

    @property
    def public_questions(self) -> tuple[Question, ...]:
        """Questions that may reach an output (every one not marked ``pii``)."""
        return tuple(question for question in self.questions if not question.pii)

    def has_question(self, question_id: str) -> bool:
        """Whether ``question_id`` is a question of this codebook."""
        return question_id in self._by_id()

    def question(self, question_id: str) -> Question:
        """The question with id ``question_id``.

        Raises
        ------
        CodebookError
            When no question has that id.
        """
        try:
            return self._by_id()[question_id]
        except KeyError:
            raise CodebookError(
                f"{self.path or 'codebook'}: no question '{question_id}'. "
                f"Use one of the ids in the codebook, e.g. {', '.join(self.question_ids[:5])}."
            ) from None

    def questions_in(self, section: str, *, types: tuple[str, ...] | None = None,
                     include_pii: bool = False) -> tuple[Question, ...]:
        """Questions of one section, optionally of some types, without PII by default."""
        if section not in {s.id for s in self.sections}:
            raise CodebookError(
                f"{self.path or 'codebook'}: no section '{section}'. "
                f"Sections are: {', '.join(s.id for s in self.sections)}."
            )
        return tuple(
            question for question in self.questions
            if question.section == section
            and (types is None or question.type in types)
            and (include_pii or not question.pii)
        )

    def section_title(self, section: str) -> str:
        """The title of a section."""
        for candidate in self.sections:
            if candidate.id == section:
                return candidate.title
        return section

    def missing_codes_for(self, question_id: str) -> tuple[str, ...]:
        """Global missing codes plus the question's own."""
        return (*self.missing_codes, *self.question(question_id).missing)

    def index(self, index_id: str) -> Index:
        """The index with id ``index_id``."""
        for candidate in self.indices:
            if candidate.id == index_id:
                return candidate
        raise CodebookError(f"{self.path or 'codebook'}: no index '{index_id}'.")

    def _by_id(self) -> dict[str, Question]:
        # Frozen dataclass: build the lookup on demand; codebooks are small.
        return {question.id: question for question in self.questions}


def load_codebook(path: str | Path = CODEBOOK_PATH) -> Codebook:
    """Read and validate a codebook YAML file.

    Parameters
    ----------
    path : str or Path, default ``data/codebook.yaml``
        Relative paths are resolved against the project root.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        When the file is missing, is not YAML, or breaks the schema; the message lists every
        problem with the question and the rule.

    Examples
    --------
    >>> load_codebook().survey["id"]
    'ipo_landscape_2016'
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise CodebookError(
            f"{shown}: codebook not found. Pass --codebook with the path of a codebook YAML "
            "file (the schema is in docs/design.md, Codebook)."
        )
    raw = read_yaml(resolved, shown=shown, error=CodebookError)
    return codebook_from_dict(raw, source=shown)


def codebook_from_dict(raw: Any, *, source: str = "codebook") -> Codebook:
    """Build a :class:`Codebook` from already-parsed YAML, validating it.

    Parameters
    ----------
    raw : dict
        The parsed YAML document.
    source : str, default "codebook"
        Name used in messages (usually the file path).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing every problem found.
    """
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise CodebookError(f"{source}: a codebook is a YAML mapping with survey, sections and questions.")
    _check_fields(raw, "codebook", "the codebook", problems)
    survey = raw.get("survey") or {}
    if not isinstance(survey, dict) or "id" not in survey or "key" not in survey:
        problems.append("survey: needs at least `id` and `key` (the id question of a respondent)")
        survey = survey if isinstance(survey, dict) else {}
    _check_fields(survey, "survey", "survey", problems)
    sections = tuple(_parse_section(item, problems) for item in raw.get("sections") or [])
    section_ids = {section.id for section in sections}
    questions = []
    seen: set[str] = set()
    for position, item in enumerate(raw.get("questions") or [], start=1):
        question = _parse_question(item, position, section_ids, problems)
        if question is None:
            continue
        if question.id in seen:
            problems.append(f"question '{question.id}': duplicate id (ids must be unique)")
        seen.add(question.id)
        questions.append(question)
    if not questions:
        problems.append("questions: the codebook lists no questions")
    by_id = {question.id: question for question in questions}
    key = survey.get("key")
    if key is not None and key in by_id and by_id[key].type != "id":
        problems.append(f"survey key '{key}': the key must be a question of type `id`, not `{by_id[key].type}`")
    elif key is not None and key not in by_id:
        problems.append(f"survey key '{key}': no question has this id; add an `id` question for it")
    indices = tuple(
        index for index in (_parse_index(item, by_id, problems) for item in raw.get("indices") or [])
        if index is not None
    )
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise CodebookError(f"{source}: the codebook has {len(problems)} problem(s):\n{listed}")
    return Codebook(
        survey=dict(survey),
        missing_codes=tuple(str(code) for code in raw.get("missing_codes") or ()),
        sections=sections,
        questions=tuple(questions),
        indices=indices,
        path=source,
    )


def _check_fields(item: dict, kind: str, where: str, problems: list[str]) -> None:
    unknown = sorted(str(name) for name in set(item) - set(CODEBOOK_FIELDS[kind]))
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}; a {kind} takes "
                        f"{', '.join(CODEBOOK_FIELDS[kind])} (docs/design.md, Codebook)")


def _parse_section(item: Any, problems: list[str]) -> Section:
    if not isinstance(item, dict) or "id" not in item:
        problems.append(f"sections: each section needs an `id` (got {item!r})")
        return Section(id=str(item), title=str(item))
    _check_fields(item, "section", f"section '{item['id']}'", problems)
    return Section(id=str(item["id"]), title=str(item.get("title", item["id"])))


def _parse_question(item: Any, position: int, section_ids: set[str],
                    problems: list[str]) -> Question | None:
    if not isinstance(item, dict) or "id" not in item:
        problems.append(f"question #{position}: needs an `id`")
        return None
    qid = str(item["id"])
    where = f"question '{qid}'"
    if not _SNAKE_CASE.match(qid):
        problems.append(f"{where}: ids are snake_case (lower-case letters, digits, underscores)")
    _check_fields(item, "question", where, problems)
    qtype = item.get("type")
    if qtype not in QUESTION_TYPES:
        problems.append(f"{where}: unknown type {qtype!r}; use one of {', '.join(QUESTION_TYPES)}")
    section = str(item.get("section", ""))
    if section_ids and section not in section_ids:
        problems.append(f"{where}: unknown section {section!r}; declare it under `sections`")
    levels = _parse_levels(item.get("levels"), where, "levels", problems)
    options = _parse_levels(item.get("options"), where, "options", problems)
    if qtype in _LEVELLED_TYPES and not levels:
        problems.append(f"{where}: a {qtype} question needs `levels`")
    if qtype == "boolean" and levels and sorted(_truth_word(level.label) for level in levels) != ["no", "yes"]:
        problems.append(f"{where}: a boolean question's levels (the codes its export uses) are two, "
                        "labelled Yes and No")
    if qtype == "multi" and not options:
        problems.append(f"{where}: a multi question needs `options`")
    if qtype == "likert" and any(not isinstance(level.code, int) for level in levels):
        problems.append(f"{where}: likert level codes must be integers")
    max_select = item.get("max_select")
    if max_select is not None and (not isinstance(max_select, int) or max_select < 1):
        problems.append(f"{where}: max_select must be a positive integer, got {max_select!r}")
    bounds = _parse_range(item.get("range"), where, qtype, problems)
    source = item.get("source") or ()
    if isinstance(source, str):
        source = (source,)
    return Question(
        id=qid,
        section=section,
        type=str(qtype),
        text=str(item.get("text", qid)),
        source=tuple(str(header) for header in source),
        pii=bool(item.get("pii", False)),
        unit=item.get("unit"),
        range=bounds,
        levels=levels,
        options=options,
        max_select=max_select,
        missing=tuple(str(code) for code in item.get("missing") or ()),
    )


def _truth_word(label: str) -> str:
    word = label.strip().lower()
    return {"true": "yes", "false": "no"}.get(word, word)


def _parse_levels(raw: Any, where: str, name: str, problems: list[str]) -> tuple[Level, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"{where}: `{name}` must be a list of {{code, label}}")
        return ()
    levels = []
    for item in raw:
        if not isinstance(item, dict) or "code" not in item or "label" not in item:
            problems.append(f"{where}: each of `{name}` needs a `code` and a `label` (got {item!r})")
            continue
        _check_fields(item, "level", f"{where}, {name[:-1]} '{item['code']}'", problems)
        aliases = item.get("aliases") or ()
        source = item.get("source") or ()
        source = (source,) if isinstance(source, str) else source
        levels.append(Level(code=item["code"], label=str(item["label"]),
                            aliases=tuple(str(alias) for alias in aliases),
                            source=tuple(str(header) for header in source)))
    codes = [str(level.code) for level in levels]
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        problems.append(f"{where}: duplicate {name} code(s) {', '.join(duplicated)}")
    return tuple(levels)


def _parse_range(raw: Any, where: str, qtype: Any, problems: list[str]):
    if raw is None:
        return None
    if not isinstance(raw, (list, tuple)) or len(raw) != 2:
        problems.append(f"{where}: range must be [low, high] (null for an open end), got {raw!r}")
        return None
    low, high = raw
    if qtype not in _NUMBER_TYPES and qtype != "date":
        problems.append(f"{where}: range applies to numbers and dates, not to a {qtype} question")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: range low end {low} is above its high end {high}")
    return (low, high)


def _parse_index(item: Any, by_id: dict[str, Question], problems: list[str]) -> Index | None:
    if not isinstance(item, dict) or "id" not in item or not item.get("items"):
        problems.append(f"indices: each index needs an `id` and `items` (got {item!r})")
        return None
    where = f"index '{item['id']}'"
    _check_fields(item, "index", where, problems)
    items = tuple(str(name) for name in item["items"])
    for name in items:
        if name not in by_id:
            problems.append(f"{where}: item '{name}' is not a question in the codebook")
        elif by_id[name].type not in _NUMBER_TYPES + ("boolean",):
            problems.append(f"{where}: item '{name}' is a {by_id[name].type} question; items must be numbers")
    transform = dict(item.get("transform") or {})
    for name, how in transform.items():
        if name not in items:
            problems.append(f"{where}: transform names '{name}', which is not one of its items")
        if how not in INDEX_TRANSFORMS:
            problems.append(f"{where}: unknown transform {how!r} for '{name}'; use {', '.join(INDEX_TRANSFORMS)}")
    method = item.get("method", "mean_z")
    if method not in INDEX_METHODS:
        problems.append(f"{where}: unknown method {method!r}; use {', '.join(INDEX_METHODS)}")
    min_items = item.get("min_items", 1)
    if not isinstance(min_items, int) or not 1 <= min_items <= len(items):
        problems.append(f"{where}: min_items must be between 1 and the number of items ({len(items)})")
    return Index(id=str(item["id"]), items=items, transform=transform, method=method,
                 min_items=min_items if isinstance(min_items, int) else 1,
                 title=item.get("title"))

"""Reading a Qualtrics survey file (``.qsf``): the questions, in the order respondents saw them.

A ``.qsf`` is the JSON description of a Qualtrics survey that "Tools > Import/Export > Export
survey" downloads. This module reads it into plain records and decides nothing about a
codebook (that is :mod:`ipo_research.survey.draft`'s job).

What is read
------------
``SurveyEntry.SurveyName``
    The survey's title.
``BL`` (blocks)
    Each block's questions, in block order; the ``Trash`` block is skipped.
``FL`` (survey flow)
    Block order: blocks in flow order (nested branches, groups and randomizers included), then
    any block the flow does not reach.
``SQ`` (survey questions)
    ``QuestionID`` (the ImportId), ``DataExportTag``, ``QuestionType``, ``Selector``,
    ``SubSelector``, the question text with HTML stripped, ``Choices`` in ``ChoiceOrder`` (for a
    matrix: the statements), ``Answers`` in ``AnswerOrder`` (a matrix's scale points),
    ``RecodeValues``, ``VariableNaming``, ``ChoiceDataExportTags``, ``AnalyzeChoices``
    ("No": excluded from analysis), a choice's ``TextEntry``, ``Validation.Settings`` and
    ``Configuration``.

Examples
--------
>>> survey = read_qsf("data/synthetic/ipo_survey_2016_synthetic.qsf")  # doctest: +SKIP
>>> survey.questions[0].tag  # doctest: +SKIP
'Q1'
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ipo_research.exceptions import ReadError
from ipo_research.paths import project_path, relative_to_root

__all__ = ["ALIASES_KEY", "QsfChoice", "QsfQuestion", "QsfSurvey", "read_qsf", "parse_qsf", "strip_html"]

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# A package-private choice key: synthetic QSFs written by ipo_research.synth record the
# codebook's aliases under it. Qualtrics itself never writes it.
ALIASES_KEY = "IpoResearchAliases"


@dataclass(frozen=True)
class QsfChoice:
    """One choice, statement or scale point.

    Attributes
    ----------
    id : str
        The choice id (``"1"``, ``"2"``...).
    label : str
        Display text, HTML stripped.
    recode : str or None
        The recode value, when the survey sets one.
    variable_name : str or None
        The ``VariableNaming`` entry (the value label SPSS exports show).
    export_tag : str or None
        The ``ChoiceDataExportTags`` entry (a matrix statement's own column tag).
    text_entry : bool
        Whether the choice has a text box ("Other, please specify").
    excluded : bool
        Excluded from analysis (``AnalyzeChoices`` "No"): a missing-value answer.
    aliases : tuple of str
        Other spellings (only in QSFs written by this package's synth).
    """

    id: str
    label: str
    recode: str | None = None
    variable_name: str | None = None
    export_tag: str | None = None
    text_entry: bool = False
    excluded: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class QsfQuestion:
    """One ``SQ`` element of a QSF.

    Attributes
    ----------
    qid : str
        ``QuestionID`` (``QID5``): the ImportId of its export columns.
    tag : str
        ``DataExportTag`` (``Q5``): the row-1 header of its export columns.
    text : str
        Question text, HTML stripped.
    type, selector, sub_selector : str
        ``QuestionType`` (``MC``, ``Matrix``, ``TE``, ``Slider``...), ``Selector`` and
        ``SubSelector``.
    choices : tuple of QsfChoice
        Choices (statements of a matrix, fields of a form, sliders) in display order.
    answers : tuple of QsfChoice
        A matrix's scale points, in display order.
    validation : dict
        ``Validation.Settings``.
    configuration : dict
        ``Configuration``.
    block : str
        Description of the block that holds it.
    """

    qid: str
    tag: str
    text: str
    type: str
    selector: str = ""
    sub_selector: str = ""
    choices: tuple[QsfChoice, ...] = ()
    answers: tuple[QsfChoice, ...] = ()
    validation: dict = field(default_factory=dict)
    configuration: dict = field(default_factory=dict)
    block: str = ""


@dataclass(frozen=True)
class QsfSurvey:
    """A QSF as read: title and questions in survey-flow order."""

    title: str
    questions: tuple[QsfQuestion, ...]
    path: str = "<memory>"


def strip_html(text) -> str:
    """Question or choice text as an export shows it: tags removed, entities decoded, spaces collapsed.

    Examples
    --------
    >>> strip_html("<b>Your&nbsp;name</b><br>please")
    'Your name please'
    """
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", str(text or "")))).strip()


def read_qsf(path: str | Path) -> QsfSurvey:
    """Read a ``.qsf`` file.

    Parameters
    ----------
    path : str or Path
        Relative paths are resolved against the project root.

    Returns
    -------
    QsfSurvey

    Raises
    ------
    ReadError
        When the file is missing, not JSON or not a Qualtrics survey file.
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise ReadError(f"{shown}: survey file not found. Export it from Qualtrics (Tools > "
                        "Import/Export > Export survey) and pass its path with --qsf.")
    try:
        raw = json.loads(resolved.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise ReadError(f"{shown}: not a readable .qsf file ({error}). Export the survey from "
                        "Qualtrics again.") from None
    return parse_qsf(raw, where=shown)


def parse_qsf(raw, *, where: str = "<memory>") -> QsfSurvey:
    """Read an already-parsed QSF document (see :func:`read_qsf`)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("SurveyElements"), list):
        raise ReadError(f"{where}: not a Qualtrics survey file (no SurveyElements list). Pass the "
                        ".qsf that Qualtrics exports, not a response export.")
    elements = [element for element in raw["SurveyElements"] if isinstance(element, dict)]
    payloads = {}
    for element in elements:
        if element.get("Element") == "SQ" and isinstance(element.get("Payload"), dict):
            payload = element["Payload"]
            payloads[str(payload.get("QuestionID") or element.get("PrimaryAttribute"))] = payload
    questions = []
    for block_name, qids in _blocks_in_flow(elements):
        for qid in qids:
            if qid in payloads:
                questions.append(_question(qid, payloads[qid], block_name))
    title = str((raw.get("SurveyEntry") or {}).get("SurveyName") or "survey")
    return QsfSurvey(title=title, questions=tuple(questions), path=where)


def _blocks_in_flow(elements) -> list[tuple[str, list[str]]]:
    blocks: dict[str, tuple[str, list[str]]] = {}
    for element in elements:
        if element.get("Element") != "BL":
            continue
        payload = element.get("Payload") or []
        items = payload.values() if isinstance(payload, dict) else payload
        for block in items:
            if not isinstance(block, dict) or block.get("Type") == "Trash":
                continue
            qids = [str(item.get("QuestionID")) for item in block.get("BlockElements") or []
                    if isinstance(item, dict) and item.get("Type") == "Question"]
            blocks[str(block.get("ID"))] = (str(block.get("Description") or block.get("ID")), qids)
    order: list[str] = []
    for element in elements:
        if element.get("Element") == "FL" and isinstance(element.get("Payload"), dict):
            _walk_flow(element["Payload"], order)
    order = [block_id for block_id in dict.fromkeys(order) if block_id in blocks]
    order += [block_id for block_id in blocks if block_id not in order]
    return [blocks[block_id] for block_id in order]


def _walk_flow(node: dict, order: list[str]) -> None:
    if node.get("Type") in ("Block", "Standard", "Default") and node.get("ID"):
        order.append(str(node["ID"]))
    for child in node.get("Flow") or []:
        if isinstance(child, dict):
            _walk_flow(child, order)


def _question(qid: str, payload: dict, block: str) -> QsfQuestion:
    recodes = _mapping(payload.get("RecodeValues"))
    names = _mapping(payload.get("VariableNaming"))
    export_tags = _mapping(payload.get("ChoiceDataExportTags"))
    analyze = _mapping(payload.get("AnalyzeChoices"))
    is_matrix = payload.get("QuestionType") == "Matrix"
    # In a matrix the recodes and names belong to the scale points, the export tags to statements.
    choices = _choices(payload.get("Choices"), payload.get("ChoiceOrder"),
                       recodes={} if is_matrix else recodes, names={} if is_matrix else names,
                       export_tags=export_tags, analyze={} if is_matrix else analyze)
    answers = _choices(payload.get("Answers"), payload.get("AnswerOrder"), recodes=recodes,
                       names=names, export_tags={}, analyze=analyze) if is_matrix else ()
    validation = (payload.get("Validation") or {}).get("Settings") or {}
    return QsfQuestion(
        qid=qid,
        tag=str(payload.get("DataExportTag") or qid),
        text=strip_html(payload.get("QuestionText") or payload.get("QuestionDescription") or ""),
        type=str(payload.get("QuestionType") or ""),
        selector=str(payload.get("Selector") or ""),
        sub_selector=str(payload.get("SubSelector") or ""),
        choices=choices,
        answers=answers,
        validation=validation if isinstance(validation, dict) else {},
        configuration=payload.get("Configuration") if isinstance(payload.get("Configuration"), dict) else {},
        block=block,
    )


def _mapping(value) -> dict[str, str]:
    return {str(key): str(item) for key, item in value.items()} if isinstance(value, dict) else {}


def _choices(raw, order, *, recodes, names, export_tags, analyze) -> tuple[QsfChoice, ...]:
    if isinstance(raw, list):  # some exports write choices as a list numbered from 1
        raw = {str(position): item for position, item in enumerate(raw, start=1) if item}
    if not isinstance(raw, dict):
        return ()
    ids = [str(item) for item in order or [] if str(item) in raw]
    ids += [key for key in raw if key not in ids]
    choices = []
    for choice_id in ids:
        item = raw[choice_id] if isinstance(raw[choice_id], dict) else {"Display": raw[choice_id]}
        text_entry = str(item.get("TextEntry", "")).lower() in ("true", "1", "on")
        choices.append(QsfChoice(
            id=choice_id,
            label=strip_html(item.get("Display", "")),
            recode=recodes.get(choice_id),
            variable_name=names.get(choice_id),
            export_tag=export_tags.get(choice_id),
            text_entry=text_entry,
            excluded=analyze.get(choice_id, "").lower() == "no",
            aliases=tuple(str(alias) for alias in item.get(ALIASES_KEY) or ()),
        ))
    return tuple(choices)

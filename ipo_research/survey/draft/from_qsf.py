"""Codebook questions from a Qualtrics survey file, one QSF question at a time.

The rules (see the README section "Bringing your own survey"):

- multiple choice, one answer (``SAVR``, ``SAHR``, ``SACOL``, ``DL``, ``SB``, ``NPS``) ->
  ``single`` with level codes from ``RecodeValues`` (else the choice ids) and labels from the
  choice text; two choices reading Yes and No -> ``boolean``; a list of US states ->
  ``state``; explicitly recoded whole numbers on a worded rating scale (and ``NPS``) ->
  ``likert``. A ``VariableNaming`` entry that differs from the label becomes an alias;
  choices excluded from analysis become the question's ``missing`` answers; a boolean keeps
  its two choices as ``levels`` so a numeric export's codes (Yes 1, No 2) read right;
- multiple choice, several answers (``MAVR``, ``MAHR``, ``MACOL``, ``MSB``) -> ``multi``; each
  option's ``source`` names its own column of a split export (``Q8_1``); a ``MaxChoices``
  validation -> ``max_select``;
- a choice with a text box -> a companion ``text`` question ``{id}_{choice}_text``;
- matrix, one answer per statement -> one ``likert`` per statement sharing the scale (``single``
  when the scale's codes are not whole numbers); several answers -> one ``multi`` per
  statement; a statement's ``ChoiceDataExportTags`` entry is its column tag;
- text entry -> ``text`` (a form: one per field); ``ValidNumber`` -> ``integer`` (no decimals)
  or ``numeric`` with ``range`` from its min and max; ``ValidDate`` -> ``date``; slider ->
  ``numeric`` per slider with the slider's range;
- descriptive text is skipped; any other type (side by side, rank order, heat map, timing...)
  is listed as not drafted, never guessed.

``source`` lists the export tag, the ImportId and the question text as exports write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ipo_research.survey.draft.questions import (
    code_of, is_scale, is_states, is_yes_no, looks_like_pii, question_entry, snake_id, unit_of,
)
from ipo_research.survey.qsf import QsfChoice, QsfQuestion, QsfSurvey

__all__ = ["QsfDraft", "draft_from_qsf"]

SINGLE_SELECTORS = {"SAVR", "SAHR", "SACOL", "DL", "SB", "NPS"}
MULTI_SELECTORS = {"MAVR", "MAHR", "MACOL", "MSB"}
TEXT_SELECTORS = {"SL", "ML", "ESTB", "PW", "", "BLANK"}
_PII_CONTENT = {"ValidEmail", "ValidPhone", "ValidUSPhone", "ValidZip", "ValidUSZip"}


@dataclass
class QsfDraft:
    """Questions drafted from a QSF, with what needs a person's look.

    Attributes
    ----------
    sections : list of dict
        ``{id, title}`` per block, in flow order.
    questions : list of dict
        Codebook question mappings (ids not yet made unique).
    notes : list of str
        Decisions a person should check.
    not_drafted : list of str
        Questions of a type the draft does not map.
    """

    sections: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    not_drafted: list = field(default_factory=list)


def draft_from_qsf(survey: QsfSurvey) -> QsfDraft:
    """Draft codebook questions from every question of a QSF, in survey-flow order.

    Parameters
    ----------
    survey : QsfSurvey
        From :func:`ipo_research.survey.qsf.read_qsf`.

    Returns
    -------
    QsfDraft
    """
    draft = QsfDraft()
    titles: dict[str, str] = {}
    for question in survey.questions:
        section = snake_id(question.block or "questions")
        titles.setdefault(section, question.block or "Questions")
        drafted = _draft_one(question, section, draft)
        draft.questions.extend(drafted)
    draft.sections = [{"id": section, "title": title} for section, title in titles.items()]
    return draft


def _draft_one(question: QsfQuestion, section: str, draft: QsfDraft) -> list[dict]:
    kind, selector = question.type, question.selector
    where = f"{question.tag} ({question.qid})"
    if kind == "DB":
        return []
    if kind == "MC" and selector in SINGLE_SELECTORS:
        return _single(question, section, draft, where)
    if kind == "MC" and selector in MULTI_SELECTORS:
        return _multi(question, section)
    if kind == "Matrix" and selector in ("Likert", "Bipolar") and question.sub_selector in (
            "SingleAnswer", "DL", "MultipleAnswer"):
        return _matrix(question, section, draft, where)
    if kind == "TE" and selector == "FORM":
        return [_typed(question, section, f"{question.tag}_{field.id}", [f"{question.qid}_{field.id}"],
                       f"{question.text} - {field.label}") for field in question.choices]
    if kind == "TE" and selector in TEXT_SELECTORS:
        return [_typed(question, section, question.tag, [f"{question.qid}_TEXT"], question.text)]
    if kind == "Slider":
        return _sliders(question, section)
    draft.not_drafted.append(f"{where}: {kind}/{selector or '-'} question '{_short(question.text)}' "
                             "is not drafted (add it by hand if you analyse it)")
    return []


def _single(question, section, draft, where) -> list[dict]:
    kept = [choice for choice in question.choices if not choice.excluded]
    labels = [choice.label for choice in kept]
    missing = _missing_answers(question.choices)
    base = dict(id=snake_id(question.tag), section=section, text=question.text,
                source=[question.tag, question.qid, question.text])
    if is_yes_no(labels):
        entry = question_entry(**base, type="boolean", levels=_levels(kept), missing=missing)
    elif is_states(labels):
        entry = question_entry(**base, type="state", missing=missing)
    else:
        levels = _levels(kept)
        codes = [level["code"] for level in levels]
        explicit = all(choice.recode is not None for choice in kept)
        likert = question.selector == "NPS" or (explicit and is_scale(codes, labels))
        entry = question_entry(**base, type="likert" if likert else "single", levels=levels,
                               missing=missing)
        if likert and question.selector != "NPS":
            draft.notes.append(f"{where}: read as likert (recoded whole numbers on a rating scale); "
                               "make it single if the order means nothing")
    return [entry, *_companions(question, section, question.tag, question.qid)]


def _multi(question, section) -> list[dict]:
    options = _levels([choice for choice in question.choices if not choice.excluded])
    for option, choice in zip(options, [c for c in question.choices if not c.excluded]):
        option["source"] = [f"{question.tag}_{choice.id}", f"{question.qid}_{choice.id}"]
    entry = question_entry(id=snake_id(question.tag), section=section, type="multi", text=question.text,
                           source=[question.tag, question.qid, question.text], options=options,
                           max_select=_max_choices(question.validation),
                           missing=_missing_answers(question.choices))
    return [entry, *_companions(question, section, question.tag, question.qid)]


def _matrix(question, section, draft, where) -> list[dict]:
    scale = [answer for answer in question.answers if not answer.excluded]
    levels = _levels(scale)
    missing = _missing_answers(question.answers)
    multiple = question.sub_selector == "MultipleAnswer"
    likert = all(isinstance(level["code"], int) for level in levels)
    if not multiple and not likert:
        draft.notes.append(f"{where}: matrix scale codes are not whole numbers; drafted as single "
                           "questions (recode the scale to numbers in Qualtrics for likert)")
    entries = []
    for statement in question.choices:
        tag = statement.export_tag or f"{question.tag}_{statement.id}"
        qid = f"{question.qid}_{statement.id}"
        text = f"{question.text} - {statement.label}"
        base = dict(id=snake_id(tag), section=section, text=text, source=[tag, qid, text])
        if multiple:
            options = [dict(level, source=[f"{tag}_{answer.id}", f"{qid}_{answer.id}"])
                       for level, answer in zip(levels, scale)]
            entries.append(question_entry(**base, type="multi", options=options, missing=missing))
        else:
            entries.append(question_entry(**base, type="likert" if likert else "single",
                                          levels=[dict(level) for level in levels], missing=missing))
        if statement.text_entry:
            entries.append(_companion(section, tag, qid, text))
    return entries


def _sliders(question, section) -> list[dict]:
    low = _number(question.configuration.get("CSSliderMin"))
    high = _number(question.configuration.get("CSSliderMax"))
    entries = []
    for slider in question.choices:
        tag = f"{question.tag}_{slider.id}"
        text = f"{question.text} - {slider.label}" if len(question.choices) > 1 else question.text
        entries.append(question_entry(
            id=snake_id(tag), section=section, type="numeric", text=text,
            source=[tag, f"{question.qid}_{slider.id}", text], unit=unit_of(question.text),
            range=[low, high] if (low, high) != (None, None) else None))
    return entries


def _typed(question, section, tag, import_ids, text) -> dict:
    settings = question.validation
    content = str(settings.get("ContentType") or "")
    details = settings.get("ValidDetails") if isinstance(settings.get("ValidDetails"), dict) else {}
    base = dict(id=snake_id(tag), section=section, text=text, source=[tag, *import_ids, text])
    if content == "ValidNumber":
        decimals = str(details.get("NumDecimals", "")).strip()
        low, high = _number(details.get("Min")), _number(details.get("Max"))
        return question_entry(**base, type="integer" if decimals == "0" else "numeric",
                              unit=unit_of(question.text),
                              range=[low, high] if (low, high) != (None, None) else None)
    if content in ("ValidDate", "ValidDateTime"):
        return question_entry(**base, type="date")
    return question_entry(**base, type="text", pii=content in _PII_CONTENT or looks_like_pii(text))


def _companions(question, section, tag, qid) -> list[dict]:
    return [_companion(section, f"{tag}_{choice.id}", f"{qid}_{choice.id}",
                       f"{question.text} - {choice.label}")
            for choice in question.choices if choice.text_entry]


def _companion(section, tag, qid, text) -> dict:
    text = f"{text} - Text"
    return question_entry(id=snake_id(f"{tag}_text"), section=section, type="text", text=text,
                          source=[f"{tag}_TEXT", f"{qid}_TEXT", text], pii=looks_like_pii(text))


def _levels(choices: list[QsfChoice]) -> list[dict]:
    levels = []
    for choice in choices:
        aliases = [name for name in (choice.variable_name, *choice.aliases)
                   if name and name.strip().lower() != choice.label.strip().lower()]
        level = {"code": code_of(choice.recode if choice.recode is not None else choice.id),
                 "label": choice.label}
        if aliases:
            level["aliases"] = list(dict.fromkeys(aliases))
        levels.append(level)
    return levels


def _missing_answers(choices) -> list[str]:
    missing = []
    for choice in choices:
        if choice.excluded:
            missing += [choice.label, str(code_of(choice.recode if choice.recode is not None else choice.id))]
    return list(dict.fromkeys(missing))


def _max_choices(settings: dict) -> int | None:
    for name in ("MaxChoices", "MaxSelections"):
        value = _number(settings.get(name))
        if isinstance(value, int) and value > 0:
            return value
    return None


def _number(value):
    if value is None or str(value).strip() == "":
        return None
    code = code_of(value)
    if isinstance(code, int):
        return code
    try:
        return float(code)
    except ValueError:
        return None


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."

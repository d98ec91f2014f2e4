"""The synthetic survey's Qualtrics survey file (``.qsf``), written from the codebook.

Private to :mod:`ipo_research.synth.generator`. Each codebook question becomes the Qualtrics
question that would have produced its export columns: its ``source`` gives the export tag, the
ImportId (``QuestionID``) and the text. Questions whose ImportIds read ``QIDn_m`` are the
statements of one matrix (likert) or the fields of one form (numbers); ``QIDn_TEXT`` is a text
entry (numbers carry a ``ValidNumber`` validation with the codebook's range, no decimals for an
integer); ``QIDn_m_TEXT`` is the text box of choice ``m``. Single and multi questions keep their
codes as ``RecodeValues``; a question's own missing answers are choices excluded from analysis;
a multi's ``max_select`` is a ``MaxChoices`` validation. Qualtrics has no place for aliases: they
go under a key of this package's own (:data:`ipo_research.survey.qsf.ALIASES_KEY`), so drafting
from this file gives back the codebook exactly; a real QSF has none.
"""

from __future__ import annotations

import json
import re

from ipo_research.survey.qsf import ALIASES_KEY
from ipo_research.survey.states import STATE_NAMES

__all__ = ["survey_file"]

_SURVEY_ID = "SV_ipoResearchSynthetic"
_GROUPED = re.compile(r"^(QID\d+)_(\d+)$")
_CHOICE_TEXT = re.compile(r"^(QID\d+)_(\d+)_TEXT$")


def survey_file(codebook) -> str:
    """The ``.qsf`` JSON text of the codebook's survey (deterministic: same codebook, same bytes)."""
    payloads: dict[str, dict] = {}
    sections: dict[str, list[str]] = {section.id: [] for section in codebook.sections}
    text_boxes: list[tuple[str, str]] = []
    for question in codebook.questions:
        if question.type == "id":
            continue
        tag, import_id, text = _source(question)
        boxed = _CHOICE_TEXT.match(import_id)
        grouped = _GROUPED.match(import_id)
        if boxed:
            text_boxes.append((boxed[1], boxed[2]))
            continue
        if grouped:
            qid = grouped[1]
            if qid not in payloads:
                payloads[qid] = _grouped(question, qid, tag.rsplit("_", 1)[0], text.rsplit(" - ", 1)[0])
                sections[question.section].append(qid)
            _add_item(payloads[qid], grouped[2], tag, text.rsplit(" - ", 1)[-1])
            continue
        qid = import_id.removesuffix("_TEXT")
        payloads[qid] = _text_entry(question, qid, tag, text) if import_id.endswith("_TEXT") \
            else _choice_question(question, qid, tag, text)
        sections[question.section].append(qid)
    for qid, choice in text_boxes:
        payloads[qid]["Choices"][choice]["TextEntry"] = "true"
    return json.dumps(_document(codebook, payloads, sections), indent=1, ensure_ascii=False) + "\n"


def _source(question) -> tuple[str, str, str]:
    source = [*question.source, question.id, question.id, question.text]
    return source[0], source[1], source[2] if len(question.source) >= 3 else question.text


def _document(codebook, payloads, sections) -> dict:
    blocks = [{"Type": "Standard", "Description": codebook.section_title(section), "ID": f"BL_{section}",
               "BlockElements": [{"Type": "Question", "QuestionID": qid} for qid in qids]}
              for section, qids in sections.items()]
    blocks.append({"Type": "Trash", "Description": "Trash / Unused Questions", "ID": "BL_trash",
                   "BlockElements": []})
    flow = [{"ID": f"BL_{section}", "Type": "Standard", "FlowID": f"FL_{position}"}
            for position, section in enumerate(sections, start=2)]
    elements = [
        {"SurveyID": _SURVEY_ID, "Element": "BL", "PrimaryAttribute": "Survey Blocks", "Payload": blocks},
        {"SurveyID": _SURVEY_ID, "Element": "FL", "PrimaryAttribute": "Survey Flow",
         "Payload": {"Type": "Root", "FlowID": "FL_1", "Flow": flow}},
    ]
    elements += [{"SurveyID": _SURVEY_ID, "Element": "SQ", "PrimaryAttribute": qid,
                  "SecondaryAttribute": payload["QuestionText"][:100], "Payload": payload}
                 for qid, payload in payloads.items()]
    return {"SurveyEntry": {"SurveyID": _SURVEY_ID, "SurveyName": codebook.title, "SurveyLanguage": "EN",
                            "SurveyStatus": "Inactive"},
            "SurveyElements": elements}


def _base(qid, tag, text, qtype, selector, sub_selector=None) -> dict:
    payload = {"QuestionText": text, "DataExportTag": tag, "QuestionType": qtype, "Selector": selector}
    if sub_selector:
        payload["SubSelector"] = sub_selector
    payload["QuestionID"] = qid
    return payload


def _choice_question(question, qid, tag, text) -> dict:
    if question.type == "state":
        payload = _base(qid, tag, text, "MC", "DL")
        _set_choices(payload, [(name, None, ()) for name in sorted(STATE_NAMES.values())], question.missing)
        return payload
    if question.type == "boolean":
        payload = _base(qid, tag, text, "MC", "SAVR", "TX")
        _set_choices(payload, [("Yes", "1", ()), ("No", "0", ())], question.missing)
        return payload
    multi = question.type == "multi"
    payload = _base(qid, tag, text, "MC", "MAVR" if multi else "SAVR", "TX")
    levels = question.options if multi else question.levels
    _set_choices(payload, [(level.label, str(level.code), level.aliases) for level in levels], question.missing)
    if question.max_select:
        payload["Validation"] = {"Settings": {"ForceResponse": "OFF", "Type": "MinMaxChoices",
                                              "MaxChoices": str(question.max_select)}}
    return payload


def _set_choices(payload, choices, missing) -> None:
    every = [*choices, *[(answer, None, ()) for answer in missing]]
    payload["Choices"] = {}
    for position, (label, _, aliases) in enumerate(every, start=1):
        payload["Choices"][str(position)] = {"Display": label, **({ALIASES_KEY: list(aliases)} if aliases else {})}
    payload["ChoiceOrder"] = [str(position) for position in range(1, len(every) + 1)]
    if any(code is not None for _, code, _ in choices):
        payload["RecodeValues"] = {str(position): code for position, (_, code, _) in enumerate(choices, start=1)}
    if missing:
        payload["AnalyzeChoices"] = {str(position): "No" for position in range(len(choices) + 1, len(every) + 1)}


def _text_entry(question, qid, tag, text) -> dict:
    payload = _base(qid, tag, text, "TE", "ESTB" if question.type == "text" and len(text) > 60 else "SL")
    validation = _number_validation(question)
    if validation:
        payload["Validation"] = validation
    return payload


def _number_validation(question) -> dict | None:
    if question.type not in ("integer", "numeric"):
        return {"Settings": {"ForceResponse": "OFF", "Type": "ContentType", "ContentType": "ValidDate"}} \
            if question.type == "date" else None
    low, high = question.range or (None, None)
    details = {"Min": _number_text(low), "Max": _number_text(high),
               "NumDecimals": "0" if question.type == "integer" else ""}
    return {"Settings": {"ForceResponse": "OFF", "Type": "ContentType", "ContentType": "ValidNumber",
                         "ValidDetails": details}}


def _number_text(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _grouped(question, qid, tag, stem) -> dict:
    if question.type == "likert":
        payload = _base(qid, tag, stem, "Matrix", "Likert", "SingleAnswer")
        payload["Choices"], payload["ChoiceOrder"] = {}, []
        payload["Answers"] = {str(p): {"Display": level.label} for p, level in enumerate(question.levels, 1)}
        payload["AnswerOrder"] = [str(p) for p in range(1, len(question.levels) + 1)]
        payload["RecodeValues"] = {str(p): str(level.code) for p, level in enumerate(question.levels, 1)}
        payload["ChoiceDataExportTags"] = False
        return payload
    payload = _base(qid, tag, stem, "TE", "FORM")
    payload["Choices"], payload["ChoiceOrder"] = {}, []
    validation = _number_validation(question)
    if validation:
        payload["Validation"] = validation
    return payload


def _add_item(payload, item_id, tag, label) -> None:
    payload["Choices"][item_id] = {"Display": label}
    payload["ChoiceOrder"].append(item_id)
    if tag != f"{payload['DataExportTag']}_{item_id}":
        tags = payload["ChoiceDataExportTags"] if isinstance(payload.get("ChoiceDataExportTags"), dict) else {}
        payload["ChoiceDataExportTags"] = {**tags, item_id: tag}

"""Render the truth as a Qualtrics export: label text, metadata columns and three header rows.

Private to :mod:`ipo_research.synth.generator`. Answers are what a respondent clicked or typed: level and
option labels (multi-selects joined by ","), "Yes"/"No", full state names, plain numbers.
The header rows follow a Qualtrics "use choice text" CSV download: export tags, question text,
and ``{"ImportId": ...}``; a question's tag, ImportId and text are the three entries of its
codebook ``source``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ipo_research.survey.states import STATE_NAMES

__all__ = ["METADATA", "render_answers", "metadata_columns", "header_rows", "question_tag"]

# Qualtrics metadata columns: (export tag, question text row, ImportId row).
_EASTERN = "America/New_York"
METADATA = (
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": _EASTERN}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": _EASTERN}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": _EASTERN}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
)
FIELDING_START = np.datetime64("2016-11-14T08:00:00")
FIELDING_SECONDS = 25 * 24 * 3600  # the survey was open until early December


def question_tag(question) -> str:
    """The export tag (row 1 header) of a question: the first entry of its ``source``."""
    return question.source[0] if question.source else question.id


def header_rows(codebook) -> tuple[list[str], list[str], list[str]]:
    """Rows 1-3 of the export: tags, question texts and ImportId JSON, metadata first."""
    tags = [tag for tag, _, _ in METADATA]
    texts = [text for _, text, _ in METADATA]
    imports = [json.dumps(import_id, separators=(",", ":")) for _, _, import_id in METADATA]
    for question in _answer_questions(codebook):
        source = list(question.source) + [question.id] * 3
        tags.append(question_tag(question))
        imports.append(json.dumps({"ImportId": source[1]}, separators=(",", ":")))
        texts.append(source[2] if len(question.source) >= 3 else question.text)
    return tags, texts, imports


def render_answers(codebook, truth: pd.DataFrame) -> dict[str, np.ndarray]:
    """Question id -> answers as the export shows them (object arrays of str, "" when empty)."""
    return {question.id: _render(question, truth) for question in _answer_questions(codebook)}


def metadata_columns(rng: np.random.Generator, org_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Metadata of finished responses; partial and duplicate submissions adjust theirs later."""
    n = len(org_ids)
    start = FIELDING_START + rng.integers(0, FIELDING_SECONDS, n).astype("timedelta64[s]")
    duration = np.rint(np.exp(rng.normal(np.log(1500.0), 0.5, n))).astype(np.int64)
    end = start + duration.astype("timedelta64[s]")
    blocks = np.array(["192.0.2.", "198.51.100.", "203.0.113."], dtype=object)  # documentation ranges
    address = blocks[rng.integers(0, 3, n)] + rng.integers(1, 255, n).astype(str).astype(object)
    blank = np.full(n, "", dtype=object)
    return {
        "StartDate": format_times(start), "EndDate": format_times(end), "Status": np.full(n, "IP Address", dtype=object),
        "IPAddress": address, "Progress": np.full(n, "100", dtype=object), "Duration (in seconds)": duration.astype(str).astype(object),
        "Finished": np.full(n, "True", dtype=object), "RecordedDate": format_times(end), "ResponseId": org_ids.astype(object),
        "RecipientLastName": blank, "RecipientFirstName": blank.copy(), "RecipientEmail": blank.copy(),
        "ExternalReference": blank.copy(), "LocationLatitude": blank.copy(), "LocationLongitude": blank.copy(),
        "DistributionChannel": np.full(n, "anonymous", dtype=object),
        "UserLanguage": np.where(rng.random(n) < 0.04, "ES", "EN").astype(object),
    }


def format_times(times: np.ndarray) -> np.ndarray:
    """Qualtrics timestamps: ``2016-11-21 14:03:12``."""
    return np.char.replace(np.datetime_as_string(times, unit="s"), "T", " ").astype(object)


def _answer_questions(codebook):
    # The key is the ResponseId metadata column, not a question column of its own.
    return tuple(question for question in codebook.questions if question.type != "id")


def _render(question, truth):
    kind = question.type
    if kind == "multi":
        return _joined_labels(question, truth)
    column = truth[question.id]
    missing = column.isna().to_numpy()
    if kind in ("single", "likert"):
        labels = {code: level.label for code, level in zip(question.level_codes, question.levels)}
        shown = column.astype(object).map(labels)
    elif kind == "state":
        shown = column.astype(object).map(STATE_NAMES)
    elif kind == "boolean":
        shown = column.astype(object).map({True: "Yes", False: "No"})
    elif kind in ("numeric", "integer"):
        shown = pd.Series(format_numbers(column.to_numpy(dtype=float, na_value=np.nan)), index=column.index)
    elif kind == "date":
        shown = column.dt.strftime("%Y-%m-%d")
    else:
        shown = column.astype(object)
    answers = shown.to_numpy(dtype=object, copy=True)
    answers[missing] = ""
    return answers


def format_numbers(values: np.ndarray) -> np.ndarray:
    """Numbers as a respondent typed them: ``1500``, ``12.5`` (one decimal when not whole)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    shown = np.where(finite, np.nan_to_num(values).astype(np.int64).astype(str).astype(object), "")
    fractional = finite & (values != np.round(values))
    shown[fractional] = np.char.mod("%.1f", values[fractional]).astype(object)
    return shown.astype(object)


def _joined_labels(question, truth):
    chosen = np.column_stack([truth[f"{question.id}__{code}"].fillna(False).to_numpy(dtype=bool)
                              for code in question.option_codes])
    # Join each distinct pattern of choices once; exports have far fewer patterns than rows.
    patterns, which = np.unique(chosen, axis=0, return_inverse=True)
    labels = [option.label for option in question.options]
    # Qualtrics joins selected labels with a bare comma, even when a label holds commas.
    joined = np.array([",".join(label for label, on in zip(labels, pattern) if on) for pattern in patterns],
                      dtype=object)
    return joined[which.ravel()]

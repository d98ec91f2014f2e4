"""Rows of the synthetic export: duplicate submissions and the final order.

Private to :mod:`ipo_research.synth.generator`. A duplicate submission repeats an organization's
ResponseId (the survey key) with a later RecordedDate and slightly different answers; the
export lists responses by RecordedDate, as a Qualtrics download does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.synth._export import format_times, header_rows, question_tag

__all__ = ["add_duplicates", "assemble_export"]


def add_duplicates(codebook, truth: pd.DataFrame, cells: dict, meta: dict, *, sources: np.ndarray,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Append a second submission for each row in ``sources``; return their log records."""
    sources = np.unique(sources)
    n = len(truth)
    for key in cells:
        cells[key] = np.concatenate([cells[key], cells[key][sources]])
    for key in meta:
        meta[key] = np.concatenate([meta[key], meta[key][sources]])
    copies = np.arange(n, n + len(sources))
    changed = []
    if "members" in cells:
        members = truth["members"].to_numpy(dtype=float, na_value=np.nan)[sources]
        cells["members"][copies] = np.where(np.isnan(members), "", np.char.mod("%d", np.nan_to_num(np.round(members * 1.1))))
        changed.append("members")
    if codebook.has_question("rating_overall_electoral") and "rating_overall_electoral" in cells:
        question = codebook.question("rating_overall_electoral")
        codes = truth["rating_overall_electoral"].to_numpy(dtype=float, na_value=np.nan)[sources]
        other = np.where(codes >= max(question.level_codes), codes - 1, codes + 1)
        cells["rating_overall_electoral"][copies] = [question.label_of(int(code)) for code in other]
        changed.append("rating_overall_electoral")
    recorded = meta["RecordedDate"][sources].astype(str)
    start = (np.char.replace(recorded, " ", "T").astype("datetime64[s]")
             + rng.integers(3600, 3 * 24 * 3600, len(sources)).astype("timedelta64[s]"))
    duration = np.rint(np.exp(rng.normal(np.log(900.0), 0.4, len(sources)))).astype(np.int64)
    meta["StartDate"][copies] = format_times(start)
    meta["EndDate"][copies] = format_times(start + duration.astype("timedelta64[s]"))
    meta["RecordedDate"][copies] = meta["EndDate"][copies]
    meta["Duration (in seconds)"][copies] = duration.astype(str)
    meta["Progress"][copies], meta["Finished"][copies] = "100", "True"
    return pd.DataFrame({
        "row": copies, "org_id": meta["ResponseId"][copies], "column": "ResponseId", "question": "org_id",
        "kind": "duplicate", "clean": "", "raw": meta["ResponseId"][copies],
        "detail": [f"second submission, later RecordedDate; changed: {', '.join(changed)}"] * len(copies),
        "repeats": sources,
    })


def assemble_export(codebook, cells: dict, meta: dict, log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The export frame (header rows 2 and 3 first) in RecordedDate order, and the log by export row.

    The log's ``row`` becomes the 1-based data row of the export (row 1 is the first response
    after the three header rows); ``repeats`` (duplicates) names the row of the first submission.
    """
    tags, texts, imports = header_rows(codebook)
    order = np.argsort(meta["RecordedDate"].astype(str), kind="stable")
    export_row = np.empty(len(order), dtype=int)
    export_row[order] = np.arange(1, len(order) + 1)
    tag_of = {question.id: question_tag(question) for question in codebook.questions}
    question_of = {tag: question_id for question_id, tag in tag_of.items()}
    columns = {}
    for position, tag in enumerate(tags):
        source = meta[tag] if tag in meta else cells[question_of[tag]]
        columns[tag] = np.concatenate([[texts[position], imports[position]], source[order]]).astype(object)
    export = pd.DataFrame(columns, columns=tags)
    log = log.copy()
    log["row"] = export_row[log["row"].to_numpy(dtype=int)]
    if "repeats" in log:
        repeats = log["repeats"].to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(repeats)
        rows = np.zeros(len(repeats), dtype=np.int64)
        rows[known] = export_row[repeats[known].astype(int)]
        log["repeats"] = pd.Series(rows, index=log.index, dtype="Int64").where(known)
    log["column"] = log["question"].map(tag_of).fillna(log["column"])
    return export, log.sort_values(["row", "column", "kind"], kind="stable").reset_index(drop=True)


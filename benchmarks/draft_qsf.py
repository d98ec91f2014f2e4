"""How fast `ipo-research codebook draft` is on a large survey: a 500-question .qsf and its export.

Usage (from the project root)::

    .venv/bin/python benchmarks/draft_qsf.py                       # 500 questions, 300 responses
    .venv/bin/python benchmarks/draft_qsf.py --questions 1000 --responses 1000 --repeats 1

It writes a Qualtrics survey file of ``--questions`` questions (recoded single choices,
select-alls with an "Other" text box, 4-statement likert matrices, numbers with a range, text
entries) and a matching export in the current Qualtrics layout, then runs, as whole processes in
the same run, ``codebook draft`` on them and, as the baseline, ``clean`` of the same export with
the drafted codebook. It prints the medians (wall and CPU time) and their ratio, and exits 1 when
the draft takes longer than the bar (issue #12: under 5 seconds for 500 questions) in CPU time
as well as in wall time: on a busy shared machine the wall time also counts waiting for a core.
It is not a test.

The files are built with the standard library only, from a fixed seed: the same arguments give
the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DRAFT_BAR_SECONDS = 5.0
_SCALE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


def survey_and_columns(questions: int) -> tuple[dict, list[tuple[str, str, str, list[str]]]]:
    """The QSF document and the export columns (tag, text, ImportId, possible answers)."""
    elements, columns, qids = [], [], []
    for number in range(1, questions + 1):
        qid, tag = f"QID{number}", f"Q{number}"
        qids.append(qid)
        kind = number % 5
        text = f"Question {number} of the survey, kind {kind}"
        payload = {"QuestionText": f"<p>{text}</p>", "DataExportTag": tag, "QuestionID": qid}
        if kind == 0:
            labels = [f"Answer {number}.{i}" for i in range(1, 6)]
            payload.update(QuestionType="MC", Selector="SAVR", ChoiceOrder=[str(i) for i in range(1, 6)],
                           Choices={str(i): {"Display": label} for i, label in enumerate(labels, 1)},
                           RecodeValues={str(i): str(10 * i) for i in range(1, 6)})
            columns.append((tag, text, qid, labels))
        elif kind == 1:
            labels = [f"Option {number}.{i}" for i in range(1, 6)] + ["Other"]
            payload.update(QuestionType="MC", Selector="MAVR", ChoiceOrder=[str(i) for i in range(1, 7)],
                           Choices={str(i): {"Display": label, **({"TextEntry": "true"} if i == 6 else {})}
                                    for i, label in enumerate(labels, 1)})
            columns.append((tag, text, qid, [",".join(labels[:2]), labels[2], ",".join(labels[3:5]), ""]))
            columns.append((f"{tag}_6_TEXT", f"{text} - Other - Text", f"{qid}_6_TEXT", ["", "something else"]))
        elif kind == 2:
            payload.update(QuestionType="Matrix", Selector="Likert", SubSelector="SingleAnswer",
                           Choices={str(i): {"Display": f"Statement {i}"} for i in range(1, 5)},
                           ChoiceOrder=[str(i) for i in range(1, 5)],
                           Answers={str(i): {"Display": label} for i, label in enumerate(_SCALE, 1)},
                           AnswerOrder=[str(i) for i in range(1, 6)],
                           RecodeValues={str(i): str(i) for i in range(1, 6)})
            columns += [(f"{tag}_{i}", f"{text} - Statement {i}", f"{qid}_{i}", _SCALE) for i in range(1, 5)]
        elif kind == 3:
            payload.update(QuestionType="TE", Selector="SL", Validation={"Settings": {
                "Type": "ContentType", "ContentType": "ValidNumber",
                "ValidDetails": {"Min": "0", "Max": "1000", "NumDecimals": "0"}}})
            columns.append((tag, text, f"{qid}_TEXT", ["12", "about 40", "250", ""]))
        else:
            payload.update(QuestionType="TE", Selector="ESTB")
            columns.append((tag, text, f"{qid}_TEXT", ["A longer answer", "", "Another thought"]))
        elements.append({"SurveyID": "SV_bench", "Element": "SQ", "PrimaryAttribute": qid, "Payload": payload})
    block = {"Type": "Default", "Description": "Everything", "ID": "BL_1",
             "BlockElements": [{"Type": "Question", "QuestionID": qid} for qid in qids]}
    flow = {"Type": "Root", "FlowID": "FL_1", "Flow": [{"Type": "Block", "ID": "BL_1", "FlowID": "FL_2"}]}
    survey = {"SurveyEntry": {"SurveyID": "SV_bench", "SurveyName": "Benchmark survey"},
              "SurveyElements": [{"SurveyID": "SV_bench", "Element": "BL", "Payload": [block]},
                                 {"SurveyID": "SV_bench", "Element": "FL", "Payload": flow}, *elements]}
    return survey, columns


def write_files(folder: Path, *, questions: int, responses: int) -> tuple[Path, Path]:
    """Write ``survey.qsf`` and ``export.csv`` into ``folder``."""
    survey, columns = survey_and_columns(questions)
    qsf = folder / "survey.qsf"
    qsf.write_text(json.dumps(survey), encoding="utf-8")
    rng = random.Random(12)
    export = folder / "export.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["ResponseId", *[c[0] for c in columns]])
        writer.writerow(["Response ID", *[c[1] for c in columns]])
        writer.writerow(['{"ImportId":"_recordId"}', *[json.dumps({"ImportId": c[2]}) for c in columns]])
        for row in range(responses):
            writer.writerow([f"R_{row:06d}", *[rng.choice(c[3]) for c in columns]])
    return qsf, export


def timed(command: list[str], *, expect_exit: int = 0) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of ``command`` run to completion."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != expect_exit:
        raise SystemExit(f"{' '.join(command[:5])} exited {code}:\n{process.stderr.read().decode()}")
    process.stderr.close()
    return elapsed, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Write the survey, time draft and clean, print the medians; 1 when the bar is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--responses", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "ipo_research.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        qsf, export = write_files(folder, questions=args.questions, responses=args.responses)
        codebook = folder / "codebook.yaml"
        drafts, cleans = [], []
        for _ in range(args.repeats):
            drafts.append(timed([*cli, "codebook", "draft", str(export), "--qsf", str(qsf),
                                 "--out", str(codebook), "--force"]))
            cleans.append(timed([*cli, "clean", str(export), "--codebook", str(codebook),
                                 "--out", str(folder / "out")]))
        start = timed([sys.executable, "-c", "import ipo_research.survey.draft"])
    draft = [statistics.median(times) for times in zip(*drafts)]
    clean = [statistics.median(times) for times in zip(*cleans)]
    print(f"{args.questions} questions, {args.responses} responses, median of {args.repeats} "
          "(wall / CPU seconds; on a shared machine the wall time includes waiting for a core):")
    print(f"  codebook draft      {draft[0]:6.2f} / {draft[1]:5.2f} s  (bar {DRAFT_BAR_SECONDS:.0f} s)")
    print(f"  clean (baseline)    {clean[0]:6.2f} / {clean[1]:5.2f} s  "
          f"draft / clean CPU = {draft[1] / clean[1]:.2f}")
    print(f"  python + imports    {start[0]:6.2f} / {start[1]:5.2f} s  (part of both)")
    if draft[0] > DRAFT_BAR_SECONDS:
        verdict = "FAIL" if draft[1] > DRAFT_BAR_SECONDS else "SLOW (machine busy: CPU time is within the bar)"
        print(f"{verdict}: drafting took {draft[0]:.2f} s of wall time, over the {DRAFT_BAR_SECONDS:.0f} s bar")
        return 1 if draft[1] > DRAFT_BAR_SECONDS else 0
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

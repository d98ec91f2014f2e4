"""Issue #15's sweep on the real pipeline: ``run profile --grid disclosure_threshold=...``.

Planning the sweep over three values gives three profile runs per network (and the clean stage
they need, once); that is checked for every network without running anything. Executing it is
checked for one network (``-p group_value=...``, three profile runs and the clean run: about a
minute of both cores, so marked slow): each value's run succeeds with its pages and its own
tables, says the threshold it applied, and a rerun executes nothing.
"""

from __future__ import annotations

import io
import itertools
import json

import pandas as pd
import pytest

from ipo_research.pipeline.runner import RunRequest, pipeline_status, run_pipeline
from ipo_research.survey.codebook import load_codebook

# Thresholds the synthetic survey's linked tables can be protected at: 1 turns suppression off,
# 3 is the default, 4 takes about a minute per page (2 takes several, so it is left out; 5 and
# above cannot protect the linked tables of the synthetic networks and fail, by design).
THRESHOLDS = (1, 3, 4)
SWEEP = {"disclosure_threshold": ",".join(map(str, THRESHOLDS))}
NETWORK = "cpd"


def _request(tmp_path, **changes) -> RunRequest:
    return RunRequest(stages=("profile",), out_dir=str(tmp_path / "out"), grid=SWEEP, jobs=2, **changes)


def test_a_three_value_sweep_plans_three_profile_runs_per_network_and_the_clean_run_once(tmp_path):
    request = _request(tmp_path)
    runs = [decision.run for decision in pipeline_status(request)]
    networks = load_codebook().question("primary_network").level_codes
    assert len(networks) == 7
    assert [run.stage for run in runs] == ["clean"] + ["profile"] * 21
    profile = runs[1:]
    assert sorted((run.parameters["group_value"], run.parameters["disclosure_threshold"])
                  for run in profile) == sorted(itertools.product(networks, THRESHOLDS))
    assert len({run.run_id for run in profile}) == 21
    assert all(run.run_id == f"06_profile__group_value={run.parameters['group_value']}"
               f"__disclosure_threshold={run.parameters['disclosure_threshold']}" for run in profile)
    assert {run.parameters["out_dir"] for run in profile} == {
        f"{request.out_parameter}/sweeps/disclosure_threshold={value}" for value in THRESHOLDS}
    assert all(run.needs == ("01_clean",) for run in profile)


def _withheld(shown: pd.DataFrame, truth: pd.DataFrame, threshold: int) -> int:
    """How many cells ``shown`` withholds; every count it shows is true, none is below ``threshold``."""
    assert shown.shape == truth.shape
    hidden = 0
    for (row, column), cell in shown.stack().items():
        true = int(truth.loc[row, column])
        if cell.isdigit():
            assert int(cell) == true and (true == 0 or true >= threshold), (row, column, cell)
        else:
            hidden += 1
            assert cell in (f"<{threshold}", "c") and (cell == "c" or 0 < true < threshold), (row, column, cell)
    return hidden


@pytest.mark.slow  # one clean run and three profile runs on two cores: about a minute
def test_a_sweep_runs_each_value_with_its_pages_and_tables_and_a_rerun_does_nothing(tmp_path):
    request = _request(tmp_path, overrides={"group_value": NETWORK})
    first = run_pipeline(request, progress=io.StringIO())
    assert [(r["id"], r["status"]) for r in first.runs] == [("01_clean", "ok")] + [
        (f"06_profile__group_value={NETWORK}__disclosure_threshold={value}", "ok") for value in THRESHOLDS]
    out = request.out_path
    for record, value in zip(first.runs[1:], THRESHOLDS):
        assert record["sweep"] == {"disclosure_threshold": value}
        assert sorted(record["html"]) == ["full", "reviewer"]
        assert all((out / page).is_file() for page in record["html"].values())
        # The page says the threshold it applied.
        notebook = json.loads((out / record["output"]).read_text(encoding="utf-8"))
        said = "".join(text for cell in notebook["cells"] for output in cell.get("outputs", [])
                       for text in output.get("data", {}).get("text/markdown", []))
        if value > 1:
            assert f"fewer than {value} organizations (1 to {value - 1})" in said
        else:
            assert "disclosure threshold off" in said
    # Each value's tables are its own: the unsuppressed run (threshold 1) gives the true counts
    # of the jurisdiction table, which the others publish only at or above their threshold.
    tables = {value: pd.read_csv(out / f"sweeps/disclosure_threshold={value}/tables/"
                                 f"profile_{NETWORK}_jurisdiction_level.csv", dtype=str).set_index("jurisdiction_level")
              for value in THRESHOLDS}
    withheld = {value: _withheld(tables[value], tables[1], value) for value in THRESHOLDS[1:]}
    assert 0 < withheld[3] < withheld[4], withheld
    assert not (out / "tables" / f"profile_{NETWORK}_size.csv").exists()  # a sweep writes only its folders

    progress = io.StringIO()
    again = run_pipeline(request, progress=progress)
    assert [r["finished"] for r in again.runs] == [r["finished"] for r in first.runs]
    assert progress.getvalue().count("] up to date ") == 4  # one line per run, none started
    assert " start " not in progress.getvalue() and "4 ok (4 up to date)" in progress.getvalue()

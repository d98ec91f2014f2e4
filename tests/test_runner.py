"""The pipeline runner end to end, on the tiny notebooks of tests/fixtures/runner.

The fixture pipeline: produce (reads data.txt, writes produced.txt) -> consume (copies it) ->
summarize (prints it), and produce -> fan (one run per group, a and b).
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import datetime
from pathlib import Path
from dataclasses import replace
from types import SimpleNamespace

import nbformat
import pytest

from ipo_research.cli import main
from ipo_research.files import sha256_file
from ipo_research.pipeline import environment as dependency_lock, runner
from ipo_research.pipeline.environment import RUNTIME_LOCK, read_lock
from ipo_research.paths import PROJECT_ROOT
from ipo_research.pipeline.runner import RunRequest, pipeline_status, run_pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "runner"
RUN_IDS = ["01_produce", "02_consume", "03_fan__group_value=a", "03_fan__group_value=b",
           "06_summarize"]


def _setup(root: Path) -> RunRequest:
    shutil.copytree(FIXTURES, root / "pipe")
    (root / "pipe" / "data.txt").write_text("21")
    # An external table every run depends on, like data/external/*.csv in the real pipeline.
    (root / "pipe" / "external").mkdir()
    (root / "pipe" / "external" / "context.csv").write_text("state,margin\nVT,26.4\n")
    with open(root / "pipe" / "pipeline.yaml", "a", encoding="utf-8") as pipeline:
        pipeline.write(f"inputs:\n  - {root / 'pipe' / 'external'}/*.csv\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    return RunRequest(out_dir=str(root / "out"), options={"data_path": str(root / "pipe" / "data.txt")},
                      pipeline_path=root / "pipe" / "pipeline.yaml", package_dir=root / "pkg", jobs=2)


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """One full run, started over the leftovers of an interrupted one."""
    root = tmp_path_factory.mktemp("runner")
    request = _setup(root)
    (root / "out" / "notebooks").mkdir(parents=True)
    leftover = root / "out" / "notebooks" / ".01_produce.0123456789ab.tmp.ipynb"
    leftover.write_text('{"cells": [')
    (root / "out" / "manifest.json").write_text('{"schema": 1, "runs": [')
    progress = io.StringIO()
    result = run_pipeline(request, progress=progress)
    return SimpleNamespace(root=root, out=root / "out", request=request, result=result,
                           progress=progress.getvalue(), leftover=leftover)


def _would_run(request: RunRequest, **changes) -> dict[str, list[str]]:
    decisions = pipeline_status(RunRequest(**{**request.__dict__, **changes}))
    return {d.run.run_id: list(d.reasons) for d in decisions if d.redo}


def test_full_run_succeeds_and_respects_dependency_order(done):
    assert [(r["id"], r["status"]) for r in done.result.runs] == [(i, "ok") for i in RUN_IDS]
    assert (done.out / "consumed.txt").read_text() == "42"
    assert "42" in (done.out / "notebooks" / "06_summarize.ipynb").read_text()


def test_independent_runs_overlap_in_time(done):
    def interval(run_id):
        meta = json.loads((done.out / "notebooks" / f"{run_id}.ipynb").read_text())["metadata"]
        times = meta["papermill"]["start_time"], meta["papermill"]["end_time"]
        return tuple(datetime.fromisoformat(t) for t in times)

    spans = [interval(i) for i in RUN_IDS[1:4]]
    overlapping = [(a, b) for a in spans for b in spans if a is not b and a[0] < b[1] and b[0] < a[1]]
    assert overlapping


def test_interrupted_leftovers_are_cleared_and_a_broken_manifest_recovered(done):
    assert not done.leftover.exists()
    assert [r["id"] for r in json.loads((done.out / "manifest.json").read_text())["runs"]] == RUN_IDS


def test_every_run_has_its_notebook_and_both_pages(done):
    for record in done.result.runs:
        assert (done.out / record["output"]).is_file()
        assert sorted(record["html"]) == ["full", "reviewer"]
        assert all((done.out / page).is_file() for page in record["html"].values())


def test_manifest_records_inputs_versions_and_relative_outputs(done):
    text = (done.out / "manifest.json").read_text()
    manifest = json.loads(text)
    assert manifest["inputs"] == {
        str(done.root / "pipe" / "data.txt"): hashlib.sha256(b"21").hexdigest(),
        str(done.root / "pipe" / "external" / "context.csv"):
            hashlib.sha256(b"state,margin\nVT,26.4\n").hexdigest(),
    }
    assert "papermill" in manifest["versions"] and "commit" in manifest["git"]
    assert manifest["environment"]["lock"] == "requirements/runtime.txt"
    assert manifest["environment"]["lock_sha256"] == sha256_file(RUNTIME_LOCK)
    assert manifest["runs"][1]["output"] == "notebooks/02_consume.ipynb"
    assert manifest["runs"][1]["hashes"]["upstream"] == {"01_produce": manifest["runs"][0]["key"]}
    assert str(PROJECT_ROOT) not in text


def test_runs_page_lists_every_run_with_links_to_existing_pages(done):
    index = (done.out / "runs.html").read_text()
    for run_id in RUN_IDS:
        assert f'href="html/{run_id}.html"' in index and f'href="html/{run_id}.full.html"' in index


def test_rerun_with_nothing_changed_executes_nothing(done):
    progress = io.StringIO()
    before = {r["id"]: r["finished"] for r in done.result.runs}
    again = run_pipeline(done.request, progress=progress)
    assert {r["id"]: r["finished"] for r in again.runs} == before
    assert progress.getvalue().count("up to date ") == 5 and " start " not in progress.getvalue()


def test_changed_notebook_reruns_only_its_runs(done):
    path = done.root / "pipe" / "03_fan.ipynb"
    original = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("More narrative."))
    nbformat.write(nb, path)
    try:
        assert _would_run(done.request) == {"03_fan__group_value=a": ["notebook changed"],
                                            "03_fan__group_value=b": ["notebook changed"]}
    finally:
        path.write_bytes(original)


def test_changed_data_reruns_its_reader_and_everything_downstream(done):
    path = done.root / "pipe" / "data.txt"
    path.write_text("22")
    try:
        would = _would_run(done.request)
    finally:
        path.write_text("21")
    assert list(would) == RUN_IDS
    assert would["01_produce"] == [f"input {path} changed"]
    assert would["02_consume"] == ["upstream 01_produce changed"]
    assert would["06_summarize"] == ["upstream 02_consume changed"]


def test_changed_external_table_reruns_everything(done):
    path = done.root / "pipe" / "external" / "context.csv"
    original = path.read_text()
    path.write_text(original + "WY,-46.3\n")
    try:
        would = _would_run(done.request)
    finally:
        path.write_text(original)
    assert list(would) == RUN_IDS
    assert all(f"input {path} changed" in reasons for reasons in would.values())


def test_changed_parameter_reruns_its_run_and_what_needs_it(done):
    would = _would_run(done.request, overrides={"fail": "false"})
    assert would == {"02_consume": ["parameter fail added"],
                     "06_summarize": ["upstream 02_consume changed"]}


def test_changed_package_source_reruns_everything(done):
    path = done.root / "pkg" / "mod.py"
    path.write_text("x = 2\n")
    try:
        would = _would_run(done.request)
    finally:
        path.write_text("x = 1\n")
    assert list(would) == RUN_IDS
    assert all("package source changed" in reasons for reasons in would.values())


def test_missing_output_reruns_that_run_and_its_dependents(done):
    page = done.out / "html" / "02_consume.html"
    saved = page.read_bytes()
    page.unlink()
    try:
        would = _would_run(done.request)
    finally:
        page.write_bytes(saved)
    assert would == {"02_consume": ["output missing"], "06_summarize": ["upstream 02_consume reruns"]}


def test_force_reruns_everything(done):
    assert list(_would_run(done.request, force=True)) == RUN_IDS


def test_status_command_says_up_to_date_or_why(done, capsys):
    code = main(["status", "--pipeline", str(done.request.pipeline_path), "--out", str(done.out),
                 "--data", str(done.root / "pipe" / "data.txt"), "-p", "multiplier=3"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split(maxsplit=1) == ["01_produce", "would run: parameter multiplier added; "
                                                        "package source changed"]
    assert lines[1].split(maxsplit=1) == ["02_consume", "would run: package source changed; "
                                                        "upstream 01_produce changed"]


def test_status_warns_naming_each_package_installed_at_another_version(done, capsys, monkeypatch):
    args = ["status", "--pipeline", str(done.request.pipeline_path), "--out", str(done.out),
            "--data", str(done.root / "pipe" / "data.txt")]
    assert main(args) == 0
    assert capsys.readouterr().err == ""  # make setup installed the lock
    locked = read_lock(RUNTIME_LOCK)
    monkeypatch.setattr(dependency_lock, "installed_versions",
                        lambda: {**locked, "pandas": "2.2.0", "statsmodels": "0.14.1"})
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("warning: this environment differs from the lock "
                             "requirements/runtime.txt (sha256 ")
    assert err[1:3] == [f"  pandas: locked {locked['pandas']}, installed 2.2.0",
                        f"  statsmodels: locked {locked['statsmodels']}, installed 0.14.1"]


def test_failure_is_isolated_dependents_skipped_and_exit_code_is_1(tmp_path, capsys, monkeypatch):
    request = _setup(tmp_path)
    # Other work on ipo_research/ must not make the runs look stale: hash the test's package.
    from_args = runner.request_from_args
    monkeypatch.setattr(runner, "request_from_args",
                        lambda args: replace(from_args(args), package_dir=request.package_dir))
    code = main(["run", "--pipeline", str(request.pipeline_path), "--out", str(tmp_path / "out"),
                 "--data", request.options["data_path"], "-p", "fail=true", "--jobs", "2"])
    stderr = capsys.readouterr().err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    statuses = {r["id"]: r["status"] for r in manifest["runs"]}
    assert code == 1
    assert statuses == {"01_produce": "ok", "02_consume": "failed", "03_fan__group_value=a": "ok",
                        "03_fan__group_value=b": "ok", "06_summarize": "skipped"}
    failed = manifest["runs"][1]
    assert failed["error"].endswith("ValueError: asked to fail")
    assert all((tmp_path / "out" / page).is_file() for page in failed["html"].values())
    assert "skipped: needs 02_consume" in manifest["runs"][4]["error"]
    assert "FAILED   consume      02_consume: In [" in stderr
    assert "ValueError: asked to fail  (see html/02_consume.full.html)" in stderr
    # The skipped dependent: counted once in the summary, no line of its own in the progress.
    assert "  1 run skipped: it needs 02_consume" in stderr.splitlines()
    assert "06_summarize" not in stderr
    assert stderr.count("asked to fail") == 1  # the error once, in the summary
    would = _would_run(request, out_dir=str(tmp_path / "out"), overrides={"fail": "true"})
    assert would == {"02_consume": ["last run failed"],
                     "06_summarize": ["last run skipped", "upstream 02_consume reruns"]}


@pytest.mark.parametrize("assignment, message", [
    ("nonsense=1", "unknown parameter 'nonsense'"),
    ("multiplier=three", "parameter 'multiplier' must be int"),
])
def test_bad_parameter_is_a_usage_error_before_any_kernel_starts(tmp_path, capsys, assignment, message):
    request = _setup(tmp_path)
    code = main(["run", "--pipeline", str(request.pipeline_path), "--out", str(tmp_path / "out"),
                 "-p", assignment])
    stderr = capsys.readouterr().err
    assert code == 2
    assert message in stderr and "Known parameters" in stderr
    assert not (tmp_path / "out").exists()


def test_unknown_stage_is_a_usage_error(tmp_path, capsys):
    request = _setup(tmp_path)
    code = main(["run", "clen", "--pipeline", str(request.pipeline_path), "--out", str(tmp_path / "o")])
    assert code == 2
    assert "unknown stage 'clen'" in capsys.readouterr().err


def test_running_one_stage_keeps_the_other_runs_in_the_manifest_and_index(tmp_path):
    request = _setup(tmp_path)
    run_pipeline(request, progress=io.StringIO())
    again = run_pipeline(replace(request, stages=("fan",), overrides={"group_value": "a"}, force=True),
                         progress=io.StringIO())
    assert [r["id"] for r in again.runs] == ["01_produce", "03_fan__group_value=a"]
    assert [r["id"] for r in again.manifest["runs"]] == RUN_IDS
    assert "06_summarize.html" in (tmp_path / "out" / "index.html").read_text()


def test_a_run_whose_pages_cannot_be_rendered_fails_with_that_reason(tmp_path, monkeypatch):
    from ipo_research.report import pages as report

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(report, "render_pages", broken)
    result = run_pipeline(replace(_setup(tmp_path), stages=("produce",)), progress=io.StringIO())
    assert [(r["status"], r["error"]) for r in result.runs] == [
        ("failed", "rendering the pages failed: RuntimeError: template missing")]
    assert not result.ok

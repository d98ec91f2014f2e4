"""Content hashes, incremental decisions and the manifest file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from ipo_research.pipeline.manifest import (
    MANIFEST_NAME, RunKey, input_files, package_source_hash, provenance, read_manifest,
    sha256_file, sha256_json, stale_reasons, write_manifest,
)


def test_sha256_file_is_the_sha256_of_the_bytes(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"independent political organizations\n")
    assert sha256_file(path) == hashlib.sha256(b"independent political organizations\n").hexdigest()


def test_sha256_file_sees_an_edit_that_keeps_size_and_mtime(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("21")
    before = sha256_file(path)
    stat = path.stat()
    path.write_text("22")
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert sha256_file(path) != before


def test_sha256_json_ignores_key_order_but_not_values():
    assert sha256_json({"a": 1, "b": [1, 2]}) == sha256_json({"b": [1, 2], "a": 1})
    assert sha256_json({"a": 1}) != sha256_json({"a": 2})


def test_package_hash_changes_with_python_sources_only(tmp_path):
    (tmp_path / "mod.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("first")
    before = package_source_hash(tmp_path)
    (tmp_path / "notes.txt").write_text("second")
    assert package_source_hash(tmp_path) == before
    (tmp_path / "mod.py").write_text("x = 2\n")
    assert package_source_hash(tmp_path) != before


def test_input_files_are_existing_files_named_by_parameters_outside_out(tmp_path):
    data, out = tmp_path / "data.csv", tmp_path / "out"
    out.mkdir()
    data.write_text("a\n")
    (out / "responses.parquet").write_text("upstream output")
    (tmp_path / "external").mkdir()
    (tmp_path / "external" / "context.csv").write_text("state\n")
    found = input_files(
        {"data_path": str(data), "upstream": str(out / "responses.parquet"), "out_dir": str(out),
         "missing": str(tmp_path / "nope.csv"), "seed": 3, "label": "cpd"},
        patterns=(str(tmp_path / "external" / "*"),), out_dir=out,
    )
    assert found == {str(data): data, str(tmp_path / "external" / "context.csv"):
                     tmp_path / "external" / "context.csv"}


def test_project_files_are_shown_relative_to_the_root():
    found = input_files({"codebook_path": "tests/fixtures/runner/data.txt"})
    assert list(found) == ["tests/fixtures/runner/data.txt"]


KEY = RunKey(notebook="n1", parameters={"seed": 1, "out_dir": "reports"},
             inputs={"data/codebook.yaml": "c1"}, package="p1", upstream={"01_clean": "u1"})


def _record(key: RunKey = KEY, **changes) -> dict:
    record = {"status": "ok", "parameters": dict(key.parameters), "hashes": key.to_dict()}
    record.update(changes)
    return record


def test_unchanged_run_is_up_to_date():
    assert stale_reasons(KEY, _record()) == []


def test_each_kind_of_change_is_named():
    changed = RunKey(notebook="n2", parameters={"seed": 2, "out_dir": "reports"},
                     inputs={"data/codebook.yaml": "c2"}, package="p2", upstream={"01_clean": "u2"})
    assert stale_reasons(changed, _record()) == [
        "notebook changed", "parameter seed changed", "input data/codebook.yaml changed",
        "package source changed", "upstream 01_clean changed",
    ]


def test_added_and_removed_parameters_and_inputs_are_named():
    changed = RunKey(notebook="n1", parameters={"out_dir": "reports", "group_value": "cpd"},
                     inputs={}, package="p1", upstream={"01_clean": "u1"})
    assert stale_reasons(changed, _record()) == [
        "parameter group_value added", "parameter seed removed", "input data/codebook.yaml removed",
    ]


def test_never_ran_failed_skipped_and_missing_outputs_are_reasons():
    assert stale_reasons(KEY, None) == ["never ran"]
    assert stale_reasons(KEY, _record(status="failed")) == ["last run failed"]
    assert stale_reasons(KEY, _record(status="skipped")) == ["last run skipped"]
    assert stale_reasons(KEY, _record(), outputs_present=False) == ["output missing"]


def test_digest_changes_with_any_part_of_the_key():
    assert KEY.digest == RunKey(**{**KEY.__dict__}).digest
    assert KEY.digest != RunKey(**{**KEY.__dict__, "upstream": {"01_clean": "u9"}}).digest


def test_manifest_round_trips_with_its_schema_version(tmp_path):
    write_manifest(tmp_path, {"runs": [{"id": "01_clean", "status": "ok"}]})
    assert read_manifest(tmp_path)["runs"] == [{"id": "01_clean", "status": "ok"}]
    assert json.loads((tmp_path / MANIFEST_NAME).read_text())["schema"] == 1


@pytest.mark.parametrize("content", ["{not json", json.dumps({"schema": 99, "runs": []}), "[]"])
def test_unreadable_or_foreign_manifest_reads_as_empty(tmp_path, content):
    (tmp_path / MANIFEST_NAME).write_text(content)
    assert read_manifest(tmp_path) == {}


def test_provenance_names_versions_and_git_commit():
    facts = provenance()
    assert facts["versions"]["papermill"].count(".") >= 1
    commit = facts["git"]["commit"]
    assert commit is None or len(commit) == 40


def test_provenance_names_the_lock_its_hash_and_the_installed_versions():
    from ipo_research.pipeline.environment import RUNTIME_LOCK, read_lock

    environment = provenance()["environment"]
    assert environment["lock"] == "requirements/runtime.txt"
    assert environment["lock_sha256"] == sha256_file(RUNTIME_LOCK)
    assert environment["installed"] == read_lock(RUNTIME_LOCK)  # make setup installed the lock
    assert environment["differences"] == []

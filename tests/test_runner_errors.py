"""A failed run's whole error message reaches the summary, the manifest and the runs page."""

from __future__ import annotations

import io
import json

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from ipo_research.pipeline.runner import RunRequest, run_pipeline

PROBLEMS = ["models.yaml: model 'a': unknown family 'olss'",
            "models.yaml: model 'b': unknown column 'budgett'",
            "models.yaml: model 'c': cov_type 'HC9' is not one of HC0..HC3"]


def test_every_line_of_a_failed_runs_error_is_shown(tmp_path):
    cells = [new_code_cell('out_dir = "out"', metadata={"tags": ["parameters"]}),
             new_code_cell(f"raise ValueError({chr(10).join(PROBLEMS)!r})")]
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"}}
    nbformat.write(new_notebook(cells=cells, metadata=metadata), tmp_path / "01_fails.ipynb")
    (tmp_path / "pipeline.yaml").write_text(
        'defaults:\n  out_dir: "{out}"\nstages:\n  - name: fails\n    notebook: 01_fails.ipynb\n')
    (tmp_path / "pkg").mkdir()
    progress = io.StringIO()
    result = run_pipeline(RunRequest(out_dir=str(tmp_path / "out"), pipeline_path=tmp_path / "pipeline.yaml",
                                     package_dir=tmp_path / "pkg", jobs=1), progress=progress)
    assert not result.ok
    summary = progress.getvalue().split("ipo-research run:")[1]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    index = (tmp_path / "out" / "runs.html").read_text()
    for problem in PROBLEMS:
        assert problem in summary
        assert problem in manifest["runs"][0]["error"]
        assert problem.replace("'", "&#x27;") in index
    assert f"ValueError: {PROBLEMS[0]}\n{PROBLEMS[1]}\n" in manifest["runs"][0]["error"]

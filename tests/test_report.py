"""The reviewer and full pages of a run, and the index page."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ipo_research.report.banner import banner_html
from ipo_research.report.pages import page_paths, render_pages
from ipo_research.report.site import build_site


def write_index(out_dir, manifest):
    """The operator's page the site writes, OUT/runs.html."""
    return build_site(out_dir, manifest)["runs"]

CODE = "print('the code line reviewers should not see')"


@pytest.fixture()
def executed(tmp_path):
    """An executed notebook with narrative, a code cell and its output."""
    cell = new_code_cell(CODE, execution_count=1,
                         outputs=[new_output("stream", name="stdout", text="RESULT 42\n")])
    nb = new_notebook(cells=[new_markdown_cell("## Narrative for the reviewer"), cell])
    path = tmp_path / "notebooks" / "02_landscape.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def test_page_paths_are_relative_to_out_and_named_by_run():
    assert page_paths("06_profile__group_value=cpd") == {
        "reviewer": "html/06_profile__group_value=cpd.html",
        "full": "html/06_profile__group_value=cpd.full.html",
    }


def test_reviewer_page_keeps_narrative_and_outputs_but_hides_code(executed, tmp_path):
    pages = render_pages(executed, out_dir=tmp_path, run_id="02_landscape")
    reviewer = (tmp_path / pages["reviewer"]).read_text()
    assert "Narrative for the reviewer" in reviewer
    assert "RESULT 42" in reviewer
    assert "the code line reviewers should not see" not in reviewer


def test_full_page_shows_the_code(executed, tmp_path):
    pages = render_pages(executed, out_dir=tmp_path, run_id="02_landscape")
    full = (tmp_path / pages["full"]).read_text()
    assert "the code line reviewers should not see" in full
    assert "RESULT 42" in full


def test_both_pages_open_with_the_banner(executed, tmp_path):
    banner = banner_html(synthetic=True, source="data/synthetic/x.csv")
    pages = render_pages(executed, out_dir=tmp_path, run_id="02_landscape", banner=banner)
    for page in pages.values():
        text = (tmp_path / page).read_text()
        assert "SYNTHETIC DATA" in text
        assert text.count("SYNTHETIC DATA") == 1
        body = text[text.index("<main"):]
        assert body.index("SYNTHETIC DATA") < body.index("Narrative for the reviewer")


def test_rendering_twice_gives_identical_pages(executed, tmp_path):
    first = render_pages(executed, out_dir=tmp_path / "a", run_id="r")
    second = render_pages(executed, out_dir=tmp_path / "b", run_id="r")
    assert (tmp_path / "a" / first["full"]).read_bytes() == (tmp_path / "b" / second["full"]).read_bytes()


MANIFEST = {
    "pipeline": "notebooks/pipeline.yaml", "started": "2026-11-27T09:00:00+00:00", "seconds": 12.5,
    "git": {"commit": "abc123", "dirty": False}, "versions": {"papermill": "2.7.0"},
    "inputs": {"data/codebook.yaml": "0123456789abcdef" * 4},
    "runs": [
        {"id": "01_clean", "stage": "clean", "parameters": {"out_dir": "reports"}, "status": "ok",
         "duration_s": 3.04, "html": page_paths("01_clean"), "error": None,
         "data": {"path": "data/synthetic/ipo_survey_2016_synthetic.csv", "synthetic": True}},
        {"id": "04_models", "stage": "models", "parameters": {"seed": 1}, "status": "failed",
         "duration_s": 1.0, "html": page_paths("04_models"),
         "error": "In [5]: ModelSpecError: unknown column <x>"},
        {"id": "06_profile__group_value=cpd", "stage": "profile", "parameters": {}, "status": "skipped",
         "duration_s": None, "html": {}, "error": "skipped: needs 04_models"},
    ],
}


def test_runs_page_lists_every_run_with_status_duration_pages_and_error(tmp_path):
    text = write_index(tmp_path, MANIFEST).read_text()
    assert '<a href="html/01_clean.html">reviewer</a>' in text
    assert '<a href="html/01_clean.full.html">full</a>' in text
    assert '<td class="num">3.0</td>' in text
    assert "ModelSpecError: unknown column &lt;x&gt;" in text
    assert "06_profile__group_value=cpd" in text and "skipped: needs 04_models" in text
    assert "1 ok, 1 failed, 1 skipped" in text


def test_runs_page_shows_provenance_with_shortened_hashes(tmp_path):
    text = write_index(tmp_path, MANIFEST).read_text()
    assert "abc123" in text and "2.7.0" in text and "12.5" in text
    assert "<code>0123456789ab</code>" in text
    assert "0123456789abcdef0123" not in text


def test_runs_page_has_the_synthetic_banner_only_for_synthetic_data(tmp_path):
    synthetic = write_index(tmp_path, MANIFEST).read_text()
    assert "SYNTHETIC DATA" in synthetic
    assert "<code>data/synthetic/ipo_survey_2016_synthetic.csv</code>" in synthetic
    real = {**MANIFEST, "runs": [{**MANIFEST["runs"][0], "data": {"path": "data/raw/x.csv",
                                                                 "synthetic": False}}]}
    text = write_index(tmp_path, real).read_text()
    assert "SYNTHETIC DATA" not in text and "CONFIDENTIAL" in text


def test_pages_with_a_banner_are_identical_across_renders(executed, tmp_path):
    banner = banner_html(synthetic=True, source="data/synthetic/x.csv")
    first = render_pages(executed, out_dir=tmp_path / "a", run_id="r", banner=banner)
    second = render_pages(executed, out_dir=tmp_path / "b", run_id="r", banner=banner)
    for kind in first:
        assert (tmp_path / "a" / first[kind]).read_bytes() == (tmp_path / "b" / second[kind]).read_bytes()

"""The reviewer and full pages of a run, and the index page."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from ipo_research.report.banner import banner_html
from ipo_research.report.pages import page_paths, render_pages
from ipo_research.report.safety import content_security_policy, sanitize_html
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


def test_runs_page_shows_the_lock_hash_with_the_versions(tmp_path):
    locked = {**MANIFEST, "environment": {"lock": "requirements/runtime.txt",
                                          "lock_sha256": "f00d" * 16, "differences": []}}
    text = write_index(tmp_path, locked).read_text()
    versions = text[text.index('<h3 id="versions">Package versions</h3>'):]
    assert ("<p>Installed as locked by <code>requirements/runtime.txt</code>, sha256 <code>"
            + "f00d" * 16 + "</code>: every package it pins is at its pinned version.</p>") in versions
    assert "<td>papermill</td><td><code>2.7.0</code></td>" in versions


def test_runs_page_names_each_package_installed_at_another_version_than_the_lock(tmp_path):
    drifted = {**MANIFEST, "environment": {
        "lock": "requirements/runtime.txt", "lock_sha256": "f00d" * 16,
        "differences": [{"name": "pandas", "locked": "3.1.1", "installed": "3.0.0"},
                        {"name": "six", "locked": "1.17.0", "installed": None}]}}
    text = write_index(tmp_path, drifted).read_text()
    assert "environment differs from the lock <code>requirements/runtime.txt</code>" in text
    assert ("<li><code>pandas</code>: locked <code>3.1.1</code>, installed <code>3.0.0</code></li>"
            "<li><code>six</code>: locked <code>1.17.0</code>, installed <code>nothing</code></li>"
            ) in text
    assert "recorded no dependency lock" in write_index(tmp_path, MANIFEST).read_text()


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


HOSTILE_HTML = ('<img src=x onerror="alert(1)"><script>alert(2)</script>'
                '<a href="javascript:alert(3)">click</a><iframe src="https://example.org"></iframe>'
                '<svg onload="alert(4)"></svg><div style="background:url(https://example.org/x)">t</div>')


@pytest.fixture()
def hostile(tmp_path):
    """An executed notebook whose outputs carry live markup in HTML, Markdown and JavaScript."""
    outputs = [
        new_output("display_data", data={"text/html": HOSTILE_HTML, "text/plain": "x"}),
        new_output("display_data", data={"text/markdown": "[click](javascript:alert(5)) <b onmouseover=alert(6)>b</b>"}),
        new_output("display_data", data={"application/javascript": "alert(7)", "text/plain": "js"}),
    ]
    nb = new_notebook(cells=[new_code_cell("show()", execution_count=1, outputs=outputs)])
    path = tmp_path / "notebooks" / "05_growth.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def _tags_and_attributes(page: str):
    from html.parser import HTMLParser

    found = {"tags": [], "attributes": []}

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found["tags"].append(tag)
            found["attributes"] += attrs

    Reader().feed(page)
    return found


def _own_scripts_only(page: str) -> None:
    """Every script of a page is the site's own search script, loaded from OUT: no inline code."""
    import re

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts, "the page shell loads the search script"
    for attributes, inline in scripts:
        assert inline.strip() == ""
        assert re.fullmatch(r' src="(\.\./)*assets/search\.js"', attributes), attributes


def _is_local(url: str) -> bool:
    return not url.startswith("//") and "://" not in url and not url.lower().startswith("javascript:")


def test_pages_keep_no_script_handler_javascript_url_or_iframe_from_outputs(hostile, tmp_path):
    pages = render_pages(hostile, out_dir=tmp_path, run_id="05_growth")
    for page in pages.values():
        text = (tmp_path / page).read_text()
        found = _tags_and_attributes(text)
        _own_scripts_only(text)
        assert "iframe" not in found["tags"]
        assert "svg" not in found["tags"]
        assert not [name for name, _ in found["attributes"] if name.startswith("on")]
        values = " ".join(value or "" for _, value in found["attributes"])
        assert "javascript:" not in values and "example.org" not in values
        assert "alert(7)" not in text
        assert ">click</a>" in text and ">b</b>" in text  # the harmless text stays


def test_pages_load_nothing_from_the_network_and_carry_the_csp(executed, tmp_path):
    pages = render_pages(executed, out_dir=tmp_path, run_id="02_landscape")
    for page in pages.values():
        text = (tmp_path / page).read_text()
        found = _tags_and_attributes(text)
        _own_scripts_only(text)
        sources = [value for name, value in found["attributes"] if name in ("src", "href")]
        assert sources and all(_is_local(value) for value in sources), sources
        head = text[:text.index("<title>")]
        assert f'content="{content_security_policy()}"' in head
        # Scripts, styles and images from the report's own folder only; nothing inline runs.
        assert "script-src 'self';" in content_security_policy()
        assert "default-src 'none'" in content_security_policy()


def test_runs_page_carries_the_csp_and_no_inline_script(tmp_path):
    text = write_index(tmp_path, MANIFEST).read_text()
    assert f'content="{content_security_policy()}"' in text[:text.index("<title>")]
    _own_scripts_only(text)


def test_csp_allows_the_packages_own_scripts_by_their_sha256():
    import base64
    import hashlib

    script = "document.body.dataset.ready = 1;"
    expected = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = content_security_policy([script])
    assert f"script-src 'self' 'sha256-{expected}';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_sanitize_keeps_the_banner_and_pandas_tables_readable():
    banner = banner_html(synthetic=True, source="data/synthetic/x.csv")
    cleaned = sanitize_html(banner)
    assert "SYNTHETIC DATA" in cleaned and "background:#fee0b6" in cleaned.replace(" ", "")
    import pandas as pd

    table = pd.DataFrame({"a": ["<b>x</b>"], "b": [1]}).to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in sanitize_html(table) and "<table" in sanitize_html(table)

"""The report site built from the committed notebooks: structure, numbering, cleanliness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from ipo_research.paths import PROJECT_ROOT
from ipo_research.report.chapter import CAPTIONS_KEY
from ipo_research.report.site import build_site

pytestmark = pytest.mark.xdist_group("site")

CHAPTER_TITLES = {
    "02_landscape": "1. Who IPOs are: the landscape",
    "01_clean": "A. Cleaning: from the raw export to analysis-ready responses",
}


def _pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html")) + sorted((out / "html").glob("*.html"))


def test_front_page_has_a_card_per_chapter_in_reading_order_and_links_the_runs_page(committed_site):
    out, _ = committed_site
    front = (out / "index.html").read_text()
    cards = re.findall(r'<li class="ipo-card"><h3><a href="([^"]+)">([^<]+)</a>', front)
    assert [href for href, _ in cards] == [
        "html/02_landscape.html", "html/03_strengths.html", "html/04_models.html",
        "html/05_growth.html", "html/06_profile__group_value=cpd.html", "html/01_clean.html"]
    assert cards[0][1] == CHAPTER_TITLES["02_landscape"]
    assert "5. Center for Popular Democracy" in [title for _, title in cards]
    assert '<footer class="ipo-footer">' in front and 'href="runs.html"' in front.split('<footer')[1]
    assert re.search(r'<img src="assets/thumbs/02_landscape.png" alt="First figure of chapter 1">', front)
    assert (out / "assets/thumbs/02_landscape.png").read_bytes()[:4] == b"\x89PNG"


def test_every_page_says_synthetic_once_and_names_no_machine_path(committed_site):
    out, _ = committed_site
    for page in _pages(out):
        text = page.read_text()
        assert text.count("SYNTHETIC DATA") == 1, page.name
        assert str(PROJECT_ROOT) not in text and str(out) not in text, page.name


def test_chapter_pages_have_navigation_and_numbered_captioned_figures(committed_site):
    out, _ = committed_site
    page = (out / "html/02_landscape.html").read_text()
    assert '<a href="../html/02_landscape.html" aria-current="page">1. Who IPOs are' in page
    assert 'rel="next">2. Strengths and weaknesses' in page
    assert 'href="../html/02_landscape.full.html">Show the code (full page)</a>' in page
    assert '<nav class="ipo-toc" aria-label="On this page">' in page and 'href="#Level-of-work"' in page
    assert ('<figcaption><span class="ipo-num" data-kind="figure" data-n="1">Figure 1.1</span>. '
            "Organizations by state</figcaption>") in page
    assert 'alt="Organizations by state"' in page
    full = (out / "html/02_landscape.full.html").read_text()
    assert 'href="../html/02_landscape.html">Hide the code (reviewer page)</a>' in full
    assert "figure_output" in full and "figure_output" not in page


def test_no_placeholder_alt_text_no_bare_row_numbers_and_wide_tables_scroll(committed_site):
    out, _ = committed_site
    for page in sorted((out / "html").glob("*.html")):
        text = page.read_text()
        assert "No description has been provided" not in text, page.name
        assert not re.search(r"<tr[^>]*>\s*<th>0</th>", text), page.name
        tables = text.count("<table")
        assert tables == text.count('class="ipo-scroll" role="region" tabindex="0"'), page.name


def test_model_terms_read_in_the_codebook_words(committed_site):
    out, _ = committed_site
    page = (out / "html/04_models.html").read_text()
    assert "Primary network: Center for Popular Democracy" in page
    assert "primary_network = cpd" not in page
    assert "<th>Years since founding</th>" in page and "<th>Annual budget (log)</th>" in page


def test_figures_page_lists_every_caption_with_a_link_to_it(committed_site):
    out, _ = committed_site
    figures = (out / "figures.html").read_text()
    assert '<a href="html/03_strengths.html#figure-1">Figure 2.1</a>. Self-rated capacity today, by area' in figures
    for href in re.findall(r'<li><a href="([^"#]+)#([^"]+)">', figures):
        assert f'id="{href[1]}"' in (out / href[0]).read_text()
    assert '<a href="html/01_clean.html#table-1">Table A.1</a>' in figures


def test_search_index_has_every_chapter_with_headings_and_captions(committed_site):
    out, _ = committed_site
    records = json.loads((out / "search-index.json").read_text())
    titles = [record["title"] for record in records]
    assert CHAPTER_TITLES["02_landscape"] in titles and "Figures and tables" in titles
    landscape = records[titles.index(CHAPTER_TITLES["02_landscape"])]
    assert {"id": "Level-of-work", "text": "Level of work"} in landscape["headings"]
    assert {"id": "figure-1", "text": "Figure 1.1. Organizations by state"} in landscape["captions"]
    script = (out / "search-index.js").read_text()
    assert script.startswith("window.IPO_SEARCH_INDEX = [") and json.loads(script[25:-2]) == records


def test_two_builds_write_byte_identical_pages(committed_site, tmp_path):
    out, manifest = committed_site
    first = {page.relative_to(out): page.read_bytes() for page in _pages(out)}
    build_site(out, manifest)
    assert {page.relative_to(out): page.read_bytes() for page in _pages(out)} == first


def test_every_figure_and_table_of_the_committed_notebooks_has_a_declared_caption():
    for path in sorted((PROJECT_ROOT / "notebooks").glob("0*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            shown = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
                     or ("<table" in "".join(o.get("data", {}).get("text/html", ""))
                         and "ipo-data-banner" not in "".join(o.get("data", {}).get("text/html", "")))]
            declared = cell.metadata.get(CAPTIONS_KEY, [])
            assert len(declared) == len(shown), f"{path.name} cell {index}: {len(shown)} shown, {declared}"


def test_report_command_rebuilds_the_site_without_executing(committed_site, capsys):
    from ipo_research.cli import main

    out, _ = committed_site
    before = (out / "index.html").read_bytes()
    (out / "index.html").unlink()
    assert main(["report", "--out", str(out)]) == 0
    assert (out / "index.html").read_bytes() == before
    assert "wrote" in capsys.readouterr().out


def test_report_command_without_a_run_or_a_browser_exits_2_with_the_fix(committed_site, tmp_path,
                                                                        monkeypatch, capsys):
    from ipo_research.cli import main

    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "run `ipo-research run --out" in capsys.readouterr().err
    out, _ = committed_site
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("IPO_RESEARCH_CHROMIUM", raising=False)
    assert main(["report", "--pdf", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "needs Chromium" in error and "apt-get install chromium" in error


def test_runs_page_shows_out_and_project_paths_relative(tmp_path):
    from ipo_research.report.pages import runs_body

    out = tmp_path / "out"
    data = PROJECT_ROOT / "data" / "codebook.yaml"
    manifest = {"runs": [{"id": "r", "stage": "s", "status": "failed",
                          "parameters": {"out_dir": str(out), "codebook_path": str(data)},
                          "error": f"FileNotFoundError: {out}/tables/x.csv"}]}
    body = runs_body(manifest, out_dir=out)
    assert str(out) not in body and str(PROJECT_ROOT) not in body
    assert "<code>out_dir</code> = <code>&#x27;OUT&#x27;</code>" in body
    assert f"<code>&#x27;{data.relative_to(PROJECT_ROOT).as_posix()}&#x27;</code>" in body
    assert "FileNotFoundError: OUT/tables/x.csv" in body

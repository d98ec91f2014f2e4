"""The report site in a real browser (Playwright driving Debian's chromium) and its PDF.

Skipped, with the reason, where no chromium is installed (`apt-get install chromium`).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest

# Chromium over the whole site: about a minute in all, run by CI (see Makefile).
pytestmark = [pytest.mark.xdist_group("site"), pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("console", lambda message: opened.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()


def _pages(out: Path) -> list[Path]:
    return sorted(out.glob("*.html")) + sorted((out / "html").glob("*.html"))


@needs_browser
def test_every_link_resolves_every_image_loads_and_no_console_error(committed_site, page):
    out, _ = committed_site
    for path in _pages(out):
        page.errors.clear()
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        broken = page.evaluate("[...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
        assert broken == [], f"{path.name}: images that did not load: {broken}"
        for href in page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"):
            assert href.startswith("file://"), f"{path.name} links outside the folder: {href}"
            target, fragment = urldefrag(href)
            file = Path(unquote(target[len("file://"):]))
            assert file.is_file(), f"{path.name}: {href} does not exist"
            if fragment:
                assert f'id="{fragment}"' in file.read_text(), f"{path.name}: no #{fragment} in {file.name}"
        assert page.errors == [], f"{path.name}: console errors {page.errors}"


@needs_browser
def test_reader_reaches_every_chapter_and_back_and_finds_figure_2_1(committed_site, page):
    out, manifest = committed_site
    page.goto((out / "index.html").as_uri())
    cards = page.locator(".ipo-card h3 a")
    assert cards.count() == len(manifest["runs"])
    for index in range(cards.count()):
        page.goto((out / "index.html").as_uri())
        title = page.locator(".ipo-card h3 a").nth(index).inner_text()
        page.locator(".ipo-card h3 a").nth(index).click()
        assert page.locator('.ipo-sidebar a[aria-current="page"]').inner_text() == title
        page.locator(".ipo-sidebar a.ipo-site-title").click()
        assert page.url.endswith("/index.html")
    page.goto((out / "figures.html").as_uri())
    page.get_by_role("link", name="Figure 2.1", exact=True).click()
    assert page.url.endswith("03_strengths.html#figure-1")
    assert page.locator("#figure-1 figcaption").inner_text().startswith("Figure 2.1.")
    assert page.locator("#figure-1 img").get_attribute("alt") == "Self-rated capacity today, by area"


def _word_in_one_chapter(out: Path) -> tuple[str, str]:
    records = json.loads((out / "search-index.json").read_text())
    seen = Counter()
    for record in records:
        seen.update(set(re.findall(r"[a-z]{7,}", (record["title"] + " " + record["text"]).lower())))
    for record in records:
        if record["url"].startswith("html/"):
            for word in sorted(set(re.findall(r"[a-z]{7,}", record["text"].lower()))):
                if seen[word] == 1:
                    return word, record["url"]
    raise AssertionError("no word appears in one chapter only")


@needs_browser
def test_search_box_finds_a_word_of_one_chapter_and_links_to_it(committed_site, page):
    out, _ = committed_site
    word, url = _word_in_one_chapter(out)
    page.goto((out / "html/05_growth.html").as_uri())
    page.fill("#ipo-search-input", word)
    results = page.locator("#ipo-search-results li a")
    results.first.wait_for(timeout=5000)
    assert results.count() == 1
    results.first.click()
    assert unquote(page.url).split("#")[0].endswith(url)
    assert word in page.inner_text("main").lower()
    assert page.errors == []


@needs_browser
def test_axe_finds_no_serious_or_critical_violation(committed_site, browser):
    axe_selenium_python = pytest.importorskip("axe_selenium_python")
    axe = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    out, _ = committed_site
    # axe-core is injected as an inline script, which the pages' CSP rightly refuses: the
    # checker's own context sets the policy aside (the pages' markup is what is checked).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    for path in [out / "index.html", out / "figures.html", *sorted((out / "html").glob("*.html"))]:
        if path.name.endswith(".full.html"):
            continue
        page.goto(path.as_uri())
        page.add_script_tag(content=axe.read_text())
        found = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                              ".map(v => ({id: v.id, impact: v.impact, n: v.nodes.length})))")
        bad = [v for v in found if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{path.name}: {bad}"
    context.close()


@needs_browser
def test_pdf_has_the_front_page_and_every_chapter_with_page_numbers(committed_site):
    pypdf = pytest.importorskip("pypdf")
    from ipo_research.report.pdf import write_pdf
    from ipo_research.report.site import site_chapters

    out, manifest = committed_site
    pdf = write_pdf(out, manifest, browser=CHROMIUM)
    reader = pypdf.PdfReader(str(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    assert len(reader.pages) >= 20
    assert flat.startswith(f"Page 1 of {len(reader.pages)}") or f"Page 1 of {len(reader.pages)}" in flat
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in flat
    for chapter in site_chapters(out, manifest):
        assert re.sub(r"\s+", " ", f"{chapter.number}. {chapter.title}") in flat, chapter.title
    assert "Figure 2.1. Self-rated capacity today, by area" in flat
    assert not (out / "report-print.html").exists()

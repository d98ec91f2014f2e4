"""A hostile export through the whole default run, every page checked in headless Chromium.

The export is the shipped synthetic one with its open-text answers replaced by what anyone
holding the survey link could type: script tags, event handlers, ``javascript:`` links,
Markdown injection, spreadsheet formulas, right-to-left overrides and very long answers; a
column header of the same kind; a formula in a number. The default pipeline runs on it through
the command line, then Playwright drives Debian's ``chromium`` over every page under OUT.

Asserted on each page: no dialog opens, nothing from the data runs (no handler changes the
title), no request leaves ``file://``, no console error. Then the two lines of defence, each on
its own:

- the data's text shows *as typed* (escaping at the source, step 1): the growth page reads
  ``<script>alert(2)</script>`` as text, and the clean page the hostile column header;
- a hostile answer that slipped through as markup would still not run (the page's sanitizer
  and Content-Security-Policy, step 2): the test puts one into the open page and checks that
  its event handler is refused.

Skipped, with the reason, where no Chromium or no Playwright is installed (``.ci/run``
installs Debian's ``chromium`` when it is missing).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ipo_research.paths import SYNTHETIC_EXPORT_PATH
from ipo_research.survey.escaping import FORMULA_STARTS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile_export")]

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# Each answer carries its own theme's word, so the growth page quotes it; none looks like a name.
LESSONS = [
    "funding came late <script>alert(2)</script>",
    "staff burned out <img src=x onerror=alert(1)>",
    "our data was thin [click](javascript:alert(3))",
    "the party ![pic](javascript:alert(4)) <iframe src=javascript:alert(5)></iframe>",
    "candidates <svg onload=alert(6)> **bold** _it_ `code` # heading | a | b |",
    "coalitions \u202egnp.exe\u202c right to left",
    "=cmd|' /C calc'!A0 deep canvass +cmd @SUM(A1)",
    "funding <img src=x onerror=\"document.title='PWNED'\">",
]
VISION = "year-round field program <script>alert(7)</script> " + "long answer " * 20_000
HOSTILE_HEADER = "<img src=x onerror=alert(8)>`<b>`"
SHOWN_AS_TYPED = ["<script>alert(2)</script>", "<img src=x onerror=alert(1)>",
                  "[click](javascript:alert(3))"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("IPO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _write_hostile_export(path: Path) -> None:
    with open(SYNTHETIC_EXPORT_PATH, encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    lessons, vision, founded = header.index("Q35"), header.index("Q42"), header.index("Q7")
    data = rows[3:]
    for number, row in enumerate(data):
        row[lessons] = LESSONS[number % len(LESSONS)]
    data[0][vision] = VISION
    data[1][founded] = "=1+2"
    for number, row in enumerate(rows):
        row.append(HOSTILE_HEADER if number == 0 else ("{}" if number == 2 else "x"))
    with open(path, "w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("no Chromium found (/usr/bin/chromium): install Debian's chromium "
                    "(`apt-get install chromium`, as .ci/run does) to run the browser tests")
    pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    root = tmp_path_factory.mktemp("hostile")
    export = root / "hostile_export.csv"
    _write_hostile_export(export)
    before = export.read_bytes()
    out = root / "out"
    finished = subprocess.run([sys.executable, "-m", "ipo_research.cli", "run", "--data", str(export),
                               "--out", str(out), "--jobs", "2"],
                              capture_output=True, text=True, timeout=1500)
    assert export.read_bytes() == before
    return {"out": out, "chromium": chromium, "run": finished}


def test_the_default_run_succeeds_on_the_hostile_export(hostile_run):
    run = hostile_run["run"]
    assert run.returncode == 0, run.stderr[-3000:]


def _visit(browser, page_path: Path) -> dict:
    """Open one page; what happened, and what the page shows."""
    page = browser.new_page()
    seen = {"dialogs": [], "errors": [], "requests": [], "page_errors": []}
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    errors = seen["errors"]
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: seen["page_errors"].append(str(error)))
    page.on("request", lambda request: None if request.url.startswith(("file://", "data:"))
            else seen["requests"].append(request.url))
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    seen["title"] = page.title()
    seen["text"] = page.inner_text("body")
    seen["errors"] = list(seen["errors"])  # the probe below is refused loudly, on purpose
    # The second line of defence: markup that got past the escaping still does not run.
    seen["probe"] = page.evaluate("""() => new Promise(done => {
        const refused = [];
        document.addEventListener('securitypolicyviolation', e => refused.push(e.effectiveDirective));
        const box = document.createElement('div');
        box.innerHTML = '<img src="x" onerror="window.__ipo_ran = 1">';
        document.body.append(box);
        setTimeout(() => done({ran: Boolean(window.__ipo_ran), refused}), 700);
    })""")
    page.close()
    return seen


@pytest.fixture(scope="module")
def visits(hostile_run):
    from playwright.sync_api import sync_playwright

    out = hostile_run["out"]
    pages = sorted((out / "html").glob("*.html")) + [out / "index.html"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=hostile_run["chromium"], args=CHROMIUM_ARGS)
        try:
            return {page.relative_to(out).as_posix(): _visit(browser, page) for page in pages}
        finally:
            browser.close()


def test_every_page_was_rendered(visits):
    assert "html/05_growth.html" in visits and "html/05_growth.full.html" in visits
    assert "html/01_clean.html" in visits and "index.html" in visits


def test_no_page_opens_a_dialog_runs_data_or_logs_an_error(visits):
    for name, seen in visits.items():
        assert seen["dialogs"] == [], name
        assert seen["title"] != "PWNED", name
        assert seen["errors"] == [], (name, seen["errors"][:3])
        assert seen["page_errors"] == [], name


def test_no_page_asks_for_anything_outside_file_urls(visits):
    for name, seen in visits.items():
        assert seen["requests"] == [], (name, seen["requests"][:3])


def test_the_datas_text_shows_as_typed(visits):
    growth = visits["html/05_growth.html"]["text"]
    for typed in SHOWN_AS_TYPED:
        assert typed in growth
    assert "<img src=x onerror=alert(8)>`<b>`" in visits["html/01_clean.html"]["text"]


def test_markup_that_slipped_through_would_not_run(visits):
    for name, seen in visits.items():
        assert seen["probe"]["ran"] is False, name
        assert "script-src-attr" in seen["probe"]["refused"] or "script-src" in seen["probe"]["refused"], name


def test_formula_text_is_written_as_text(hostile_run):
    out = hostile_run["out"]
    log = pd.read_csv(out / "data" / "cleaning_log.csv", dtype=str, keep_default_na=False)
    assert "'=1+2" in set(log.to_numpy().ravel())
    for table in sorted((out / "tables").glob("*.csv")):
        cells = pd.read_csv(table, dtype=str, keep_default_na=False).to_numpy().ravel()
        risky = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not _number(cell)]
        assert risky == [], (table.name, risky[:3])


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

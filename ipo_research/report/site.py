"""The report site: every chapter page with navigation, the front page, figures and search.

:func:`build_site` reads ``OUT/manifest.json``'s runs and their pages (rendering a page again
from ``OUT/notebooks/`` only where it is missing or older than its notebook, never executing
anything) and writes:

- ``OUT/index.html``: for reviewers: the survey's title, what the report is, the data banner
  once, one card per chapter in reading order (title, a sentence from the chapter, a thumbnail
  of its first figure), the fanned-out runs grouped; the operator's page linked in the footer;
- ``OUT/html/<run>.html`` and ``.full.html``: each chapter inside the shared shell (sidebar
  with every chapter, "on this page", previous/next, the link to the other version), with
  figures and tables numbered "Figure 2.3" / "Table 4.1" in its chapter;
- ``OUT/figures.html``: every figure and table with its number, caption and link;
- ``OUT/runs.html``: the operator's view (runs, parameters, status, durations, errors,
  provenance), from :func:`ipo_research.report.pages.runs_body`;
- ``OUT/search-index.json`` and ``OUT/search-index.js`` (the same records, loadable from
  ``file://``), and ``OUT/assets/`` (stylesheet, search script, thumbnails).

Reading order: the runs in the pipeline's order, except the cleaning stage, which is placed
last as an appendix ("A"); chapters are numbered 1, 2, ... in that order. Same manifest and
notebooks, same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ipo_research.files import atomic_write_text
from ipo_research.report import chapter as chapters_mod
from ipo_research.report.layout import NavLink, PageShell, page_html, write_assets

__all__ = ["Chapter", "APPENDIX_STAGES", "build_site", "load_manifest", "manifest_codebook", "site_chapters", "print_html"]

APPENDIX_STAGES = ("clean",)
SEARCH_INDEX = "search-index.json"
_BODY = re.compile(r"<!-- ipo:body -->\n(.*)\n<!-- /ipo:body -->", re.S)
_BANNER = re.compile(r"<!-- ipo:banner -->\n(.*?)\n<!-- /ipo:banner -->", re.S)
_CAPTION = re.compile(r'<figure class="ipo-(figure|table)" id="([^"]+)">.*?<figcaption[^>]*>'
                      r'<span class="ipo-num"[^>]*>[^<]*</span>\. (.*?)</figcaption>', re.S)
_FIRST_PNG = re.compile(r'<img[^>]*? src="data:image/png;base64,([^"]+)"')
_SENTENCE = re.compile(r"(.+?[.!?])(?:\s|$)", re.S)


@dataclass
class Chapter:
    """One run as a chapter of the report."""

    run: dict[str, Any]
    number: str = ""
    title: str = ""
    group: str = ""
    summary: str = ""
    banner: str = ""
    bodies: dict[str, str] = field(default_factory=dict)
    thumbnail: str = ""  # relative to OUT

    @property
    def id(self) -> str:
        return str(self.run.get("id", ""))

    @property
    def pages(self) -> dict[str, str]:
        from ipo_research.report.pages import page_paths

        return page_paths(self.id)

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}" if self.number else self.title


def site_chapters(out_dir: str | Path, manifest: dict[str, Any], *, codebook=None) -> list[Chapter]:
    """The chapters of a run's report, in reading order, with their page bodies.

    Parameters
    ----------
    out_dir : str or Path
        OUT.
    manifest : dict
        As written by the runner.
    codebook : Codebook, optional
        Names the groups of fanned-out runs and labels model terms on re-rendered pages.

    Returns
    -------
    list of Chapter
    """
    codebook = codebook if codebook is not None else manifest_codebook(manifest)
    runs = list(manifest.get("runs", []))
    ordered = ([run for run in runs if run.get("stage") not in APPENDIX_STAGES]
               + [run for run in runs if run.get("stage") in APPENDIX_STAGES])
    result, main, appendix = [], 0, 0
    for run in ordered:
        chapter = Chapter(run=run)
        if run.get("stage") in APPENDIX_STAGES:
            appendix += 1
            chapter.number = chr(ord("A") + appendix - 1)
        else:
            main += 1
            chapter.number = str(main)
        _load(chapter, Path(out_dir), codebook)
        if "__" in chapter.id:  # a fanned-out run: named by its value, grouped by its stage
            chapter.group = chapter.title or str(run.get("stage", ""))
            chapter.title = _fan_out_label(run, codebook)
        chapter.title = chapter.title or chapter.id
        result.append(chapter)
    return result


def build_site(out_dir: str | Path, manifest: dict[str, Any], *, codebook=None,
               title: str | None = None) -> dict[str, Path]:
    """Write the report site into OUT from the manifest's runs and their pages.

    Parameters
    ----------
    out_dir : str or Path
        OUT.
    manifest : dict
        As written by the runner.
    codebook : Codebook, optional
        Its survey title heads the front page; see :func:`site_chapters`.
    title : str, optional
        The front page's title (default: the codebook's survey title).

    Returns
    -------
    dict of str to Path
        What was written: ``index``, ``figures``, ``runs``, ``search``.
    """
    from ipo_research.report.pages import manifest_banner, runs_body

    out = Path(out_dir)
    codebook = codebook if codebook is not None else manifest_codebook(manifest)
    chapters = site_chapters(out, manifest, codebook=codebook)
    site_title = title or (codebook.title if codebook is not None else "Survey report")
    banner = next((c.banner for c in chapters if c.banner), "") or manifest_banner(manifest)
    write_assets(out)
    readable = [c for c in chapters if c.bodies]
    nav = [NavLink(c.pages["reviewer"], c.label, c.group) for c in readable]
    records = []
    for position, chapter in enumerate(readable):
        for kind in ("reviewer", "full"):
            url = chapter.pages[kind]
            body = chapters_mod.renumber(chapter.bodies[kind], chapter.number)
            other = "full" if kind == "reviewer" else "reviewer"
            shell = PageShell(
                title=chapter.label, url=url, site_title=site_title,
                banner=f"<!-- ipo:banner -->\n{chapter.banner}\n<!-- /ipo:banner -->",
                chapters=nav, toc=chapters_mod.headings(body),
                previous=_neighbour(readable, position - 1, kind),
                next=_neighbour(readable, position + 1, kind),
                other_version=NavLink(chapter.pages[other],
                                      "Show the code (full page)" if other == "full"
                                      else "Hide the code (reviewer page)"),
            )
            atomic_write_text(out / url, page_html(shell, f"<!-- ipo:body -->\n{body}\n<!-- /ipo:body -->"))
        records.append(_search_record(chapter))
    shell = dict(site_title=site_title, chapters=nav, banner=banner)
    written = {
        "index": atomic_write_text(out / "index.html", page_html(
            PageShell(title="Front page", url="index.html", footer=_footer(manifest), **shell),
            _front_body(site_title, chapters, manifest))),
        "figures": atomic_write_text(out / "figures.html", page_html(
            PageShell(title="Figures and tables", url="figures.html", **shell),
            _figures_body(readable))),
        "runs": atomic_write_text(out / "runs.html", page_html(
            PageShell(title="Runs and provenance", url="runs.html", **shell), runs_body(manifest, out_dir=out))),
    }
    records += [{"url": "figures.html", "title": "Figures and tables", "headings": [],
                 "captions": [], "text": chapters_mod.plain_text(_figures_body(readable))}]
    index_json = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    written["search"] = atomic_write_text(out / SEARCH_INDEX, index_json + "\n")
    atomic_write_text(out / "search-index.js", f"window.IPO_SEARCH_INDEX = {index_json};\n")
    return written


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """``OUT/manifest.json``, or a :class:`~ipo_research.exceptions.ConfigError` saying what to run."""
    from ipo_research.exceptions import ConfigError

    path = Path(out_dir) / "manifest.json"
    if not path.is_file():
        raise ConfigError(f"{path} not found: the report is built from a run's manifest and "
                          f"executed notebooks; run `ipo-research run --out {out_dir}` first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path} is not valid JSON ({error}); run `ipo-research run --out "
                          f"{out_dir}` again to rewrite it") from error


def manifest_codebook(manifest: dict[str, Any]):
    """The codebook the manifest's runs read, or None when none can be read."""
    from ipo_research.exceptions import IpoResearchError
    from ipo_research.paths import project_path
    from ipo_research.survey.codebook import load_codebook

    for run in manifest.get("runs", []):
        path = (run.get("parameters") or {}).get("codebook_path")
        if isinstance(path, str) and project_path(path).is_file():
            try:
                return load_codebook(path)
            except IpoResearchError:
                return None
    return None


def print_html(out_dir: str | Path, manifest: dict[str, Any], *, codebook=None,
               title: str | None = None) -> str:
    """One HTML document for print: the front page, then every chapter's reviewer body.

    Links in it are relative to OUT, so it is written there (see :mod:`.pdf`).
    """
    codebook = codebook if codebook is not None else manifest_codebook(manifest)
    chapters = [c for c in site_chapters(out_dir, manifest, codebook=codebook) if c.bodies]
    site_title = title or (codebook.title if codebook is not None else "Survey report")
    banner = next((c.banner for c in chapters if c.banner), "")
    parts = [_front_body(site_title, chapters, manifest, cards=False)]
    for chapter in chapters:
        body = chapters_mod.renumber(chapter.bodies["reviewer"], chapter.number)
        heading = f"<h1>{html.escape(chapter.label)}</h1>"
        if chapter.group:
            heading += f'<p class="ipo-print-group">{html.escape(chapter.group)}</p>'
        body = re.sub(r"<h1[^>]*>.*?</h1>", lambda m: heading, body, count=1, flags=re.S)
        parts.append(f'<section class="ipo-print-chapter">{body}</section>')
    shell = PageShell(title=site_title, url="report-print.html", site_title=site_title, banner=banner)
    return page_html(shell, "\n".join(parts))


def _neighbour(chapters: list[Chapter], position: int, kind: str) -> NavLink | None:
    if not 0 <= position < len(chapters):
        return None
    return NavLink(chapters[position].pages[kind], chapters[position].label)


def _load(chapter: Chapter, out: Path, codebook) -> None:
    """Read the chapter's rendered pages (rendering them first when missing or stale)."""
    from ipo_research.report.pages import render_pages

    notebook = out / str(chapter.run.get("output") or f"notebooks/{chapter.id}.ipynb")
    paths = {kind: out / path for kind, path in chapter.pages.items()}
    if notebook.is_file() and any(not page.is_file() or page.stat().st_mtime < notebook.stat().st_mtime
                                  for page in paths.values()):
        try:
            render_pages(notebook, out_dir=out, run_id=chapter.id, codebook=codebook)
        except Exception as error:  # noqa: BLE001 - one chapter's failure must not sink the site
            # The runner has recorded the same failure on the run; the card says it too.
            chapter.summary = (f"Its pages could not be rendered ({type(error).__name__}: {error}); "
                               "the runs page has the details.")
            return
    if not all(page.is_file() for page in paths.values()):
        return
    for kind, page in paths.items():
        text = page.read_text(encoding="utf-8")
        found = _BODY.search(text)
        if not found:
            return
        chapter.bodies[kind] = found.group(1)
        banner = _BANNER.search(text)
        chapter.banner = chapter.banner or (banner.group(1) if banner else "")
    reviewer = chapter.bodies["reviewer"]
    heads = chapters_mod.headings(reviewer)
    chapter.title = heads[0][2] if heads else ""
    paragraph = re.search(r"</h1>\s*<p>(.*?)</p>", reviewer, re.S)
    if paragraph:
        words = re.sub(r"\s+", " ", chapters_mod.plain_text(paragraph.group(1)))
        sentence = _SENTENCE.match(words)
        chapter.summary = sentence.group(1) if sentence else words
    png = _FIRST_PNG.search(reviewer)
    if png:
        chapter.thumbnail = f"assets/thumbs/{_file_name(chapter.id)}.png"
        target = out / chapter.thumbnail
        target.parent.mkdir(parents=True, exist_ok=True)
        data = base64.b64decode(png.group(1))
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)


def _file_name(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", run_id)


def _fan_out_label(run: dict[str, Any], codebook) -> str:
    """``06_profile__group_value=cpd`` -> the label of level ``cpd`` in the codebook."""
    fanned = str(run.get("id", "")).split("__", 1)[-1]
    value = fanned.split("=", 1)[-1]
    if codebook is not None:
        by = (run.get("parameters") or {}).get("group_by")
        if isinstance(by, str) and codebook.has_question(by):
            return codebook.question(by).label_of(value)
    return value


def _captions(chapter: Chapter) -> list[tuple[str, str, str]]:
    return [(kind, anchor, chapters_mod.plain_text(text))
            for kind, anchor, text in _CAPTION.findall(chapter.bodies["reviewer"])]


def _front_body(site_title: str, chapters: list[Chapter], manifest: dict[str, Any], *,
                cards: bool = True) -> str:
    readable = [c for c in chapters if c.bodies]
    parts = [f"<h1>{html.escape(site_title)}</h1>",
             f"<p>{_description(readable, manifest)}</p>"]
    if cards:
        parts.append('<p><a href="figures.html">Every figure and table</a> · '
                     '<a href="runs.html">How this report was made (runs and provenance)</a></p>')
    parts.append("<h2>Chapters</h2>" if cards else "<h2>Contents</h2>")
    group = None
    items: list[str] = []
    for chapter in chapters:
        if chapter.group != group and chapter.group:
            items.append(f'</ul><h3>{html.escape(chapter.group)}</h3><ul class="ipo-cards">')
        elif chapter.group != group:
            items.append('</ul><ul class="ipo-cards">')
        group = chapter.group
        items.append(_card(chapter, cards))
    parts.append('<ul class="ipo-cards">' + "\n".join(items) + "</ul>")
    return "\n".join(parts).replace('<ul class="ipo-cards"></ul>', "")


def _card(chapter: Chapter, with_links: bool) -> str:
    title = html.escape(chapter.label)
    if chapter.bodies and with_links:
        heading = f'<h3><a href="{html.escape(chapter.pages["reviewer"])}">{title}</a></h3>'
    else:
        heading = f"<h3>{title}</h3>"
    image = (f'<img src="{chapter.thumbnail}" alt="First figure of chapter {html.escape(chapter.number)}">'
             if chapter.thumbnail and with_links else "")
    status = str(chapter.run.get("status", ""))
    note = ""
    if not chapter.bodies:
        note = f'<p class="ipo-status">Not available: this run is {html.escape(status)}.</p>'
    elif status == "failed":
        note = '<p class="ipo-status">This run failed; the page shows the failing cell.</p>'
    summary = f"<p>{html.escape(chapter.summary)}</p>" if chapter.summary else ""
    return f'<li class="ipo-card">{heading}{image}{summary}{note}</li>'


def _description(chapters: list[Chapter], manifest: dict[str, Any]) -> str:
    runs = manifest.get("runs", [])
    failed = sum(run.get("status") in ("failed", "skipped") for run in runs)
    text = (f"The analysis of the survey, in {len(chapters)} chapters. Each chapter is a page of "
            "narrative, tables and figures computed from the cleaned responses; its numbers come "
            "from the notebooks and tables of the same run, and a second version of every page "
            "shows the code that made it. Tables withhold small counts to protect respondents.")
    if failed:
        text += f" {failed} run(s) failed or were skipped; see the runs page."
    return html.escape(text)


def _figures_body(chapters: list[Chapter]) -> str:
    parts = ["<h1>Figures and tables</h1>"]
    for chapter in chapters:
        captions = _captions(chapter)
        if not captions:
            continue
        parts.append(f'<h2 id="chapter-{html.escape(chapter.number)}">{html.escape(chapter.label)}</h2><ul>')
        for kind, anchor, text in captions:
            n = anchor.split("-", 1)[1]
            label = chapters_mod.number_label(kind, f"{chapter.number}.{n}")
            parts.append(f'<li><a href="{html.escape(chapter.pages["reviewer"])}#{anchor}">'
                         f"{label}</a>. {html.escape(text)}</li>")
        parts.append("</ul>")
    return "\n".join(parts)


def _search_record(chapter: Chapter) -> dict[str, Any]:
    body = chapter.bodies["reviewer"]
    captions = [{"id": anchor, "text": chapters_mod.number_label(kind, f"{chapter.number}.{anchor.split('-', 1)[1]}")
                 + ". " + text} for kind, anchor, text in _captions(chapter)]
    return {
        "url": chapter.pages["reviewer"], "title": chapter.label,
        "headings": [{"id": anchor, "text": text} for level, anchor, text in chapters_mod.headings(body)
                     if level > 1],
        "captions": captions,
        "text": chapters_mod.plain_text(body)[:30000],
    }


def _footer(manifest: dict[str, Any]) -> str:
    git = manifest.get("git") or {}
    commit = str(git.get("commit") or "unknown")[:12]
    return (f'Built by ipo-research from commit <code>{html.escape(commit)}</code>. '
            '<a href="runs.html">Runs, parameters, inputs and versions</a> (the operator\'s view).')

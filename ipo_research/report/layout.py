"""The page shell every page of the report shares: sidebar, search box, "on this page", links.

Pages live in OUT (``index.html``, ``figures.html``, ``runs.html``) or in ``OUT/html/``; every
link is relative (``root`` is ``""`` or ``"../"``), so the folder works from ``file://``, from a
web server and zipped. The shell loads one stylesheet and one script from ``OUT/assets/``
(copied there by :func:`write_assets`); no inline script, no inline event handler, no CDN; the
Content-Security-Policy of :mod:`ipo_research.report.safety` opens every page's head.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ipo_research.files import atomic_write_text
from ipo_research.report.safety import OWN_SCRIPTS, content_security_policy

__all__ = ["NavLink", "PageShell", "page_html", "write_assets", "ASSETS"]

ASSETS = ("site.css", "search.js")


@dataclass(frozen=True)
class NavLink:
    """A link of the sidebar: ``url`` relative to OUT."""

    url: str
    label: str
    group: str = ""


@dataclass
class PageShell:
    """What surrounds a page's body."""

    title: str
    url: str  # this page, relative to OUT
    site_title: str = "Report"
    banner: str = ""
    chapters: list[NavLink] = field(default_factory=list)
    toc: list[tuple[int, str, str]] = field(default_factory=list)  # (level, id, text)
    previous: NavLink | None = None
    next: NavLink | None = None
    other_version: NavLink | None = None
    footer: str = ""

    @property
    def root(self) -> str:
        """The way back to OUT from this page."""
        return "../" * self.url.count("/")


def page_html(shell: PageShell, body: str) -> str:
    """A whole HTML page: ``body`` inside the shared shell."""
    root = shell.root
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(OWN_SCRIPTS)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(shell.title)} · {html.escape(shell.site_title)}</title>",
        f'<link rel="stylesheet" href="{root}assets/site.css">',
        "</head>",
        f'<body data-root="{root}">',
        '<a class="ipo-skip" href="#main">Skip to the content</a>',
        '<div class="ipo-layout">',
        _sidebar(shell),
        '<main id="main">',
        shell.banner,
        _version_link(shell),
        body,
        _page_links(shell),
        f'<footer class="ipo-footer">{shell.footer}</footer>' if shell.footer else "",
        "</main>",
        _toc(shell),
        "</div>",
        f'<script src="{root}assets/search.js"></script>',
        "</body>", "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def write_assets(out_dir: str | Path) -> list[Path]:
    """Copy the stylesheet and the search script to ``OUT/assets/``."""
    folder = resources.files("ipo_research.report") / "assets"
    return [atomic_write_text(Path(out_dir) / "assets" / name,
                              (folder / name).read_text(encoding="utf-8")) for name in ASSETS]


def _sidebar(shell: PageShell) -> str:
    root = shell.root
    lines = ['<nav class="ipo-sidebar" aria-label="Chapters">',
             f'<a class="ipo-site-title" href="{root}index.html">{html.escape(shell.site_title)}</a>',
             '<form class="ipo-search" role="search">',
             '<label for="ipo-search-input">Search the report</label>',
             '<input id="ipo-search-input" type="search">',
             '<ul id="ipo-search-results" class="ipo-search-results" aria-live="polite"></ul>',
             "</form>"]
    group = None
    lines.append("<ul>")
    lines.append(_nav_item(NavLink("index.html", "Front page"), shell))
    for link in shell.chapters:
        if link.group != group:
            if group is not None:
                lines.append("</ul></li>")
            if link.group:
                lines.append(f'<li><h2>{html.escape(link.group)}</h2><ul>')
            group = link.group if link.group else None
        lines.append(_nav_item(link, shell))
    if group is not None:
        lines.append("</ul></li>")
    lines.append(_nav_item(NavLink("figures.html", "Figures and tables"), shell))
    lines.append(_nav_item(NavLink("runs.html", "Runs and provenance"), shell))
    lines += ["</ul>", "</nav>"]
    return "\n".join(lines)


def _nav_item(link: NavLink, shell: PageShell) -> str:
    current = link.url == shell.url or link.url == _reviewer_url(shell.url)
    marker = ' aria-current="page"' if current else ""
    return f'<li><a href="{shell.root}{html.escape(link.url)}"{marker}>{html.escape(link.label)}</a></li>'


def _reviewer_url(url: str) -> str:
    return url.replace(".full.html", ".html")


def _toc(shell: PageShell) -> str:
    entries = [(level, anchor, text) for level, anchor, text in shell.toc if level in (2, 3)]
    if not entries:
        return ""
    items = "".join(f'<li class="level-{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
                    for level, anchor, text in entries)
    return f'<nav class="ipo-toc" aria-label="On this page"><h2>On this page</h2><ul>{items}</ul></nav>'


def _page_links(shell: PageShell) -> str:
    if not (shell.previous or shell.next):
        return ""
    root = shell.root
    before = (f'<a href="{root}{html.escape(shell.previous.url)}" rel="prev">&larr; '
              f"{html.escape(shell.previous.label)}</a>") if shell.previous else "<span></span>"
    after = (f'<a href="{root}{html.escape(shell.next.url)}" rel="next">'
             f"{html.escape(shell.next.label)} &rarr;</a>") if shell.next else "<span></span>"
    return f'<nav class="ipo-pagelinks" aria-label="Previous and next chapter">{before}{after}</nav>'


def _version_link(shell: PageShell) -> str:
    other = shell.other_version
    if other is None:
        return ""
    return (f'<p class="ipo-version"><a href="{shell.root}{html.escape(other.url)}">'
            f"{html.escape(other.label)}</a></p>")

"""The rendered report: two HTML pages per run and the index page.

Each executed notebook becomes a reviewer page (narrative, tables and figures, no code) and a
full page (with code), both made by nbconvert's HTMLExporter and both opening with the data
banner. ``OUT/index.html`` lists every run with its parameters, status, duration, pages and
error, then the provenance: git commit, package versions with the dependency lock's hash (and
any package installed at another version than the lock's), input hashes, start and total time.
Links and paths are relative to OUT, so the folder can be moved or published as it is.

Pages are safe to open whatever the data held, and work offline (from a zip file on a plane):

- every HTML or Markdown output of a notebook is sanitized after nbconvert renders it
  (:func:`sanitize_html`, an allow-list through ``nh3``): no ``<script>``, ``<iframe>``,
  event-handler attribute or ``javascript:`` URL survives; JavaScript and widget outputs are
  not rendered at all;
- each page opens with a Content-Security-Policy ``<meta>`` (:func:`content_security_policy`)
  that allows only the package's own scripts, by hash (today there are none), no inline event
  handler and no request to any other origin;
- nbconvert's template loads require.js, MathJax and mermaid from a CDN: the package's template
  drops them (the notebooks use no LaTeX and no widgets), so a page asks the network for nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
from pathlib import Path
from typing import Any, Iterable

from ipo_research.files import atomic_write_text
from ipo_research.report.banner import banner_html

__all__ = ["PAGE_KINDS", "INDEX_NAME", "OWN_SCRIPTS", "page_paths", "render_pages", "write_index",
           "sanitize_html", "content_security_policy"]

PAGE_KINDS = ("reviewer", "full")
INDEX_NAME = "index.html"
_SUFFIX = {"reviewer": ".html", "full": ".full.html"}
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#1a1a1a;line-height:1.45}
table{border-collapse:collapse;margin:0.5em 0 1.5em 0;width:100%}
th,td{border:1px solid #ccc;padding:0.35em 0.6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
ul.params{margin:0;padding-left:1em;font-size:0.9em}
.status-ok{color:#1b7837;font-weight:600}
.status-failed{color:#b2182b;font-weight:600}
.status-skipped{color:#8c510a;font-weight:600}
code{font-size:0.92em}
td.error{white-space:pre-wrap}
"""

OWN_SCRIPTS: tuple[str, ...] = ()
"""The package's own inline scripts on a page; the CSP allows exactly these, by hash."""

# Tags, attributes and CSS properties a notebook's HTML output may keep: tables (pandas),
# text, lists, images, and the data banner's inline style.
_ALLOWED_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "caption", "code", "col",
                           "colgroup", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2",
                           "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
                           "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
                           "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
_ALLOWED_ATTRIBUTES = {"*": {"class", "style", "title", "id"}, "a": {"href"},
                       "img": {"src", "alt", "width", "height"}, "table": {"border"},
                       "th": {"colspan", "rowspan", "halign", "valign", "scope"},
                       "td": {"colspan", "rowspan"}}
_ALLOWED_STYLE = frozenset({"background", "background-color", "border", "border-radius",
                            "border-collapse", "color", "font-style", "font-weight", "margin",
                            "padding", "text-align", "vertical-align", "white-space"})

# nbconvert's lab template, less everything that runs or fetches: no require.js, MathJax,
# mermaid or widget scripts; HTML and Markdown outputs through the sanitizer; JavaScript and
# widget outputs not rendered; the CSP first in <head>.
_TEMPLATE_NAME = "ipo_page.html.j2"
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.ipo_csp }}">
{{ super() }}
{%- endblock html_head -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block data_html scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output {{ extra_class }}" data-mime-type="text/html">
{{ output.data['text/html'] | ipo_sanitize }}
</div>
{%- endblock data_html %}
{% block data_markdown scoped -%}
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output {{ extra_class }}" data-mime-type="text/markdown">
{{ output.data['text/markdown'] | markdown2html | ipo_sanitize }}
</div>
{%- endblock data_markdown %}
{% block data_mermaid scoped -%}
<pre>{{ output.data['text/vnd.mermaid'] | escape_html }}</pre>
{%- endblock data_mermaid %}
{%- block data_javascript scoped %}{%- endblock -%}
{%- block data_widget_view scoped %}{%- endblock -%}
{%- block footer_js %}{% endblock footer_js %}
"""


def page_paths(run_id: str) -> dict[str, str]:
    """Where a run's pages go, relative to OUT.

    Examples
    --------
    >>> page_paths("02_landscape")
    {'reviewer': 'html/02_landscape.html', 'full': 'html/02_landscape.full.html'}
    """
    return {kind: f"html/{run_id}{_SUFFIX[kind]}" for kind in PAGE_KINDS}


def render_pages(notebook: str | Path, *, out_dir: str | Path, run_id: str,
                 banner: str | None = None) -> dict[str, str]:
    """Render an executed notebook into its reviewer and full pages.

    Parameters
    ----------
    notebook : str or Path
        The executed notebook.
    out_dir : str or Path
        OUT; pages go to ``OUT/html/``.
    run_id : str
        Names the pages and titles them.
    banner : str, optional
        HTML shown at the top of both pages (the data banner).

    Returns
    -------
    dict of str to str
        Page kind (``"reviewer"``, ``"full"``) to its path relative to OUT.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    if banner:
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(banner, id="ipo-data-banner"))
    exporters = {
        "reviewer": _exporter(exclude_input=True, exclude_input_prompt=True,
                              exclude_output_prompt=True),
        "full": _exporter(),
    }
    written = page_paths(run_id)
    resources = {"metadata": {"name": run_id}, "ipo_csp": content_security_policy(OWN_SCRIPTS)}
    for kind, exporter in exporters.items():
        body, _ = exporter.from_notebook_node(nb, resources=dict(resources))
        atomic_write_text(Path(out_dir) / written[kind], body)
    return written


def _exporter(**options):
    """nbconvert's HTML exporter with the package's offline, sanitizing template."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", template_file=_TEMPLATE_NAME,
                            extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})], **options)
    exporter.register_filter("ipo_sanitize", sanitize_html)
    return exporter


def sanitize_html(fragment: str) -> str:
    """An HTML fragment with everything that could run or fetch removed (allow-list, ``nh3``).

    Kept: text, tables, lists, links to http(s) and mail, images from ``data:`` URLs, classes
    and a few harmless CSS properties in ``style``. Removed: ``<script>`` and ``<style>`` with
    their content, ``<iframe>``, ``<object>``, forms, every event-handler attribute, and any
    ``javascript:`` or other URL scheme.

    Parameters
    ----------
    fragment : str

    Returns
    -------
    str

    Examples
    --------
    >>> sanitize_html('<p onclick="x()">hi<script>alert(1)</script></p>')
    '<p>hi</p>'
    >>> sanitize_html('<a href="javascript:alert(1)">x</a>')
    '<a rel="noopener noreferrer">x</a>'
    """
    import nh3

    return nh3.clean(str(fragment), tags=set(_ALLOWED_TAGS), attributes=_ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "data"},
                     filter_style_properties=set(_ALLOWED_STYLE), attribute_filter=_no_style_urls)


def _no_style_urls(element: str, attribute: str, value: str) -> str | None:
    # A kept CSS property may still name a URL (background:url(...)): drop such a style whole.
    if attribute == "style" and ("url(" in value.lower() or "\\" in value):
        return None
    return value


def content_security_policy(scripts: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of every page: nothing from elsewhere, only these scripts.

    Images may be ``data:`` URLs (the figures are embedded), styles inline (nbconvert inlines
    its CSS); nothing is fetched from any origin, ``file://`` included. Scripts run only when
    they are one of ``scripts``, matched by their SHA-256 (which also holds for a page opened
    from ``file://``); inline event handlers and ``javascript:`` URLs never run.

    Parameters
    ----------
    scripts : iterable of str
        The text of each inline ``<script>`` the package itself puts on the page.

    Returns
    -------
    str

    Examples
    --------
    >>> content_security_policy()
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; script-src 'none'; base-uri 'none'; form-action 'none'"
    >>> content_security_policy(["f()"]).split("; ")[4].startswith("script-src 'sha256-")
    True
    """
    sources = [f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
              for script in scripts] or ["'none'"]
    return ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
            f"script-src {' '.join(sources)}; base-uri 'none'; "
            "form-action 'none'")


def write_index(out_dir: str | Path, manifest: dict[str, Any], *,
                title: str = "ipo-research: rendered notebooks") -> Path:
    """Write ``OUT/index.html`` from a manifest.

    Parameters
    ----------
    out_dir : str or Path
        OUT.
    manifest : dict
        As written by the runner: ``runs``, ``inputs``, ``versions``, ``environment``, ``git``,
        ``started``, ``seconds``, ``pipeline``.
    title : str
        The page heading.

    Returns
    -------
    Path
        The index page.
    """
    runs = manifest.get("runs", [])
    counts = {status: sum(run.get("status") == status for run in runs)
              for status in ("ok", "failed", "skipped")}
    summary = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>",
        f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy(OWN_SCRIPTS)}">',
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>",
        _index_banner(runs),
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{len(runs)} runs: {html.escape(summary or 'none')}. Each run has a reviewer page "
        "(narrative, tables and figures) and a full page (with the code).</p>",
        _runs_table(runs),
        _provenance(manifest),
        "</body>", "</html>",
    ]
    return atomic_write_text(Path(out_dir) / INDEX_NAME, "\n".join(p for p in parts if p) + "\n")


def _index_banner(runs: list[dict[str, Any]]) -> str:
    sources = [run["data"] for run in runs if run.get("data")]
    if not sources:
        return ""
    synthetic = [source for source in sources if source.get("synthetic")]
    shown = (synthetic or sources)[0]
    return banner_html(synthetic=bool(synthetic), source=str(shown.get("path", "")))


def _runs_table(runs: list[dict[str, Any]]) -> str:
    rows = ["<table>", "<thead><tr><th>Run</th><th>Stage</th><th>Parameters</th><th>Status</th>"
            "<th>Seconds</th><th>Pages</th><th>Error</th></tr></thead>", "<tbody>"]
    for run in runs:
        status = str(run.get("status", ""))
        duration = run.get("duration_s")
        pages = run.get("html") or {}
        links = " · ".join(
            f'<a href="{html.escape(pages[kind])}">{kind}</a>' for kind in PAGE_KINDS if kind in pages
        )
        parameters = "".join(
            f"<li><code>{html.escape(name)}</code> = <code>{html.escape(repr(value))}</code></li>"
            for name, value in (run.get("parameters") or {}).items()
        )
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(run.get('id', '')))}</td>"
            f"<td>{html.escape(str(run.get('stage', '')))}</td>"
            f'<td><ul class="params">{parameters}</ul></td>'
            f'<td class="status-{html.escape(status)}">{html.escape(status)}</td>'
            f'<td class="num">{"" if duration is None else f"{duration:.1f}"}</td>'
            f"<td>{links}</td>"
            f'<td class="error">{html.escape(str(run.get("error") or ""))}</td>'
            "</tr>"
        )
    rows += ["</tbody>", "</table>"]
    return "\n".join(rows)


def _provenance(manifest: dict[str, Any]) -> str:
    git = manifest.get("git") or {}
    commit = git.get("commit") or "unknown"
    if git.get("dirty"):
        commit += " (with uncommitted changes)"
    seconds = manifest.get("seconds")
    facts = [
        ("Pipeline", manifest.get("pipeline", "")),
        ("Git commit", commit),
        ("Started", manifest.get("started", "")),
        ("Total seconds", "" if seconds is None else f"{seconds:.1f}"),
        ("Package source hash", str(manifest.get("package_source", ""))[:12]),
    ]
    lines = ["<h2>Provenance</h2>", "<table><tbody>"]
    lines += [f"<tr><th>{name}</th><td><code>{html.escape(str(value))}</code></td></tr>"
              for name, value in facts]
    lines += ["</tbody></table>", "<h3>Inputs (sha256, shortened)</h3>", "<table><tbody>"]
    lines += [f"<tr><td><code>{html.escape(path)}</code></td><td><code>{digest[:12]}</code></td></tr>"
              for path, digest in (manifest.get("inputs") or {}).items()]
    lines += ["</tbody></table>", "<h3>Package versions</h3>", _lock_summary(manifest),
              "<table><tbody>"]
    lines += [f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(str(version))}</code></td></tr>"
              for name, version in (manifest.get("versions") or {}).items()]
    lines += ["</tbody></table>"]
    return "\n".join(lines)


def _lock_summary(manifest: dict[str, Any]) -> str:
    environment = manifest.get("environment") or {}
    if not environment.get("lock_sha256"):
        return "<p>This run recorded no dependency lock: the versions below were not checked.</p>"
    lock = (f"<code>{html.escape(str(environment.get('lock')))}</code>, sha256 "
            f"<code>{html.escape(environment['lock_sha256'])}</code>")
    differences = environment.get("differences") or []
    if not differences:
        return f"<p>Installed as locked by {lock}: every package it pins is at its pinned version.</p>"
    items = "".join(
        f"<li><code>{html.escape(d['name'])}</code>: locked "
        f"<code>{html.escape(str(d.get('locked')))}</code>, installed "
        f"<code>{html.escape(str(d.get('installed') or 'nothing'))}</code></li>"
        for d in differences)
    return (f'<p class="status-failed">This run\'s environment differs from the lock {lock}; '
            f"its numbers may differ from a locked run's:</p><ul>{items}</ul>")

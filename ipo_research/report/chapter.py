"""One chapter: an executed notebook turned into the HTML a reviewer reads.

nbconvert's ``basic`` template renders the cells (no CDN script, no inline handler); before it
does, the outputs are made fit for a reader:

- the data banner a notebook displays is taken out of the flow, so the page shell shows it
  once, at the top;
- every figure (a PNG output) becomes ``<figure>`` with its caption as ``<figcaption>`` and as
  the image's alt text, and every table (an HTML output holding ``<table>``) gets a caption and
  a box that scrolls sideways when the table is wide;
- pandas row numbers (an index that is just 0, 1, 2 ...) are dropped from displayed tables;
- model terms as statsmodels names them are shown with the codebook's words
  (:func:`ipo_research.models.tables.display_term`), when a codebook is given;
- the project root and OUT are written relative, so no page names a folder of the machine;
- the rendered HTML is sanitized (:func:`ipo_research.report.safety.sanitize_html`): whatever
  an output held, nothing that runs or fetches reaches the page.

Captions are declared next to the call that makes the figure or table: the code cell's
metadata ``captions``, a list with one caption per figure or table the cell shows, in order (a
single string for a cell that shows one). Without one, the caption is the heading of the
section the output sits in, so an image never lacks alt text.

A figure or table carries its number as ``<span class="ipo-num" data-kind=... data-n=...>``;
the site (:mod:`ipo_research.report.site`) rewrites it to "Figure 2.3" once the chapter's
place in the report is known.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ipo_research.paths import PROJECT_ROOT
from ipo_research.report.safety import sanitize_html

__all__ = ["Caption", "RenderedChapter", "render_chapter", "number_label", "relative_paths", "CAPTIONS_KEY"]

CAPTIONS_KEY = "captions"
BANNER_CLASS = "ipo-data-banner"
_NUM = re.compile(r'<span class="ipo-num" data-kind="(figure|table)" data-n="(\d+)">[^<]*</span>')
_HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>[^<]*</a>)?</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")
_INLINE_TAG = re.compile(r"</?(?:a|b|code|em|i|span|strong|sub|sup)(?:\s[^>]*)?>")
_ROW_HEADER = re.compile(r"(<tr[^>]*>\s*)<th>(\d+)</th>")
_BLANK_HEADER = re.compile(r"(<tr[^>]*>\s*)<th></th>")


@dataclass(frozen=True)
class Caption:
    """A numbered figure or table of a chapter."""

    kind: str  # "figure" or "table"
    n: int  # its number within the chapter
    anchor: str  # the element id on the page
    text: str  # the caption, plain text


@dataclass
class RenderedChapter:
    """A chapter's two page bodies and what the site needs to know of it."""

    bodies: dict[str, str]  # page kind ("reviewer", "full") -> HTML fragment
    title: str = ""
    banner: str = ""
    captions: list[Caption] = field(default_factory=list)
    first_figure: bytes | None = None


def number_label(kind: str, number: str) -> str:
    """``("figure", "2.3")`` -> ``"Figure 2.3"``."""
    return f"{kind.capitalize()} {number}"


def render_chapter(notebook, *, out_dir: str | Path, codebook=None) -> RenderedChapter:
    """Render an executed notebook into the reviewer and full page bodies.

    Parameters
    ----------
    notebook : str, Path or NotebookNode
        The executed notebook.
    out_dir : str or Path
        OUT; its absolute path is written as a path relative to the project root.
    codebook : Codebook, optional
        Labels model terms in displayed tables with the codebook's words.

    Returns
    -------
    RenderedChapter
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(str(notebook), as_version=4)
    nb = nbformat.from_dict(nb)  # a copy: the caller's notebook is not changed
    chapter = RenderedChapter(bodies={})
    _prepare(nb, chapter, codebook)
    exporters = {
        "reviewer": HTMLExporter(template_name="basic", exclude_input=True,
                                 exclude_input_prompt=True, exclude_output_prompt=True),
        "full": HTMLExporter(template_name="basic"),
    }
    for kind, exporter in exporters.items():
        body, _ = exporter.from_notebook_node(nb)
        # Whatever a notebook output held (respondent text rendered from Markdown, raw HTML),
        # nothing that runs or fetches reaches the page.
        chapter.bodies[kind] = sanitize_html(relative_paths(body, out_dir))
    first = _HEADING.search(chapter.bodies["reviewer"])
    chapter.title = _text(first.group(3)) if first else ""
    return chapter


def _prepare(nb, chapter: RenderedChapter, codebook) -> None:
    """Take the banner out, caption and number figures and tables, clean tables."""
    section = ""
    counts = {"figure": 0, "table": 0}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+)$", cell.source, flags=re.M)
            section = headings[-1].strip() if headings else section
            continue
        if cell.cell_type != "code":
            continue
        declared = cell.metadata.get(CAPTIONS_KEY, [])
        declared = [declared] if isinstance(declared, str) else list(declared)
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            markup = _joined(data.get("text/html", ""))
            if BANNER_CLASS in markup:
                chapter.banner = chapter.banner or sanitize_html(markup)
                continue
            if "image/png" in data:
                kind = "figure"
            elif "<table" in markup:
                kind = "table"
            else:
                kept.append(output)
                continue
            counts[kind] += 1
            caption_text = declared.pop(0) if declared else section
            caption = Caption(kind, counts[kind], f"{kind}-{counts[kind]}", caption_text)
            chapter.captions.append(caption)
            if kind == "figure":
                png = _joined(data["image/png"]).replace("\n", "")
                chapter.first_figure = chapter.first_figure or base64.b64decode(png)
                width = (output.get("metadata", {}).get("image/png", {}) or {}).get("width")
                fragment = _figure_html(caption, png, width)
            else:
                fragment = _table_html(caption, _clean_table(markup, codebook))
            kept.append(nbformat_output(fragment))
        cell.outputs = kept


def nbformat_output(fragment: str):
    """A display output holding only ``fragment`` as HTML."""
    from nbformat.v4 import new_output

    return new_output("display_data", data={"text/html": fragment})


def _figure_html(caption: Caption, png: str, width) -> str:
    text = html.escape(caption.text)
    size = f' width="{int(width)}"' if width else ""
    return (f'<figure class="ipo-figure" id="{caption.anchor}">'
            f'<img src="data:image/png;base64,{png}" alt="{text}"{size}>'
            f"<figcaption>{_number_span(caption)}. {text}</figcaption></figure>")


def _table_html(caption: Caption, table: str) -> str:
    text = html.escape(caption.text)
    return (f'<figure class="ipo-table" id="{caption.anchor}">'
            f'<figcaption id="{caption.anchor}-caption">{_number_span(caption)}. {text}</figcaption>'
            f'<div class="ipo-scroll" role="region" tabindex="0" '
            f'aria-labelledby="{caption.anchor}-caption">{table}</div></figure>')


def _number_span(caption: Caption) -> str:
    return (f'<span class="ipo-num" data-kind="{caption.kind}" data-n="{caption.n}">'
            f"{number_label(caption.kind, str(caption.n))}</span>")


def renumber(body: str, chapter_number: str) -> str:
    """Write "Figure {chapter_number}.{n}" into every number span of a page body."""
    return _NUM.sub(
        lambda m: (f'<span class="ipo-num" data-kind="{m[1]}" data-n="{m[2]}">'
                   f"{number_label(m[1], f'{chapter_number}.{m[2]}')}</span>"), body)


def _clean_table(markup: str, codebook) -> str:
    """Drop a bare 0, 1, 2 ... row index and label model terms."""
    numbers = [int(found[1]) for found in _ROW_HEADER.findall(markup)]
    if numbers and numbers == list(range(len(numbers))):
        markup = _ROW_HEADER.sub(r"\1", markup)
        markup = _BLANK_HEADER.sub(r"\1", markup)
    markup = markup.replace(' border="1"', "")
    if codebook is not None:
        from ipo_research.models.tables import display_term

        markup = re.sub(r"(<t[hd]>)([^<]+)(</t[hd]>)",
                        lambda m: m[1] + html.escape(display_term(html.unescape(m[2]), codebook),
                                                     quote=False) + m[3], markup)
    return markup


def headings(body: str) -> list[tuple[int, str, str]]:
    """The (level, id, text) of every heading of a page body."""
    return [(int(level), anchor, _text(inner)) for level, anchor, inner in _HEADING.findall(body)]


def plain_text(body: str) -> str:
    """A page body's words, without markup, styles or images."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", _text(body)).strip()


def _text(markup: str) -> str:
    markup = _INLINE_TAG.sub("", markup)  # "(<code>x</code>)" reads "(x)", not "( x )"
    return html.unescape(_TAG.sub(" ", markup)).replace("¶", "").strip()


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def relative_paths(body: str, out_dir: str | Path) -> str:
    """Write the absolute OUT and project root as paths relative to the project root.

    Parameters
    ----------
    body : str
        HTML or text.
    out_dir : str or Path
        OUT; shown relative to the project root when inside it, else as ``OUT``.

    Returns
    -------
    str
        ``body`` naming no folder of the machine by its absolute path.
    """
    out = Path(out_dir).resolve()
    try:
        shown = out.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        shown = "OUT"
    body = body.replace(str(out), shown)
    return body.replace(f"{PROJECT_ROOT}/", "").replace(str(PROJECT_ROOT), ".")

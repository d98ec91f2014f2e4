"""What makes a page safe to open whatever the survey's answers held, and safe offline.

Respondent text is escaped where it is built (:mod:`ipo_research.survey.escaping`); this is the
second wall, applied to every rendered page:

- :func:`sanitize_html` cleans a chapter's HTML after nbconvert renders it (an allow-list
  through ``nh3``): no ``<script>``, ``<iframe>``, form, event-handler attribute or
  ``javascript:`` URL survives, whatever a notebook output held;
- :func:`content_security_policy` is the policy every page of the site opens with: scripts and
  styles only from the report's own folder (``'self'``: ``assets/search.js``,
  ``search-index.js``, ``assets/site.css``) or, inline, by hash (:data:`OWN_SCRIPTS`; none
  today); images from the folder or ``data:`` URLs; no request to any other origin.

Examples
--------
>>> sanitize_html('<p onclick="x()">hi<script>alert(1)</script></p>')
'<p>hi</p>'
"""

from __future__ import annotations

import base64
import hashlib
from typing import Iterable

__all__ = ["OWN_SCRIPTS", "sanitize_html", "content_security_policy"]

OWN_SCRIPTS: tuple[str, ...] = ()
"""The package's own inline scripts on a page; the CSP allows exactly these, by hash."""

# Tags, attributes and CSS properties a rendered chapter may keep: nbconvert's cells, tables
# (pandas), text, lists, images, the numbered figures and tables of report.chapter (figure,
# figcaption, data-kind/data-n, the scroll box's role and label) and the banner's inline style.
_ALLOWED_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "caption", "code", "col",
                           "colgroup", "dd", "del", "details", "div", "dl", "dt", "em", "figcaption",
                           "figure", "h1", "h2",
                           "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
                           "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
                           "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"})
_ALLOWED_ATTRIBUTES = {"*": {"class", "style", "title", "id", "role", "tabindex", "aria-labelledby",
                             "aria-label", "data-kind", "data-n", "data-mime-type"},
                       "a": {"href"},
                       "img": {"src", "alt", "width", "height"}, "table": {"border"},
                       "th": {"colspan", "rowspan", "halign", "valign", "scope"},
                       "td": {"colspan", "rowspan"}}
_ALLOWED_STYLE = frozenset({"background", "background-color", "border", "border-radius",
                            "border-collapse", "color", "font-style", "font-weight", "margin",
                            "padding", "text-align", "vertical-align", "white-space"})


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

    Images may be ``data:`` URLs (the figures are embedded) or files of the report (the
    front page's thumbnails); styles come from the report's stylesheet or inline (nbconvert
    writes some); scripts only from the report's own folder (the site's search) or, inline,
    when they are one of ``scripts``, matched by their SHA-256. Nothing is fetched from any
    other origin; inline event handlers and ``javascript:`` URLs never run.

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
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src data:; script-src 'self'; base-uri 'none'; form-action 'none'"
    >>> content_security_policy(["f()"]).split("; ")[4].startswith("script-src 'self' 'sha256-")
    True
    """
    sources = ["'self'"] + [f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
                            for script in scripts]
    return ("default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src data:; "
            f"script-src {' '.join(sources)}; base-uri 'none'; "
            "form-action 'none'")

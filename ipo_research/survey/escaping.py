"""Text from the data, made safe for the place it goes: HTML, Markdown or a spreadsheet cell.

Anything a respondent typed, and anything read from an export (labels, file and column names),
is data, never code. Each output target has one function here, and every builder of pages and
tables passes such text through it:

- :func:`escape_html` for text put into HTML (``<``, ``>``, ``&`` and quotes as entities);
- :func:`escape_markdown` for text put into Markdown that nbconvert or JupyterLab renders: the
  HTML entities above, and a backslash before every Markdown control character, so the text
  shows as typed and never as emphasis, a heading, a link, an image, a table or math;
- :func:`escape_csv_cell` for a text cell of a published CSV table, following OWASP's
  CSV-injection rule: a cell that a spreadsheet would read as a formula gets a leading ``'``.

This module lives in the survey layer, the lowest one that both the analysis (narrative,
tables) and the report (pages) can import.
"""

from __future__ import annotations

import html
import re

__all__ = ["escape_html", "escape_markdown", "markdown_code", "escape_csv_cell", "FORMULA_STARTS"]

# Markdown's control characters (CommonMark lets a backslash escape any ASCII punctuation);
# "&", "<", ">", '"' and "'" are left to the HTML entities, so the two escapes do not collide.
_MARKDOWN_CONTROL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$=^])")
# Line breaks would end a quote or a table row in Markdown: inline text keeps to one line.
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def escape_html(text: object) -> str:
    """Text as HTML that shows it literally: ``&``, ``<``, ``>``, ``"`` and ``'`` as entities.

    Parameters
    ----------
    text : object
        Anything; it is shown through ``str``.

    Returns
    -------
    str

    Examples
    --------
    >>> escape_html('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def escape_markdown(text: object) -> str:
    """Text as inline Markdown that renders exactly as typed, never as markup or a link.

    HTML's special characters become entities (so raw HTML in an answer stays text), every
    Markdown control character gets a backslash, line breaks become spaces (an answer cannot
    end a quote or start a heading of its own) and blanks at either end are dropped (four of
    them would start a code block).

    Parameters
    ----------
    text : object
        An answer, a label or a name (anything else through ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> escape_markdown("[click](javascript:alert(3))")
    '\\\\[click\\\\]\\\\(javascript\\\\:alert\\\\(3\\\\)\\\\)'
    >>> escape_markdown("<b>*hi*</b>")
    '&lt;b&gt;\\\\*hi\\\\*&lt;/b&gt;'
    """
    # Leading blanks would make an indented code block of a line; HTML shows none anyway.
    one_line = _LINE_BREAKS.sub(" ", str(text)).strip()
    return escape_html(_MARKDOWN_CONTROL.sub(r"\\\1", one_line))


def markdown_code(text: object) -> str:
    """Text as an inline Markdown code span (a column name, a file name, a model term).

    A code span shows its content literally; the only way out of one is a run of backticks as
    long as its fence, so the fence is made longer than any run inside (CommonMark's rule).
    Line breaks become spaces.

    Parameters
    ----------
    text : object

    Returns
    -------
    str

    Examples
    --------
    >>> markdown_code("Q12_3"), markdown_code("a`b")
    ('`Q12_3`', '`` a`b ``')
    """
    one_line = _LINE_BREAKS.sub(" ", str(text))
    runs = [len(run) for run in re.findall(r"`+", one_line)]
    if not runs:
        return f"`{one_line}`" if one_line.strip() else "` `"
    fence = "`" * (max(runs) + 1)
    return f"{fence} {one_line} {fence}"


def escape_csv_cell(value):
    """A published table's cell, safe to open in a spreadsheet; anything but text unchanged.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote, so a spreadsheet shows it as text instead of evaluating it. Text that
    is a plain number (``"-99"``, ``"+3.5"``) is left as it is: a spreadsheet reads it as that
    number, not as a formula.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        ``value`` itself, or the quoted text.

    Examples
    --------
    >>> escape_csv_cell("=HYPERLINK(\\"http://x\\")"), escape_csv_cell("-99"), escape_csv_cell(-3.0)
    ('\\'=HYPERLINK("http://x")', '-99', -3.0)
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value if value.strip() == value else "'" + value

"""Text from the data shows as typed on a page and in a spreadsheet, never as markup or a formula.

The Markdown checks render through nbconvert's own Markdown renderer (the one that builds the
pages), then read the text back with the standard library's HTML parser: the only tags may be
the paragraph (and the code span) the renderer wraps around the text, and the text must be the
respondent's, character for character.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from ipo_research.analysis import narrative
from ipo_research.analysis.outputs import save_table
from ipo_research.survey.escaping import escape_csv_cell, escape_html, escape_markdown, markdown_code

HOSTILE = [
    "<script>alert(2)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(3))",
    "![x](javascript:alert(4))",
    "<a href='javascript:alert(5)'>x</a>",
    "**bold** _it_ `code` ~~gone~~ | a | b |",
    "# heading",
    "$x^2$ and $$\\frac{1}{2}$$",
    "&lt;script&gt; &amp; &#60;",
    "https://example.org/x and www.example.org",
    "line one\n<script>alert(6)</script>\n- item",
    "\u202egnp.exe \u2066isolated\u2069",
    "\\*escaped already\\*",
]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data):
        self.text.append(data)


def _render(markdown: str) -> _Reader:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    reader = _Reader()
    reader.feed(markdown2html_mistune(markdown))
    reader.close()
    return reader


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escape_renders_the_text_as_typed_and_no_markup(text):
    rendered = _render(escape_markdown(text))
    assert rendered.tags == ["p"]
    assert rendered.attributes == []
    assert "".join(rendered.text).strip() == " ".join(text.splitlines()).strip()


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
@settings(max_examples=150, deadline=None)
def test_markdown_escape_round_trips_any_text(text):
    rendered = _render(escape_markdown(text))
    assert set(rendered.tags) <= {"p"}
    assert rendered.attributes == []
    # Whitespace may be folded at the paragraph's ends and line breaks become spaces.
    assert "".join(rendered.text).split() == text.split()


@pytest.mark.parametrize("text", ["Q12_3", "a`b", "``x``", "<b>col</b>", "name\nwith break"])
def test_markdown_code_shows_a_name_literally_in_one_code_span(text):
    rendered = _render(markdown_code(text))
    assert rendered.tags == ["p", "code"]
    assert "".join(rendered.text).strip() == " ".join(text.splitlines()).strip()


def test_html_escape_leaves_no_tag_or_attribute_for_a_parser():
    for text in HOSTILE:
        reader = _Reader()
        reader.feed(f'<p title="{escape_html(text)}">{escape_html(text)}</p>')
        assert reader.tags == ["p"]
        assert reader.attributes == [("title", text)]
        assert "".join(reader.text) == text


@pytest.mark.parametrize("cell, shown", [
    ("=1+2", "'=1+2"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-99", "-99"),          # a plain number typed as text: a spreadsheet reads a number
    ("+3.5", "+3.5"),
    ("<3", "<3"),            # the disclosure marks stay as they are
    ("c", "c"),
    ("City", "City"),
    (-3.0, -3.0),
    (7, 7),
])
def test_csv_cell_escape_follows_the_owasp_rule(cell, shown):
    assert escape_csv_cell(cell) == shown


def test_save_table_writes_formula_text_as_text_and_numbers_unchanged(tmp_path):
    table = pd.DataFrame({"label": ["=HYPERLINK(\"http://x\",\"y\")", "City", "-x"],
                          "count": [-5, 10, "<3"], "share": [-0.25, 0.5, None]})
    path = save_table(table, "hostile", tmp_path)
    back = pd.read_csv(path, keep_default_na=False)
    assert back["label"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")", "City", "'-x"]
    assert back["count"].tolist() == ["-5", "10", "<3"]
    assert path.read_text(encoding="utf-8").splitlines()[1].endswith(",-5,-0.25")


def test_quotes_markdown_shows_hostile_quotes_as_text():
    quotes = pd.DataFrame({"theme": ["t", "t"], "label": ["<b>Theme</b>", "<b>Theme</b>"],
                           "quote": HOSTILE[:2]})
    rendered = _render(narrative.quotes_markdown(quotes))
    assert set(rendered.tags) == {"p", "strong", "blockquote"}
    assert rendered.attributes == []
    text = "".join(rendered.text)
    assert "<b>Theme</b>" in text and HOSTILE[0] in text and HOSTILE[1] in text


def test_sentences_show_labels_from_the_data_as_text():
    table = pd.DataFrame({"label": ["[x](javascript:alert(1))", "<i>y</i>"], "count": [30, 20],
                          "share": [0.6, 0.4]})
    rendered = _render(narrative.frequency_sentence(table, subject="s"))
    assert rendered.tags == ["p"]
    assert "[x](javascript:alert(1)) (60%) and <i>y</i> (40%)" in "".join(rendered.text)


def test_cleaning_log_and_quarantine_write_typed_formulas_as_text(tmp_path):
    from ipo_research.survey.cleaned import _formula_safe

    frame = pd.DataFrame({"raw_value": ["=cmd()", "-99", "@x", None, "ok"], "row": [1, 2, 3, 4, 5]})
    safe = _formula_safe(frame)
    assert safe["raw_value"].tolist()[:3] == ["'=cmd()", "-99", "'@x"]
    assert pd.isna(safe["raw_value"].iloc[3]) and safe["raw_value"].iloc[4] == "ok"
    assert safe["row"].tolist() == [1, 2, 3, 4, 5]
    assert frame["raw_value"].iloc[0] == "=cmd()"  # the caller's frame is not changed

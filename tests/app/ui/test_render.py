"""Text from documents, users and models is made literal before Streamlit reads it as Markdown."""

from __future__ import annotations

import pytest

from app.ui.render import md
from tests.app.ui.conftest import plain
from tests.app.ui.helpers import HOSTILE_TITLE, markdown_links

HOSTILE = [
    HOSTILE_TITLE,
    "![tracking pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)> <b>bold</b> <script>alert(1)</script>",
    "see https://evil.example/login or www.evil.example, or write to help@evil.example",
    "HTTP://EVIL.EXAMPLE and WWW.EVIL.EXAMPLE",
    "<https://evil.example> and <help@evil.example>",
    "[portal][1]\n\n[1]: https://evil.example",
    "**URGENT** _now_ ~~old~~ `code` $x^2$ :red[alert] :material/warning: :smile:",
    "# Heading\n- item\n1. item\n> quote\n| a | b |\n|---|---|",
    "&lt;b&gt; &amp; \\*not bold\\*",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_shows_the_text_itself_and_renders_no_link_or_markup(text: str) -> None:
    made = md(text)
    assert markdown_links(made) == []
    assert plain(made) == text


def test_the_check_itself_finds_links_in_raw_text() -> None:
    assert markdown_links(HOSTILE_TITLE)
    assert markdown_links("write to help@evil.example")
    assert markdown_links("\\[x\\]\\(https://evil.example\\)")  # escaped, still autolinked


def test_a_table_of_hostile_cells_renders_as_the_same_cells_in_literal_text() -> None:
    from markdown_it import MarkdownIt

    from app.tabular import Row, Table
    from app.ui.render import table_markdown

    cells = ("a | b", "[x](https://evil.example) <b>bold</b>", ":red[alert] **now**")
    table = Table("Table 1: <script>alert(1)</script>", ("One", "Two", "Three"), (Row(cells),))
    made = table_markdown(table)
    assert markdown_links(made) == []
    rendered = MarkdownIt("commonmark").enable("table").parse(made)
    texts = [plain(token.content) for token in rendered if token.type == "inline"]
    assert texts[0] == "**Table 1: <script>alert(1)</script>**"
    assert texts[1:4] == ["One", "Two", "Three"]
    assert texts[4:] == list(cells)  # one row, three cells, each the text itself
    html = MarkdownIt("commonmark").enable("table").render(made)
    assert html.count("<td>") == 3 and "<script>" not in html and "<b>" not in html

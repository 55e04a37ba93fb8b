"""In Chromium: a cited answer, a click on its marker [1], and the citation panel beside the
conversation showing the cited document and its PDF page drawn with the quote highlighted;
on a narrow screen the same click opens the source in a dialog."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.e2e.conftest import shot
from tests.app.e2e.test_browser import ask, sign_in, source_link

pytestmark = pytest.mark.browser

QUESTION = "What documents are required for self-employed borrowers?"


def marker(answer: Any, n: int) -> Any:
    return answer.get_by_role("button", name=re.compile(rf"^Show source {n}: "))


def shows_a_drawn_page(where: Any) -> tuple[str, str]:
    """The page image in ``where``, once the browser has decoded it: its alt text and the
    PDF page it says it shows."""
    image = where.locator("img.page-image")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    decoded = image.evaluate("(img) => img.decode().then(() => img.naturalWidth)")
    assert decoded > 500, decoded  # a page drawn at a legible size, not a broken image
    return str(image.get_attribute("alt")), str(image.get_attribute("data-page"))


def test_a_marker_click_shows_the_cited_page_highlighted_beside_the_answer(
    server: str, page: Any
) -> None:
    sign_in(page, server, "ben")
    answer = ask(page, QUESTION)
    panel = page.locator(".st-key-citation-panel")
    expect(panel).to_contain_text("click a numbered marker")
    assert panel.locator("img.page-image").count() == 0

    first = marker(answer, 1)
    expect(first).to_have_text("[1]")
    expect(first).to_have_attribute("aria-pressed", "false")
    first.click()
    expect(panel).to_contain_text("Source [1] of answer 1")
    alt, shown_page = shows_a_drawn_page(panel)
    expect(first).to_have_attribute("aria-pressed", "true")

    # The cited document, its version, date, section and page, and the passage as text.
    label = str(first.get_attribute("title"))  # "Mortgage Underwriting Guide, page 3"
    title, printed = label.rsplit(", page ", 1)
    provenance = panel.locator("p").filter(has_text=" · version ")
    expect(provenance).to_contain_text(re.compile(r"version [\d.]+ · effective \d{4}-\d{2}-\d{2}"))
    expect(provenance).to_contain_text(title)
    expect(panel).to_contain_text(re.compile(r"Section: B3-\S+ Self-Employed"))
    expect(panel.locator("blockquote")).to_contain_text("self-employed")
    # The image is of the cited page: its alt names the printed page and the PDF page, and
    # the panel's link opens the PDF at that same page.
    assert alt.startswith(f"Page {printed} ") and "the quoted passage highlighted" in alt, alt
    assert f"PDF page {shown_page}" in alt or printed == shown_page, alt
    href, name = source_link(panel)
    assert href.endswith(f"#page={shown_page}") and name.endswith(".pdf"), (href, name)
    expect(panel.get_by_text(re.compile(rf"^Page {re.escape(printed)}\b"))).to_be_visible()
    # Beside the conversation, not under it.
    talk = answer.bounding_box()
    beside = panel.bounding_box()
    assert talk and beside and beside["x"] >= talk["x"] + talk["width"], (talk, beside)
    page.mouse.move(700, 500)
    page.mouse.wheel(0, -10_000)  # back to the top: the question, its answer, the panel
    expect(panel.get_by_text("Source [1] of answer 1")).to_be_in_viewport()
    shot(page, "citation-panel")


def test_on_a_narrow_screen_a_marker_opens_the_source_in_a_dialog(
    server: str, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 480, "height": 900})
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        sign_in(page, server, "ben")
        answer = ask(page, QUESTION)
        marker(answer, 1).click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Source [1]")
        alt, _ = shows_a_drawn_page(dialog)
        assert "the quoted passage highlighted" in alt, alt
        shot(page, "citation-dialog-narrow")
    except BaseException:
        shot(page, "citation-dialog-narrow-FAILED")
        raise
    finally:
        context.close()


def test_a_quoted_table_is_a_table_of_text_cells_whose_markers_open_the_source(
    server: str, page: Any
) -> None:
    sign_in(page, server, "ben")
    answer = ask(page, "What are the adverse action notice deadlines?")
    table = answer.locator("table.copilot-table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_have_text(
        "Table 1: Adverse Action Notice Deadlines (Section 3)"
    )
    headers = table.locator("thead th")
    assert headers.all_inner_texts() == ["Situation", "Deadline", "Source"]
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(7)
    row = rows.filter(has_text="Counteroffer")
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "Counteroffer" and cells[1].startswith("Within 30 days; the Bank")
    # Column by column: the deadline cells start at one left edge.
    lefts = {
        round(box["x"])
        for box in (c.bounding_box() for c in rows.locator("td:nth-child(2)").all())
        if box
    }
    assert len(lefts) == 1, lefts
    # The panel beside the conversation (while the app redraws, the one it replaces can
    # linger for a moment after it in the page).
    panel = page.locator(".st-key-citation-panel").first
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)  # the run is over
    expect(panel).to_contain_text("click a numbered marker")
    source = row.get_by_role("button", name=re.compile(r"^Show source 1: "))
    for _ in range(3):  # a click that lands while the app redraws is dropped by it
        if source.get_attribute("aria-pressed") != "true":
            source.click()
        try:
            expect(panel).to_contain_text("Source [1] of answer 1", timeout=15_000)
            break
        except AssertionError:
            continue
    expect(panel).to_contain_text("Source [1] of answer 1")
    cited = panel.locator("table").filter(has_text="Situation")
    expect(cited.locator("th").first).to_have_text("Situation")
    expect(cited).to_contain_text("Counteroffer")
    table.scroll_into_view_if_needed()
    shot(page, "answer-with-table")

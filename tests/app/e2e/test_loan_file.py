"""In Chromium against the served app: an answer's "Copy answer with citations" block holds the
answer, its citations and audit record id as text and copies them to the clipboard, and the
conversation downloads as a PDF that holds the question and the answer."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.app.e2e.conftest import shot
from tests.app.e2e.test_browser import ask, sign_in

pytestmark = pytest.mark.browser

QUESTION = "What documents are required for self-employed borrowers?"


def test_an_answer_copies_with_its_citations_and_the_conversation_downloads_as_pdf(
    server: str, page: Any
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    sign_in(page, server, "ben")
    answer = ask(page, QUESTION)
    said = answer.locator(".copilot-answer").inner_text()
    first_citation = answer.get_by_test_id("stExpander").first.locator("summary").inner_text()

    copy = answer.get_by_test_id("stExpander").filter(has_text="Copy answer with citations")
    copy.locator("summary").click()
    block = copy.get_by_test_id("stCode")
    expect(block).to_be_visible()
    text = block.inner_text()
    assert text.startswith(said.strip()[:40]), (said, text)
    assert re.search(r"^Support: (direct|partial|not found)$", text, re.MULTILINE), text
    assert "\nSources:\n[1] " in text and re.search(r"\nAudit record #\d+$", text.strip()), text
    label = first_citation.strip().splitlines()[-1]  # after the expander's icon
    title = label.removeprefix("[1] ").split(", version")[0].replace("\u2060", "")
    assert re.search(
        rf"\[1\] {re.escape(title)}, version \S+ \(effective \d{{4}}-\d{{2}}-\d{{2}}\), "
        r"section .+, page \S+\n    Quoted: \".+\"",
        text,
    ), text
    shot(page, "11-copy-answer-with-citations")

    # The block's toolbar shows while the pointer is over it, and the page can still move
    # under a resting pointer (the sidebar's exports are drawn late): point at it again until
    # the copy button can be clicked.
    button = block.get_by_role("button", name="Copy to clipboard", include_hidden=True)
    for _ in range(10):
        block.hover()
        try:
            button.click(timeout=3000)
            break
        except PlaywrightTimeoutError:
            continue
    else:
        pytest.fail("the copy button never showed over the answer's block")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == text.strip()

    # The export's frame is titled by its link (what st.iframe's ``alt`` sets).
    pdf_frame = page.get_by_test_id("stSidebar").frame_locator('iframe[title="Export as PDF"]')
    link = pdf_frame.locator('a.source-download[download="policy-answers.pdf"]')
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    with page.expect_download() as download:
        link.click()
    path = Path(download.value.path())
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    shown = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"1. {QUESTION}" in shown
    assert " ".join(said.split())[:60] in shown, (said, shown)
    assert re.search(r"Audit record #\d+", shown) and "Sources: [1] " in shown
    shot(page, "12-conversation-exported-as-pdf")

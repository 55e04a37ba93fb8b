"""In Chromium against the served app: a cited PDF reaches the signed-in tab only (no request
without the session gets it from the server, before or after sign-out), and a document's
hostile title, heading and text show as text, never as a link."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.app.e2e.conftest import shot
from tests.app.e2e.test_browser import (
    ask,
    go_to,
    read_in_frame,
    sign_in,
    source_link,
    type_date,
)
from tests.app.ui.helpers import HOSTILE_TITLE, hostile_policy_pdf
from tests.conftest import SAMPLES

pytestmark = pytest.mark.browser

JOINER = "\u2060"  # invisible; keeps URLs in document text from being made links


def fetch_without_session(url: str) -> tuple[int, bytes]:
    """A plain request, with no cookie: its status and the first five bytes of the body."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(5)
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def media_urls(server: str) -> list[str]:
    """Where Streamlit's media route serves each sample PDF once a page shows it as a link
    or a download button: the id is a hash of the bytes, the type and the file name."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    return [
        f"{server}/media/{_calculate_file_id(pdf.read_bytes(), 'application/pdf', pdf.name)}.pdf"
        for pdf in sorted((SAMPLES / "pdf").glob("*.pdf"))
    ]


def server_urls(page: Any, server: str) -> list[str]:
    """Every URL on the server that the page or one of its frames points at."""
    found: set[str] = set()
    for frame in page.frames:
        found.update(
            frame.evaluate(
                "() => [...document.querySelectorAll('[href], [src]')]"
                ".map((e) => e.href || e.src).filter((u) => typeof u === 'string')"
            )
        )
    return sorted(u for u in found if u.startswith(server))


def tab_can_read(page: Any, url: str) -> bool:
    return bool(
        page.evaluate(
            "async (url) => { try { await fetch(url); return true; } catch { return false; } }",
            url,
        )
    )


def test_a_cited_pdf_reaches_the_signed_in_tab_only(server: str, page: Any) -> None:
    sign_in(page, server, "ben")
    answer = ask(page, "What documents are required for self-employed borrowers?")
    first = answer.get_by_test_id("stExpander").first
    first.click()
    first.locator("blockquote").wait_for()
    first.locator("iframe, a.source-link").first.wait_for()

    leaked = [u for u in server_urls(page, server) if fetch_without_session(u)[1] == b"%PDF-"]
    assert leaked == [], "the server hands the PDF to a request without the session"
    assert {fetch_without_session(u)[0] for u in media_urls(server)} == {404}

    href, name = source_link(first)
    assert (SAMPLES / "pdf" / name).is_file()
    assert read_in_frame(first, href)[1] == "%PDF-"
    assert tab_can_read(page, href)
    # The link opens that file in a new tab of this browser, at the cited page. The new tab
    # itself is not awaited: whether headless Chromium reports a tab that opens a PDF (in its
    # viewer, or as a download) varies from run to run (microsoft/playwright#17990, #6342).
    link = first.frame_locator("iframe").locator("a.source-link")
    assert link.get_attribute("target") == "_blank"
    assert re.fullmatch(r"blob:.+#page=\d+", str(link.get_attribute("href")))
    shot(page, "08-source-readable-in-this-tab-only")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("textbox", name="User name").wait_for()
    assert not tab_can_read(page, href), "the file outlives the sign-out in the tab"
    assert {fetch_without_session(u)[0] for u in media_urls(server)} == {404}


def links_out(page: Any) -> list[str]:
    """Links, images and mail links on the page or in its frames that a document made."""
    found: list[str] = []
    for frame in page.frames:
        found += frame.evaluate(
            "() => [...document.querySelectorAll("
            '\'a[href*="evil.example"], a[href^="mailto:"], img[src="x"], img[src*="evil"]\''
            ")].map((e) => e.outerHTML)"
        )
    return found


def test_a_hostile_title_and_text_show_as_text(server: str, page: Any, tmp_path: Path) -> None:
    pdf = hostile_policy_pdf(tmp_path)
    sign_in(page, server, "ana")
    go_to(page, "Policies")
    page.locator('input[type="file"]').set_input_files(str(pdf))
    page.get_by_test_id("stFileUploader").get_by_text(re.compile(r"[\d.]+KB")).wait_for()
    page.get_by_role("textbox", name="Document id", exact=True).fill("houseboat-notice")
    page.get_by_role("textbox", name="Title").fill(HOSTILE_TITLE)
    page.get_by_role("textbox", name="Version").fill("1.0")
    type_date(page, "Effective date", "2025-01-01")
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text("new document houseboat-notice").wait_for()

    go_to(page, "Ask")
    # Uploaded with the form's first product (mortgage): the question names it.
    answer = ask(page, "Are houseboats eligible collateral for a mortgage?")
    citations = answer.get_by_test_id("stExpander")
    for citation in citations.all():
        citation.click()
    answer.locator("blockquote").first.wait_for()
    assert links_out(page) == []
    titles = [c.locator("summary").inner_text().replace(JOINER, "") for c in citations.all()]
    assert any(HOSTILE_TITLE in title for title in titles), titles
    shown = answer.inner_text().replace(JOINER, "")
    assert "[the portal](https://evil.example/portal)" in shown
    assert "help@evil.example" in shown
    assert links_out(page) == []
    shot(page, "09-hostile-title-shown-as-text")

    go_to(page, "Policies")
    page.get_by_test_id("stSelectbox").filter(has_text="Document to inspect").click()
    page.keyboard.type("houseboat-notice")
    page.keyboard.press("Enter")
    section = page.get_by_test_id("stExpander").filter(has_text="Houseboat collateral")
    section.click()
    heading = section.locator("summary").inner_text().replace(JOINER, "")
    assert "<img src=x onerror=alert(1)> www.evil.example" in heading, heading
    assert "[the portal](https://evil.example/portal)" in section.inner_text().replace(JOINER, "")
    assert links_out(page) == []
    shot(page, "10-hostile-section-shown-as-text")

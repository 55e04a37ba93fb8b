"""End to end in Chromium: ask and open a citation as an underwriter, find the library
controls refused, then as compliance upload a new version and see the next answer cite it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.e2e.conftest import USERS, shot
from tests.app.ui.helpers import revised_policy_pdf

pytestmark = pytest.mark.browser


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(USERS[name][1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}").wait_for()


def go_to(page: Any, title: str) -> None:
    page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
    page.get_by_role("heading", level=1).first.wait_for()


def type_date(page: Any, label: str, day: str) -> None:
    """Type ``day`` (YYYY-MM-DD) into the date field ``label``, segment by segment, as a
    user does, and leave the field."""
    year, month, dd = day.split("-")
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(year)
    page.get_by_role("spinbutton", name=f"month, {label}").click()
    page.keyboard.type(month)
    page.get_by_role("spinbutton", name=f"day, {label}").click()
    page.keyboard.type(dd)
    page.keyboard.press("Tab")


def ask(page: Any, question: str) -> Any:
    """Ask and wait for the answer; returns the assistant's message."""
    before = page.get_by_test_id("stChatMessage").count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(before + 1)
    first = answer.get_by_test_id("stExpander").first
    first.wait_for()
    if "[1] " in first.locator("summary").inner_text():  # cited: its text, with markers
        answer.locator(".copilot-answer").wait_for()
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)  # the run is over
    return answer


def source_link(citation: Any) -> tuple[str, str]:
    """The opened citation's link to its source file, once its frame has made it (a
    ``blob:`` URL that lives in this tab only), and the file's name."""
    frame = citation.frame_locator("iframe")
    link = frame.locator("a.source-link")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    name = frame.locator("a.source-download").get_attribute("download")
    return str(link.get_attribute("href")), str(name)


def read_in_frame(citation: Any, url: str) -> tuple[str, str]:
    """``(content type, first five bytes)`` of ``url`` as the citation's frame reads it."""
    frame = citation.locator("iframe").element_handle().content_frame()
    result = frame.evaluate(
        """async (url) => {
            const blob = await (await fetch(url)).blob();
            const head = new Uint8Array(await blob.slice(0, 5).arrayBuffer());
            return [blob.type, String.fromCharCode(...head)];
        }""",
        url,
    )
    return str(result[0]), str(result[1])


def test_underwriter_asks_opens_a_citation_and_is_refused_the_library_controls(
    server: str, page: Any
) -> None:
    sign_in(page, server, "ben")
    shot(page, "01-signed-in-underwriter")
    answer = ask(page, "What documents are required for self-employed borrowers?")
    assert re.search(r"\[1\]", answer.inner_text())
    shot(page, "02-cited-answer")

    first = answer.get_by_test_id("stExpander").first
    assert "[1] " in first.locator("summary").inner_text()
    first.click()
    passage = first.locator("blockquote")
    passage.wait_for()
    assert "version" in first.inner_text() and "page" in first.inner_text()
    marked = first.locator(".page-text mark.quote")
    marked.first.wait_for()
    assert marked.count() == 1
    assert first.locator(".page-text mark.passage").count() == 1 and len(marked.inner_text()) > 20
    assert marked.inner_text()[:30] in passage.inner_text().replace("\n", " ")
    href, name = source_link(first)
    assert name.endswith(".pdf") and re.search(r"#page=\d+$", href), (name, href)
    kind, head = read_in_frame(first, href)
    assert kind.startswith("application/pdf") and head == "%PDF-"
    marked.scroll_into_view_if_needed()
    shot(page, "03-citation-opened")

    go_to(page, "Policies")
    page.get_by_text("for compliance staff").wait_for()
    assert page.locator('input[type="file"]').count() == 0
    assert page.get_by_role("button", name="Purge").count() == 0
    assert page.get_by_test_id("stSidebarNavLink").filter(has_text="Audit").count() == 0
    shot(page, "04-underwriter-refused-upload")


def test_compliance_uploads_a_new_version_and_the_next_answer_cites_it(
    server: str, page: Any, tmp_path: Path
) -> None:
    pdf = revised_policy_pdf(
        tmp_path,
        "personal-loan-policy",
        "the maximum APR is 24.99%",
        "the maximum APR is 21.99%",
        "1.7",
        "2026-01-01",
    )
    sign_in(page, server, "ana")
    go_to(page, "Policies")
    page.get_by_test_id("stSelectbox").filter(has_text="New version of").click()
    page.keyboard.type("personal-loan-policy")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Title")).to_have_value("Personal Loan Credit Policy")
    chosen = page.get_by_test_id("stMultiSelect")
    # The form of "New" stays on the page until the run that prefilled this one is over.
    expect(chosen.filter(has_text="Products")).to_have_count(1)
    expect(chosen.filter(has_text="Products")).to_contain_text("personal")
    expect(chosen.filter(has_text="Jurisdictions")).to_contain_text("US-federal")
    page.locator('input[type="file"]').set_input_files(str(pdf))
    page.get_by_test_id("stFileUploader").get_by_text(re.compile(r"[\d.]+KB")).wait_for()
    page.get_by_role("textbox", name="Version").fill("1.7")
    type_date(page, "Effective date", "2026-01-01")
    shot(page, "05-upload-form-filled")
    page.get_by_role("button", name="Ingest").click()
    page.get_by_text("replaces version 1.6").wait_for()
    shot(page, "06-upload-result")
    # A new, empty form: the file is not sent again with the next upload.
    expect(page.get_by_test_id("stFileUploader").get_by_test_id("stFileChip")).to_have_count(0)
    expect(page.get_by_role("textbox", name="Version")).to_have_value("")

    go_to(page, "Ask")
    answer = ask(page, "What is the maximum APR on a personal loan?")
    labels = [e.inner_text() for e in answer.get_by_test_id("stExpander").all()]
    assert any("Personal Loan Credit Policy, version 1.7" in label for label in labels), labels
    assert not any("Personal Loan Credit Policy, version 1.6" in label for label in labels)
    assert "21.99%" in answer.inner_text()
    shot(page, "07-answer-cites-new-version")


def test_a_question_over_the_limit_is_refused_and_stays_in_the_box(server: str, page: Any) -> None:
    sign_in(page, server, "ben")
    question = "What is the maximum DTI ratio? " + "x" * 2100
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.get_by_text("longer than 2000 characters").wait_for()
    expect(box).to_have_value(question)
    assert page.get_by_test_id("stChatMessage").count() == 0

"""In Chromium against the served app: compliance filters the audit trail and exports exactly
the records the filters show, as CSV, from a link that lives in the signed-in tab only."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.e2e.conftest import shot
from tests.app.e2e.test_browser import ask, go_to, sign_in

pytestmark = pytest.mark.browser


def exported(page: Any) -> tuple[int, list[dict[str, str]]]:
    """The count the export link promises and the rows of the CSV file it gives."""
    link = page.frame_locator("iframe").locator("a.source-download").last
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    promised = int(re.search(r"Export (\d+) records", link.inner_text()).group(1))  # type: ignore[union-attr]
    frame = page.locator("iframe").last.element_handle().content_frame()
    text = frame.evaluate(
        "async (url) => await (await fetch(url)).text()", link.get_attribute("href")
    )
    return promised, list(csv.DictReader(io.StringIO(text)))


def shown(page: Any) -> int:
    caption = page.get_by_text(re.compile(r"^\d+ records \(newest first"))
    return int(caption.inner_text().split()[0])


def settled(page: Any) -> tuple[int, int, list[dict[str, str]]]:
    """The records shown, the count the export promises and the rows it gives, read once the
    page has finished redrawing after a filter changed (the same two reads in a row); a
    mismatch that lasts is returned as it is, for the test to report."""
    last = None
    for _ in range(30):
        count, rows = exported(page)
        now = (shown(page), count, rows)
        if now == last:
            break
        last = now
        page.wait_for_timeout(1000)
    return now


def test_the_audit_export_holds_exactly_the_records_the_filters_show(
    server: str, two_tabs: Any
) -> None:
    ana, ben = two_tabs
    sign_in(ben, server, "ben")
    ask(ben, "What is the minimum credit score for a HELOC?")
    sign_in(ana, server, "ana")
    ask(ana, "What is the maximum DTI for a mortgage?")

    go_to(ana, "Audit")
    expect(ana.get_by_text(re.compile(r"^Chain verified"))).to_be_visible()
    radio = ana.get_by_test_id("stRadioGroup")
    radio.get_by_text("all", exact=True).click()
    expect(ana.get_by_text(re.compile(r"^\d+ records \(newest first"))).to_be_visible()
    on_screen, everyone, rows = settled(ana)
    assert everyone == on_screen == len(rows)
    assert {"ana", "ben"} <= {r["user"] for r in rows}

    ana.get_by_role("textbox", name="User").fill("ben")
    ana.get_by_role("textbox", name="User").press("Enter")
    expect(ana.frame_locator("iframe").locator("a.source-download").last).not_to_contain_text(
        f"Export {everyone} records"
    )
    radio.get_by_text("question", exact=True).click()  # questions, not feedback
    on_screen, count, rows = settled(ana)
    assert count == on_screen == len(rows) >= 1
    assert {r["user"] for r in rows} == {"ben"}
    assert {r["kind"] for r in rows} == {"question"}
    assert any("credit score" in r["question"] for r in rows)
    shot(ana, "audit-export-filtered")

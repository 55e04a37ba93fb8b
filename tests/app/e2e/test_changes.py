"""In Chromium: compliance staff open what changed between two versions of the mortgage
guide, side by side with the changed figures, and the conflicting documents."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.app.e2e.conftest import ARTIFACTS, shot
from tests.app.e2e.test_browser import go_to, sign_in

pytestmark = pytest.mark.browser


def test_compliance_reads_the_changes_between_two_versions(server: str, page: Any) -> None:
    sign_in(page, server, "ana")
    go_to(page, "Policies")
    heading = page.get_by_role("heading", name="Changes between versions")
    heading.scroll_into_view_if_needed()
    # Markdown draws "->" as an arrow.
    page.get_by_text(re.compile(r"mortgage-underwriting-guide 1\.0 (->|\u2192) 2\.0:")).wait_for()
    reserves = page.get_by_test_id("stExpander").filter(
        has_text=re.compile(r"Changed:\W*B3-4\.1-01")  # a word joiner follows the colon
    )
    reserves.first.click()
    removed = reserves.first.locator("del")
    inserted = reserves.first.locator("ins")
    assert removed.first.inner_text() == "6" and inserted.first.inner_text() == "12"
    # Struck through and marked, legibly: the colours hold AA contrast on their backgrounds.
    assert "line-through" in removed.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    figures = page.get_by_test_id("stDataFrame").filter(has_text="before")
    figures.first.wait_for()
    reserves.first.scroll_into_view_if_needed()
    shot(page, "11-changes-between-versions")
    page.screenshot(path=str(ARTIFACTS / "11-changes-between-versions-view.png"))
    conflicts = page.get_by_test_id("stExpander").filter(has_text="$10,000 against $5,000")
    conflicts.first.click()
    page.get_by_text("This Bulletin amends section B4-2.1-01").first.wait_for()

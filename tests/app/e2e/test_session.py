"""In Chromium against the served app, password mode with two users: a follow-up is read in
its conversation; a reload or a direct link keeps the user signed in with the conversation
on screen; signing out ends the session, and its cookie, kept or copied, opens nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.e2e.conftest import shot
from tests.app.e2e.test_browser import ask, sign_in

pytestmark = pytest.mark.browser

COOKIE = "copilot_session"


def read_as(page: Any, reading: str) -> Any:
    """The caption under a follow-up that says how it was read (``md`` puts an invisible
    word joiner after the colon)."""
    pattern = re.compile(r"Read as:\W*" + re.escape(reading))
    return page.get_by_test_id("stCaptionContainer").filter(has_text=pattern)


def session_cookie(page: Any) -> dict[str, Any]:
    """The session cookie of the page's browser context, once the page has set it."""
    expect(page.get_by_text("Signed in as")).to_be_visible()
    page.wait_for_function("() => document.cookie.includes('copilot_session=')")
    found = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert len(found) == 1, page.context.cookies()
    return found[0]


def test_a_follow_up_is_read_in_its_conversation_and_survives_a_reload(
    server: str, page: Any
) -> None:
    sign_in(page, server, "ben")
    ask(page, "What is the maximum DTI for a mortgage?")
    ask(page, "What about for investment properties?")
    reading = read_as(page, "What is the maximum DTI for investment properties for a mortgage")
    expect(reading).to_be_visible()
    expect(page.get_by_text("Ask next:")).to_be_visible()
    shot(page, "follow-up-read-as")

    cookie = session_cookie(page)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > 0  # expiring, not a cookie kept forever
    assert "ben-long-password" not in cookie["value"]

    page.reload()
    expect(page.get_by_text("Signed in as ben")).to_be_visible()
    expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
    messages = page.get_by_test_id("stChatMessage")
    expect(messages).to_have_count(4)
    expect(messages.nth(0)).to_contain_text("What is the maximum DTI for a mortgage?")
    expect(messages.nth(2)).to_contain_text("What about for investment properties?")
    expect(reading).to_be_visible()
    assert "?" not in page.url and COOKIE not in page.url  # nothing secret in the URL
    shot(page, "session-after-reload")

    # The next follow-up is still read after the conversation brought back.
    ask(page, "And for HELOCs?")
    expect(
        read_as(page, "What is the maximum DTI for investment properties for HELOCs")
    ).to_be_visible()


def test_a_direct_link_keeps_each_user_in_their_own_session(server: str, two_tabs: Any) -> None:
    ana, ben = two_tabs
    sign_in(ana, server, "ana")
    sign_in(ben, server, "ben")
    ask(ben, "How old can a credit report be for a mortgage?")
    session_cookie(ana)
    session_cookie(ben)

    # Compliance opens the audit page by its link: still signed in, the page shown.
    ana.goto(f"{server}/audit")
    expect(ana.get_by_text("Signed in as ana")).to_be_visible()
    expect(ana.get_by_role("heading", name="Audit trail")).to_be_visible()
    shot(ana, "session-direct-link-audit")
    # An underwriter's link to it signs nobody out, and shows no audit trail.
    ben.goto(f"{server}/audit")
    expect(ben.get_by_text("Signed in as ben")).to_be_visible()
    expect(ben.get_by_role("heading", name="Audit trail")).to_have_count(0)

    # Each sees their own conversation only.
    ana.goto(server)
    expect(ana.get_by_text("Signed in as ana")).to_be_visible()
    expect(ana.get_by_text("How old can a credit report be")).to_have_count(0)
    ben.goto(server)
    expect(ben.get_by_text("How old can a credit report be for a mortgage?")).to_be_visible()


def test_signing_out_ends_the_session_and_its_cookie_opens_nothing(
    server: str, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)
        sign_in(page, server, "ben")
        kept = session_cookie(page)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        page.wait_for_function("() => !document.cookie.includes('copilot_session=')")
        page.reload()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()

        # The cookie copied before sign-out, put back or used elsewhere, opens nothing.
        other = browser.new_context()
        try:
            other.add_cookies([kept])
            tab = other.new_page()
            tab.set_default_timeout(90_000)
            tab.goto(server)
            expect(tab.get_by_role("textbox", name="Password")).to_be_visible()
            expect(tab.get_by_text("Signed in as")).to_have_count(0)
        finally:
            other.close()

        # A made-up cookie opens nothing either.
        forged = dict(kept, value=kept["value"][:-2] + "00")
        other = browser.new_context()
        try:
            other.add_cookies([forged])
            tab = other.new_page()
            tab.goto(server)
            expect(tab.get_by_role("textbox", name="Password")).to_be_visible()
        finally:
            other.close()
    finally:
        context.close()


def test_signing_out_in_one_tab_signs_out_the_others(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        first = context.new_page()
        first.set_default_timeout(90_000)
        sign_in(first, server, "ben")
        session_cookie(first)
        second = context.new_page()  # the same browser: its cookie signs this tab in
        second.set_default_timeout(90_000)
        second.goto(server)
        expect(second.get_by_text("Signed in as ben")).to_be_visible()

        second.get_by_role("button", name="Sign out").click()
        expect(second.get_by_role("textbox", name="Password")).to_be_visible()
        # The first tab's next action finds its session ended: signed out, no new cookie.
        first.get_by_role("button", name="Clear conversation").click()
        expect(first.get_by_role("textbox", name="Password")).to_be_visible()
        first.reload()
        expect(first.get_by_role("textbox", name="Password")).to_be_visible()
        assert not [c for c in context.cookies() if c["name"] == COOKIE and c["value"]]
    finally:
        context.close()

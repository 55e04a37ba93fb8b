"""What only the signed-in session may see, and what no document may do: source files are
handed over the session, never put on Streamlit's public media route; document text shows as
text, never as links or markup."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from tests.app.ui.conftest import (
    answers,
    ask,
    choose,
    frames,
    joined,
    labels,
    page_images,
    plain,
    rerun,
)
from tests.app.ui.helpers import HOSTILE_FIELDS, HOSTILE_TITLE, hostile_policy_pdf, markdown_links


@pytest.fixture
def media_added(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """``(mimetype, file name)`` of everything put on the ``/media`` route (which serves any
    request that names the file, with no cookie and no session)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    added: list[tuple[str, str | None]] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self: Any, data: Any, mimetype: str, coordinates: str, file_name: Any = None,
               *args: Any, **kwargs: Any) -> str:  # fmt: skip
        added.append((mimetype, file_name))
        return add(self, data, mimetype, coordinates, file_name, *args, **kwargs)

    def record_deferred(self: Any, data: Any, mimetype: Any, coordinates: str,
                        file_name: Any = None, **kwargs: Any) -> str:  # fmt: skip
        added.append((mimetype, file_name))
        return add_deferred(self, data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return added


def test_cited_pdf_is_handed_to_the_session_and_never_put_on_the_media_route(
    app, media_added
) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What documents are required for self-employed borrowers?")
    assert at.expander
    assert media_added == [], "a file on /media is served to anyone who asks for its URL"
    html = frames(at)[0]
    link = re.search(
        r'<a class="source-link"[^>]*data-suffix="#page=(\d+)"[^>]*>Open ([^<]+)<', html
    )
    assert link and ".pdf at page " in link[2], html[:500]
    assert link[2].endswith((f"at page {link[1]}", f"(PDF page {link[1]})")), link[2]
    assert re.search(r'<a class="source-download" download="[^"]+\.pdf"', html)
    encoded = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', html)
    assert encoded and base64.b64decode(encoded[1])[:5] == b"%PDF-"
    assert "/media/" not in html + joined(at)
    choose(at, 0, 1)  # the citation panel: the page drawn, and the file's links again
    assert page_images(at) and all(
        image["src"].startswith("data:image/png;base64,") for image in page_images(at)
    )
    assert media_added == [], "a file on /media is served to anyone who asks for its URL"


def test_audit_export_is_handed_to_the_session_too(app, media_added) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    at.switch_page("screens/audit.py")
    at.run()
    assert not at.exception
    assert media_added == [], "a file on /media is served to anyone who asks for its URL"
    export = next(html for html in frames(at) if "as CSV" in html)
    assert "Export 1 records (these filters) as CSV" in export


def test_a_hostile_document_shows_as_text_in_answers_citations_and_the_library(
    app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    at, ws = app()
    pdf = hostile_policy_pdf(tmp_path)
    user = ws.authenticator.local_user()
    result = ws.library.add(user, pdf.name, pdf.read_bytes(), HOSTILE_FIELDS)
    assert result.outcome == "new", result.reason
    ask(at, "Are houseboats eligible collateral for a personal loan?")
    shown = labels(at)
    assert any(HOSTILE_TITLE in label for label in shown), shown
    assert "[the portal](https://evil.example/portal)" in joined(at)
    sources = [e.label for e in at.expander] + [
        str(e.value) for kind in ("markdown", "caption", "warning", "info") for e in at.get(kind)
    ]
    # The page with the passage marked is HTML made by the app, its text HTML-escaped: one
    # HTML block, which Markdown leaves alone.
    pages = [s for s in sources if s.startswith('<div class="page-text"')]
    assert pages and all("\n" not in page for page in pages)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in page for page in pages)
    assert not re.search(r"<(a|img|b|script)\b", "".join(pages))
    sources = [s for s in sources if s not in pages]
    assert [link for source in sources for link in markdown_links(source)] == []
    files = "".join(frames(at))
    assert "&lt;b&gt;notice.pdf" in files and "<b>notice" not in files
    (parts,) = answers(at)  # the answer: text pieces the component shows as text nodes
    marker = next(p for p in parts if isinstance(p, dict) and HOSTILE_TITLE in p["label"])
    choose(at, 0, marker["n"])
    (image,) = page_images(at)  # the alt text is set as a property: text, never markup
    assert "of **URGENT** <b>notice.pdf, the quoted passage highlighted" in image["alt"]
    panel = [str(e.value) for kind in ("markdown", "caption") for e in at.columns[1].get(kind)]
    assert any(HOSTILE_TITLE in plain(text) for text in panel)
    assert [link for text in panel for link in markdown_links(text)] == []

    at.switch_page("screens/policies.py")
    rerun(at)
    at.selectbox(key="view_doc").set_value("houseboat-notice")
    rerun(at)
    headings = [e.label for e in at.expander]
    assert any("<img src=x onerror=alert(1)>" in plain(h) for h in headings), headings
    sources = headings + [str(e.value) for e in at.markdown]
    assert [link for source in sources for link in markdown_links(source)] == []
    assert "[the portal](https://evil.example/portal)" in joined(at)


def test_failed_sign_ins_in_one_session_lock_the_name_in_every_session(app) -> None:  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    from app.models import User
    from tests.app.ui.conftest import MAIN
    from tests.app.ui.test_other_pages import password_settings, sign_in

    at, ws = app(**password_settings())
    for _ in range(5):
        sign_in(at, "ben", "a wrong password")
    assert "too many failed sign-ins, try again in 5 minutes" in joined(at, "error")

    other = AppTest.from_file(str(MAIN), default_timeout=120)  # another browser session
    other.run()
    sign_in(other, "ben", "ben-pass-123")
    assert "Sign-in failed: too many failed sign-ins; try again in 5 minutes." in joined(
        other, "error"
    )
    assert not other.chat_input
    trail = ws.service.audit_trail(User(name="auditor", role="compliance"))
    failures = trail.records(kind="sign_in")  # type: ignore[attr-defined]
    assert [r.user for r in failures] == ["ben"] * 5

    sign_in(other, "ana", "ana-pass-123")  # another name is not locked; compliance reads it
    other.switch_page("screens/audit.py")
    rerun(other)
    other.radio[0].set_value("sign_in")
    rerun(other)
    table = other.dataframe[0].value
    assert list(table["user"]) == ["ben"] * 5
    newest = table["sign-in"].iloc[0]
    assert newest.startswith("failed (5 in a row") and newest.endswith(", now locked)"), newest

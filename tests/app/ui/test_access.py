"""What only the signed-in session may see: source files are handed over the session, never
put on Streamlit's public media route."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from tests.app.ui.conftest import ask, frames, joined


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


def test_audit_export_is_handed_to_the_session_too(app, media_added) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    at.switch_page("screens/audit.py")
    at.run()
    assert not at.exception
    export = next(html for html in frames(at) if "as CSV" in html)
    assert "Export 1 records from these dates as CSV" in export
    assert media_added == []

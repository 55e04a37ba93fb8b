"""The Ask page hands the conversation, for the loan file, to this browser tab only."""

from __future__ import annotations

import base64
import re

from tests.app.ui.conftest import ask, frames


def test_the_ask_page_hands_the_export_to_this_tab(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, "What is the maximum DTI ratio for a personal loan?")
    export = next(html for html in frames(at) if "policy-answers.md" in html)
    assert "for the loan file (Markdown)" in export
    encoded = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', export)
    assert encoded is not None
    markdown = base64.b64decode(encoded[1]).decode("utf-8")
    assert "What is the maximum DTI ratio for a personal loan?" in markdown.replace("\\", "")
    assert "Sources:" in markdown and "Audit record #" in markdown

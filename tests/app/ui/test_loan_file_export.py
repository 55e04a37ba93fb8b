"""The Ask page hands the conversation, for the loan file, to this browser tab only (as
Markdown and as PDF), and shows each answer with its citations as text to copy."""

from __future__ import annotations

import base64
import io
import re

from pypdf import PdfReader

from app.records.loan_file import answer_text
from app.tabular import Table, split_tables
from tests.app.ui.conftest import ask, frames

QUESTION = "What is the maximum DTI ratio for a personal loan?"


def handed(at, file_name: str) -> tuple[str, bytes]:  # type: ignore[no-untyped-def]
    """The frame that hands ``file_name`` to the tab, and the file's bytes."""
    export = next(html for html in frames(at) if f'download="{file_name}"' in html)
    encoded = re.search(r'atob\("([A-Za-z0-9+/=]+)"\)', export)
    assert encoded is not None
    return export, base64.b64decode(encoded[1])


def test_the_ask_page_hands_the_export_to_this_tab(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, QUESTION)
    export, data = handed(at, "policy-answers.md")
    assert ">Export as Markdown</a>" in export
    markdown = data.decode("utf-8")
    assert QUESTION in markdown.replace("\\", "")
    assert "Sources:" in markdown and "Audit record #" in markdown and "Support: " in markdown

    export, data = handed(at, "policy-answers.pdf")
    assert ">Export as PDF</a>" in export and '"application/pdf"' in export
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    answer = at.session_state["conversation"][0]
    assert f"1. {QUESTION}" in text
    # The answer as the export lays it out: its prose as written, a table cell by cell.
    for part in split_tables(answer.text):
        if isinstance(part, Table):
            cells = [part.caption, *part.header, *(c for row in part.rows for c in row.cells)]
            assert all(" ".join(cell.split()) in text for cell in cells if cell)
        else:
            assert " ".join(part.text.split()) in text
    assert f"Audit record #{answer.audit_id}" in text


def test_each_answer_has_its_text_and_citations_to_copy(app) -> None:  # type: ignore[no-untyped-def]
    at, _ = app()
    ask(at, QUESTION)
    ask(at, "What documents are required for self-employed borrowers?")
    conversation = at.session_state["conversation"]
    copy = [e for e in at.expander if e.label == "Copy answer with citations"]
    assert len(copy) == len(conversation) == 2
    for expander, answer in zip(copy, conversation, strict=True):
        (block,) = expander.code
        assert block.value == answer_text(answer) and block.language == "plaintext"
        assert f"Audit record #{answer.audit_id}" in block.value

"""Small helpers of the shared vocabulary."""

from __future__ import annotations

import pytest

from app.models import MAX_DOC_ID_CHARS, DocumentMeta, doc_id_from_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mortgage-underwriting-guide-v2.pdf", "mortgage-underwriting-guide-v2"),
        ("Mortgage Guide (v2).pdf", "mortgage-guide-v2"),
        ("TX Supplement 2.1.md", "tx-supplement-2.1"),
        ("  ..hidden.pdf", "hidden"),
        ("broken\nname.pdf", "broken-name"),
        ("Guía de préstamos.txt", "gu-a-de-pr-stamos"),
        ("ローン.pdf", "document"),
        ("a" * 300 + ".pdf", "a" * MAX_DOC_ID_CHARS),
    ],
)
def test_a_doc_id_from_an_upload_name_is_always_a_valid_id(name: str, expected: str) -> None:
    doc_id = doc_id_from_name(name)
    assert doc_id == expected
    meta = DocumentMeta(
        doc_id=doc_id, title="T", product="mortgage", jurisdiction="TX",
        doc_type="policy", version="1", effective_date="2026-01-01",
    )  # fmt: skip
    assert meta.doc_id == doc_id

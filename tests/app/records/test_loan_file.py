"""The conversation exported for the loan file: each question as processed, its answer,
notes and citations, with the audit record ids; what documents and users wrote stays text."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import User
from app.records.loan_file import conversation_markdown

UNDERWRITER = User(name="uw1", role="underwriter")


def test_the_export_holds_each_question_answer_citation_and_audit_id(make_service) -> None:  # type: ignore[no-untyped-def]
    service = make_service()
    dti = service.ask(
        "Borrower Maria Gonzalez: what is the maximum DTI ratio?",
        user=UNDERWRITER,
        product="mortgage",
    )
    flood = service.ask(
        "What is the maximum flood insurance deductible?", user=UNDERWRITER, product="mortgage"
    )
    hostile = service.ask("[click here](https://evil.example) boat loans?", user=UNDERWRITER)
    text = conversation_markdown(
        [dti, flood, hostile], user=UNDERWRITER, exported_at=datetime(2026, 12, 5, tzinfo=UTC)
    )
    assert "Maria" not in text and "Gonzalez" not in text and "\\<PERSON\\_1\\>" in text
    assert f"Audit record #{dti.audit_id}" in text and f"Audit record #{flood.audit_id}" in text
    assert "Filters: product mortgage" in text
    assert "Mortgage Underwriting Guide, version 2.0 (effective 2026-03-01)" in text
    assert "section B3-6-02 Debt-to-Income Ratios, page 5" in text
    assert "Note: Another current document gives a different figure" in text
    # A link typed into a question is text, not a link, in any Markdown viewer.
    assert "](https://evil.example)" not in text and "\\[click here\\]" in text
    assert text.index("## 1.") < text.index("## 2.") < text.index("## 3.")

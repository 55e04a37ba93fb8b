"""Names the small spaCy model misses, caught by their context; policy phrases left alone."""

from __future__ import annotations

import pytest

from app.question.redact import PresidioRedactor
from app.settings import RedactionSection


@pytest.fixture(scope="module")
def redactor() -> PresidioRedactor:
    return PresidioRedactor(RedactionSection())


@pytest.mark.parametrize(
    ("question", "name"),
    [
        (
            "Applicant Priya Raman (DOB 03/14/1988, cell 512-555-0187) wants a cash-out. Max CLTV?",
            "Priya Raman",
        ),
        (
            "Darnell Price, phone (312) 555-0199, 668 FICO, wants a used SUV. What's the max LTV?",
            "Darnell Price",
        ),
        (
            "Jamal Hughes, acct 000482917365, wants a $15,000 personal loan. Verify income?",
            "Jamal Hughes",
        ),
        (
            "We froze the HELOC for Evelyn Park (evelyn.park@outlook.com) after her score dropped.",
            "Evelyn Park",
        ),
        ("Borrower Maria Gonzalez-Reyes wants to know the DTI limit.", "Gonzalez-Reyes"),
        ("Co-borrower Tom O'Brien, age 67, has pension income. How is it counted?", "O'Brien"),
        ("Grace Li wants to refinance her condo; what reserves apply?", "Grace Li"),
    ],
)
def test_names_in_context_are_redacted(
    redactor: PresidioRedactor, question: str, name: str
) -> None:
    result = redactor.redact(question)
    assert name not in result.text
    assert "PERSON" in result.entity_types


@pytest.mark.parametrize(
    "question",
    [
        "What does Texas Home Equity (50(a)(6)) require?",
        "Applicant Income (Schedule C) rules for self-employed borrowers?",
        "Does the Mortgage Underwriting Guide, section B3-6-02, allow 45%?",
        "The Chief Credit Officer, Senior Underwriter or Credit Manager approves exceptions?",
        "Small Business Lending Policy loans, a term loan, can exceed $5M?",
        "California Lending Supplement (CA-2.2) licensing rules?",
        "Compliance Memorandum CM-2025-07, adverse action timing?",
        "What is the Max PTI for Tier A auto loans?",
    ],
)
def test_policy_phrases_are_not_names(redactor: PresidioRedactor, question: str) -> None:
    result = redactor.redact(question)
    assert result.text == question, result.text

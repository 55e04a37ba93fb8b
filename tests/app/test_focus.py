"""What search and answering see of a redacted question: placeholders and their labels gone."""

from __future__ import annotations

import pytest

from app.text import focus


@pytest.mark.parametrize(
    ("redacted", "expected"),
    [
        (
            "What documents are required for self-employed borrowers? My name is <PERSON_1> "
            "and SSN <US_SSN_1>",
            "What documents are required for self-employed borrowers?",
        ),
        (
            "My client <PERSON_1>, SSN <US_SSN_1>, is self-employed. What documents are required?",
            "is self-employed. What documents are required?",
        ),
        (
            "Borrower <PERSON_1> (loan <LOAN_NUMBER_1>) has a DTI of 45%. Is that allowed?",
            "has a DTI of 45%. Is that allowed?",
        ),
        ("Can I email <EMAIL_ADDRESS_1> the disclosure?", "Can I email the disclosure?"),
        ("What is the maximum DTI?", "What is the maximum DTI?"),  # nothing redacted
        ("<PERSON_1>", "<PERSON_1>"),  # nothing else to search with: unchanged
    ],
)
def test_focus(redacted: str, expected: str) -> None:
    assert focus(redacted) == expected


def test_focus_keeps_every_policy_word() -> None:
    question = (
        "Applicant <PERSON_1> lives at <ADDRESS_1> in Austin; what is the max LTV for a condo?"
    )
    kept = focus(question)
    for word in ("Austin", "max", "LTV", "condo"):
        assert word in kept
    assert "<" not in kept

"""Names in the shapes underwriters type them, and the policy words that look like names."""

from __future__ import annotations

import pytest

from app.question.redact import PresidioRedactor
from app.settings import RedactionSection


@pytest.fixture(scope="module")
def redactor() -> PresidioRedactor:
    return PresidioRedactor(RedactionSection())


@pytest.mark.parametrize(
    ("question", "gone"),
    [
        ("co-borrower jacob salazar, driver's license # L223-412-35-181-7", ["jacob", "salazar"]),
        ("Borrower: GUERRERO, JORGE, acct no. 6546961099573694", ["GUERRERO", "JORGE"]),
        ("Applicant Faith Banks, SSN 529-41-8876 - max DTI?", ["Faith", "Banks"]),
        ("co-signer Lauren and ITIN 912-78-3456; FHA ok?", ["Lauren"]),
        ("Borrower Ms. Đặng wants a HELOC", ["Đặng"]),
        ("spouse Caoimhe Ní Dhomhnaill, social 458016710", ["Caoimhe", "Dhomhnaill"]),
        ("Guarantor VŨ XUÂN ANH, routing no. 021000021", ["VŨ", "XUÂN", "ANH"]),
        ("MARISTELA GRAU co-signed a car loan", ["MARISTELA", "GRAU"]),
        ("harshil ganguly owns two rentals; max DTI?", ["harshil", "ganguly"]),
        ("Underwriter note - Castañeda, Adolfo, ITIN 925-90-5729", ["Castañeda", "Adolfo"]),
        (
            "name: frank wilson, email bk@comcast.net; is frank wilson on title?",
            ["frank", "wilson"],
        ),
        ("client Maria Garcia-Lopez, DOB 05/12/1984. Did Garcia-Lopez sign?", ["Garcia"]),
        (
            "co-signer Patterson, Mark, APP-99155473. Did Patterson, Mark sign?",
            ["Patterson", "Mark"],
        ),
        ("e-mail: jo@gmail.com and Marisol Prado.", ["Marisol", "Prado"]),
    ],
)
def test_names_are_redacted(redactor: PresidioRedactor, question: str, gone: list[str]) -> None:
    text = redactor.redact(question).text
    assert not [word for word in gone if word in text], text


@pytest.mark.parametrize(
    "question",
    [
        "Is the Grace period on the HELOC 15 days or 10 days?",
        "How do we treat a Bill of sale for a manufactured home under B5-2-02?",
        "Rich in reserves but thin credit: does 12 months PITI offset a 640 score?",
        "Will Fannie Mae accept a gift from a fiancé under B3-4.3-04?",
        "Can the gift come from the borrower's fiancé?",
        "Can the Visa balance of $4,200 be excluded if it is paid off at closing?",
        "Do ABA disclosures under RESPA § 1024.15 apply to our title affiliate?",
        "Is a TX DL acceptable ID for the CIP check or do we need a passport?",
        "Mark-to-market losses on a brokerage account: counted in reserves?",
        "It is a 2-4 unit in Austin, Texas with $4,500 rent.",
        "PennyMac and Wells Fargo quotes differ by 0.125%. Ref B3-6-02 and TX-5.1.",
        "Can we use Chase statements older than 60 days under B3-4.2-01?",
        "min FICO for a 2-unit owner occupied purchase",
        "Are New York CEMA loans allowed under the US-federal guidelines?",
    ],
)
def test_policy_words_are_not_names(redactor: PresidioRedactor, question: str) -> None:
    assert redactor.redact(question).text == question


def test_policy_words_survive_beside_personal_data(redactor: PresidioRedactor) -> None:
    question = "Gift came from bank for borrower Ana Ruiz, Visa 4111 1111 1111 1111; ABA rules?"
    text = redactor.redact(question).text
    assert text.startswith("Gift came from bank for borrower <PERSON_1>, Visa <CREDIT_CARD_1>")
    assert text.endswith("ABA rules?")


def test_pasted_values_are_redacted_and_the_rest_kept_as_typed(redactor: PresidioRedactor) -> None:
    question = "SSN 529\u200b-41\u20138876 per B3\u20116\u201102 \u2014 DTI?"
    assert redactor.redact(question).text == "SSN <US_SSN_1> per B3\u20116\u201102 \u2014 DTI?"


@pytest.mark.parametrize(
    ("question", "label"),
    [
        (
            "Co-borrowers Li Wei and Sarah Bennett have middle scores of 701 and 664.",
            "Co-borrowers",
        ),
        ("co-applicants maria lopez and juan perez asked about DTI", "co-applicants"),
        ("Co-signers Tom Reed and Ana Diaz both signed.", "Co-signers"),
    ],
)
def test_a_plural_person_label_is_kept_and_the_names_after_it_go(
    redactor: PresidioRedactor, question: str, label: str
) -> None:
    """The label tells search what the question is about (co-borrowers' scores)."""
    text = redactor.redact(question).text
    assert text.startswith(f"{label} <PERSON_1> and <PERSON_2>"), text

"""The recognizers on their own: patterns, labels, checksums, the PERSON policy trim.
No spaCy model needed."""

from __future__ import annotations

from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer

from app.question.recognizers import (
    AbaRoutingRecognizer,
    AccountNumberRecognizer,
    DateOfBirthRecognizer,
    DeclaredRecognizer,
    LoanNumberRecognizer,
    NanpPhoneRecognizer,
    OfflineEmailRecognizer,
    UsEinRecognizer,
    UsSsnRecognizer,
    UsStreetAddressRecognizer,
    build_recognizers,
)
from app.question.redact import trim_policy_terms

THRESHOLD = 0.4  # RedactionSection's default


def scored(recognizer: EntityRecognizer, text: str) -> list[tuple[str, float]]:
    """(match, score) pairs as the AnalyzerEngine would see them: analyze, then the
    recognizer-level context step (which drops unlabelled matches)."""
    no_nlp: Any = None
    results = recognizer.analyze(text, recognizer.supported_entities, no_nlp)
    results = recognizer.enhance_using_context(text, results, [], no_nlp)
    return [(text[r.start : r.end], r.score) for r in results]


def found(recognizer: EntityRecognizer, text: str) -> list[str]:
    """What the recognizer reports at or above the default threshold."""
    return [match for match, score in scored(recognizer, text) if score >= THRESHOLD]


SSN = UsSsnRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 529-41-8876", ["529-41-8876"]),
        ("529-41-8876 on file", ["529-41-8876"]),  # formatted: no label needed
        ("SSN 529 41 8876", ["529 41 8876"]),
        ("ssn 529.41.8876", ["529.41.8876"]),
        ("SSN is 529 - 41 - 8876", ["529 - 41 - 8876"]),
        ("SSN 529418876", ["529418876"]),
        ("social security number: 372581049", ["372581049"]),
        ("TIN of 401227365", ["401227365"]),
        ("taxpayer 401227365", ["401227365"]),
        ("401227365 (SSN)", ["401227365"]),
        ("ref 529418876", []),  # bare 9 digits need an SSN label
        ("529418876", []),
        ("SSN 529-41 8876", []),  # mixed separators
        # Never-issued numbers and published samples: removed only when labelled as an SSN.
        ("SSN 123-45-6789", ["123-45-6789"]),  # published sample, typed as a real one
        ("SSN 078-05-1120", ["078-05-1120"]),
        ("SSN 000-12-3456", ["000-12-3456"]),  # area 000
        ("SSN 529-00-8876", ["529-00-8876"]),  # group 00
        ("example 123-45-6789", []),
        ("case 000-12-3456", []),  # area 000
        ("case 666-12-3456", []),  # area 666
        ("case 912-34-5678", []),  # 9xx area: an ITIN, not an SSN
        ("case 529-00-8876", []),  # group 00
        ("case 529-41-0000", []),  # serial 0000
        ("case 111-11-1111", []),
        ("SSN 5294188761", []),  # ten digits
        ("$529418876 SSN", []),
    ],
)
def test_ssn(text: str, expected: list[str]) -> None:
    assert found(SSN, text) == expected


ABA = AbaRoutingRecognizer()


@pytest.mark.parametrize("number", ["021000021", "011000015", "026009593", "322271627"])
def test_aba_checksum_accepts_real_routing_numbers(number: str) -> None:
    assert ABA.validate_result(number)
    assert found(ABA, f"routing number {number}") == [number]


@pytest.mark.parametrize(
    "number",
    ["021000022", "011000016", "130000006", "000000000"],  # checksum, prefix 13, zeros
)
def test_aba_checksum_rejects(number: str) -> None:
    assert not ABA.validate_result(number)
    assert found(ABA, f"routing number {number}") == []


def test_aba_needs_a_routing_label() -> None:
    assert found(ABA, "ABA 021000021") == ["021000021"]
    assert found(ABA, "RTN: 0210-0002-1") == ["0210-0002-1"]
    assert found(ABA, "the code 021000021") == []


EIN = UsEinRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EIN 12-3456789", ["12-3456789"]),
        ("the LLC's 45-1234567", ["45-1234567"]),  # dashed form stands alone
        ("FEIN 451234567", ["451234567"]),
        ("employer identification number 451234567", ["451234567"]),
        ("451234567", []),
        ("EIN 07-1234567", []),  # prefix never assigned
        ("EIN 89-1234567", []),
        ("EIN 11-1111111", []),
        ("B3-3456789", []),
    ],
)
def test_ein(text: str, expected: list[str]) -> None:
    assert found(EIN, text) == expected


LOAN = LoanNumberRecognizer()
ACCOUNT = AccountNumberRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("loan #4410023871", ["4410023871"]),
        ("Loan number: 4410023871", ["4410023871"]),
        ("loan no. 7001234567", ["7001234567"]),
        ("loan#4410023871", ["4410023871"]),
        ("Application #2025-0001234", ["2025-0001234"]),
        ("loans 1234567 and 7654321", ["1234567", "7654321"]),
        ("the borrower's loan is 44100238", ["44100238"]),
        ("loan amount 1500000", []),  # an amount, not an id
        ("loan of $1500000", []),
        ("loan effective 2026-03-01", []),  # a date
        ("loan 12345", []),  # five digits
        ("4410023871", []),
    ],
)
def test_loan_number(text: str, expected: list[str]) -> None:
    assert found(LOAN, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acct 000123456789", ["000123456789"]),
        ("acct. 12-345678-9", ["12-345678-9"]),
        ("checking account ending in 98765432", ["98765432"]),
        ("ref #12345678", ["12345678"]),  # generic label: weaker, still kept
        ("account balance 1234567", []),
        ("accounts opened 2024-01-15", []),
    ],
)
def test_account_number(text: str, expected: list[str]) -> None:
    assert found(ACCOUNT, text) == expected


def test_specific_label_outscores_generic_one() -> None:
    [(_, loan)] = scored(LOAN, "loan #4410023871")
    [(_, account)] = scored(ACCOUNT, "loan #4410023871")
    assert loan > account >= THRESHOLD


DOB = DateOfBirthRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 05/12/1984", ["05/12/1984"]),
        ("DOB: 5/12/84", ["5/12/84"]),
        ("date of birth 1984-07-19", ["1984-07-19"]),
        ("born on March 3, 1975", ["March 3, 1975"]),
        ("born 12 Jan 1990", ["12 Jan 1990"]),
        ("D.O.B. 19.07.1984", ["19.07.1984"]),
        ("DOB 05/12/1984, effective 2026-03-01", ["05/12/1984"]),
        ("effective 2026-03-01", []),
        ("as of January 2025", []),
        ("closed on 03/01/2026", []),
        ("DOB 13/45/1984", []),  # not a date
    ],
)
def test_date_of_birth(text: str, expected: list[str]) -> None:
    assert found(DOB, text) == expected


ADDRESS = UsStreetAddressRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "at 1200 Main Street, Apt 4B, Austin, TX 78701",
            "1200 Main Street, Apt 4B, Austin, TX 78701",
        ),
        ("45 Oak Ave, Springfield, IL 62704", "45 Oak Ave, Springfield, IL 62704"),
        ("7 W 5th Ave in Denver", "7 W 5th Ave"),
        ("3301 Old Mill Rd.", "3301 Old Mill Rd."),
        ("221B Baker St", "221B Baker St"),
        ("1600 Pennsylvania Avenue NW", "1600 Pennsylvania Avenue NW"),
        ("P.O. Box 1234, Dallas, TX 75201", "P.O. Box 1234, Dallas, TX 75201"),
        ("12 Elm Ct, San Antonio, Texas 78205", "12 Elm Ct, San Antonio, Texas 78205"),
    ],
)
def test_street_address(text: str, expected: str) -> None:
    assert found(ADDRESS, text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "a Chapter 7 Bankruptcy Court discharge",
        "a chapter 7 bankruptcy court discharge",
        "24 months of statements",
        "Section 4 Main Street rules",
        "within 30 days way past due",
        "12 CFR 1026.43(c)",
        "the 1st Street Bank branch",
    ],
)
def test_not_a_street_address(text: str) -> None:
    assert found(ADDRESS, text) == []


PHONE = NanpPhoneRecognizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call (212) 200-0000 001-01-0001", ["(212) 200-0000"]),
        ("512-555-0142", ["512-555-0142"]),
        ("512.555.0142", ["512.555.0142"]),
        ("(512)555-0142", ["(512)555-0142"]),
        ("+1 512 555 0142", ["+1 512 555 0142"]),
        ("+1-512-555-0142", ["+1-512-555-0142"]),
        ("911-555-0142", []),
        ("512-911-0142", []),
        ("B3-512-555-0142", []),
        ("version 1.512.555.01423", []),
        ("SSN 529-41-8876", []),
    ],
)
def test_nanp_phone(text: str, expected: list[str]) -> None:
    assert found(PHONE, text) == expected


@pytest.mark.parametrize(
    ("span", "kept"),
    [
        ("Fannie Mae", None),
        ("Texas", None),
        ("HELOC", None),
        ("lien", None),
        ("<PERSON_1>", None),
        ("jane.doe@example.com Max", None),
        ("Borrower John Smith", "John Smith"),
        ("FHA Maria Garcia", "Maria Garcia"),
        ("Robert Johnson's", "Robert Johnson"),
        ("Virginia Lee", "Virginia Lee"),  # a state name that is also a first name
        ("George Washington", "George Washington"),
        ("Max Weber", "Max Weber"),
        ("JOHN SMITH", "JOHN SMITH"),
    ],
)
def test_policy_terms_are_trimmed_from_names(span: str, kept: str | None) -> None:
    text = f"Ask about {span} today"
    start = text.index(span)
    trimmed = trim_policy_terms(text, start, start + len(span))
    assert (text[trimmed[0] : trimmed[1]] if trimmed else None) == kept


def test_email_validation_uses_the_bundled_suffix_list_only() -> None:
    extractor = OfflineEmailRecognizer.EXTRACTOR
    assert extractor.suffix_list_urls == ()
    assert extractor.fallback_to_snapshot
    email = OfflineEmailRecognizer()
    # Runs under the network guard: a fetch would raise.
    assert email.validate_result("jane.doe@example.co.uk")
    assert not email.validate_result("jane.doe@example.notatld")


def test_recognizers_are_declared_as_class_constants() -> None:
    for recognizer in (SSN, EIN, LOAN, ACCOUNT, ABA, DOB, ADDRESS, PHONE):
        cls = type(recognizer)
        assert isinstance(recognizer, DeclaredRecognizer)
        assert cls.ENTITY and cls.PATTERNS and cls.CONTEXT, cls.__name__


def test_build_recognizers_covers_the_pattern_entities() -> None:
    entities = {e for r in build_recognizers() for e in r.supported_entities}
    assert entities == {
        "US_SSN",
        "US_ITIN",
        "US_EIN",
        "LOAN_NUMBER",
        "ACCOUNT_NUMBER",
        "ABA_ROUTING_NUMBER",
        "CREDIT_CARD",
        "PHONE_NUMBER",
        "EMAIL_ADDRESS",
        "US_STREET_ADDRESS",
        "DATE_OF_BIRTH",
    }

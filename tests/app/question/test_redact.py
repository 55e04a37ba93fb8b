"""The redaction stage end to end: real Presidio, real spaCy model, no mocks of either.

Runs under the session's network guard (tests/netguard.py): any attempt to reach the
network, e.g. tldextract fetching the public suffix list, fails the test.
"""

from __future__ import annotations

import logging
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import tldextract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import ConfigError
from app.models import RedactedQuestion
from app.question.redact import (
    PresidioRedactor,
    RedactionError,
    Redactor,
    _Placeholders,
)
from app.settings import RedactionSection
from tests.netguard import NetworkAccessError


@pytest.fixture(scope="module")
def redactor() -> PresidioRedactor:
    return PresidioRedactor(RedactionSection())


# (question, entity type expected, substring that must be gone)
PII_CASES = [
    # names in several positions
    ("Borrower John Smith, SSN 529-41-8876, loan #4410023871 — what DTI applies in Texas?", "PERSON", "John Smith"),
    ("Can Maria Garcia qualify for a HELOC with a 680 FICO?", "PERSON", "Garcia"),
    ("What DTI applies to Robert Johnson's refinance?", "PERSON", "Robert Johnson"),
    ("Jennifer Lee asked whether her gift letter is acceptable.", "PERSON", "Jennifer Lee"),
    ("The co-borrower is Ahmed Khan; can his income count?", "PERSON", "Ahmed Khan"),
    ("Is rental income allowed for borrower Emily Chen in California?", "PERSON", "Emily Chen"),
    ("Underwriter note: applicant Carlos Rodriguez has a 2019 bankruptcy.", "PERSON", "Rodriguez"),
    ("For Smith, is a 2-year employment history required?", "PERSON", "Smith"),
    ("The loan officer, Kevin Nguyen, asked about the LLPA.", "PERSON", "Kevin Nguyen"),
    ("Virginia Lee applied in Virginia; which rules apply?", "PERSON", "Virginia Lee"),
    # SSNs in every format
    ("Borrower SSN 529-41-8876, what DTI applies?", "US_SSN", "529-41-8876"),
    ("SSN 529 41 8876 for the co-borrower", "US_SSN", "529 41 8876"),
    ("her social security number is 529.41.8876", "US_SSN", "529.41.8876"),
    ("SSN 529418876 — can we close?", "US_SSN", "529418876"),
    ("Social Security: 372-58-1049", "US_SSN", "372-58-1049"),
    ("TIN 401227365 on the 1003", "US_SSN", "401227365"),
    ("taxpayer id 401227365", "US_SSN", "401227365"),
    ("ITIN 912-78-3456 borrower, any FHA issue?", "US_ITIN", "912-78-3456"),
    # loan and account numbers
    ("Loan number 4410023871 is in underwriting", "LOAN_NUMBER", "4410023871"),
    ("Application #2025-0001234 needs a DTI exception", "LOAN_NUMBER", "2025-0001234"),
    ("loan no. 7001234567 — reserves?", "LOAN_NUMBER", "7001234567"),
    ("Acct 000123456789 shows a large deposit", "ACCOUNT_NUMBER", "000123456789"),
    ("account # 12-345678-9 has NSF fees", "ACCOUNT_NUMBER", "12-345678-9"),
    ("Check account number 9876543210 for overdrafts", "ACCOUNT_NUMBER", "9876543210"),
    # routing numbers, EINs, cards
    ("routing number 021000021 for the wire", "ABA_ROUTING_NUMBER", "021000021"),
    ("ABA 011000015 wire for closing", "ABA_ROUTING_NUMBER", "011000015"),
    ("RTN: 026009593", "ABA_ROUTING_NUMBER", "026009593"),
    ("EIN 12-3456789 for the LLC borrower", "US_EIN", "12-3456789"),
    ("FEIN 45-1234567 on the business return", "US_EIN", "45-1234567"),
    ("card 4111 1111 1111 1111 was declined", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("Visa 4111-1111-1111-1111 on the credit report", "CREDIT_CARD", "4111-1111-1111"),
    ("Amex 378282246310005 shows a late payment", "CREDIT_CARD", "378282246310005"),
    ("Mastercard 5555555555554444 revolving balance", "CREDIT_CARD", "5555555555554444"),
    # phones
    ("Phone (512) 555-0142 for the borrower", "PHONE_NUMBER", "555-0142"),
    ("call 512-555-0142 tomorrow", "PHONE_NUMBER", "512-555-0142"),
    ("cell 512.555.0142", "PHONE_NUMBER", "512.555.0142"),
    ("reach her at +1 512 555 0142", "PHONE_NUMBER", "512 555 0142"),
    ("Tel: 5125550142", "PHONE_NUMBER", "5125550142"),
    # emails
    ("email jane.doe@example.com about the appraisal", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("contact m.garcia@lender-bank.co.uk", "EMAIL_ADDRESS", "m.garcia@lender-bank.co.uk"),
    # addresses
    ("Subject property is 1200 Main Street, Apt 4B, Austin, TX 78701", "US_STREET_ADDRESS", "1200 Main Street"),
    ("The borrower lives at 45 Oak Ave, Springfield, IL 62704", "US_STREET_ADDRESS", "45 Oak Ave, Springfield"),
    ("Appraisal at 7 W 5th Ave in Denver", "US_STREET_ADDRESS", "7 W 5th Ave"),
    ("Mail to P.O. Box 1234, Dallas, TX 75201", "US_STREET_ADDRESS", "Box 1234"),
    ("Property at 3301 Old Mill Rd is a condo", "US_STREET_ADDRESS", "3301 Old Mill Rd"),
    # dates of birth
    ("DOB 05/12/1984, is she over the age limit?", "DATE_OF_BIRTH", "05/12/1984"),
    ("Date of birth: 1984-07-19", "DATE_OF_BIRTH", "1984-07-19"),
    ("co-borrower born on March 3, 1975", "DATE_OF_BIRTH", "March 3, 1975"),
    ("borrower DOB: 12 Jan 1990 and income $85,000", "DATE_OF_BIRTH", "12 Jan 1990"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "entity_type", "secret"), PII_CASES)
def test_redacts_personal_data(
    redactor: PresidioRedactor, question: str, entity_type: str, secret: str
) -> None:
    result = redactor.redact(question)
    assert secret not in result.text
    assert entity_type in result.entity_types
    assert f"<{entity_type}_1>" in result.text


EXACT_CASES = [
    (
        "Borrower John Smith, SSN 529-41-8876, loan #4410023871 — what DTI applies in Texas?",
        "Borrower <PERSON_1>, SSN <US_SSN_1>, loan #<LOAN_NUMBER_1> — what DTI applies in Texas?",
    ),
    (
        "email jane.doe@lender-bank.co.uk Reserves of 6 months for FHA as of January 2025.",
        "email <EMAIL_ADDRESS_1> Reserves of 6 months for FHA as of January 2025.",
    ),
    (
        "Gift letter from Taylor's parents — OK for FHA in California?",
        "Gift letter from <PERSON_1>'s parents — OK for FHA in California?",
    ),
    (
        "DOB 05/12/1984, effective 2026-03-01: does B3-3.1-09 apply?",
        "DOB <DATE_OF_BIRTH_1>, effective 2026-03-01: does B3-3.1-09 apply?",
    ),
    (
        "routing number 021000021, account 000123456789, 1200 Main Street, Austin, TX 78701",
        "routing number <ABA_ROUTING_NUMBER_1>, account <ACCOUNT_NUMBER_1>, <US_STREET_ADDRESS_1>",
    ),
]


@pytest.mark.parametrize(("question", "expected"), EXACT_CASES)
def test_exact_output(redactor: PresidioRedactor, question: str, expected: str) -> None:
    assert redactor.redact(question).text == expected


POLICY_QUESTIONS = [
    "What is the maximum DTI for a cash-out refinance in Texas under B3-6-02?",
    "Does § 1002.9 require a notice within 30 days?",
    "Minimum FICO 620 for HELOC with CLTV above 80%?",
    "Under Texas Art. XVI §50(a)(6), can a HELOC exceed 80% CLTV?",
    "Is the LTV limit for a jumbo mortgage in California 80% or 90%?",
    "What reserves does B3-4.1-01 require for a 2-unit primary residence?",
    "Does Fannie Mae allow gift funds for the down payment on a second home?",
    "Can Freddie Mac loans use rental income from a property owned less than 2 years?",
    "What is the minimum credit score for an FHA loan with 3.5% down?",
    "For VA loans, is there a maximum DTI or only residual income?",
    "Does USDA require the property to be in an eligible rural area in Georgia?",
    "What DSCR is required for an SBA 7(a) loan above $150,000?",
    "How many months of bank statements are needed for self-employed borrowers, 12 or 24 months?",
    "Does Regulation B § 1002.9(a)(1) apply to HELOC counteroffers?",
    "Is a 620 FICO enough for an auto loan in Florida as of January 2025?",
    "What changed in section 4.2.1 effective 2026-03-01?",
    "Are New York CEMA loans allowed under the US-federal guidelines?",
    "What is the maximum CLTV for a HELOC behind a Ginnie Mae first lien?",
    "Can a borrower with a Chapter 7 bankruptcy discharged 4 years ago get a conventional loan?",
    "What is the seasoning requirement for a cash-out refinance under Fannie Mae B2-1.3-03?",
    "Does the Texas 12-day notice under Art. XVI §50(a)(6)(M) apply to refinances?",
    "What LLPA applies to a 740 FICO with 75% LTV on an investment property?",
    "Per 12 CFR 1026.43(c), what ATR factors must we verify for a QM loan?",
    "What is the HCLTV cap for a piggyback HELOC in CA, NV and AZ?",
    "Is PMI required above 80% LTV on a 30-year fixed conventional loan in TX?",
    "Max LTV 97% for first-time homebuyers under HomeReady as of 2024?",
    "Email or call the closing team about HELOC draw periods?",
    "Does a DSCR loan require 6 months PITI reserves in Arizona?",
    "Is the conforming loan limit 766550 for a one-unit property in 2024?",
    "Is a loan amount of $1500000 jumbo in Washington state?",
    "Which policy applies to loans closed between 2025-01-01 and 2025-06-30?",
    "Does the Fannie Mae Selling Guide allow boarder income?",
    "Does the Texas Constitution allow a HELOC on a homestead in 2025?",
    "Gift letter requirements for an FHA loan in Georgia?",
    "Underwriter note: is a VOE needed within 10 business days of closing?",
    "Reserves of 6 months for a Freddie Mac Home Possible loan in Virginia?",
]


@pytest.mark.parametrize("question", POLICY_QUESTIONS)
def test_policy_vocabulary_survives(redactor: PresidioRedactor, question: str) -> None:
    result = redactor.redact(question)
    assert result.text == question
    assert result.entities == ()


def test_placeholders_numbered_per_type_in_order(redactor: PresidioRedactor) -> None:
    result = redactor.redact(
        "Borrower John Smith and co-borrower Maria Garcia; SSNs 529-41-8876 and "
        "372-58-1049. Did John Smith sign?"
    )
    assert result.text == (
        "Borrower <PERSON_1> and co-borrower <PERSON_2>; SSNs <US_SSN_1> and "
        "<US_SSN_2>. Did <PERSON_1> sign?"
    )
    assert [e.placeholder for e in result.entities] == [
        "<PERSON_1>",
        "<PERSON_2>",
        "<US_SSN_1>",
        "<US_SSN_2>",
    ]
    assert all(0.0 < e.score <= 1.0 for e in result.entities)


def test_same_number_in_other_formats_keeps_its_placeholder(
    redactor: PresidioRedactor,
) -> None:
    result = redactor.redact(
        "SSN 529-41-8876 (also written 529 41 8876); call (512) 555-0142 or 512-555-0142."
    )
    assert result.text.count("<US_SSN_1>") == 2
    assert result.text.count("<PHONE_NUMBER_1>") == 2
    assert "_2>" not in result.text


def test_numbering_continues_after_existing_placeholders(
    redactor: PresidioRedactor,
) -> None:
    result = redactor.redact("<PERSON_1> and Maria Garcia share SSN <US_SSN_1>.")
    assert result.text == "<PERSON_1> and <PERSON_2> share SSN <US_SSN_1>."


def test_later_passes_are_renumbered_in_order_of_appearance() -> None:
    question = "<PERSON_1> met John and Mary"
    placeholders = _Placeholders(question)
    at = question.index("Mary")  # the first pass found only Mary...
    text = placeholders.substitute(question, [(at, at + 4, "PERSON", 0.8)])
    at = text.index("John")  # ...the second found John, earlier in the text
    text = placeholders.substitute(text, [(at, at + 4, "PERSON", 0.9)])
    result = placeholders.finish(text)
    assert result.text == "<PERSON_1> met <PERSON_2> and <PERSON_3>"
    assert [(e.placeholder, e.score) for e in result.entities] == [
        ("<PERSON_2>", 0.9),
        ("<PERSON_3>", 0.8),
    ]


@pytest.mark.parametrize(("question", "_", "__"), PII_CASES)
def test_idempotent_on_examples(redactor: PresidioRedactor, question: str, _: str, __: str) -> None:
    once = redactor.redact(question)
    assert redactor.redact(once.text).text == once.text


def test_fake_ssns_are_not_ssns(redactor: PresidioRedactor) -> None:
    for fake in ("123-45-6789", "000-12-3456", "666-12-3456", "912-00-1234"):
        assert "US_SSN" not in redactor.redact(f"Is {fake} a test value?").entity_types


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_empty_question_gives_empty_result(redactor: PresidioRedactor, question: str) -> None:
    assert redactor.redact(question) == RedactedQuestion(text="")


def test_long_question(redactor: PresidioRedactor) -> None:
    filler = "What DTI applies to a HELOC in Texas under B3-6-02 as of 2026-03-01? "
    question = filler * 60 + "Borrower Maria Garcia, SSN 529-41-8876." + filler * 20
    assert len(question) > 5_000
    result = redactor.redact(question)
    assert "529-41-8876" not in result.text and "Maria Garcia" not in result.text
    assert result.text.count("B3-6-02") == 80


def test_raw_values_never_in_repr_or_logs(
    redactor: PresidioRedactor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = ["Maria Garcia", "529-41-8876", "jane.doe@example.com", "4410023871"]
    result = redactor.redact(
        "Maria Garcia, SSN 529-41-8876, jane.doe@example.com, loan #4410023871"
    )
    for secret in secrets:
        assert secret not in repr(result) and secret not in str(result)
        assert secret not in caplog.text


def test_failure_is_closed_and_quotes_nothing(
    redactor: PresidioRedactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, **_: object) -> None:
        raise ValueError(f"could not parse {text!r}")

    monkeypatch.setattr(redactor._analyzer, "analyze", broken)
    with pytest.raises(RedactionError) as caught:
        redactor.redact("Borrower Maria Garcia, SSN 529-41-8876")
    assert "Garcia" not in str(caught.value) and "529" not in str(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_question_words_do_not_stay_in_the_spacy_vocabulary(
    redactor: PresidioRedactor,
) -> None:
    redactor.redact("Borrower Zorblax Quintavius, loan #4410023871, Quintavius@example.com")
    strings = redactor._nlp.vocab.strings
    assert "Quintavius" not in strings and "Zorblax" not in strings
    assert "4410023871" not in strings


def test_concurrent_calls_match_sequential_ones(redactor: PresidioRedactor) -> None:
    questions = [case[0] for case in PII_CASES[:16]]
    expected = [redactor.redact(q) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(redactor.redact, questions)) == expected


def test_network_guard_is_active() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("publicsuffix.org", 443)


def test_email_check_never_uses_the_downloading_extractor(
    redactor: PresidioRedactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("tldextract's default (network) extractor was used")

    monkeypatch.setattr(tldextract, "extract", refuse)
    monkeypatch.setattr(tldextract.tldextract.TLD_EXTRACTOR, "__call__", refuse)
    result = redactor.redact("Send it to jane.doe@example.com or ops@bank.co.uk")
    assert result.text == "Send it to <EMAIL_ADDRESS_1> or <EMAIL_ADDRESS_2>"


def test_missing_spacy_model_is_a_config_error_not_a_download() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        PresidioRedactor(RedactionSection(spacy_model="en_core_web_missing_xyz"))


def test_satisfies_the_protocol(redactor: PresidioRedactor) -> None:
    stage: Redactor = redactor
    assert stage.redact("What DTI applies in Texas?").text == ("What DTI applies in Texas?")


# Property: generated questions mixing people, SSNs and phones with policy text.
_NAMES = ["John Smith", "Maria Garcia", "Priya Patel", "Emily Chen", "Ahmed Khan"]
_POLICY = [
    "What DTI applies in Texas?",
    "Is a 620 FICO enough for a HELOC?",
    "Does § 1002.9 apply?",
    "Max CLTV is 80% under B3-3.1-09.",
    "Reserves of 6 months for FHA as of January 2025.",
    "Effective 2026-03-01 per Fannie Mae.",
]
_FAKE_SAMPLES = {"123456789", "078051120", "219099999", "987654320"}


def _valid_ssn(area: int, group: int, serial: int) -> bool:
    digits = f"{area:03d}{group:02d}{serial:04d}"
    return (
        area not in (0, 666)
        and area < 900
        and group > 0
        and serial > 0
        and len(set(digits)) > 1
        and digits not in _FAKE_SAMPLES
    )


_ssns = st.tuples(st.integers(1, 899), st.integers(1, 99), st.integers(1, 9999)).filter(
    lambda t: _valid_ssn(*t)
)
_phones = st.tuples(
    st.sampled_from([212, 312, 415, 512, 617, 713, 305, 206]),
    st.integers(200, 999).filter(lambda x: x % 100 != 11),
    st.integers(0, 9999),
    st.sampled_from(["({}) {}-{}", "{}-{}-{}", "{}.{}.{}"]),
).map(lambda t: t[3].format(t[0], t[1], f"{t[2]:04d}"))
_pieces = st.one_of(
    st.sampled_from(_POLICY),
    st.sampled_from(_NAMES).map(lambda n: f"Borrower {n} asked."),
    _ssns.map(lambda t: ("ssn", "{:03d}-{:02d}-{:04d}".format(*t))),
    _phones.map(lambda p: ("phone", p)),
)
_SSN_SHAPE = re.compile(r"(?<!\d)(\d{3})-(\d{2})-(\d{4})(?!\d)")


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(pieces=st.lists(_pieces, min_size=1, max_size=6))
def test_property_idempotent_and_no_ssn_survives(
    redactor: PresidioRedactor, pieces: list[str | tuple[str, str]]
) -> None:
    words = []
    for piece in pieces:
        if isinstance(piece, tuple):
            kind, value = piece
            words.append(f"SSN {value}," if kind == "ssn" else f"call {value} today.")
        else:
            words.append(piece)
    question = " ".join(words)
    once = redactor.redact(question).text
    assert redactor.redact(once).text == once
    for piece in pieces:
        if isinstance(piece, tuple):
            assert piece[1] not in once
    for match in _SSN_SHAPE.finditer(once):
        assert not _valid_ssn(*(int(g) for g in match.groups()))

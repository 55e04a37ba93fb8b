"""The shapes personal data is typed or pasted in, recognizer by recognizer (on normalised text,
as the redactor runs them), and look-alikes that must stay. No spaCy model needed."""

from __future__ import annotations

import pytest
from presidio_analyzer import EntityRecognizer

from app.question.recognizers import (
    AbaRoutingRecognizer,
    AccountNumberRecognizer,
    CardNumberRecognizer,
    DateOfBirthRecognizer,
    DriverLicenseRecognizer,
    LoanNumberRecognizer,
    OfflineEmailRecognizer,
    UsEinRecognizer,
    UsSsnRecognizer,
    UsStreetAddressRecognizer,
    build_identity_recognizers,
)
from tests.app.question.test_recognizers import found


def check(recognizer: EntityRecognizer, text: str, expected: list[str]) -> None:
    assert found(recognizer, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SS# 740/15/0868 on file", ["740/15/0868"]),
        ("SSN xxx-xx-0397", ["xxx-xx-0397"]),
        ("SSN ***-**-0397", ["***-**-0397"]),
        ("SSN ending in 8876", ["8876"]),
        ("last 4 of SSN 8876", ["8876"]),
        ("s.s.n. 529-41-8876", ["529-41-8876"]),
        ("Borrower 707696830, what DTI?", ["707696830"]),
        ("529418876 is her SSN", ["529418876"]),
        ("SSN verified in 2024", []),  # four digits need "ending"
        ("Borrower 2024 income", []),
        ("ref 1234 ending", []),
        ("loan #707696830", []),  # a loan label is not an SSN label
    ],
)
def test_ssn_shapes(text: str, expected: list[str]) -> None:
    check(UsSsnRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EIN 15 1953724", ["15 1953724"]),
        ("E.I.N. 54-6532237", ["54-6532237"]),
        ("12 3456789", []),
    ],
)
def test_ein_shapes(text: str, expected: list[str]) -> None:
    check(UsEinRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Driver's license A1234567", ["A1234567"]),
        ("DL# W060-106-24-329-0", ["W060-106-24-329-0"]),
        ("TX DL 12345678", ["12345678"]),
        ("NY DL 123 456 789", ["123 456 789"]),
        ("NJ DL M1458 06062 14987", ["M1458 06062 14987"]),
        ("drivers lic ny639790", ["ny639790"]),
        ("WA DL WDLCRBH96390", ["WDLCRBH96390"]),
        ("The DL on file expired in 2025.", []),
        ("Is a TX DL acceptable ID for the CIP check?", []),
        ("A1234567 on file", []),  # needs its label
    ],
)
def test_driver_license_shapes(text: str, expected: list[str]) -> None:
    check(DriverLicenseRecognizer(), text, expected)


def test_identity_recognizers() -> None:
    assert [r.supported_entities for r in build_identity_recognizers()] == [["US_DRIVER_LICENSE"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("loan # LN12345678", ["LN12345678"]),
        ("MTG-36946258 closed", ["MTG-36946258"]),
        ("app-07431546 pending", ["app-07431546"]),
        ("Application #B6184766", ["B6184766"]),
        ("loan#mtg09992752", ["mtg09992752"]),
        ("HUD-92900-A addendum", []),
        ("CM-2025-07 memo", []),
        ("B3-6-02 and TX-5.1", []),
        ("mtg09992752 alone", []),  # lower-case letters need a label
    ],
)
def test_loan_shapes(text: str, expected: list[str]) -> None:
    check(LoanNumberRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bank 4121163969 shows", ["4121163969"]),
        ("a/c 8807-4283-44", ["8807-4283-44"]),
        ("acct ****4421", ["****4421"]),
        ("account xxxx7773", ["xxxx7773"]),
        ("checking ending in 4421", ["4421"]),
        ("Chase checking 123456789012", ["123456789012"]),
        ("account for 2024", []),
        ("bank statements for 12 months", []),
    ],
)
def test_account_shapes(text: str, expected: list[str]) -> None:
    check(AccountNumberRecognizer(), text, expected)


def test_routing_after_bank() -> None:
    check(AbaRoutingRecognizer(), "bank 021000021", ["021000021"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 2221 5352 7692 9977", ["2221 5352 7692 9977"]),
        ("Amex 3782 822463 10005", ["3782 822463 10005"]),
        ("card 2221 5352 7692 9978", []),  # fails the Luhn check
    ],
)
def test_card_shapes(text: str, expected: list[str]) -> None:
    check(CardNumberRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email john(at)gmail.com", ["john(at)gmail.com"]),
        ("email john [at] gmail [dot] com", ["john [at] gmail [dot] com"]),
        ("email is mariagaribay at wright dot biz", ["mariagaribay at wright dot biz"]),
        ("e-mail: jmueller@localhost, phone", ["jmueller@localhost"]),
        ("JANE.DOE@GMAIL.COM", ["JANE.DOE@GMAIL.COM"]),
        ("meet at noon", []),
        ("jane.doe@example.notatld", []),
    ],
)
def test_email_shapes(text: str, expected: list[str]) -> None:
    check(OfflineEmailRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB 12 May 84", ["12 May 84"]),
        ("(05/12/1984 birth)", ["05/12/1984"]),
        ("(02/26/1949 - birth)", ["02/26/1949"]),
        ("D.O.B. 26-Jul-1977", ["26-Jul-1977"]),
        ("dob 09301986", ["09301986"]),
        ("DOB: May 12, '84", ["May 12, '84"]),
        ("dob 13451986", []),  # no date
        ("effective 12 May 2026", []),
    ],
)
def test_birth_date_shapes(text: str, expected: list[str]) -> None:
    check(DateOfBirthRecognizer(), text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18966 Sunset, Dallas, TX 75201", ["18966 Sunset, Dallas, TX 75201"]),
        ("lives at 1200 main st austin tx 78701", ["1200 main st austin tx 78701"]),
        ("1200 MAIN ST, AUSTIN TX 78701", ["1200 MAIN ST, AUSTIN TX 78701"]),
        ("lives at 3136 willow creek ln", ["3136 willow creek ln"]),
        ("po box 1119, Dallas, Texas 75236", ["po box 1119, Dallas, Texas 75236"]),
        ("property at 23520 Mcgee Greens", ["23520 Mcgee Greens"]),
        ("1423 Calle del Sol, Fresno, CA 93701", ["1423 Calle del Sol, Fresno, CA 93701"]),
        ("Per the 2026-03-01 guide, 12 units in Austin, TX 78701", []),
        ("3136 willow creek ln", []),  # lower case without a ZIP needs a label
    ],
)
def test_address_shapes(text: str, expected: list[str]) -> None:
    check(UsStreetAddressRecognizer(), text, expected)

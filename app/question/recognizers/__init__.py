"""Presidio recognizers for the numbers and contact details underwriters type into questions.

One class per recognizer, each a :class:`PatternRecognizer` with its patterns and
context words as class constants and ``validate_result`` for checksums. Numbers that are
personal data only when a label says so (bare 9-digit SSNs, loan and account numbers, routing
numbers, dates of birth, driver's licences) derive from :class:`LabelledRecognizer`, so
``effective 2026-03-01`` or ``$1500000`` stay in the question. Names are recognized in
:mod:`app.question.person_recognizer` and :mod:`app.question.name_recognizer`.
"""

from __future__ import annotations

from collections.abc import Callable

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import UsItinRecognizer

from app.question.recognizers.address import UsStreetAddressRecognizer
from app.question.recognizers.contact import (
    NanpPhoneRecognizer,
    OfflineEmailRecognizer,
    UsPhoneRecognizer,
)
from app.question.recognizers.dates import DateOfBirthRecognizer
from app.question.recognizers.government import (
    DriverLicenseRecognizer,
    UsEinRecognizer,
    UsSsnRecognizer,
)
from app.question.recognizers.labelled import DeclaredRecognizer, LabelledRecognizer
from app.question.recognizers.money import (
    AbaRoutingRecognizer,
    AccountNumberRecognizer,
    CardNumberRecognizer,
    LoanNumberRecognizer,
)
from app.question.vocabulary import STATE_CODES, STATE_NAMES

__all__ = [
    "STATE_CODES",
    "STATE_NAMES",
    "AbaRoutingRecognizer",
    "AccountNumberRecognizer",
    "CardNumberRecognizer",
    "DateOfBirthRecognizer",
    "DeclaredRecognizer",
    "DriverLicenseRecognizer",
    "LabelledRecognizer",
    "LoanNumberRecognizer",
    "NanpPhoneRecognizer",
    "OfflineEmailRecognizer",
    "UsEinRecognizer",
    "UsPhoneRecognizer",
    "UsSsnRecognizer",
    "UsStreetAddressRecognizer",
    "build_identity_recognizers",
    "build_recognizers",
]


def build_recognizers(language: str = "en") -> list[EntityRecognizer]:
    """The number and contact recognizers plus Presidio's ITIN recognizer, one instance each:
    SSN, EIN, loan, account and routing numbers, dates of birth, street addresses, e-mail,
    cards (Presidio's Luhn check), phones (python-phonenumbers, US/CA numbering, and a
    formatted-number backstop)."""
    classes: tuple[Callable[..., EntityRecognizer], ...] = (
        UsSsnRecognizer, UsEinRecognizer, LoanNumberRecognizer, AccountNumberRecognizer,
        AbaRoutingRecognizer, DateOfBirthRecognizer, UsStreetAddressRecognizer,
        OfflineEmailRecognizer, CardNumberRecognizer, UsPhoneRecognizer, NanpPhoneRecognizer,
        UsItinRecognizer,
    )  # fmt: skip
    return [cls(supported_language=language) for cls in classes]


def build_identity_recognizers(language: str = "en") -> list[EntityRecognizer]:
    """Identity documents: driver's licence numbers."""
    return [DriverLicenseRecognizer(supported_language=language)]

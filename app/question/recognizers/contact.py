"""How to reach a person: e-mail addresses and phone numbers."""

from __future__ import annotations

import regex
import tldextract
from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import EmailRecognizer, PhoneRecognizer

from app.question.recognizers.labelled import DeclaredRecognizer

_LOCAL = r"[\w.+-]*\w"
_AT = r"\s?[(\[{]\s?at\s?[)\]}]\s?"
_DOT = r"(?:\s?[(\[{]\s?dot\s?[)\]}]\s?|\.)"
_INTRANET = r"(?<![\w.+-])[\w.+-]*\w@[a-z][\w-]*(?![\w@-]|\.\w)"
_SPELLED_AT = regex.compile(r"\s?[(\[{]?\s?\bat\b\s?[)\]}]?\s?", regex.IGNORECASE)
_SPELLED_DOT = regex.compile(r"\s?[(\[{]?\s?\bdot\b\s?[)\]}]?\s?", regex.IGNORECASE)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validating domains against tldextract's bundled
    public suffix snapshot (no suffix list is ever fetched or cached on disk), plus the
    forms people use to keep an address from being harvested or that an intranet has:
    ``jane(at)gmail.com``, ``jane [at] gmail [dot] com``, ``jane at gmail dot com``,
    ``jdoe@lenderbank`` (no dot in the domain)."""

    EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    PATTERNS = [  # noqa: RUF012 (Presidio declares it a plain attribute)
        *EmailRecognizer.PATTERNS,
        Pattern("Email (at)", rf"\b{_LOCAL}{_AT}[\w-]+(?:{_DOT}[\w-]+)+\b", 0.6),
        Pattern("Email spelled out", r"\b[\w.+-]*\w at [\w-]+(?: dot [\w-]+)+\b", 0.5),
        Pattern("Email, no dot in the domain", rf"{_INTRANET}", 0.6),
    ]

    def validate_result(self, pattern_text: str) -> bool:
        """A known public suffix; an intranet host (no dot) or a spelled-out form counts."""
        address = _SPELLED_DOT.sub(".", _SPELLED_AT.sub("@", pattern_text))
        if "@" not in address:
            return False
        if "." not in address.rsplit("@", 1)[1]:
            return True
        return self.EXTRACTOR(address).fqdn != ""


_PHONE_CONTEXT = (*PhoneRecognizer.CONTEXT, "tel", "fax", "reach", "text", "contact", "ph")


class UsPhoneRecognizer(PhoneRecognizer):
    """Presidio's python-phonenumbers recognizer on US/CA numbering, scoring 0.6 without
    context: spaCy treats "call" as a stop word, so the context boost misses "call ..."."""

    SCORE = 0.6

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            context=list(_PHONE_CONTEXT),
            supported_language=supported_language,
            supported_regions=("US", "CA"),
        )


class NanpPhoneRecognizer(DeclaredRecognizer):
    """Formatted North American numbers, ``(512) 555-0142``, ``512-555-0142``,
    ``512.555.0142``, ``+1 512 555 0142``: a backstop for python-phonenumbers, which
    skips a number when more digits follow it (``call 512-555-0142 529-41-8876``)."""

    ENTITY = "PHONE_NUMBER"
    _NXX = r"[2-9]\d{2}"
    # The exchange may be any three digits here: a number typed as 555-123-4567 is no
    # valid exchange, but it is what a user gives as a phone number, and it must not leak.
    _EXCHANGE = r"\d{3}"
    PATTERNS = (
        Pattern(
            "NANP formatted",
            rf"(?<![\w(.+-])(?:\+?1[-. ])?(?:\({_NXX}\)\s?|{_NXX}([-.]))"
            rf"{_EXCHANGE}(?(1)\1|-)\d{{4}}(?![\w]|[.-]\d)",
            0.6,
        ),
        Pattern(
            "NANP spaced after +1",
            rf"(?<![\w+])\+1\s{_NXX}\s{_NXX}\s\d{{4}}(?![\w]|[.-]\d)",
            0.6,
        ),
    )
    CONTEXT = _PHONE_CONTEXT

    def invalidate_result(self, pattern_text: str) -> bool:
        """Area codes and exchanges ending in 11 (411, 911) are service codes."""
        digits = "".join(c for c in pattern_text if c.isdigit())[-10:]
        return digits[1:3] == "11" or digits[4:6] == "11"

"""Presidio recognizers for the personal data underwriters type into questions.

One class per recognizer, each a :class:`PatternRecognizer` with its patterns and
context words as class constants. Numbers that are personal data only when a label says
so (bare 9-digit SSNs, loan and account numbers, routing numbers, dates of birth) derive
from :class:`LabelledRecognizer`: such a match survives only when one of its context
words sits right before it (or, in parentheses, right after it), so ``effective
2026-03-01`` or ``$1500000`` stay in the question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

import regex
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    PhoneRecognizer,
    UsItinRecognizer,
)

STATE_NAMES = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa",
    "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan",
    "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota",
    "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington", "West Virginia",
    "Wisconsin", "Wyoming", "District of Columbia", "Puerto Rico", "Guam",
)  # fmt: skip
STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI",
)  # fmt: skip
_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2}(?:\d{2})?")
_SEP = r"(?<![\w$.,/-])"  # not the tail of a longer number, an amount or a word
_END = r"(?![\w%]|[.,/-]\d)"  # not the head of one either


def _context_regex(words: tuple[str, ...]) -> str:
    """One alternation of context words, matched as whole words where they are words."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        part = r"\s+".join(re.escape(piece) for piece in word.split())
        left = r"\b" if word[0].isalnum() else ""
        right = r"\b" if word[-1].isalnum() else ""
        parts.append(f"{left}{part}{right}")
    return "(?:" + "|".join(parts) + ")"


# What may stand between a label and its value: "loan no. 4410023871", "DOB: 05/12/1984",
# "SSN of 529418876", "accounts 1234567 and 7654321". Any other word breaks the link.
_FILLER = (
    r"(?:[\s\d:#=()\[\],/&.'\"-]|\b(?:numbers?|nos?|nums?|nbr|ids?|is|are|was|were|of|"
    r"on|for|and|or|ending|in|the|a|an|her|his|their|borrower'?s?)\b)*"
)


class DeclaredRecognizer(PatternRecognizer):
    """A pattern recognizer built from its class constants: ``ENTITY``, ``PATTERNS``,
    ``CONTEXT`` (words that raise the score through Presidio's context enhancer)."""

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[Pattern, ...]]
    CONTEXT: ClassVar[tuple[str, ...]]
    FLAGS: ClassVar[int] = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            supported_language=supported_language,
            global_regex_flags=self.FLAGS,
        )


class LabelledRecognizer(DeclaredRecognizer):
    """A recognizer whose matches count only next to one of their labels.

    ``CONTEXT`` words give ``CONTEXT_SCORE``; ``WEAK_CONTEXT`` words (generic ones such
    as ``#`` or ``number``) give ``WEAK_CONTEXT_SCORE``, so a specific label wins a tie
    between recognizers. Matches for which :meth:`needs_label` is false (formatted
    SSNs, for instance) keep the usual Presidio scoring.
    """

    WEAK_CONTEXT: ClassVar[tuple[str, ...]] = ()
    CONTEXT_SCORE: ClassVar[float] = 0.85
    WEAK_CONTEXT_SCORE: ClassVar[float] = 0.6
    WINDOW: ClassVar[int] = 60
    """How many characters before a match are searched for its label."""
    REJECT_DATES: ClassVar[bool] = False

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language)
        strong = _context_regex(self.CONTEXT)
        self._before = regex.compile(strong + _FILLER + r"\Z", regex.IGNORECASE)
        self._after = regex.compile(r"\A\s*[(\[]\s*" + strong, regex.IGNORECASE)
        weak = _context_regex(self.WEAK_CONTEXT) + _FILLER + r"\Z" if self.WEAK_CONTEXT else None
        self._weak_before = regex.compile(weak, regex.IGNORECASE) if weak else None

    def needs_label(self, matched: str) -> bool:
        """Whether this match is personal data only when labelled (default: always)."""
        return True

    def label_score(self, text: str, start: int, end: int) -> float | None:
        """The score a label next to ``text[start:end]`` earns, or None without one."""
        before = text[max(0, start - self.WINDOW) : start]
        if self._before.search(before) or self._after.search(text[end : end + 24]):
            return self.CONTEXT_SCORE
        if self._weak_before is not None and self._weak_before.search(before):
            return self.WEAK_CONTEXT_SCORE
        return None

    def invalidate_result(self, pattern_text: str) -> bool:
        """With ``REJECT_DATES``, dates such as 2026-03-01 are not matches."""
        return self.REJECT_DATES and _DATE_SHAPE.fullmatch(pattern_text) is not None

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: Any,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Keep labelled matches (scored by their label) and drop unlabelled ones."""
        kept = []
        enhanced = RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
        for result in raw_recognizer_results:
            if self.needs_label(text[result.start : result.end]):
                score = self.label_score(text, result.start, result.end)
                if score is None:
                    continue
                result.score = max(result.score, score)
                # Decided here: Presidio's lemma enhancer must not boost it again.
                result.recognition_metadata[enhanced] = True
            kept.append(result)
        return kept


class UsSsnRecognizer(LabelledRecognizer):
    """US Social Security numbers: ``529-41-8876``, ``529 41 8876``, ``529.41.8876``,
    and bare ``529418876`` next to an SSN label. A number the SSA never issues (or a
    published sample) counts only next to an SSN label: a typo'd or made-up SSN that is
    labelled as one is still removed."""

    ENTITY = "US_SSN"
    PATTERNS = (
        Pattern("SSN dashed", _SEP + r"\d{3} ?- ?\d{2} ?- ?\d{4}" + _END, 0.6),
        Pattern("SSN spaced or dotted", _SEP + r"\d{3}([ .])\d{2}\1\d{4}" + _END, 0.5),
        Pattern("SSN bare (needs label)", _SEP + r"\d{9}" + _END, 0.05),
    )
    CONTEXT = (
        "ssn", "ssns", "ss#", "ss #", "social security", "social", "soc sec", "tin", "taxpayer",
        "taxpayer id", "tax id",
    )  # fmt: skip
    SAMPLES = frozenset({"123456789", "078051120", "219099999", "987654320"})

    def needs_label(self, matched: str) -> bool:
        return matched.isdigit() or self.never_issued(matched)

    def never_issued(self, pattern_text: str) -> bool:
        """Numbers the SSA never issues: area 000, 666 or 9xx, group 00, serial 0000, one
        repeated digit, and the published sample numbers."""
        digits = "".join(c for c in pattern_text if c.isdigit())
        area, group, serial = digits[:3], digits[3:5], digits[5:]
        return (
            area in ("000", "666")
            or area.startswith("9")
            or group == "00"
            or serial == "0000"
            or len(set(digits)) == 1
            or digits in self.SAMPLES
        )


class UsEinRecognizer(LabelledRecognizer):
    """Employer identification numbers ``12-3456789`` with a prefix the IRS assigns."""

    ENTITY = "US_EIN"
    PATTERNS = (
        Pattern("EIN dashed", r"(?<![\w-])\d{2}-\d{7}" + _END, 0.5),
        Pattern("EIN bare (needs label)", _SEP + r"\d{9}" + _END, 0.05),
    )
    CONTEXT = ("ein", "fein", "employer identification", "employer id", "tax id")
    INVALID_PREFIXES = frozenset(
        "00 07 08 09 17 18 19 28 29 49 69 70 78 79 89 96 97".split()  # noqa: SIM905
    )

    def needs_label(self, matched: str) -> bool:
        return matched.isdigit()

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject prefixes the IRS has never assigned and one repeated digit."""
        digits = pattern_text.replace("-", "")
        return digits[:2] in self.INVALID_PREFIXES or len(set(digits)) == 1


_ACCOUNT_LIKE = _SEP + r"\d(?:-?\d){5,16}" + _END  # 6 to 17 digits, dashes allowed


class LoanNumberRecognizer(LabelledRecognizer):
    """Loan and application numbers (6-17 digits, dashes allowed) after a loan label."""

    ENTITY = "LOAN_NUMBER"
    PATTERNS = (Pattern("Loan number (needs label)", _ACCOUNT_LIKE, 0.05),)
    REJECT_DATES = True
    CONTEXT = (
        "loan", "loans", "loan #", "application", "app", "app #", "case", "case #", "file",
        "file #", "mortgage #", "heloc #",
    )  # fmt: skip


class AccountNumberRecognizer(LabelledRecognizer):
    """Bank account numbers (6-17 digits, dashes allowed) after an account label;
    a bare ``#`` or ``number`` label also counts, more weakly."""

    ENTITY = "ACCOUNT_NUMBER"
    PATTERNS = (Pattern("Account number (needs label)", _ACCOUNT_LIKE, 0.05),)
    REJECT_DATES = True
    CONTEXT = (
        "account", "accounts", "acct", "acct.", "acct #", "checking", "savings", "deposit account",
        "brokerage", "ira",
    )  # fmt: skip
    WEAK_CONTEXT = ("#", "number", "no.", "ref", "reference")


class AbaRoutingRecognizer(LabelledRecognizer):
    """ABA routing transit numbers after a routing label, checked with the 3-7-1
    checksum and the Federal Reserve prefix ranges."""

    ENTITY = "ABA_ROUTING_NUMBER"
    PATTERNS = (
        Pattern("ABA (needs label)", _SEP + r"\d{9}" + _END, 0.05),
        Pattern("ABA dashed (needs label)", _SEP + r"\d{4}-\d{4}-\d" + _END, 0.05),
    )
    CONTEXT = ("routing", "aba", "rtn", "routing transit", "transit", "wire")
    WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)

    def validate_result(self, pattern_text: str) -> bool:
        """3-7-1 weighted checksum and a valid first two digits."""
        digits = [int(c) for c in pattern_text if c.isdigit()]
        prefix = digits[0] * 10 + digits[1]
        valid_prefix = prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72
        valid_prefix = valid_prefix or prefix == 80
        checksum = sum(w * d for w, d in zip(self.WEIGHTS, digits, strict=True))
        return valid_prefix and checksum % 10 == 0 and len(set(digits)) > 1


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"


class DateOfBirthRecognizer(LabelledRecognizer):
    """Dates after ``DOB``, ``date of birth``, ``born``; other dates are policy text."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = (
        Pattern("Numeric date", r"\b\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})\b", 0.05),
        Pattern("ISO date", r"\b(?:19|20)\d{2}([/.-])\d{1,2}\1\d{1,2}\b", 0.05),
        Pattern("Month day year", rf"\b{_MONTH}\s+{_DAY},?\s+(?:19|20)\d{{2}}\b", 0.05),
        Pattern("Day month year", rf"\b{_DAY}\s+{_MONTH},?\s+(?:19|20)\d{{2}}\b", 0.05),
    )
    CONTEXT = (
        "dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "born",
        "birth",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        """Numeric dates must have a month 1-12 and a day 1-31 in some order."""
        parts = [int(p) for p in re.split(r"[/.-]", pattern_text) if p.isdigit()]
        if len(parts) != 3:
            return None  # a month name; the pattern already bounds the day
        first, second, third = parts
        a, b = (second, third) if first > 31 else (first, second)
        return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


_STATE_ALT = "|".join(STATE_NAMES) + "|" + "|".join(STATE_CODES)
_CAP = r"(?:[A-Z][a-z]+|[A-Z]{2,4}|\d{1,3}(?:st|nd|rd|th))"  # Main, MLK, 5th
_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|"
    r"Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Square|Sq|"
    r"Loop|Pike|Plaza|Crossing|Run|Row|Alley)"
)
_UNIT = r"(?:,?\s+(?:Apt|Apartment|Unit|Suite|Ste|Fl|Floor|Rm|#)\.?\s*#?\s*[A-Z0-9-]+)"
_CITY = rf"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){{0,2}},?\s+(?:{_STATE_ALT})\b)"
_ZIP = r"(?:,?\s+\d{5}(?:-\d{4})?\b)"
_NOT_A_CITATION = r"(?<!(?:Chapter|Section|Sec\.|Part|Title|Article|Art\.|Form|§)\s*)"


class UsStreetAddressRecognizer(DeclaredRecognizer):
    """Street addresses: number, street name, suffix (``St``, ``Ave``, ``Blvd``...),
    then an optional unit, city, state and ZIP; and PO boxes. Case-sensitive, so
    ``Chapter 7 bankruptcy court`` is not an address."""

    ENTITY = "US_STREET_ADDRESS"
    PATTERNS = (
        Pattern(
            "Street address",
            rf"{_NOT_A_CITATION}\b\d{{1,6}}(?:-\d{{1,4}})?[A-Z]?\s+"
            rf"(?:(?:[NSEW]\.?|North|South|East|West)\s+)?(?:{_CAP}\s+){{1,3}}"
            rf"{_SUFFIX}\b\.?(?:\s+(?:[NS][EW]|[NSEW])\b)?{_UNIT}?{_CITY}?{_ZIP}?",
            0.6,
        ),
        Pattern(
            "PO box",
            rf"\b(?:P\.?\s?O\.?|Post\s+Office)\s+Box\s+\d{{1,6}}\b{_CITY}?{_ZIP}?",
            0.6,
        ),
    )
    CONTEXT = ("address", "street", "property", "lives", "located", "subject property")
    FLAGS = regex.DOTALL | regex.MULTILINE  # case matters: street names are capitalised


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validating domains against tldextract's bundled
    public suffix snapshot: no suffix list is ever fetched or cached on disk."""

    EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        return self.EXTRACTOR(pattern_text).fqdn != ""


_PHONE_CONTEXT = (*PhoneRecognizer.CONTEXT, "tel", "fax", "reach", "text", "contact")


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
    PATTERNS = (
        Pattern(
            "NANP formatted",
            rf"(?<![\w(.+-])(?:\+?1[-. ])?(?:\({_NXX}\)\s?|{_NXX}([-.]))"
            rf"{_NXX}(?(1)\1|-)\d{{4}}(?![\w]|[.-]\d)",
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


def build_recognizers(language: str = "en") -> list[EntityRecognizer]:
    """This module's pattern recognizers plus Presidio's credit card (Luhn), phone
    (python-phonenumbers, US/CA numbering) and ITIN recognizers, one instance each. The
    PERSON recognizer (spaCy plus the policy allow-list) lives in :mod:`app.question.redact`."""
    classes: tuple[Callable[..., EntityRecognizer], ...] = (
        UsSsnRecognizer, UsEinRecognizer, LoanNumberRecognizer, AccountNumberRecognizer,
        AbaRoutingRecognizer, DateOfBirthRecognizer, UsStreetAddressRecognizer,
        OfflineEmailRecognizer, CreditCardRecognizer, UsPhoneRecognizer, NanpPhoneRecognizer,
        UsItinRecognizer,
    )  # fmt: skip
    return [cls(supported_language=language) for cls in classes]

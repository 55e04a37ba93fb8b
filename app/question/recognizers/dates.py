"""Dates of birth: a date next to ``DOB``, ``date of birth``, ``born``; other dates are
policy text (effective dates, deadlines)."""

from __future__ import annotations

import re
from datetime import date

from presidio_analyzer import Pattern

from app.question.recognizers.labelled import END, SEP, LabelledRecognizer

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d{2}|'?\d{2})"


class DateOfBirthRecognizer(LabelledRecognizer):
    """Dates after ``DOB``, ``date of birth``, ``born``, or with ``birth`` right after them
    (``(05/12/1984 birth)``): numeric with any separator, ISO, month names with a four- or
    two-digit year (``DOB 12 May 84``, ``08-May-1943``), and eight bare digits."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = (
        Pattern("Numeric date", r"\b\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})\b", 0.05),
        Pattern("ISO date", r"\b(?:19|20)\d{2}([/.-])\d{1,2}\1\d{1,2}\b", 0.05),
        Pattern("Month day year", rf"\b{_MONTH}[\s-]+{_DAY},?[\s-]+{_YEAR}\b", 0.05),
        Pattern("Day month year", rf"\b{_DAY}(?:\s+of)?[\s-]+{_MONTH},?[\s-]+{_YEAR}\b", 0.05),
        Pattern("Eight digits", SEP + r"\d{8}" + END, 0.05),
    )
    CONTEXT = (
        "dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate", "birthday", "born",
        "birth",
    )  # fmt: skip
    LABEL_AFTER = r"\A\s*(?:[-(\[]\s*|(?:is|as|=)\s+(?:the\s+|her\s+|his\s+|their\s+)?)?"

    def validate_result(self, pattern_text: str) -> bool | None:
        """Numeric dates must have a month 1-12 and a day 1-31 in some order; eight digits
        must read as a real date (MMDDYYYY, YYYYMMDD or DDMMYYYY)."""
        if pattern_text.isdigit():
            return any(_real(pattern_text, order) for order in ("mdy", "ymd", "dmy"))
        parts = [int(p) for p in re.split(r"[/.-]", pattern_text) if p.isdigit()]
        if len(parts) != 3:
            return None  # a month name; the pattern already bounds the day
        first, second, third = parts
        a, b = (second, third) if first > 31 else (first, second)
        return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


_ORDERS = {"mdy": ((4, 8), (0, 2), (2, 4)), "ymd": ((0, 4), (4, 6), (6, 8)),
           "dmy": ((4, 8), (2, 4), (0, 2))}  # fmt: skip
"""Where the year, month and day sit in eight digits."""


def _real(digits: str, order: str) -> bool:
    year, month, day = (int(digits[a:b]) for a, b in _ORDERS[order])
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2030

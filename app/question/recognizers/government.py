"""Numbers the government issues to people and businesses: SSNs, EINs, driver's licences
(ITINs are Presidio's own :class:`UsItinRecognizer`)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from app.question.recognizers.labelled import END, SEP, LabelledRecognizer


class UsSsnRecognizer(LabelledRecognizer):
    """US Social Security numbers: ``529-41-8876``, ``529 41 8876``, ``529.41.8876``, masked
    ``xxx-xx-8876``; and next to an SSN label, bare ``529418876``, ``529/41/8876`` and the
    last four after "ending". A bare nine-digit number right after "Borrower" counts too, more
    weakly. A number the SSA never issues (or a published sample) counts only next to an SSN
    label: a typo'd or made-up SSN that is labelled as one is still removed."""

    ENTITY = "US_SSN"
    PATTERNS = (
        Pattern("SSN dashed", SEP + r"\d{3} ?- ?\d{2} ?- ?\d{4}" + END, 0.6),
        Pattern("SSN spaced or dotted", SEP + r"\d{3}([ .])\d{2}\1\d{4}" + END, 0.5),
        Pattern("SSN masked", SEP + r"[x*•]{3}[- ]?[x*•]{2}[- ]?\d{4}" + END, 0.6),
        Pattern("SSN slashed (needs label)", SEP + r"\d{3}/\d{2}/\d{4}" + END, 0.05),
        Pattern("SSN bare (needs label)", SEP + r"\d{9}" + END, 0.05),
        Pattern("SSN last four (needs label)", SEP + r"\d{4}" + END, 0.05),
    )
    CONTEXT = (
        "ssn", "ssns", "ssn#", "ss#", "ss #", "s.s.n.", "s.s.n", "s.s. #", "s.s.#",
        "social security", "social", "soc sec", "soc. sec.", "tin", "taxpayer", "taxpayer id",
        "tax id",
    )  # fmt: skip
    WEAK_CONTEXT = ("borrower", "co-borrower", "coborrower")
    SAMPLES = frozenset({"123456789", "078051120", "219099999", "987654320"})

    def needs_label(self, matched: str) -> bool:
        if "/" in matched or matched.isdigit():
            return True
        return any(c.isdigit() for c in matched[:3]) and self.never_issued(matched)

    def label_score(self, text: str, start: int, end: int) -> float | None:
        score = super().label_score(text, start, end)
        bare_nine = text[start:end].isdigit() and end - start == 9
        if score == self.WEAK_CONTEXT_SCORE and not bare_nine:
            return None  # "Borrower" vouches for a bare nine-digit number only
        return score

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
    """Employer identification numbers ``12-3456789`` with a prefix the IRS assigns; bare
    ``123456789`` and spaced ``12 3456789`` next to an EIN label."""

    ENTITY = "US_EIN"
    PATTERNS = (
        Pattern("EIN dashed", r"(?<![\w-])\d{2}-\d{7}" + END, 0.5),
        Pattern("EIN spaced (needs label)", SEP + r"\d{2} \d{7}" + END, 0.05),
        Pattern("EIN bare (needs label)", SEP + r"\d{9}" + END, 0.05),
    )
    CONTEXT = (
        "ein", "ein#", "fein", "e.i.n.", "e.i.n", "employer identification", "employer id",
        "tax id",
    )  # fmt: skip
    INVALID_PREFIXES = frozenset(
        "00 07 08 09 17 18 19 28 29 49 69 70 78 79 89 96 97".split()  # noqa: SIM905
    )

    def needs_label(self, matched: str) -> bool:
        return "-" not in matched

    def invalidate_result(self, pattern_text: str) -> bool:
        """Reject prefixes the IRS has never assigned and one repeated digit."""
        digits = pattern_text.replace("-", "").replace(" ", "")
        return digits[:2] in self.INVALID_PREFIXES or len(set(digits)) == 1


_LETTER_DIGITS = r"[a-z] ?\d{3,5}(?:[- ]?\d{1,5}){0,4}"  # A1234567, A123-456-78-901-2
_ALPHANUMERIC = r"(?=[a-z0-9]*\d)[a-z]{1,4}[a-z0-9]{4,12}"  # WDLABCD456DG


class DriverLicenseRecognizer(LabelledRecognizer):
    """Driver's licence numbers after a licence label, in the states' formats: a letter and
    7-14 digits (``A1234567``, ``A123-456-78-901-2``, ``A1234 56789 01234``), 7-9 digits
    (``12345678``, ``123 456 789``), letters and digits (``WDLABCD456DG``)."""

    ENTITY = "US_DRIVER_LICENSE"
    PATTERNS = (
        Pattern("Letter, digits (needs label)", SEP + _LETTER_DIGITS + END, 0.05),
        Pattern("Digits (needs label)", SEP + r"\d{3,4}(?:[- ]?\d{2,5}){1,3}" + END, 0.05),
        Pattern("Alphanumeric (needs label)", SEP + _ALPHANUMERIC + END, 0.05),
    )
    CONTEXT = (
        "driver's license", "drivers license", "driver license", "driver's licence",
        "driving licence", "driver's lic", "drivers lic", "driver lic", "dl", "dl#", "d.l.",
        "d/l", "dln", "license no", "lic no", "state id",
    )  # fmt: skip
    WEAK_CONTEXT = ("license", "licence", "lic", "license #", "id #")
    MIN_CHARACTERS: ClassVar[int] = 6

    def invalidate_result(self, pattern_text: str) -> bool:
        return sum(c.isalnum() for c in pattern_text) < self.MIN_CHARACTERS

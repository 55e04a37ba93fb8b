"""Personal values for the redaction set, each in one of the shapes underwriters type or paste:
the value type, the helpers that paste them the way Word and PDFs do, and the numbers.

A :class:`Piece` is one value with the words that introduce it (``before``) and follow it
(``after``), so a question can state it and the set can record the value's exact span. Every
number is realistic: SSNs the SSA could issue, ITIN and EIN prefixes the IRS assigns, card
numbers that pass Luhn, routing numbers that pass the ABA checksum, driver's licence numbers
in real state formats. Names come from Faker in several locales plus names that are also
English words (:mod:`evals.redaction_people`). Only :mod:`evals.redaction_set` makes values;
Faker is a dev/eval extra.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from evals.redaction_text import LABELS

# Pasted from Word or a PDF: dashes that look like hyphens and characters that show nothing.
DASHES = ("\u2013", "\u2014", "\u2011", "\u2212", "\u2010")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")
SPACES = ("\u00a0", "\u202f", "\u2009")
_NEVER_EIN = (0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97)
EIN_PREFIXES = [f"{p:02d}" for p in range(1, 100) if p not in _NEVER_EIN]
ITIN_GROUPS = [f"{g:02d}" for g in (*range(50, 66), *range(70, 89), *range(90, 93),
                                    *range(94, 100))]  # fmt: skip
ABA_PREFIXES = [f"{p:02d}" for p in (*range(1, 13), *range(21, 33), *range(61, 73))]
SHAPES: dict[str, tuple[str, ...]] = {
    "PERSON": ("full", "lower", "upper", "word", "first-only", "surname-first", "initial",
               "titled", "unaccented", "unlabelled"),
    "US_SSN": ("dashed", "spaced", "dotted", "bare-labelled", "after-borrower", "pasted-dash",
               "invisible", "hard-space", "fullwidth", "slashes", "dotted-label", "ending",
               "label-after", "unlabelled"),
    "US_ITIN": ("dashed", "bare-labelled", "spaced", "pasted-dash", "invisible", "unlabelled"),
    "US_EIN": ("dashed", "bare-labelled", "pasted-dash", "invisible", "unlabelled", "spaced"),
    "CREDIT_CARD": ("spaced", "dashed", "bare", "amex", "pasted-dash", "invisible",
                    "unlabelled"),
    "EMAIL_ADDRESS": ("plain", "upper", "at-word", "bracketed", "no-dot-domain", "mailto",
                      "fullwidth-at", "spelled"),
    "PHONE_NUMBER": ("parens", "dashed", "dotted", "plus-one", "bare-ten", "spaced",
                     "pasted-dash", "one-dash", "invisible", "extension", "unlabelled"),
    "ACCOUNT_NUMBER": ("labelled", "after-bank", "hyphenated", "last-four", "no-space",
                       "masked", "pasted-dash", "invisible", "bank-name"),
    "ABA_ROUTING_NUMBER": ("labelled", "after-bank", "dashed", "paired", "invisible", "aba"),
    "LOAN_NUMBER": ("digits", "prefixed", "prefixed-hyphen", "prefixed-unlabelled", "grouped",
                    "lower-prefixed", "pasted-dash", "invisible", "year-serial"),
    "APPLICATION_NUMBER": ("year-serial", "prefixed", "digits", "letter-digits", "date-serial",
                           "unlabelled"),
    "US_DRIVER_LICENSE": ("ca", "fl-dashed", "tx-digits", "ny-spaced", "il-dashed",
                          "nj-spaced", "pa-digits", "wa-alnum", "pasted-dash", "invisible"),
    "DATE_OF_BIRTH": ("slashes", "short-year", "iso", "month-name", "day-month-short",
                      "birth-after", "dotted", "day-month-year", "dashed-month", "bare-eight",
                      "pasted-dash", "born-on"),
    "US_STREET_ADDRESS": ("full", "street-only", "no-suffix", "lower", "upper", "po-box",
                          "unit", "directional", "numbered", "spanish", "faker"),
}  # fmt: skip
"""Every shape of every type: the set states each type in each of its shapes."""


MAKERS = {
    "PERSON": "person", "US_SSN": "ssn", "US_ITIN": "itin", "US_EIN": "ein",
    "CREDIT_CARD": "card", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone",
    "ACCOUNT_NUMBER": "account", "ABA_ROUTING_NUMBER": "routing", "LOAN_NUMBER": "loan",
    "APPLICATION_NUMBER": "application", "US_DRIVER_LICENSE": "licence",
    "DATE_OF_BIRTH": "birth_date", "US_STREET_ADDRESS": "address",
}  # fmt: skip
"""The method that makes each type."""


@dataclass(frozen=True)
class Piece:
    """One personal value as a question states it."""

    type: str
    shape: str
    value: str
    before: str = ""
    after: str = ""


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


class NumberMaker:
    """Makes numbers (government, money, identity) in every shape, from one seed. Its subclass
    :class:`evals.redaction_people.ValueMaker` adds people, contact details, dates and
    addresses."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fakers: dict[str, Any] = {}
        for offset, locale in enumerate(
            ("en_US", "es_MX", "es_ES", "en_IE", "ga_IE", "en_IN", "vi_VN")
        ):
            self.fakers[locale] = Faker(locale)
            self.fakers[locale].seed_instance(seed + offset)

    def make(self, kind: str, shape: str | None = None) -> Piece:
        """A value of ``kind`` in ``shape`` (a random one when None)."""
        maker: Callable[[str], Piece] = getattr(self, MAKERS[kind])
        return maker(shape or self.one(SHAPES[kind]))

    # -- helpers ---------------------------------------------------------------------------------

    def one(self, options: Sequence[Any]) -> Any:
        return options[self.rng.randrange(len(options))]

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def label(self, kind: str, **fill: str) -> str:
        return str(self.one(LABELS[kind])).format(**fill)

    def dashed(self, text: str) -> str:
        """Every hyphen as one pasted dash (en dash, em dash, non-breaking hyphen, minus)."""
        return text.replace("-", self.one(DASHES))

    def invisible(self, text: str) -> str:
        """One or two invisible characters between the groups (or digits) of a value."""
        spots = [i for i in range(1, len(text)) if not (text[i - 1] + text[i]).isalnum()]
        spots = spots or list(range(1, len(text)))
        for i in sorted(self.rng.sample(spots, min(len(spots), self.one((1, 2)))), reverse=True):
            text = text[:i] + self.one(INVISIBLE) + text[i:]
        return text

    def luhn(self, prefix: str, length: int) -> str:
        body = prefix + self.digits(length - len(prefix) - 1)
        total = 0
        for i, c in enumerate(reversed(body)):
            d = int(c) * (2 if i % 2 == 0 else 1)
            total += d - 9 if d > 9 else d
        return body + str((10 - total % 10) % 10)

    # -- government numbers ----------------------------------------------------------------------

    def ssn(self, shape: str) -> Piece:
        while True:
            area = self.rng.randint(1, 899)
            d = f"{area:03d}{self.rng.randint(1, 99):02d}{self.rng.randint(1, 9999):04d}"
            if area != 666 and len(set(d)) > 2 and d not in ("078051120", "219099999"):
                break
        a, g, s = d[:3], d[3:5], d[5:]
        before, value, after = self.label("US_SSN"), f"{a}-{g}-{s}", ""
        if shape == "ending":
            before = self.one(("SSN ending ", "ssn ending in ", "SSN xxx-xx-", "SSN ***-**-",
                               "last 4 of SSN ", "SSN XXX-XX-", "social ending "))  # fmt: skip
            value = s
        elif shape == "after-borrower":
            before, value = self.one(("Borrower ", "borrower ", "Borrower: ", "Co-borrower ")), d
        elif shape == "dotted-label":
            before = self.one(("s.s.n. ", "S.S.N. ", "S.S. # ", "s.s.# ", "soc. sec. "))
        elif shape == "label-after":
            before = ""
            after = self.one((" (SSN)", " (ssn)", " (social)", " is her SSN", " as the SSN"))
        elif shape == "unlabelled":
            before = ""
        value = {
            "spaced": f"{a} {g} {s}", "dotted": f"{a}.{g}.{s}", "bare-labelled": d,
            "pasted-dash": self.dashed(value), "hard-space": f"{a}{self.one(SPACES)}{g}"
            f"{self.one(SPACES)}{s}", "fullwidth": fullwidth(value), "slashes": f"{a}/{g}/{s}",
            "invisible": self.invisible(value if self.rng.random() < 0.7 else d),
        }.get(shape, value)  # fmt: skip
        return Piece("US_SSN", shape, value, before, after)

    def itin(self, shape: str) -> Piece:
        d = f"9{self.digits(2)}{self.one(ITIN_GROUPS)}{self.digits(4)}"
        value = f"{d[:3]}-{d[3:5]}-{d[5:]}"
        value = {
            "bare-labelled": d, "spaced": value.replace("-", " "),
            "pasted-dash": self.dashed(value), "invisible": self.invisible(value),
        }.get(shape, value)  # fmt: skip
        before = "" if shape == "unlabelled" else self.label("US_ITIN")
        return Piece("US_ITIN", shape, value, before)

    def ein(self, shape: str) -> Piece:
        d = self.one(EIN_PREFIXES) + self.digits(7)
        value = f"{d[:2]}-{d[2:]}"
        value = {
            "bare-labelled": d, "spaced": f"{d[:2]} {d[2:]}", "pasted-dash": self.dashed(value),
            "invisible": self.invisible(value),
        }.get(shape, value)  # fmt: skip
        before = self.label("US_EIN")
        if shape == "unlabelled":
            before = self.one(("the LLC's ", "business ", "", "the company, "))
        return Piece("US_EIN", shape, value, before)

    def card(self, shape: str) -> Piece:
        brand = self.one(("Visa", "Mastercard", "Discover", "Visa", "Mastercard"))
        prefix = {"Visa": "4", "Discover": "6011"}.get(brand) or self.one(
            ("51", "53", "55", "2221", "2720")
        )
        number = self.luhn(prefix, 16)
        spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
        before = self.label("CREDIT_CARD", brand=brand, lower=brand.lower())
        value = {
            "dashed": spaced.replace(" ", "-"), "bare": number,
            "pasted-dash": self.dashed(spaced.replace(" ", "-")),
            "invisible": self.invisible(spaced),
        }.get(shape, spaced)  # fmt: skip
        if shape == "amex":
            number = self.luhn(self.one(("34", "37")), 15)
            value = f"{number[:4]} {number[4:10]} {number[10:]}"
            before = self.one(("Amex ", "AmEx card ", "American Express "))
        elif shape == "unlabelled":
            before = ""
        return Piece("CREDIT_CARD", shape, value, before)

    # -- money -----------------------------------------------------------------------------------

    def account(self, shape: str) -> Piece:
        number = self.digits(self.one((8, 9, 10, 10, 11, 12, 12, 14, 16)))
        if number[0] == "0" and self.rng.random() < 0.5:
            number = "1" + number[1:]
        hyphenated = f"{number[:4]}-{number[4:8]}-{number[8:]}" if len(number) > 9 else (
            f"{number[:3]}-{number[3:]}")  # fmt: skip
        bank = self.one(("Chase", "Wells Fargo", "BofA", "Citi", "US Bank", "Navy Federal",
                         "USAA", "Frost"))  # fmt: skip
        before = {
            "after-bank": ("bank ", "Bank ", "bank: ", "bank acct ", "at the bank "),
            "last-four": ("account ending ", "acct ending in ", "checking ending ",
                          "savings ending in ", "account ending in "),
            "no-space": ("acct#", "Acct#", "acct:", "a/c#"),
            "masked": ("acct ****", "account xxxx", "Acct XXXX-", "acct *"),
            "bank-name": (f"{bank} checking ", f"{bank} acct ", f"{bank} savings # ",
                          f"{bank} account "),
        }.get(shape, LABELS["ACCOUNT_NUMBER"])  # fmt: skip
        value = {
            "hyphenated": hyphenated, "last-four": number[-4:], "masked": number[-4:],
            "pasted-dash": self.dashed(f"{number[:4]}-{number[4:]}"),
            "invisible": self.invisible(number),
        }.get(shape, number)  # fmt: skip
        return Piece("ACCOUNT_NUMBER", shape, value, self.one(before))

    def routing(self, shape: str) -> Piece:
        while True:
            body = self.one(ABA_PREFIXES) + self.digits(6)
            weights = (3, 7, 1, 3, 7, 1, 3, 7)
            check = -sum(w * int(c) for w, c in zip(weights, body, strict=True)) % 10
            number = body + str(check)
            if len(set(number)) > 2:
                break
        before = {
            "after-bank": ("bank routing ", "bank ", "Bank RTN ", "bank aba "),
            "paired": ("routing/account ", "RTN/acct ", "ABA & acct "),
            "aba": ("ABA ", "aba ", "ABA# ", "ABA: "),
        }.get(shape, LABELS["ABA_ROUTING_NUMBER"])  # fmt: skip
        value = {
            "dashed": f"{number[:4]}-{number[4:8]}-{number[8]}",
            "invisible": self.invisible(number),
        }.get(shape, number)  # fmt: skip
        return Piece("ABA_ROUTING_NUMBER", shape, value, self.one(before))

    def loan(self, shape: str) -> Piece:
        number = self.digits(self.one((8, 10, 10, 12)))
        prefix = self.one(("LN", "HL", "ML", "MTG", "HE", "AL", "PL", "HEL", "SBA"))
        before = self.label("LOAN_NUMBER")
        value = {
            "prefixed": prefix + self.digits(self.one((6, 8, 10))),
            "prefixed-hyphen": f"{prefix}-{self.digits(self.one((6, 7, 8)))}",
            "prefixed-unlabelled": self.one((prefix, f"{prefix}-")) + self.digits(8),
            "grouped": f"{number[:2]}-{number[2:6]}-{number[6:]}",
            "lower-prefixed": prefix.lower() + self.digits(8),
            "pasted-dash": self.dashed(f"{prefix}-{self.digits(8)}"),
            "invisible": self.invisible(number),
            "year-serial": f"{self.rng.randint(2019, 2026)}-{self.digits(6)}",
        }.get(shape, number)  # fmt: skip
        before = {"prefixed-unlabelled": "", "lower-prefixed": before.lower()}.get(shape, before)
        return Piece("LOAN_NUMBER", shape, value, before)

    def application(self, shape: str) -> Piece:
        year = self.rng.randint(2023, 2026)
        day = f"{year}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
        value = {
            "prefixed": f"APP-{self.digits(8)}", "unlabelled": f"APP-{self.digits(8)}",
            "digits": self.digits(self.one((7, 9, 10))),
            "letter-digits": self.one("ABWH") + self.digits(7),
            "date-serial": f"{day}-{self.digits(4)}",
        }.get(shape, f"{year}-{self.digits(7)}")  # fmt: skip
        before = "" if shape == "unlabelled" else self.label("APPLICATION_NUMBER")
        return Piece("APPLICATION_NUMBER", shape, value, before)

    # -- identity --------------------------------------------------------------------------------

    def licence(self, shape: str) -> Piece:
        letter = self.one("ABCDEFGHJKLMNPRSTWY")
        d = self.digits(14)
        state = {"ca": "CA", "fl-dashed": "FL", "tx-digits": "TX", "ny-spaced": "NY",
                 "il-dashed": "IL", "nj-spaced": "NJ", "pa-digits": "PA",
                 "wa-alnum": "WA"}.get(shape) or self.one(("CA", "FL", "TX"))  # fmt: skip
        florida = f"{letter}{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:11]}-{d[11]}"
        value = {
            "CA": letter + d[:7], "FL": florida, "TX": d[:8], "PA": d[:8],
            "NY": f"{d[:3]} {d[3:6]} {d[6:9]}", "IL": f"{letter}{d[:3]}-{d[3:7]}-{d[7:11]}",
            "NJ": f"{letter}{d[:4]} {d[4:9]} {d[9:14]}",
            "WA": "WDL" + "".join(self.one("ABCDEFGHJKLMNPRSTVWXYZ0123456789") for _ in range(9)),
        }[state]  # fmt: skip
        if shape == "pasted-dash":
            value = self.dashed(florida)
        elif shape == "invisible":
            value = self.invisible(value)
        return Piece(
            "US_DRIVER_LICENSE", shape, value, self.label("US_DRIVER_LICENSE", state=state)
        )

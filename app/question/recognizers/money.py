"""Numbers of a borrower's money: loan and application numbers, bank accounts, routing numbers,
card numbers."""

from __future__ import annotations

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

from app.question.recognizers.labelled import END, MASK, SEP, LabelledRecognizer

_ACCOUNT_LIKE = SEP + r"\d(?:-?\d){5,16}" + END  # 6 to 17 digits, dashes allowed
_LAST_FOUR = SEP + r"\d{4}" + END


class LoanNumberRecognizer(LabelledRecognizer):
    """Loan and application numbers: 6-17 digits (dashes allowed) or letters and digits
    (``LN12345678``, ``app# B6184766``) after a loan label; lender ids of two to five capitals
    and six or more digits (``HL-123456``, ``MTG36946258``, ``APP-12345678``) on their own."""

    ENTITY = "LOAN_NUMBER"
    PATTERNS = (
        Pattern("Loan number (needs label)", _ACCOUNT_LIKE, 0.05),
        Pattern("Lettered loan number (needs label)", SEP + r"[a-z]{1,5}-?\d{5,12}" + END, 0.05),
        Pattern(
            "Lender loan id", SEP + r"(?:(?-i:[A-Z]{2,5})|app|appl|ln|loan)-?\d{6,12}" + END, 0.5
        ),
    )
    REJECT_DATES = True
    CONTEXT = (
        "loan", "loans", "loan #", "loan id", "ln", "ln#", "application", "app", "app #",
        "app id", "app no", "case", "case #", "file", "file #", "mortgage #", "heloc #",
    )  # fmt: skip

    def needs_label(self, matched: str) -> bool:
        letters = "".join(c for c in matched if c.isalpha())
        prefix = letters.lower() in ("app", "appl", "ln", "loan")
        return not (prefix or (2 <= len(letters) <= 5 and letters.isupper()))


class AccountNumberRecognizer(LabelledRecognizer):
    """Bank account numbers after an account label: 6-17 digits (dashes allowed), masked
    (``****4421``, ``xxxx-4421``) or the last four after "ending". A bare ``#`` or
    ``number`` label also counts, more weakly."""

    ENTITY = "ACCOUNT_NUMBER"
    PATTERNS = (
        Pattern("Account number (needs label)", _ACCOUNT_LIKE, 0.05),
        Pattern("Masked account number (needs label)", SEP + MASK + r"\d{4}" + END, 0.05),
        Pattern("Last four (needs label)", _LAST_FOUR, 0.05),
    )
    REJECT_DATES = True
    CONTEXT = (
        "account", "accounts", "acct", "acct.", "acct #", "a/c", "checking", "savings",
        "deposit account", "brokerage", "ira", "bank", "bank acct",
    )  # fmt: skip
    WEAK_CONTEXT = ("#", "number", "no.", "ref", "reference")


class AbaRoutingRecognizer(LabelledRecognizer):
    """ABA routing transit numbers after a routing label, checked with the 3-7-1
    checksum and the Federal Reserve prefix ranges."""

    ENTITY = "ABA_ROUTING_NUMBER"
    PATTERNS = (
        Pattern("ABA (needs label)", SEP + r"\d{9}" + END, 0.05),
        Pattern("ABA dashed (needs label)", SEP + r"\d{4}-\d{4}-\d" + END, 0.05),
    )
    CONTEXT = ("routing", "aba", "rtn", "routing transit", "transit", "wire", "bank")
    WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)

    def validate_result(self, pattern_text: str) -> bool:
        """3-7-1 weighted checksum and a valid first two digits."""
        digits = [int(c) for c in pattern_text if c.isdigit()]
        prefix = digits[0] * 10 + digits[1]
        valid_prefix = prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72
        valid_prefix = valid_prefix or prefix == 80
        checksum = sum(w * d for w, d in zip(self.WEIGHTS, digits, strict=True))
        return valid_prefix and checksum % 10 == 0 and len(set(digits)) > 1


class CardNumberRecognizer(CreditCardRecognizer):
    """Presidio's card recognizer (Luhn checksum) plus the Mastercard 2221-2720 range and
    Amex's 4-6-5 grouping."""

    PATTERNS = [  # noqa: RUF012 (Presidio declares it a plain attribute)
        *CreditCardRecognizer.PATTERNS,
        Pattern(
            "Mastercard 2-series",
            r"\b2(?:2[2-9]\d|[3-6]\d{2}|7[01]\d|720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b",
            0.3,
        ),
        Pattern("Amex 4-6-5", r"\b3[47]\d{2}[- ]?\d{6}[- ]?\d{5}\b", 0.3),
    ]

"""The two recognizer bases: patterns declared as class constants, and numbers that count only
next to their label.

A :class:`LabelledRecognizer` match survives only when one of its context words sits right
before it (``SSN 529418876``, ``acct# 000123456789``), or right after it (``(05/12/1984
birth)``, ``529-41-8876 (SSN)``, ``... is her SSN``), so ``effective 2026-03-01`` or
``$1500000`` stay in the question. A four-digit match counts only after "ending" or "last
four" as well (``SSN ending 8876``, ``checking ending in 4421``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{2}(?:\d{2})?")
SEP = r"(?<![\w$.,/-])"
"""Not the tail of a longer number, an amount or a word."""
END = r"(?![\w%]|[.,/-]\d)"
"""Not the head of one either."""
MASK = r"(?:[x*•]{1,12}[- ]?)"
"""The hidden digits of a masked number: ``****``, ``xxxx-``, ``XXX-XX-``."""


def context_regex(words: tuple[str, ...]) -> str:
    """One alternation of context words, matched as whole words where they are words."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        part = r"\s*".join(re.escape(piece) for piece in word.split())
        left = r"\b" if word[0].isalnum() else ""
        right = r"\b" if word[-1].isalnum() else ""
        parts.append(f"{left}{part}{right}")
    return "(?:" + "|".join(parts) + ")"


# What may stand between a label and its value: "loan no. 4410023871", "DOB: 05/12/1984",
# "SSN of 529418876", "accounts 1234567 and 7654321", "SSN ending in 8876". Any other word
# breaks the link.
FILLER = (
    r"(?:[\s\d:#=()\[\],/&.'\"*-]|\b(?:numbers?|nos?|nums?|nbr|ids?|is|are|was|were|of|on|for"
    r"|and|or|ending|in|last|four|digits|the|a|an|her|his|their|my|our|borrower'?s?)\b)*"
)
AFTER = r"\A\s*(?:[-(\[]\s*|(?:is|as|=)\s+(?:the\s+|her\s+|his\s+|their\s+|my\s+|our\s+)?)"
"""What may stand between a value and a label after it: ``(SSN)``, ``- birth``, ``is her SSN``."""
_LAST_FOUR = regex.compile(r"\b(?:ending|last\s*(?:4|four))\b", regex.IGNORECASE)


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
    LABEL_AFTER: ClassVar[str] = AFTER
    """What may stand between a match and a label after it."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language)
        strong = context_regex(self.CONTEXT)
        self._before = regex.compile(strong + FILLER + r"\Z", regex.IGNORECASE)
        self._after = regex.compile(self.LABEL_AFTER + strong, regex.IGNORECASE)
        weak = context_regex(self.WEAK_CONTEXT) + FILLER + r"\Z" if self.WEAK_CONTEXT else None
        self._weak_before = regex.compile(weak, regex.IGNORECASE) if weak else None

    def needs_label(self, matched: str) -> bool:
        """Whether this match is personal data only when labelled (default: always)."""
        return True

    def label_score(self, text: str, start: int, end: int) -> float | None:
        """The score a label next to ``text[start:end]`` earns, or None without one."""
        before = text[max(0, start - self.WINDOW) : start]
        if text[start:end].isdigit() and end - start == 4 and not _LAST_FOUR.search(before):
            return None  # four digits are a number's last four only after "ending"
        if self._before.search(before) or self._after.search(text[end : end + 30]):
            return self.CONTEXT_SCORE
        if self._weak_before is not None and self._weak_before.search(before):
            return self.WEAK_CONTEXT_SCORE
        return None

    def invalidate_result(self, pattern_text: str) -> bool:
        """With ``REJECT_DATES``, dates such as 2026-03-01 are not matches."""
        return self.REJECT_DATES and DATE_SHAPE.fullmatch(pattern_text) is not None

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

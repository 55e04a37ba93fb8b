"""Names that spaCy's small model misses, found by the company they keep.

"Darnell Price, phone ...", "Applicant Priya Raman (DOB ...", "for Evelyn Park (evelyn...)":
a run of two or three capitalised words is a person's name when a word that introduces a
person stands before it, or personal details follow it. Spans holding policy vocabulary
("Texas Home Equity (50(a)(6))") are never names.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class ContextualNameRecognizer(EntityRecognizer):
    """PERSON from a name-shaped span plus a person-introducing word before it or
    personal details after it."""

    NAME: ClassVar[re.Pattern[str]] = re.compile(
        r"\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:\s+[A-Z]\.)?(?:\s+(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?){1,2}\b"
    )
    BEFORE: ClassVar[re.Pattern[str]] = re.compile(
        r"\b(?:applicant|borrower|co-?borrower|guarantor|co-?signer|customer|client|member|"
        r"spouse|wife|husband|mr|mrs|ms|miss|dr|named|name|owner|employee|officer|agent)\.?:?\s*$",
        re.IGNORECASE,
    )
    AFTER: ClassVar[re.Pattern[str]] = re.compile(
        r"^(?:\s*\(|'s\b|,\s*(?:\(|a\b|an\b|age|aged|ssn|social|dob|date of birth|born|phone|"
        r"cell|mobile|tel|e-?mail|acct|account|loan|app(?:lication)?\b|id\b|#|\d)|"
        r"\s+(?:wants|needs|has|had|is|was|applied|applies|asks|asked|would|owns|earns|works|"
        r"called|emailed|lives|bought|sold|and (?:his|her|their)))",
        re.IGNORECASE,
    )
    # fmt: off
    NOT_NAMES: ClassVar[frozenset[str]] = frozenset((
        "home", "equity", "loan", "loans", "line", "lines", "credit", "guide", "section",
        "table", "mortgage", "bank", "policy", "underwriting", "supplement", "memo",
        "memorandum", "bulletin", "lending", "insurance", "flood", "income", "reserve",
        "reserves", "matrix", "eligibility", "notice", "program", "fund", "funds", "business",
        "small", "personal", "auto", "vehicle", "property", "state", "states", "federal",
        "national", "first", "second", "new", "used", "cash", "out", "rate", "term", "fixed",
        "adjustable", "primary", "residence", "investment", "condo", "unit", "units", "what",
        "when", "where", "which", "who", "how", "why", "does", "do", "can", "is", "are", "the",
        "a", "an", "and", "or", "of", "for", "to", "in", "on", "with", "our", "we", "my", "your",
        "their", "this", "that", "these", "those", "may", "might", "must", "shall", "should",
        "will", "would", "chapter", "part", "article", "appendix", "exhibit", "schedule", "form",
        "title", "act", "rule", "regulation", "constitution", "county", "city", "department",
        "office", "division", "committee", "board", "officer", "manager", "director", "chief",
        "senior", "underwriter", "team", "review", "approval", "exception", "compliance",
        "legal", "risk",
    ))
    # fmt: on
    SCORE: ClassVar[float] = 0.75
    WINDOW: ClassVar[int] = 40
    """Characters looked at before and after a span for its context."""

    def __init__(self, supported_language: str = "en", policy_terms: frozenset[str] = frozenset()):
        super().__init__(
            supported_entities=["PERSON"],
            supported_language=supported_language,
            name="ContextualNameRecognizer",
        )
        self._policy_terms = policy_terms

    def load(self) -> None:
        """Nothing to load: patterns only."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in self.NAME.finditer(text):
            span = self._trim(text, match.start(), match.end())
            if span is None:
                continue
            start, end = span
            before = text[max(0, start - self.WINDOW) : start]
            after = text[end : end + self.WINDOW]
            if self.BEFORE.search(before) or self.AFTER.match(after):
                results.append(RecognizerResult("PERSON", start, end, self.SCORE))
        return results

    def _excluded(self, word: str) -> bool:
        folded = word.strip(".,").casefold()
        return folded in self.NOT_NAMES or folded in self._policy_terms

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span without policy words at its edges ("Applicant Priya Raman" -> "Priya
        Raman"); None unless two words remain and none of them is a policy word."""
        words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
        while words and self._excluded(text[slice(*words[0])]):
            words.pop(0)
        while words and self._excluded(text[slice(*words[-1])]):
            words.pop()
        if len(words) < 2 or any(self._excluded(text[slice(*w)]) for w in words):
            return None
        return words[0][0], words[-1][1]

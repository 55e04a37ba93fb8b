"""The redaction stage: personal data out of a question before anything else sees it.

Only :class:`~app.models.RedactedQuestion` leaves this module. The raw question is
never logged, stored or put in an exception message; Presidio's own debug logging
(which quotes words around matches) is silenced for the same reason.

Policy vocabulary survives: no LOCATION / ORGANIZATION / DATE_TIME entities are
analysed, and PERSON results are trimmed of policy terms (``Fannie Mae``, ``Texas``,
``HELOC``) that spaCy's small model mistakes for names.

Runs fully offline: the spaCy model must be installed as a package (it is never
downloaded), and e-mail domains are checked against tldextract's bundled suffix list.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Protocol

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer import RecognizerResult as AnalyzerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngineProvider, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import (
    ConflictResolutionStrategy,
    OperatorConfig,
    RecognizerResult,
)
from spacy.lang.en.stop_words import STOP_WORDS

from app.errors import ConfigError
from app.models import RedactedEntity, RedactedQuestion
from app.question.name_recognizer import ContextualNameRecognizer
from app.question.recognizers import STATE_CODES, STATE_NAMES, build_recognizers
from app.settings import RedactionSection

ENTITIES: tuple[str, ...] = (
    "PERSON",  # spaCy NER, policy vocabulary trimmed
    "US_SSN",
    "US_ITIN",  # borrowers without an SSN; 9xx numbers the SSN recognizer rejects
    "US_EIN",  # self-employed / small-business borrowers
    "LOAN_NUMBER",
    "ACCOUNT_NUMBER",
    "ABA_ROUTING_NUMBER",
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "US_STREET_ADDRESS",
    "DATE_OF_BIRTH",
)
"""What is redacted. Deliberately absent: LOCATION, NRP and ORGANIZATION (states,
agencies and products are the policy vocabulary), DATE_TIME (effective dates), URL
(policy links), and the noisy US_DRIVER_LICENSE / US_PASSPORT / US_BANK_NUMBER patterns
(the labelled account number recognizer covers bank accounts)."""

_NUMERIC = {
    "US_SSN", "US_ITIN", "US_EIN", "LOAN_NUMBER", "ACCOUNT_NUMBER", "ABA_ROUTING_NUMBER",
    "CREDIT_CARD", "PHONE_NUMBER",
}  # fmt: skip
_MAX_PASSES = 3
_SPACY_LABELS_IGNORED = [
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
    "ORDINAL", "ORG", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
]  # fmt: skip

# Policy vocabulary that must survive redaction (spaCy's small model tags some as PERSON).
_POLICY_WORDS = (
    "US-federal", "federal", "Fannie Mae", "Freddie Mac", "Ginnie Mae", "Fannie", "Freddie",
    "Ginnie", "Mae", "Mac", "FHA", "VA", "USDA", "SBA", "SBA 7(a)", "7(a)", "HUD", "CFPB", "FHFA",
    "OCC", "FDIC", "NCUA", "IRS", "FEMA", "Federal Reserve", "HELOC", "HELOCs", "mortgage",
    "auto", "jumbo", "conforming", "ARM", "DTI", "LTV", "CLTV", "HCLTV", "FICO", "DSCR", "PTI",
    "Tier", "PITI", "PMI", "MI", "MIP", "AUS", "DU", "LP", "LPA", "Desktop Underwriter",
    "Loan Product Advisor", "Selling Guide", "Servicing Guide", "Seller Guide", "Handbook",
    "HomeReady", "Home Possible", "ECOA", "TILA", "RESPA", "HMDA", "TRID", "FCRA", "ATR", "QM",
    "Reg", "Regulation", "Reg B", "Reg Z", "Regulation B", "Regulation Z", "CFR", "USC", "UCC",
    "Art", "Article", "Section", "Sec", "Chapter", "Appendix", "Schedule", "Schedule C",
    "Schedule E", "Form", "Exhibit", "Part", "Title", "Texas Constitution", "W-2", "W2", "1099",
    "K-1", "VOE", "VOD", "LLC", "LLPA", "NMLS", "KYC", "AML", "OFAC", "Borrower", "Co-Borrower",
    "Coborrower", "Applicant", "Guarantor", "Underwriter", "Lender", "Servicer", "Cash-Out",
    "Refinance", "Refi", "Escrow", "Appraisal", "Appraiser", "Homestead", "Veteran", "Veterans",
    "Lien", "Max", "Min", "Maximum", "Minimum", "Email", "E-mail", "Call", "Phone", "Text",
    "Contact", "Please", "Hi", "Hello", "Dear", "Thanks", "Per", "Re", "Note", "Verify",
    "Confirm", "Check", "Ask",
)  # fmt: skip
POLICY_TERMS: frozenset[str] = frozenset(
    term.casefold() for term in (*STATE_NAMES, *STATE_CODES, *_POLICY_WORDS)
)
"""Policy vocabulary (case-folded) that is never personal data on its own."""
PLACEHOLDER = re.compile(rf"<(?:{'|'.join(ENTITIES)})_[1-9]\d{{0,3}}>")
"""What this stage writes in place of a value; never redacted again."""

_TOKEN = re.compile(r"\S+")
# Policy words that are also people's names: dropped alone, never trimmed off a name.
_NAME_LIKE = frozenset(
    [name.casefold() for name in STATE_NAMES] + ["max", "mae", "mac", "guam", "will", "may"]
)


class PolicyAwarePersonRecognizer(SpacyRecognizer):
    """spaCy PERSON entities minus policy vocabulary: policy terms and acronyms at the
    edges of a span are trimmed, and a span with nothing else (or no proper noun) left is
    dropped."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[AnalyzerResult]:
        """spaCy's PERSON results, each trimmed by :func:`trim_policy_terms`; a span
        without a proper noun ("Gift letter", "Reserves of ...") is dropped."""
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            span = trim_policy_terms(text, result.start, result.end)
            if span is None:
                continue
            tokens = doc.char_span(*span, alignment_mode="expand") if doc is not None else None
            if tokens is not None and not any(token.pos_ == "PROPN" for token in tokens):
                continue
            result.start, result.end = span
            kept.append(result)
        return kept


def trim_policy_terms(text: str, start: int, end: int) -> tuple[int, int] | None:
    """What is left of a name span once policy vocabulary is taken off its edges.

    A span made only of policy terms, stop words ("Does"), acronyms, numbers or
    placeholders is dropped
    (None). State names are only trimmed when nothing but policy vocabulary is left,
    since Virginia, Georgia or Washington are also people's names. What is left must hold
    a capitalised word; a trailing possessive ``'s`` stays outside the span.
    """
    tokens = [(start + m.start(), start + m.end()) for m in _TOKEN.finditer(text[start:end])]
    words = [text[s:e] for s, e in tokens]
    policy = [False] * len(words)
    for i in range(len(words)):  # mark one- to three-word policy phrases
        for n in (3, 2, 1):
            if i + n <= len(words) and _norm(" ".join(words[i : i + n])) in POLICY_TERMS:
                policy[i : i + n] = [True] * n
                break
    for i, word in enumerate(words):
        technical = any(c.isdigit() or c in "§<>_@/" for c in word)
        acronym = len(words) == 1 and word.isupper() and len(_norm(word)) <= 6
        policy[i] = policy[i] or technical or acronym or _norm(word) in STOP_WORDS
    if all(policy):
        return None
    strippable = [p and _norm(w) not in _NAME_LIKE for p, w in zip(policy, words, strict=True)]
    while strippable[0]:
        words, tokens, strippable = words[1:], tokens[1:], strippable[1:]
    while strippable[-1]:
        words, tokens, strippable = words[:-1], tokens[:-1], strippable[:-1]
    if not any(word[0].isupper() for word in words):
        return None
    end = tokens[-1][1]
    if words[-1].endswith(("'s", "’s")) and len(words[-1]) > 2:
        end -= 2
    return tokens[0][0], end


def _norm(word: str) -> str:
    return word.strip(".,;:!?'\"()[]").removesuffix("'s").removesuffix("’s").casefold()


class RedactionError(RuntimeError):
    """Redaction failed; the question must not go any further. The message names only
    the kind of failure, never the question."""


class Redactor(Protocol):
    """Replaces personal data in a question with numbered placeholders."""

    def redact(self, question: str) -> RedactedQuestion:
        """Return the question with ``<PERSON_1>``-style placeholders in place of
        personal data. Already-redacted text comes back unchanged."""
        ...


class PresidioRedactor:
    """:class:`Redactor` built on Presidio and a local spaCy model.

    Construction loads the model and compiles every recognizer (seconds); build one
    and share it. ``redact`` is then a few milliseconds per question. Calls are
    serialised, and each runs in a spaCy memory zone, so the words of a question do not
    stay behind in the model's string store.
    """

    def __init__(self, settings: RedactionSection) -> None:
        if not spacy.util.is_package(settings.spacy_model):
            raise ConfigError(
                f"spaCy model {settings.spacy_model!r} is not installed; install its "
                "package (it is never downloaded at run time) or set "
                "redaction.spacy_model."
            )
        _silence_debug_logs()
        self._language = settings.language
        self._threshold = settings.score_threshold
        nlp_engine = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": settings.language, "model_name": settings.spacy_model}],
                "ner_model_configuration": {
                    "model_to_presidio_entity_mapping": {
                        "PERSON": "PERSON",
                        "PER": "PERSON",
                    },
                    "labels_to_ignore": _SPACY_LABELS_IGNORED,
                },
            }
        ).create_engine()
        assert isinstance(nlp_engine, SpacyNlpEngine)
        self._nlp = nlp_engine.get_nlp(settings.language)
        self._lock = threading.Lock()
        registry = RecognizerRegistry(supported_languages=[settings.language])
        for recognizer in [
            *build_recognizers(settings.language),
            PolicyAwarePersonRecognizer(settings.language),
            ContextualNameRecognizer(settings.language, POLICY_TERMS),
        ]:
            registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp_engine,
            supported_languages=[settings.language],
            default_score_threshold=settings.score_threshold,
        )
        self._anonymizer = AnonymizerEngine()

    def redact(self, question: str) -> RedactedQuestion:
        """Replace personal data with placeholders numbered per entity type in order of
        appearance; a repeated value gets the same placeholder. Whitespace-only input
        gives an empty result. Raises :class:`RedactionError` (fail closed)."""
        if not question.strip():
            return RedactedQuestion(text="")
        failure = ""
        try:
            return self._redact(question)
        except Exception as exc:
            failure = type(exc).__name__
        # Raised outside the handler so the original exception (whose message may
        # quote the question) is not chained to it.
        raise RedactionError(f"PII redaction failed ({failure}); question rejected.")

    def _redact(self, question: str) -> RedactedQuestion:
        # Passes until nothing new is found: spaCy reads "<US_SSN_1>" more easily than
        # a run of digits, so a second pass can catch a name the first one missed, and
        # the result is then a fixed point (redacting it again changes nothing).
        placeholders = _Placeholders(question)
        text = question
        with self._lock, self._nlp.memory_zone():
            for _ in range(_MAX_PASSES):
                spans = self._find(text)
                if not spans:
                    break
                text = placeholders.substitute(text, spans)
        return placeholders.finish(text)

    def _find(self, text: str) -> list[tuple[int, int, str, float]]:
        """Non-overlapping (start, end, type, score) spans of personal data, sorted."""
        protected = [m.span() for m in PLACEHOLDER.finditer(text)]
        found = self._analyzer.analyze(
            text=text,
            language=self._language,
            entities=list(ENTITIES),
            score_threshold=self._threshold,
        )
        candidates = [
            RecognizerResult(r.entity_type, r.start, r.end, r.score)
            for r in found
            if _keep(text, r, protected)
        ]
        if not candidates:
            return []
        resolved = self._anonymizer.anonymize(
            text=text,
            analyzer_results=candidates,
            operators={"DEFAULT": OperatorConfig("keep")},
            conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
        )
        spans = []
        for item in resolved.items:
            value = text[item.start : item.end]
            start = item.start + len(value) - len(value.lstrip())
            end = item.end - (len(value) - len(value.rstrip()))
            if start < end:
                spans.append((start, end, item.entity_type, float(item.score or 0.0)))
        return _with_repeats(text, sorted(spans), protected)


def _keep(text: str, result: AnalyzerResult, protected: list[tuple[int, int]]) -> bool:
    """Drop results inside existing placeholders and bare policy terms."""
    if _overlaps(result.start, result.end, protected):
        return False
    return text[result.start : result.end].strip().casefold() not in POLICY_TERMS


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _with_repeats(
    text: str,
    spans: list[tuple[int, int, str, float]],
    protected: list[tuple[int, int]],
) -> list[tuple[int, int, str, float]]:
    """Add the other occurrences of each found value (NER may tag only one of them)."""
    taken = [(start, end) for start, end, _, _ in spans] + protected
    extra = []
    for start, end, kind, score in spans:
        value = text[start:end]
        if sum(c.isalnum() for c in value) < 3:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text):
            if not _overlaps(match.start(), match.end(), taken):
                extra.append((match.start(), match.end(), kind, score))
                taken.append(match.span())
    return sorted(spans + extra)


class _Placeholders:
    """Numbers placeholders per entity type, continuing after any already in the
    question, and gives a repeated value the placeholder it got first."""

    def __init__(self, question: str) -> None:
        self._counters: dict[str, int] = {}
        for match in PLACEHOLDER.finditer(question):
            kind, _, number = match.group()[1:-1].rpartition("_")
            self._counters[kind] = max(self._counters.get(kind, 0), int(number))
        self._existing = dict(self._counters)
        self._assigned: dict[tuple[str, str], str] = {}
        self._found: dict[str, tuple[str, float]] = {}

    def substitute(self, text: str, spans: list[tuple[int, int, str, float]]) -> str:
        """Replace sorted, non-overlapping spans of ``text`` with placeholders."""
        pieces, cursor = [], 0
        for start, end, kind, score in spans:
            key = (kind, _normalise(kind, text[start:end]))
            if key not in self._assigned:
                self._counters[kind] = self._counters.get(kind, 0) + 1
                self._assigned[key] = f"<{kind}_{self._counters[kind]}>"
            placeholder = self._assigned[key]
            best = self._found.get(placeholder, (kind, 0.0))[1]
            self._found[placeholder] = (kind, max(best, score))
            pieces += [text[cursor:start], placeholder]
            cursor = end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def finish(self, text: str) -> RedactedQuestion:
        """Renumber the placeholders written in order of appearance (a later pass may
        have found a value earlier in the text) and list them, one entry each."""
        written = sorted(self._found, key=text.find)
        numbers = dict(self._existing)
        final: dict[str, str] = {}
        for placeholder in written:
            kind = self._found[placeholder][0]
            numbers[kind] = numbers.get(kind, 0) + 1
            final[placeholder] = f"<{kind}_{numbers[kind]}>"
        text = PLACEHOLDER.sub(lambda m: final.get(m.group(), m.group()), text)
        entities = tuple(
            RedactedEntity(entity_type=kind, placeholder=final[p], score=round(score, 3))
            for p in written
            for kind, score in [self._found[p]]
        )
        return RedactedQuestion(text=text, entities=entities)


def _normalise(kind: str, value: str) -> str:
    """The form under which two mentions count as the same value."""
    if kind in _NUMERIC:
        digits = "".join(c for c in value if c.isdigit())
        if kind == "PHONE_NUMBER" and len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return digits
    return " ".join(value.split()).casefold()


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_FILTER = _BelowWarning()


def _silence_debug_logs() -> None:
    """Presidio's debug records quote words around each match; drop them."""
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

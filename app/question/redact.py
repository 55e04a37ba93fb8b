"""The redaction stage: personal data out of a question before anything else sees it.

Only :class:`~app.models.RedactedQuestion` leaves this module. The raw question is
never logged, stored or put in an exception message; Presidio's own debug logging
(which quotes words around matches) is silenced for the same reason.

Policy vocabulary survives: no LOCATION / ORGANIZATION / DATE_TIME entities are
analysed, and PERSON results are trimmed of policy terms (``Fannie Mae``, ``Texas``,
``HELOC``) that spaCy's small model mistakes for names.

The recognizers read the question normalised (:mod:`app.question.normalise`: pasted dashes,
invisible characters, hard spaces and full-width digits made plain); what they find is
replaced in the question as typed, which is what is kept and passed on.

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
from presidio_analyzer.nlp_engine import NlpEngineProvider, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import (
    ConflictResolutionStrategy,
    OperatorConfig,
    RecognizerResult,
)

from app.errors import ConfigError
from app.models import RedactedEntity, RedactedQuestion
from app.question.name_recognizer import ContextualNameRecognizer, LabelledNameRecognizer
from app.question.normalise import Normalised, normalise
from app.question.person_recognizer import (
    PolicyAwarePersonRecognizer,
    adjoining,
    grow,
    trim_policy_terms,
)
from app.question.recognizers import build_identity_recognizers, build_recognizers
from app.question.repeats import Repeats, overlaps
from app.question.vocabulary import (
    POLICY_TERMS,
    english_words,
)
from app.settings import RedactionSection

__all__ = [
    "ENTITIES",
    "PLACEHOLDER",
    "POLICY_TERMS",
    "PresidioRedactor",
    "RedactionError",
    "Redactor",
    "trim_policy_terms",
]

ENTITIES: tuple[str, ...] = (
    "PERSON",  # spaCy NER, policy vocabulary trimmed; names after labels; names in context
    "US_SSN",
    "US_ITIN",  # borrowers without an SSN; 9xx numbers the SSN recognizer rejects
    "US_EIN",  # self-employed / small-business borrowers
    "LOAN_NUMBER",  # loan and application numbers
    "ACCOUNT_NUMBER",
    "ABA_ROUTING_NUMBER",
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "US_STREET_ADDRESS",
    "DATE_OF_BIRTH",
    "US_DRIVER_LICENSE",  # after a licence label only
)
"""What is redacted. Deliberately absent: LOCATION, NRP and ORGANIZATION (states,
agencies and products are the policy vocabulary), DATE_TIME (effective dates), URL
(policy links), and Presidio's noisy US_DRIVER_LICENSE / US_PASSPORT / US_BANK_NUMBER
patterns (the labelled licence and account number recognizers cover them)."""

_NUMERIC = {
    "US_SSN", "US_ITIN", "US_EIN", "ACCOUNT_NUMBER", "ABA_ROUTING_NUMBER", "CREDIT_CARD",
    "PHONE_NUMBER",
}  # fmt: skip
_MAX_PASSES = 3
_SPACY_LABELS_IGNORED = [
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP",
    "ORDINAL", "ORG", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
]  # fmt: skip
PLACEHOLDER = re.compile(rf"<(?:{'|'.join(ENTITIES)})_[1-9]\d{{0,3}}>")
"""What this stage writes in place of a value; never redacted again."""
_LABELLED = LabelledNameRecognizer.__name__
_NEIGHBOUR_SCORE = 0.7


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
        self._english = english_words(self._nlp)
        self._repeats = Repeats(self._english)
        self._lock = threading.Lock()
        registry = RecognizerRegistry(supported_languages=[settings.language])
        for recognizer in [
            *build_recognizers(settings.language),
            *build_identity_recognizers(settings.language),
            PolicyAwarePersonRecognizer(settings.language),
            LabelledNameRecognizer(settings.language, POLICY_TERMS, self._english),
            ContextualNameRecognizer(settings.language, POLICY_TERMS, self._english),
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
        # the result is then a fixed point (redacting it again changes nothing). Each pass
        # reads the question normalised (pasted dashes, invisible characters, full-width
        # digits made plain) and replaces what it finds in the question as typed.
        placeholders = _Placeholders(question)
        text = question
        with self._lock, self._nlp.memory_zone():
            for _ in range(_MAX_PASSES):
                plain = Normalised(text)
                spans = self._find(plain.text)
                if not spans:
                    break
                spans = [
                    (*plain.span(start, end), kind, score) for start, end, kind, score in spans
                ]
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
        neighbours = self._name_neighbours(text)
        if neighbours:  # grown placeholders are not personal data themselves: no longer protected
            grown = [(start, end) for start, end, _, _ in neighbours]
            candidates = [c for c in candidates if not overlaps(c.start, c.end, grown)]
            candidates += [RecognizerResult(k, s, e, v) for s, e, k, v in neighbours]
            protected = [p for p in protected if not overlaps(*p, grown)]
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
        return self._repeats.add(text, sorted(spans), protected)

    def _name_neighbours(self, text: str) -> list[tuple[int, int, str, float]]:
        """Name words next to a name found in an earlier pass ("File: LÝ, <PERSON_1>",
        "<PERSON_1> DE LA GARZA"): spans holding the placeholder, which keeps its number."""
        spans = []
        for match in PLACEHOLDER.finditer(text):
            if match.group().startswith("<PERSON_"):
                start, end = adjoining(text, *grow(text, *match.span()), self._english)
                if (start, end) != match.span():
                    spans.append((start, end, "PERSON", _NEIGHBOUR_SCORE))
        return spans


def _keep(text: str, result: AnalyzerResult, protected: list[tuple[int, int]]) -> bool:
    """Drop results inside existing placeholders, and bare policy terms unless a person
    label introduced them ("Borrower Will")."""
    if overlaps(result.start, result.end, protected):
        return False
    if result.recognition_metadata.get(AnalyzerResult.RECOGNIZER_NAME_KEY) == _LABELLED:
        return True
    return text[result.start : result.end].strip().casefold() not in POLICY_TERMS


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
            inner = PLACEHOLDER.search(text, start, end)
            key = (kind, _normalise(kind, inner.group() if inner else text[start:end]))
            if inner is not None:  # a name grown around its placeholder keeps the placeholder
                self._assigned.setdefault(key, inner.group())
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
    value = normalise(value)
    if kind in _NUMERIC:
        digits = "".join(c for c in value if c.isdigit())
        if kind == "PHONE_NUMBER" and len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return digits
    if kind in ("LOAN_NUMBER", "US_DRIVER_LICENSE"):
        return "".join(c for c in value if c.isalnum()).upper()
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

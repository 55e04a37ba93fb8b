"""The question path, wired in one place: redact -> retrieve -> answer -> verify -> audit.

The web app, the command line and the evaluation all call :meth:`CopilotService.ask`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import ValidationError

from app.errors import CopilotError
from app.models import (
    Answer,
    AuditRecord,
    Citation,
    Filters,
    Generation,
    RedactedQuestion,
    RetrievedChunk,
    User,
)
from app.question.answer import AnswerBackend, ExtractiveBackend, declined, passages
from app.question.followup import read_as
from app.question.retrieve import Retriever
from app.question.scope import Scope, scope
from app.question.verify import Verified, Verifier
from app.records.auth import require
from app.settings import Settings
from app.text import asks_for_form, focus, speaks_as_form

if TYPE_CHECKING:
    from app.question.conflict_notes import ConflictNotes
    from app.question.coverage import CoverageCheck
    from app.question.lexicon import LibraryLexicon
    from app.question.redact import Redactor
    from app.question.suggest import FollowUps
    from app.records.audit import AuditSink

log = logging.getLogger(__name__)

NOT_FOUND_TEXT = "Not found in the current policy documents."
T = TypeVar("T")


class QuestionError(CopilotError):
    """The question cannot be asked as given (empty, too long, bad filter)."""


class FeedbackError(CopilotError):
    """Feedback that is not recorded: a rating other than up or down, an answer that is not
    one of the user's own, or a comment that is too long."""


RATINGS = ("up", "down")


class CopilotService:
    """Answers policy questions with verified citations and records each in the audit trail."""

    def __init__(
        self,
        settings: Settings,
        *,
        redactor: Redactor,
        retriever: Retriever,
        backend: AnswerBackend,
        extractive: ExtractiveBackend,
        verifier: Verifier,
        audit: AuditSink,
        notes: ConflictNotes | None = None,
        lexicon: LibraryLexicon | None = None,
        coverage: CoverageCheck | None = None,
        followups: FollowUps | None = None,
    ) -> None:
        self._settings = settings
        self._redactor = redactor
        self._retriever = retriever
        self._backend = backend
        self._extractive = extractive
        self._verifier = verifier
        self._audit = audit
        self._notes = notes
        self._lexicon = lexicon
        self._coverage = coverage
        self._followups = followups

    def ask(
        self,
        question: str,
        *,
        user: User,
        product: str | None = None,
        jurisdiction: str | None = None,
        as_of: date | str | None = None,
        doc_type: str | None = None,
        previous: Answer | None = None,
    ) -> Answer:
        """Answer one question; ``previous`` is the answer before it in the conversation,
        for a follow-up ("What about for investment properties?") to be read after it.
        Raises :class:`QuestionError` for a question that cannot be asked; everything else
        (model failures included) still produces an audited Answer."""
        started = time.perf_counter()
        latency: dict[str, float] = {}
        if not question or not question.strip():
            raise QuestionError("the question is empty; type a policy question")
        limit = self._settings.answer.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"the question is longer than {limit} characters; shorten it")
        try:
            filters = Filters.model_validate(
                {
                    "product": product,
                    "jurisdiction": jurisdiction,
                    "as_of": as_of,
                    "doc_type": doc_type,
                }
            )
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(p) for p in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            raise QuestionError(f"invalid filter {field}: {message}") from None

        start = time.perf_counter()
        redacted = self._redactor.redact(question)
        latency["redact"] = (time.perf_counter() - start) * 1000
        del question  # nothing below may see the raw text
        known = self._lexicon.current() if self._lexicon is not None else None
        reading = _timed(
            latency,
            "follow-up",
            lambda: read_as(
                redacted.text,
                previous.asked if previous is not None else None,
                known,
                limit=limit,
            ),
        )
        asked_as = redacted
        if reading.followup:
            redacted = redacted.model_copy(update={"text": reading.text})
        asked = (
            _timed(latency, "scope", lambda: scope(redacted.text, filters, known))
            if known is not None
            else Scope(filters=filters, text=redacted.text)
        )
        retrieval = self._retriever.retrieve(redacted, asked.filters)
        latency.update(retrieval.latency_ms)
        sources = retrieval.chunks
        if asked.text != redacted.text:
            # A state named in the words: its name finds the state's own sections, and the
            # question without it finds the rule itself, whoever states it; both are read.
            rule = self._retriever.retrieve(
                redacted.model_copy(update={"text": asked.text}), asked.filters
            )
            latency["search"] += rule.latency_ms.get("embed", 0.0) + rule.latency_ms["search"]
            sources = _interleaved(sources, rule.chunks)

        fell_back = False
        generation, verified = None, Verified.abstention()
        if sources:
            # The model reads the question whole; the extractive answer matches it without
            # the name of the state in scope (see app.question.scope).
            query = focus(redacted.text)
            matched = focus(asked.text)
            made = _timed(
                latency,
                "answer",
                lambda: self._generate(query, matched, sources, asked.filters),
            )
            fell_back = made.backend != self._backend.name
            verified = _timed(latency, "verify", lambda: self._verifier.verify(made, sources))
            generation = made
            rejected = verified.abstained and not fell_back and not declined(made.text)
            if rejected and self._backend is not self._extractive:
                # The model answered, but nothing it said survived the check.
                log.warning("model answer failed verification; answering extractively")
                generation = self._extractive.generate(matched, sources, filters=asked.filters)
                verified = self._verifier.verify(generation, sources)
                fell_back = True

        checked = self._coverage
        covered = (
            _timed(
                latency,
                "coverage",
                lambda: checked.check(asked.text, verified.citations, abstained=verified.abstained),
            )
            if checked is not None
            else None
        )
        if covered is not None and covered.support == "not_found" and not verified.abstained:
            # What the question asks about, the library speaks of only to rule it out: the
            # quotes found are a neighbouring rule, and the answer is "not found", explained.
            verified = Verified.abstention()
        notes: tuple[str, ...] = ()
        noted: tuple[Citation, ...] = ()
        watch = self._notes
        if not verified.abstained and watch is not None:
            notes, noted = _timed(
                latency,
                "notes",
                lambda: watch.notes(verified.text, verified.citations, asked.filters),
            )
        if not verified.abstained and watch is not None:
            controls = watch.controls(verified.citations, sources, asked.filters.jurisdiction)
            notes = (*notes, *(c for c in controls if c not in notes))
        nearby = self._followups
        suggestions = (
            _timed(latency, "suggest", lambda: nearby.suggest(verified.citations, asked.filters))
            if nearby is not None and not verified.abstained
            else ()
        )
        form = _form_only(asked.text, sources) if verified.abstained else None
        nearest = retrieval.closest
        if form is not None and all(
            (c.doc_id, c.section_id) != (form.doc_id, form.section_id) for c in nearest
        ):
            nearest = (*nearest, form)
        closest = _closest(nearest, len(nearest)) if verified.abstained else ()
        used = generation or Generation(
            text="", backend=self._backend.name, model=self._backend.model
        )
        answer = Answer(
            question=asked_as.text,
            read_as=reading.text if reading.followup else "",
            carried=reading.carried,
            redacted_entities=redacted.entity_types,
            filters=filters,
            scope=asked.filters,
            scope_read=asked.read,
            support=(
                "not_found"
                if verified.abstained
                else covered.support
                if covered is not None
                else "direct"
            ),
            not_covered=covered.not_covered if covered is not None else (),
            gaps=(
                *(covered.explanation if covered is not None else ()),
                *((_form_gap(form),) if form is not None else ()),
            ),
            text=verified.text if not verified.abstained else _not_found(asked.filters),
            citations=verified.citations,
            retrieved=sources,
            closest_sections=closest,
            abstained=verified.abstained,
            fell_back=fell_back,
            needs_review=verified.abstained or verified.dropped > 0,
            dropped_sentences=verified.dropped,
            notes=notes,
            note_citations=noted,
            backend=used.backend,
            model=used.model,
            prompt_version=used.prompt_version,
            latency_ms=latency,
            suggestions=suggestions,
        )
        record = _timed(latency, "audit", lambda: self._audit.record(_audit_record(answer, user)))
        latency["total"] = (time.perf_counter() - started) * 1000
        return answer.model_copy(update={"audit_id": record.id, "latency_ms": latency})

    def feedback(
        self, answer_id: int, rating: Literal["up", "down"], comment: str = "", *, user: User
    ) -> AuditRecord:
        """Record a thumbs up or down on one of ``user``'s own answers; the comment is redacted
        like a question. Raises :class:`FeedbackError`, recording nothing, for a rating other
        than up or down, an id that is not an answer this user was given, or a long comment."""
        if rating not in RATINGS:
            raise FeedbackError(f"rate an answer up or down, not {str(rating)[:20]!r}")
        answered = (
            self._audit.get(answer_id)
            if isinstance(answer_id, int) and not isinstance(answer_id, bool)
            else None
        )
        if answered is None or answered.kind != "question" or answered.user != user.name:
            # One message for both: ids of other people's answers are not confirmed to exist.
            raise FeedbackError(
                f"there is no answer #{str(answer_id)[:20]} given to {user.name}; "
                "feedback is for your own answers"
            )
        limit = self._settings.answer.max_question_chars
        if len(comment) > limit:
            raise FeedbackError(f"the comment is longer than {limit} characters; shorten it")
        redacted = self._redactor.redact(comment) if comment.strip() else RedactedQuestion(text="")
        entry = AuditRecord(
            created_at=datetime.now(UTC),
            user=user.name,
            role=user.role,
            question="",
            redacted_entities=redacted.entity_types,
            filters=Filters(),
            answer="",
            backend="",
            model="",
            kind="feedback",
            feedback={"answer_id": answer_id, "rating": rating, "comment": redacted.text},
        )
        return self._audit.record(entry)

    def audit_trail(self, user: User) -> AuditSink:
        """The audit trail, for compliance staff only."""
        require(user, "compliance", "reading the audit trail")
        return self._audit

    @property
    def audit_sink(self) -> AuditSink:
        """Where this service appends its records, for the app's other records to go to the
        same trail (failed sign-ins); reading it is :meth:`audit_trail`'s."""
        return self._audit

    def close(self) -> None:
        """Release the audit trail's connection (the store belongs to whoever opened it)."""
        close = getattr(self._audit, "close", None)
        if close is not None:
            close()

    def _generate(
        self,
        question: str,
        matched: str,
        sources: tuple[RetrievedChunk, ...],
        filters: Filters,
    ) -> Generation:
        """The configured backend's answer to ``question``; the extractive one's (when it is
        the backend, or the model failed) to ``matched``, the question without the name of
        the state in scope."""
        if self._backend is self._extractive:
            return self._extractive.generate(matched, sources, filters=filters)
        try:
            return self._backend.generate(question, sources, filters=filters)
        except Exception as exc:  # any model failure falls back; the reason is logged only
            log.warning(
                "answer backend %s failed (%s); answering extractively",
                self._backend.name,
                type(exc).__name__,
            )
            return self._extractive.generate(matched, sources, filters=filters)


def _interleaved(
    first: tuple[RetrievedChunk, ...], second: tuple[RetrievedChunk, ...]
) -> tuple[RetrievedChunk, ...]:
    """Two rankings of passages merged rank by rank, each passage once, ``first``'s first."""
    merged: dict[str, RetrievedChunk] = {}
    for pair in zip(first, second, strict=False):
        for chunk in pair:
            merged.setdefault(chunk.point_id, chunk)
    longer = first if len(first) > len(second) else second
    for chunk in longer[min(len(first), len(second)) :]:
        merged.setdefault(chunk.point_id, chunk)
    return tuple(merged.values())


def _timed(latency: dict[str, float], stage: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    try:
        return work()
    finally:
        latency[stage] = (time.perf_counter() - start) * 1000


def _not_found(filters: Filters) -> str:
    """The "not found" answer, saying where it was looked for."""
    where = _scope_words(filters)
    if filters.as_of is not None:
        return f"Not found in the policy documents{where} in force on {filters.as_of.isoformat()}."
    if where:
        return f"Not found in the current policy documents{where}."
    return NOT_FOUND_TEXT


def _scope_words(filters: Filters) -> str:
    parts = [
        f"product {filters.product}" if filters.product else "",
        f"jurisdiction {filters.jurisdiction}" if filters.jurisdiction else "",
    ]
    named = " and ".join(p for p in parts if p)
    return f" for {named}" if named else ""


def _closest(sources: tuple[RetrievedChunk, ...], count: int = 3) -> tuple[Citation, ...]:
    return tuple(
        Citation.from_chunk(n, s, next(iter(passages(s)), s.text))
        for n, s in enumerate(sources[:count], start=1)
    )


def _form_only(question: str, sources: tuple[RetrievedChunk, ...]) -> RetrievedChunk | None:
    """The passage found closest to a question about the rule, when it is a model form's
    wording to the applicant, which is never quoted as the rule
    (:func:`app.text.speaks_as_form`): what a "not found" then says and points to."""
    if not sources or asks_for_form(question):
        return None
    best = max(sources, key=lambda s: s.score)
    wording = any(speaks_as_form(best.section_path, best.doc_type, t) for t in passages(best))
    return best if wording else None


def _form_gap(form: RetrievedChunk) -> str:
    return (
        f"The passage found closest is a model form's wording to the applicant ({form.title}, "
        f"{form.section_id}), which is not quoted as the rule; it is among the closest "
        "sections. Ask for the form itself (\u201cthe sample notice\u201d) to have it quoted."
    )


def _audit_record(answer: Answer, user: User) -> AuditRecord:
    return AuditRecord(
        created_at=datetime.now(UTC),
        user=user.name,
        role=user.role,
        question=answer.question,
        redacted_entities=answer.redacted_entities,
        filters=answer.filters,
        retrieved=tuple(
            {
                "point_id": c.point_id,
                "doc_id": c.doc_id,
                "version": c.version,
                "section_id": c.section_id,
                "page": c.page_start,
                "score": round(c.score, 4),
            }
            for c in answer.retrieved
        ),
        answer="\n\n".join((answer.text, *answer.gaps, *answer.notes)),
        citations=tuple(
            {
                "marker": c.marker,
                "point_id": c.point_id,
                "doc_id": c.doc_id,
                "version": c.version,
                "section_id": c.section_id,
                "paragraph": c.paragraph,
                "kind": c.kind,
                "page": c.page,
                "page_label": c.page_label,
            }
            | ({"note": True} if c in answer.note_citations else {})
            for c in answer.cited()
        ),
        backend=answer.backend,
        model=answer.model,
        prompt_version=answer.prompt_version,
        latency_ms=dict(answer.latency_ms),
        abstained=answer.abstained,
        fell_back=answer.fell_back,
        needs_review=answer.needs_review,
        support=answer.support,
        scope=answer.scope,
        read_as=answer.read_as or None,
    )

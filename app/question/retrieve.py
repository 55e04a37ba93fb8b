"""Retrieve: a redacted question and filters -> the most relevant policy passages.

The question is embedded locally; Qdrant is searched within the filters (current versions,
or the versions in force on an as-of date), by meaning and, in hybrid mode, by its words too
(BM25, fused with Reciprocal Rank Fusion); near-duplicate passages (the same text in two
documents, or overlapping versions) are dropped; a model form's passages are ranked after
the rule text found close to them; the best ``top_k`` above the score floor are kept. For an
official interpretation among them, passages of the rule it interprets follow them
(:mod:`app.question.rules`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from app.index.embedding import LocalEmbedding
from app.index.store import Hit, PolicyStore
from app.models import FEDERAL, Filters, RedactedQuestion, RetrievedChunk
from app.question.lexicon import LibraryLexicon
from app.question.lists import with_list_ends
from app.question.rules import LibraryOutline, with_rules
from app.settings import RetrievalSection
from app.text import asks_for_form, focus, spell_out, text_kind


@dataclass(frozen=True)
class Retrieval:
    """The passages found, the question's vector (reused by later stages) and timings."""

    chunks: tuple[RetrievedChunk, ...]
    closest: tuple[RetrievedChunk, ...]
    """The nearest passages whatever their score: what to check when nothing answers."""
    query_vector: np.ndarray
    latency_ms: dict[str, float] = field(default_factory=dict)


class Retriever:
    def __init__(
        self,
        store: PolicyStore,
        embedding: LocalEmbedding,
        settings: RetrievalSection,
        outline: LibraryOutline | None = None,
        lexicon: LibraryLexicon | None = None,
    ):
        self._store = store
        self._embedding = embedding
        self._settings = settings
        self._outline = outline
        self._lexicon = lexicon

    def retrieve(self, question: RedactedQuestion, filters: Filters) -> Retrieval:
        start = time.perf_counter()
        text = focus(question.text)
        if self._lexicon is not None:
            # "QM" is searched as "QM (qualified mortgage)" where the library writes it out.
            text = spell_out(text, self._lexicon.current().spelled)
        vector = self._embedding.embed([text])[0]
        embedded = time.perf_counter()
        found = self._store.search(
            vector,
            filters,
            limit=self._settings.candidates,
            score_floor=-1.0,
            text=text if self._settings.hybrid else None,
        )
        hits = _distinct(found, self._settings.duplicate_similarity)
        floor = self._settings.score_floor
        if not asks_for_form(question.text):
            hits = _forms_after(hits, self._settings.form_demotion, floor)
        kept = [h for h in hits if h.score >= floor][: self._settings.top_k]
        chunks = tuple(hit.retrieved() for hit in kept)
        chunks = _with_state(chunks, hits, filters.jurisdiction, floor)
        if self._outline is not None and self._settings.interpreted_rules:
            chunks = with_rules(
                chunks,
                vector,
                self._outline.current(),
                self._store,
                most=self._settings.interpreted_rules,
            )
        chunks = with_list_ends(chunks, vector, self._store)
        done = time.perf_counter()
        return Retrieval(
            chunks=chunks,
            closest=_closest(hits),
            query_vector=vector,
            latency_ms={"embed": (embedded - start) * 1000, "search": (done - embedded) * 1000},
        )


def _with_state(
    chunks: tuple[RetrievedChunk, ...], hits: list[Hit], state: str | None, floor: float
) -> tuple[RetrievedChunk, ...]:
    """With a state in scope: ``chunks``, and when none is of that state's own documents,
    the best candidate that is (above the floor), after them. The state's rule must have its
    chance to come first (:mod:`app.question.answer`) even when the general rules it
    supplements fill the top of the list."""
    if state is None or state == FEDERAL or any(state in c.jurisdiction for c in chunks):
        return chunks
    for hit in hits:
        if hit.score < floor:
            break
        chunk = hit.retrieved()
        if state in chunk.jurisdiction:
            return (*chunks, chunk)
    return chunks


def _forms_after(hits: list[Hit], places: int, floor: float = -1.0) -> list[Hit]:
    """``hits`` with each passage of a model form moved after the next ``places`` passages
    of other text (rule, commentary) found below it that score at least ``floor`` (one too
    far from the question to be kept is nothing to wait for), the order otherwise kept;
    forms with fewer than ``places`` of those below them come last."""
    if places <= 0:
        return hits
    out: list[Hit] = []
    waiting: list[tuple[int, Hit]] = []  # (passages of other text to wait for, form)
    others = 0
    for hit in hits:
        payload = hit.payload
        if text_kind(payload.get("section_path", ()), payload.get("doc_type", "")) == "form":
            waiting.append((others + places, hit))
            continue
        out.append(hit)
        others += hit.score >= floor
        while waiting and waiting[0][0] <= others:
            out.append(waiting.pop(0)[1])
    out.extend(hit for _, hit in waiting)
    return out


def _closest(hits: list[Hit], most: int = 3) -> tuple[RetrievedChunk, ...]:
    """The best passage of each of the ``most`` nearest sections: what a reader is pointed
    to when nothing answers (a section named twice would point to the same place)."""
    found: dict[tuple[str, str, str], RetrievedChunk] = {}
    for hit in hits:
        chunk = hit.retrieved()
        found.setdefault((chunk.doc_id, chunk.version, chunk.section_id), chunk)
        if len(found) == most:
            break
    return tuple(found.values())


def _distinct(hits: list[Hit], threshold: float) -> list[Hit]:
    """Best-first hits without near-duplicates of a better one."""
    kept: list[Hit] = []
    for hit in hits:
        if all(float(np.dot(hit.vector, other.vector)) < threshold for other in kept):
            kept.append(hit)
    return kept

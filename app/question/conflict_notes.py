"""Conflict notes: when an answer quotes a figure that another current document, applying to
the same loans, states differently, say so under the answer: which document says what, which
one is newer, and what either says about which controls (see :mod:`app.records.conflicts`).

The conflicts of the library are found once per state of the library (its documents and
their revisions) and reused until a document changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from app.index.store import PerLibraryState, PolicyStore
from app.models import ALL_PRODUCTS, FEDERAL, Citation, Filters, RetrievedChunk, applies
from app.records.conflicts import Conflict, Statement, claims_of, conflicts, controls
from app.text import neutralise_markers


class ConflictNotes:
    def __init__(self, store: PolicyStore) -> None:
        self._store = store
        self._found = PerLibraryState(store, conflicts)

    def notes(
        self, answer: str, citations: Sequence[Citation], scope: Filters | None = None
    ) -> tuple[tuple[str, ...], tuple[Citation, ...]]:
        """One note per conflict whose figure the answer states, quoted from the document that
        states it, and the citations the notes add: the other document's passage, with a
        marker of its own after the answer's (or the marker the answer already gives it).
        Only documents that apply to the question's ``scope`` (its product and state) count,
        and for a question about a past date, only those in force on it."""
        scope = scope or Filters()
        as_of = scope.as_of
        found = self._current()
        if not found:
            return (), ()
        said = _normal(answer)
        notes: list[str] = []
        added: list[Citation] = []
        for conflict in found:
            for mine, other in ((conflict.newer, conflict.older), (conflict.older, conflict.newer)):
                if _normal(mine.figure) not in said:
                    continue
                if as_of is not None and other.effective_date > as_of:
                    continue
                if not _in_scope(other, scope):
                    continue
                if any(_quotes(c, mine, said) for c in citations):
                    cited = _cite(other, [*citations, *added])
                    if cited is not None and cited not in citations and cited not in added:
                        added.append(cited)
                    note = _note(conflict, mine, other, cited.marker if cited else None)
                    if note not in notes:
                        notes.append(note)
        return tuple(notes), tuple(added)

    def controls(
        self,
        citations: Sequence[Citation],
        sources: Sequence[RetrievedChunk],
        state: str | None,
    ) -> tuple[str, ...]:
        """For an answer quoting a state's rule and a general one: what the state's document
        says about which controls (quoted), when it says so; nothing otherwise."""
        if state is None or state == FEDERAL:
            return ()
        by_point = {s.point_id: s for s in sources}
        cited = [by_point[c.point_id] for c in citations if c.point_id in by_point]
        local = [s for s in cited if state in s.jurisdiction]
        general = [s for s in cited if state not in s.jurisdiction]
        notes: list[str] = []
        for speaker in {(s.doc_id, s.version): s for s in local}.values():
            claims = claims_of(self._store, speaker.doc_id, speaker.version)
            for other in {s.doc_id: s for s in general}.values():
                said = controls(claims, other.title, other.doc_id)
                note = (
                    f"Which rule controls: {speaker.title} (version {speaker.version}) says "
                    f"\u201c{said}\u201d"
                )
                if said and note not in notes:
                    notes.append(note)
        return tuple(notes)

    def _current(self) -> list[Conflict]:
        return self._found.current()


def _quotes(citation: Citation, statement: Statement, said: str) -> bool:
    """The citation is of the statement's document and version, and states its figure: its
    quote does (a document may state one rule in several sentences: a summary, then the
    rule), or the answer (``said``, normalised) holds the statement's sentence and the
    cited passage does too (one marker after two sentences quotes the first)."""
    if citation.doc_id != statement.doc_id or citation.version != statement.version:
        return False
    if _normal(statement.figure) in _normal(citation.quote or citation.passage):
        return True
    sentence = _normal(statement.sentence)
    return sentence in said and sentence in _normal(citation.passage)


def _in_scope(statement: Statement, scope: Filters) -> bool:
    """The statement's document applies to the loans the question is about."""
    return (scope.product is None or applies(statement.product, scope.product, ALL_PRODUCTS)) and (
        scope.jurisdiction is None or applies(statement.jurisdiction, scope.jurisdiction, FEDERAL)
    )


def _cite(statement: Statement, cited: Sequence[Citation]) -> Citation | None:
    """The citation of the statement's sentence: one already made of its passage that quotes
    it, else a new one with the next marker; None when the passage is not known."""
    passage = statement.passage
    if passage is None:
        return None
    for citation in cited:
        if citation.point_id == passage.point_id and statement.sentence in citation.quote:
            return citation
    marker = max((c.marker for c in cited), default=0) + 1
    return Citation.from_chunk(marker, passage, statement.sentence)


def _note(conflict: Conflict, mine: Statement, other: Statement, marker: int | None) -> str:
    newer = conflict.newer
    says = conflict.precedence or "Neither document says which one controls."
    cite = f" [{marker}]" if marker is not None else ""
    return (
        f"Another current document gives a different figure: {other.title} (version "
        f"{other.version}, effective {other.effective_date:%Y-%m-%d}, {other.section}, page "
        f"{other.page}) says \u201c{neutralise_markers(other.sentence)}\u201d{cite}, where "
        f"{mine.title} (version "
        f"{mine.version}) gives {mine.figure}. The newer of the two is {newer.title}. {says}"
    )


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())

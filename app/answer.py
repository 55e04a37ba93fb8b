"""Answer backends: the sources and a question -> a ``Generation`` with ``[n]`` markers.

``ExtractiveBackend`` is the offline default. It quotes the sentences of the retrieved
passages that best answer the question, each followed by its marker, and writes nothing
that is not in a source. When no sentence is close enough, it answers ``NOT FOUND``.
The OpenAI-compatible backend lives in :mod:`app.llm`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.embedding import LocalEmbedding
from app.models import Generation, RetrievedChunk
from app.sentences import split_sentences
from app.settings import AnswerSection
from app.text import content_words

NOT_FOUND = "NOT FOUND"
_MAX_LIST_ITEMS = 8


def declined(text: str) -> bool:
    """Whether a backend's output says the sources do not answer the question."""
    return text.strip().upper().startswith(NOT_FOUND)


class AnswerBackend(Protocol):
    """Writes an answer from numbered sources; every sentence ends with its marker(s)."""

    name: str
    model: str

    def generate(self, question: str, sources: Sequence[RetrievedChunk]) -> Generation: ...


@dataclass(frozen=True)
class _Candidate:
    source: int  # 0-based index into the sources
    position: int
    text: str


def passages(source: RetrievedChunk) -> list[str]:
    """The quotable units of a passage: sentences of prose; for a table, each row with the
    table's caption and header row in front of it (as they stand in the source)."""
    lines = [line for line in source.text.split("\n") if line.strip()]
    if (
        lines
        and lines[0].lower().startswith(("table", "exhibit", "matrix", "schedule"))
        and len(lines) > 2
    ):
        context = "\n".join(lines[:2])
        return [f"{context}\n{row}" for row in lines[2:]]
    return [sentence for line in lines for sentence in split_sentences(line)]


class ExtractiveBackend:
    """Quotes the best-matching source sentences; deterministic, offline."""

    name = "extractive"

    def __init__(self, embedding: LocalEmbedding, settings: AnswerSection) -> None:
        self._embedding = embedding
        self._settings = settings
        self.model = embedding.model_name

    def generate(self, question: str, sources: Sequence[RetrievedChunk]) -> Generation:
        candidates = [
            _Candidate(i, j, text)
            for i, source in enumerate(sources)
            for j, text in enumerate(passages(source))
            if not _fragment(text)
        ]
        chosen = self._choose(question, candidates, sources) if candidates else []
        if not chosen:
            return Generation(text=NOT_FOUND, backend=self.name, model=self.model)
        # Reading order within a document; documents in order of their best passage.
        rank: dict[tuple[str, str], int] = {}
        for c in sorted(chosen, key=lambda c: c.source):
            rank.setdefault((sources[c.source].doc_id, sources[c.source].version), c.source)
        chosen.sort(
            key=lambda c: (
                rank[(sources[c.source].doc_id, sources[c.source].version)],
                sources[c.source].ordinal,
                c.position,
            )
        )
        # One quote per line: list items and table rows carry no full stop of their own.
        text = "\n".join(f"{c.text.replace(chr(10), ' / ')} [{c.source + 1}]" for c in chosen)
        return Generation(text=text, backend=self.name, model=self.model)

    def _choose(
        self, question: str, candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
    ) -> list[_Candidate]:
        # An answer must share words with the question, so only those are embedded.
        asked = content_words(question)
        needed = min(self._settings.min_shared_words, len(asked))
        shared = [len(asked & content_words(c.text)) for c in candidates]
        pool = [i for i, n in enumerate(shared) if n]
        if not pool:
            return []
        vectors = self._embedding.embed_cached([question, *(candidates[i].text for i in pool)])
        similarity = vectors[1:] @ vectors[0]
        overlap = np.array([shared[i] / len(asked) for i in pool])
        # Rank by meaning first, words second; an answer must share a word with the question.
        score = 0.7 * similarity + 0.3 * overlap
        eligible = [
            int(i)
            for i in np.argsort(-score, kind="stable")
            if similarity[i] >= self._settings.sentence_floor
            and (
                shared[pool[i]] >= needed or similarity[i] >= self._settings.single_word_similarity
            )
        ]
        if not eligible:
            return []
        best = float(score[eligible[0]])
        kept = [pool[i] for i in eligible if score[i] >= self._settings.relative * best]
        chosen = [candidates[i] for i in kept[: self._settings.max_sentences]]
        return _with_list_items(chosen, candidates, sources)


def _fragment(text: str) -> bool:
    """A piece of a sentence (a form label, a line broken off a narrow column): not worth
    quoting on its own. Table rows and list items are whole units."""
    if "\n" in text or _LIST_ITEM.match(text):
        return False
    return text[:1].islower() or len(text.split()) < 4


_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf\u2610o]\s|\(?[0-9a-z]{1,3}[.)]\s)")


def _with_list_items(
    chosen: list[_Candidate], candidates: list[_Candidate], sources: Sequence[RetrievedChunk]
) -> list[_Candidate]:
    """A sentence that introduces a list ("... all of the following:") is quoted with the
    list items that follow it: in the same passage, then in the next chunk of the same
    document when that chunk was retrieved too."""

    def reading_order(c: _Candidate) -> tuple[int, int]:
        return (sources[c.source].ordinal, c.position)

    out = list(chosen)
    for lead in chosen:
        if not lead.text.rstrip().endswith((":", "following.", "following")):
            continue
        home = sources[lead.source]
        following = [
            c
            for c in candidates
            if sources[c.source].doc_id == home.doc_id
            and sources[c.source].version == home.version
            and home.ordinal <= sources[c.source].ordinal <= home.ordinal + 1
            and reading_order(c) > reading_order(lead)
        ]
        taken: list[_Candidate] = []
        for item in sorted(following, key=reading_order)[:_MAX_LIST_ITEMS]:
            is_item = bool(_LIST_ITEM.match(item.text))
            started = any(_LIST_ITEM.match(t.text) for t in taken)
            # One note may stand between a lead-in and its list; the list ends at prose.
            if not is_item and (started or taken):
                break
            taken.append(item)
        if any(_LIST_ITEM.match(t.text) for t in taken):
            out.extend(t for t in taken if t not in out)
    return out

"""Cite and verify: a ``Generation`` and the sources it was given -> checked citations.

Works only on the sources it is handed; it never queries the store. Every sentence must
carry a marker ``[n]`` that points at a provided source, and be supported by it: its
figures must all appear in the cited passages (heading included), and its words must be
found there (enough of them, or a sentence of the passage close in meaning plus a fair
share of them). Unsupported sentences are removed and counted; markers are renumbered in
order of appearance. An answer with no supported sentence becomes an abstention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.index.embedding import LocalEmbedding
from app.models import Citation, Generation, RetrievedChunk
from app.question.answer import declined, passages
from app.sentences import split_sentences
from app.settings import AnswerSection
from app.text import content_words, numbers

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")


@dataclass(frozen=True)
class Verified:
    text: str
    citations: tuple[Citation, ...]
    dropped: int
    """Sentences removed: no valid marker, or not supported by what they cite."""
    abstained: bool

    @classmethod
    def abstention(cls, dropped: int = 0) -> Verified:
        return cls(text="", citations=(), dropped=dropped, abstained=True)


@dataclass(frozen=True)
class _Claim:
    text: str  # without markers
    sources: tuple[int, ...]  # 0-based indexes of valid cited sources
    line: int


class Verifier:
    def __init__(self, embedding: LocalEmbedding, settings: AnswerSection) -> None:
        self._embedding = embedding
        self._settings = settings

    def verify(self, generation: Generation, sources: Sequence[RetrievedChunk]) -> Verified:
        raw = generation.text.strip()
        if not raw or declined(raw):
            return Verified.abstention()
        claims, dropped = _claims(raw, len(sources))
        if not claims:
            return Verified.abstention(dropped)
        units = [passages(s) for s in sources]
        supported: list[tuple[_Claim, dict[int, str]]] = []
        for claim, quotes in zip(claims, self._support(claims, sources, units), strict=True):
            if quotes:
                supported.append((claim, quotes))
            else:
                dropped += 1
        if not supported:
            return Verified.abstention(dropped)

        numbering: dict[int, int] = {}
        citations: list[Citation] = []
        text = ""
        previous_line: int | None = None
        for claim, quotes in supported:
            markers = []
            for index in claim.sources:
                if index not in quotes:
                    continue  # a marker whose passage does not bear the sentence out
                if index not in numbering:
                    numbering[index] = len(numbering) + 1
                    citations.append(
                        Citation.from_chunk(numbering[index], sources[index], quotes[index])
                    )
                markers.append(f"[{numbering[index]}]")
            separator = (
                "" if previous_line is None else (" " if claim.line == previous_line else "\n")
            )
            body, stop = (
                (claim.text[:-1], claim.text[-1]) if claim.text[-1] in ".?!" else (claim.text, "")
            )
            text += f"{separator}{body} {''.join(markers)}{stop}"
            previous_line = claim.line
        return Verified(text=text, citations=tuple(citations), dropped=dropped, abstained=False)

    def _support(
        self,
        claims: list[_Claim],
        sources: Sequence[RetrievedChunk],
        units: list[list[str]],
    ) -> list[dict[int, str]]:
        """For each claim: cited source index -> the passage sentence that best supports it
        (empty when the claim is not supported)."""
        cited = {i for claim in claims for i in claim.sources}
        flat = [(i, u) for i, source_units in enumerate(units) if i in cited for u in source_units]
        vectors = self._embedding.embed_cached([c.text for c in claims] + [u for _, u in flat])
        claim_vectors, unit_vectors = vectors[: len(claims)], vectors[len(claims) :]
        results = []
        for k, claim in enumerate(claims):
            cited_text = " ".join(
                f"{' '.join(sources[i].section_path)} {sources[i].text}" for i in claim.sources
            )
            words = content_words(claim.text)
            share = len(words & content_words(cited_text)) / max(1, len(words))
            figures_ok = numbers(claim.text) <= numbers(cited_text)
            quotes: dict[int, str] = {}
            lexical = share >= self._settings.support_lexical
            closest = 0.0
            for i in claim.sources:
                rows = [n for n, (owner, _) in enumerate(flat) if owner == i]
                if not rows:
                    continue
                similarity = unit_vectors[rows] @ claim_vectors[k]
                best = int(np.argmax(similarity))
                closest = max(closest, float(similarity[best]))
                # A marker stays only where its own passage bears on the sentence.
                own = len(words & content_words(sources[i].text)) / max(1, len(words))
                if (
                    own >= self._settings.support_lexical / 2
                    or float(similarity[best]) >= self._settings.support_semantic
                ):
                    quotes[i] = flat[rows[best]][1]
            close = closest >= self._settings.support_semantic
            half = share >= self._settings.support_lexical / 2
            if not (figures_ok and (lexical or (close and half))):
                quotes = {}
            results.append(quotes)
        return results


def _claims(text: str, count: int) -> tuple[list[_Claim], int]:
    """Sentences with their valid markers; sentences with none are dropped (counted)."""
    claims: list[_Claim] = []
    dropped = 0
    for number, line in enumerate(text.splitlines()):
        # A marker after the full stop belongs to the sentence before it.
        line = re.sub(r"([.?!])((?:\s*\[\d{1,3}\])+)", r"\2\1", line.strip())
        for sentence in split_sentences(line):
            cited = [int(m) for m in _MARKER.findall(sentence)]
            valid = tuple(dict.fromkeys(n - 1 for n in cited if 1 <= n <= count))
            clean = _MARKER.sub("", sentence).strip()
            if not clean:
                continue
            if not valid:
                dropped += 1
                continue
            claims.append(_Claim(text=clean, sources=valid, line=number))
    return claims, dropped

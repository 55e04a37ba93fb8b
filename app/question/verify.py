"""Cite and verify: a ``Generation`` and the sources it was given -> checked citations.

Works only on the sources it is handed; it never queries the store. Every sentence must
carry a marker ``[n]`` that points at a provided source, and be supported by it: its
figures must all appear in the cited passages (heading included), and its words must be
found there (enough of them, or a sentence of the passage close in meaning plus a fair
share of them). Each marker is checked against its own passage: a sentence of it must state
the claim's figures with the same negation. Markers come from the answer only (a bracketed
number inside a passage is neutralised before it is quoted or shown to a model). Sentences
with links, markup or instructions are dropped. Unsupported sentences are removed and
counted; markers are renumbered in order of appearance. An answer with no supported
sentence becomes an abstention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.index.embedding import LocalEmbedding
from app.models import Citation, Generation, RetrievedChunk
from app.question.answer import declined, passages
from app.sentences import split_sentences
from app.settings import AnswerSection
from app.text import content_words, numbers, polarity, unsafe

_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
# How much nearer to a claim than its quote another sentence of the same passage may be.
_RIVAL_MARGIN = 0.05


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


def _introduces(sentence: str) -> bool:
    """Whether a sentence introduces what follows it (a list's lead-in ends in a colon)."""
    return sentence.rstrip().endswith(":")


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
        claims, dropped = _claims(raw, sources)
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
        quoted: dict[int, str] = {}
        text = ""
        previous_line: int | None = None
        for claim, quotes in supported:
            markers = []
            for index in claim.sources:
                if index not in quotes:
                    continue  # a marker whose passage does not bear the sentence out
                if index not in numbering:
                    numbering[index] = len(numbering) + 1
                # A citation's quote is the first sentence quoted from its passage that
                # states something: not a list's lead-in ("The minimum requirements are:")
                # when an item of it follows.
                if index not in quoted or _introduces(quoted[index]):
                    quoted[index] = quotes[index]
                markers.append(f"[{numbering[index]}]")
            separator = (
                "" if previous_line is None else (" " if claim.line == previous_line else "\n")
            )
            body, stop = (
                (claim.text[:-1], claim.text[-1]) if claim.text[-1] in ".?!" else (claim.text, "")
            )
            text += f"{separator}{body} {''.join(markers)}{stop}"
            previous_line = claim.line
        citations = tuple(
            Citation.from_chunk(number, sources[index], quoted[index])
            for index, number in numbering.items()
        )
        return Verified(text=text, citations=citations, dropped=dropped, abstained=False)

    def _support(
        self,
        claims: list[_Claim],
        sources: Sequence[RetrievedChunk],
        units: list[list[str]],
    ) -> list[dict[int, str]]:
        """For each claim: cited source index -> the passage sentence that supports it
        (empty when the claim is not supported).

        Each cited passage is judged on its own, against one sentence of it (the quote):
        the sentence closest in meaning among those that state every figure of the claim
        (the heading may supply a section number) and agree with it on negation and
        exceptions. The quote must hold enough of the claim's words (with the heading), or
        be close in meaning and hold half as many. A marker whose passage has no such
        sentence is dropped; a claim with more than two markers keeps none unless every one
        of them supports it."""
        cited = {i for claim in claims for i in claim.sources}
        flat = [(i, u) for i, source_units in enumerate(units) if i in cited for u in source_units]
        vectors = self._embedding.embed_cached([c.text for c in claims] + [u for _, u in flat])
        claim_vectors, unit_vectors = vectors[: len(claims)], vectors[len(claims) :]
        lexical, semantic = self._settings.support_lexical, self._settings.support_semantic
        # What each passage sentence states, read once for all the claims that cite it.
        unit_words = [content_words(u) for _, u in flat]
        unit_figures = [numbers(u) for _, u in flat]
        unit_stance = [polarity(u) for _, u in flat]
        results = []
        for k, claim in enumerate(claims):
            words = content_words(claim.text)
            figures = numbers(claim.text)
            stance = polarity(claim.text)
            quotes: dict[int, str] = {}
            for i in claim.sources:
                rows = [n for n, (owner, _) in enumerate(flat) if owner == i]
                if not rows:
                    continue
                heading = " ".join(sources[i].section_path)
                heading_figures = numbers(heading)
                similarity = unit_vectors[rows] @ claim_vectors[k]
                # How near each sentence is to the claim: in meaning, plus the share of the
                # claim's words it holds (the embedding alone barely tells "is eligible"
                # from "is not eligible"). The quote is the nearest sentence that states the
                # claim's figures and agrees with it on negation; when the nearest of all
                # does not, the claim contradicts its own source unless another sentence is
                # about as near (a figure swapped into the rule's own words must not be
                # backed by some other sentence that happens to hold it).
                nearness = [
                    float(similarity[r]) + len(words & unit_words[n]) / max(1, len(words))
                    for r, n in enumerate(rows)
                ]
                fits = [
                    r
                    for r, n in enumerate(rows)
                    if figures <= unit_figures[n] | heading_figures and unit_stance[n] == stance
                ]
                if not fits:
                    continue
                best = max(fits, key=lambda r: nearness[r])
                if nearness[best] < max(nearness) - _RIVAL_MARGIN:
                    continue
                quote = flat[rows[best]][1]
                share = len(words & content_words(f"{heading} {quote}")) / max(1, len(words))
                close = float(similarity[best]) >= semantic
                if share >= lexical or (close and share >= lexical / 2):
                    quotes[i] = quote
            if len(claim.sources) > 2 and len(quotes) < len(claim.sources):
                quotes = {}
            results.append(quotes)
        return results


def _claims(text: str, sources: Sequence[RetrievedChunk]) -> tuple[list[_Claim], int]:
    """Sentences with their valid markers; sentences with none, and sentences holding an
    instruction or a link or markup of their own, are dropped (counted)."""
    claims: list[_Claim] = []
    dropped = 0
    for number, line in enumerate(text.splitlines()):
        # A marker after the full stop belongs to the sentence before it.
        line = re.sub(r"([.?!])((?:\s*\[\d{1,3}\])+)", r"\2\1", line.strip())
        for sentence in split_sentences(line):
            cited = [int(m) for m in _MARKER.findall(sentence)]
            valid = tuple(dict.fromkeys(n - 1 for n in cited if 1 <= n <= len(sources)))
            clean = _MARKER.sub("", sentence).strip()
            if not clean:
                continue
            if not valid or _foreign(clean, [sources[i] for i in valid]):
                dropped += 1
                continue
            claims.append(_Claim(text=clean, sources=valid, line=number))
    return claims, dropped


def _foreign(sentence: str, cited: Sequence[RetrievedChunk]) -> bool:
    """Whether a sentence holds what no answer may: an instruction, or a link, e-mail address
    or markup that the passages it cites do not state themselves (a rule may name a web
    address; a model may not add one)."""
    flag = unsafe(sentence)
    if flag is None:
        return False
    kind, pieces = flag
    if kind == "instruction":
        return True
    own = " ".join(source.text for source in cited)
    return not all(piece in own for piece in pieces)

"""Sentence splitting shared by chunking, extractive answers and citation checks."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"([.?!][\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9\u00a7])")
# fmt: off
_ABBREVIATIONS = {
    "e.g.", "i.e.", "etc.", "u.s.", "no.", "nos.", "sec.", "art.", "inc.", "n.a.", "mr.", "ms.",
    "mrs.", "dr.", "vs.", "approx.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.",
    "sep.", "sept.", "oct.", "nov.", "dec.", "st.", "co.", "corp.", "ltd.", "para.", "pp.",
    "p.", "fig.", "ch.", "cf.", "u.s.c.", "c.f.r.", "cfr.", "reg.", "id.",
}
# fmt: on


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; abbreviations (e.g., U.S.C.) do not end a sentence."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        candidate = paragraph[start : match.end(1)]
        last_word = candidate.rsplit(None, 1)[-1].lower() if candidate.strip() else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        pieces.append(candidate.strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]

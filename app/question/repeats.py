"""The other occurrences of a found value: NER tags one mention of a name, a pattern one
format of a number; the rest of the question is searched for the value as found."""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from app.question.person_recognizer import norm
from app.question.vocabulary import FIELD_WORDS, NAME_LIKE, NOT_NAMES, POLICY_TERMS, is_english

NAME_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
Span = tuple[int, int, str, float]


class Repeats:
    """Finds the repeats of found values; knows which words are English (a name's English
    words repeat only as written)."""

    def __init__(self, english: frozenset[str]) -> None:
        self._english = english

    def add(
        self,
        text: str,
        spans: list[Span],
        protected: list[tuple[int, int]],
    ) -> list[Span]:
        """Add the other occurrences of each found value (NER may tag only one of them): the
        same value (a name in any case), and each word of a name that stands for the person
        on its own ("Did Garcia sign?" after "Maria Garcia"). An occurrence that overlaps a
        part of the same name found there grows it ("Did Patterson, Mark sign?")."""
        found = list(spans)
        for start, end, kind, score in spans:
            value = text[start:end]
            if sum(c.isalnum() for c in value) < (2 if kind == "PERSON" else 3):
                continue
            wanted: list[tuple[str, int]] = [(value, re.IGNORECASE if kind == "PERSON" else 0)]
            if kind == "PERSON":
                words = NAME_TOKEN.findall(value)
                if len(words) == 1 and norm(value) in NAME_LIKE:
                    wanted = []  # "Will", "Faith": the same word elsewhere is policy text
                elif len(words) > 1:
                    for word in dict.fromkeys(words):
                        flags = self.repeatable(word)
                        if flags is not None:
                            wanted.append((word, flags))
            edge = r"[\w-]" if kind == "PERSON" else r"\w"
            for piece, flags in wanted:
                for match in re.finditer(rf"(?<!{edge}){re.escape(piece)}(?!{edge})", text, flags):
                    found = merge(found, (*match.span(), kind, score), protected)
        return sorted(found)

    def repeatable(self, word: str) -> int | None:
        """How a word of a found name is looked for elsewhere on its own: in any case when it
        is no English word ("Garcia"), as written when it is a capitalised English word
        ("Medina", "Young"), never when it is policy vocabulary, a label or short."""
        folded = norm(word)
        common = folded in POLICY_TERMS or folded in STOP_WORDS or folded in NOT_NAMES
        if len(folded) < 3 or common or folded in FIELD_WORDS:
            return None
        if not is_english(folded, self._english):
            return re.IGNORECASE
        return 0 if word[0].isupper() else None


def merge(
    spans: list[Span],
    candidate: Span,
    protected: list[tuple[int, int]],
) -> list[Span]:
    """``spans`` with ``candidate`` added where it overlaps nothing, or grown into the spans
    of its own kind that it overlaps (none of another kind, no placeholder)."""
    start, end, kind, score = candidate
    if overlaps(start, end, protected):
        return spans
    hit = [s for s in spans if overlaps(start, end, [(s[0], s[1])])]
    if not hit:
        return [*spans, candidate]
    if any(s[2] != kind for s in hit) or all(s[0] <= start and end <= s[1] for s in hit):
        return spans
    rest = [s for s in spans if s not in hit]
    merged = (min(start, *(s[0] for s in hit)), max(end, *(s[1] for s in hit)), kind, score)
    return [*rest, merged]


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
